#!/bin/bash
# SPDX-License-Identifier: MIT
#
# gen_surge.sh BUILD_ROOT - surge-gen's surge population against surge-relay
# on memif (gen: memif server, one lcore on CPU 0; relay: memif client,
# worker on CPU 1), in four parts:
#   1. bad options: exit 2, the message names the option (no DPDK started);
#   2. no relay: exit 1 after --link-timeout, a partial JSON report;
#   3. 16 chat users at 10 k frames/s for 6 s; on top, 400 surge users sign
#      up from second 1 (--surge 400/2s: 200/s) and 150 of them log in again
#      at second 4 (--reconnect-storm 150@4/1), by full handshakes
#      (--no-resume; every TICKET the relay sends is counted, none kept).
#      From the JSON, the CSV and
#      `surgectl --json stats`: every sign-up and log-in completed, the
#      relay counted 416 sign-ups and 150 log-ins (handshakes - signups,
#      sessions_replaced), no data loss, every per-second column sums to its
#      total, CSV and JSON timelines agree, live sessions end at 416;
#   4. the relay killed mid-run: surge-gen exits 1 within 5 s with a partial
#      summary, JSON (ok false, the reason) and CSV.
# Unique names; everything removed on exit.
set -euo pipefail

B=${1:?usage: gen_surge.sh BUILD_ROOT}
PFX=sgsu$$
. "$(dirname "$0")/gen_lib.sh"
GEN="$B/gen/surge-gen"
gen_setup /tmp/surge-gen-surge.XXXXXX

# --- 1. bad options -------------------------------------------------------
bad_option() { # expected-name args...
	local want=$1 rc=0
	shift
	"$GEN" --relay-key "$T/relay.pub" "$@" > /dev/null 2> "$T/usage.err" || rc=$?
	[ "$rc" = 2 ] || fail "surge-gen $* exited $rc, not 2"
	grep -q -- "$want" "$T/usage.err" || fail "surge-gen $*: message does not name $want: $(head -2 "$T/usage.err")"
}
bad_option --surge --surge 3000000
bad_option --surge --surge 3000000/24x
bad_option --compress --surge 100/1h --compress 0
bad_option --reconnect-storm --surge 100/1h --reconnect-storm 10
bad_option --reconnect-storm --surge 100/1h --reconnect-storm 10@99 --duration 5
bad_option --surge-size --surge-size 5
bad_option --surge-size --surge 100/1h --surge-size 101
bad_option --hs-window --hs-window 0
bad_option --baseline --baseline -1
bad_option --bogus --bogus 1
bad_option --src-count --src-count 0
bad_option --src-count --src-count 65537
bad_option --src-count --src-base 198.19.255.0 --src-count 257
bad_option --src-base --src-base 10.0.0.2
bad_option --src-count --src-base 198.18.0.0 --src-count 4
bad_option --src-base --src-base 198.18.1.300 --src-count 4
echo "gen_surge: bad options refused with exit 2, naming the option"

# --- 2. no relay ------------------------------------------------------------
t0=$SECONDS
start_gen none --link-timeout 2 --linger 0 --json "$T/none.json"
rc=0; wait "$gen_pid" || rc=$?
gen_pid=
[ "$rc" = 1 ] || fail "no relay: exit $rc, not 1"
[ $((SECONDS - t0)) -le 10 ] || fail "no relay: took $((SECONDS - t0)) s"
grep -q "memif link did not come up in 2 s" "$T/none.err" || fail "no relay: no clear message"
grep -q "surge-gen summary (partial" "$T/none.out" || fail "no relay: no partial summary"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j["ok"] is False and "memif" in j["failed"] else 1)' \
	"$T/none.json" || fail "no relay: JSON does not say why"
echo "gen_surge: no relay: exit 1 after the link timeout, partial report"

# --- 3. a surge and a reconnect storm on top of chat traffic ----------------
start_gen main --users 16 --rate 10000 --duration 6 --verify-every 4 \
	--surge 400/2s --surge-at 1 --reconnect-storm 150@4/1 --no-resume \
	--json "$T/main.json" --csv "$T/main.csv" --link-timeout 20 --linger 10
start_relay main
finish_run main
python3 - "$T/main.json" "$T/main.csv" "$T/main.stats" <<'PY'
import csv, json, sys
g = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
r = json.load(open(sys.argv[3]))
s, tl, ctl = g["surge"], g["timeline"], r["control"]
SU, LI, CHAT = 400, 150, 16
def col(name, rows_=tl):
    return sum(int(x[name]) for x in rows_)
checks = [
    ("ok", g["ok"] is True),
    ("chat users signed up", g["handshakes"] == CHAT),
    ("all sign-ups offered and completed",
     s["signups_due"] == s["signups_offered"] == s["signups_done"] == SU),
    ("no sign-up failed or unfinished", s["signups_failed"] == 0 and s["signups_unfinished"] == 0),
    ("sign-ups answered SIGNED_UP", s["signups_known"] == 0),
    ("all log-ins completed", s["logins_started"] == s["logins_offered"] == s["logins_done"] == LI),
    ("--no-resume: full handshakes only", s["resume"] is False and s["ticket_table"] == 0
     and s["resumes_offered"] == s["resumes_done"] == s["resumes_failed"] == 0),
    ("every TICKET the relay sent is accounted for",
     ctl.get("tickets_sent", 0) == s["tickets"] + s["ticket_ignored"] + s["chat_tickets"]
     and s["tickets"] == 0 and s["ticket_bad"] == 0),
    ("no log-in failed or skipped", s["logins_failed"] == 0 and s["logins_skipped"] == 0),
    ("log-ins kept their user ids", s["login_mismatch"] == 0),
    ("no retries, late or bad answers", s["retries"] == 0 and s["late"] == 0 and s["resp_bad"] == 0),
    ("relay: sign-ups", ctl["signups"] == CHAT + SU),
    ("relay: log-ins = handshakes - sign-ups", ctl["handshakes"] - ctl["signups"] == LI),
    ("relay: sessions replaced by log-ins", ctl["sessions_replaced"] == LI),
    ("relay: live sessions", r["sessions"] == CHAT + SU),
    ("gen: live sessions", s["live_sessions"] == CHAT + SU),
    ("relay: no handshake refused", all(ctl[k] == 0 for k in ctl if k.startswith("handshake_"))),
    ("no data loss", g["loss"] == 0 and g["delivered"] == g["offered"] > 50000),
    ("relay forwarded = delivered", r["total"]["forwarded"] == g["delivered"]),
    ("every checked frame verified", g["verify_failed"] == 0 and g["verified"] > 10000),
    ("no unexpected frames", g["unexpected"] == 0),
    ("one row a second", len(tl) == 6 and [x["second"] for x in tl] == list(range(1, 7))),
    ("CSV rows = JSON rows", len(rows) == len(tl)),
    ("rows sum to totals: offered, delivered",
     col("offered") == g["offered"] and col("delivered") == g["delivered"]),
    ("rows sum to totals: sign-ups", col("signups_due") == s["signups_due"]
     and col("signups_offered") == SU and col("signups_done") == SU),
    ("rows sum to totals: log-ins", col("logins_offered") == LI and col("logins_done") == LI
     and col("resumes_offered") == col("resumes_done") == col("resumes_failed") == 0),
    ("CSV agrees with JSON", all(int(a[k]) == b[k] for a, b in zip(rows, tl)
     for k in ("offered", "delivered", "signups_done", "logins_done", "live_sessions",
               "resumes_done"))),
    ("sign-ups only from second 1 on", tl[0]["signups_offered"] == 0
     and tl[1]["signups_offered"] > 100 and tl[2]["signups_offered"] > 100),
    ("log-ins only in the storm", all(x["logins_offered"] == 0 for x in tl[:4])
     and sum(x["logins_done"] for x in tl[4:]) == LI),
    ("per-second handshake latency where handshakes completed",
     all(x["hs_p99_us"] > 0 for x in tl if x["signups_done"] + x["logins_done"] > 0)
     and all(x["hs_p99_us"] == 0 for x in tl if x["signups_done"] + x["logins_done"] == 0)),
    ("live sessions grow to the total", tl[-1]["live_sessions"] == CHAT + SU
     and all(a["live_sessions"] <= b["live_sessions"] for a, b in zip(tl, tl[1:]))),
    ("data latency of each second", all(x["lat_p99_us"] > 0 for x in tl)),
]
bad = [n for n, ok in checks if not ok]
print("gen_surge: %d sign-ups, %d log-ins, relay handshakes %d signups %d replaced %d; "
      "handshake p50 %.1f ms p99 %.1f ms; data offered %d delivered %d"
      % (s["signups_done"], s["logins_done"], ctl["handshakes"], ctl["signups"],
         ctl["sessions_replaced"], s["handshake_latency_us"]["p50"] / 1e3,
         s["handshake_latency_us"]["p99"] / 1e3, g["offered"], g["delivered"]))
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
PY

# --- 4. the relay stops mid-run ----------------------------------------------
start_gen stop --users 8 --rate 10000 --duration 20 --baseline 100 \
	--json "$T/stop.json" --csv "$T/stop.csv" --link-timeout 20 --linger 2
start_relay stop
for _ in $(seq 200); do
	grep -q "chatting" "$T/stop.err" 2>/dev/null && break
	sleep 0.1
done
grep -q "chatting" "$T/stop.err" || fail "stop: chat did not start: $(cat "$T/stop.err")"
sleep 2
kill -KILL "$relay_pid"
wait "$relay_pid" 2>/dev/null || true
relay_pid=
t0=$SECONDS
for _ in $(seq 50); do kill -0 "$gen_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$gen_pid" 2>/dev/null && fail "stop: surge-gen still running 5 s after the relay died"
rc=0; wait "$gen_pid" || rc=$?
gen_pid=
[ "$rc" = 1 ] || fail "stop: exit $rc, not 1"
grep -q "surge-gen summary (partial: the relay" "$T/stop.out" || fail "stop: no partial summary"
python3 - "$T/stop.json" "$T/stop.csv" <<'PY'
import csv, json, sys
g = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
tl = g["timeline"]
ok = (g["ok"] is False and "relay" in g["failed"] and 1 <= len(tl) < 20
      and len(rows) == len(tl) and g["offered"] > 0 and g["duration_s"] < 10
      and sum(x["offered"] for x in tl) == g["offered"])
print("gen_surge: relay killed: surge-gen said '%s' after %.1f s, %d rows"
      % (g["failed"], g["duration_s"], len(tl)))
sys.exit(0 if ok else "FAIL: the partial report is not what it should be")
PY
echo PASS
