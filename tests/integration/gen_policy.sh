#!/bin/bash
# SPDX-License-Identifier: MIT
#
# gen_policy.sh BUILD_ROOT - the content policy (docs/POLICY.md) counted
# frame by frame under memif traffic while the rules are reloaded.
# surge-relay (worker on CPU 1) runs rules A = rules/default.rules + 9001
# flag on surge-gen's marker; surge-gen offers a paced chat (a fifth
# secret, 1 % of all frames marked, every returned frame opened and
# checked).  While it runs, the file is swapped between A and B = A + 300
# rules (URLs, phrases, byte strings) that match nothing in the traffic, up
# to 10 times (at least 6: as many as fit in the traffic), each waited for: odd ones by `surgectl rules reload`, even
# ones by `surgectl config reload` with the relay's config file changed too
# (handshake_rate, mailbox_per_user: applied under traffic).  Then, with the counters cumulative
# over reloads: every reload answered, nothing lost, every frame delivered
# and verified; the relay scanned exactly the cloud frames sent, flagged
# exactly the marked cloud ones (rule 9001's hits too), found no other
# match (no default rule matches a generator body), dropped nothing and
# failed no scan.  Unique names; every wait bounded; cleaned up on exit.
set -euo pipefail

B=${1:?usage: gen_policy.sh BUILD_ROOT}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PFX=sgpg$$
RATE=25000      # frames/s offered (paced): the relay loses none of it here
# The relay compiles on a thread at nice +10 on CPU 0 (policy/job.h),
# beside surge-gen's busy-polling lcore: at nice 0 the generator left it a
# tenth of the CPU and a reload took 3-7 s (0.3 s on an idle CPU); at the
# same nice +10 (below) they share it.  surge-gen is paced and counts what it
# could not send; the relay's worker is alone on CPU 1.
SECONDS_RUN=40
RELOADS=10      # at most; as many as fit before the traffic's last 6 s
MIN_RELOADS=6   # at least (a slow, e.g. sanitizer, build compiles slower)
. "$(dirname "$0")/gen_lib.sh"
gen_setup /tmp/surge-gen-policy.XXXXXX

{ cat "$SRC/rules/default.rules"; echo "9001 flag - surge-policy-marker"; } > "$T/A.rules"
cp "$T/A.rules" "$T/B.rules"
# 300 rules no generator body matches: the body after its 16-byte prefix is
# bytes b, b + 7, b + 14 ... (gen/data.c), and these need letters or byte
# steps other than 7 and 8.
for i in $(seq 0 99); do
	printf '%u flag caseless https?://[^/\\s]*brand%03u-(verify|login)[^/\\s]*\\.(com|net|xyz)/\n' \
		$((7000 + i)) "$i"
	printf '%u count caseless unused phrase number %u (here|there)\n' $((7100 + i)) "$i"
	printf '%u flag - \\xfe\\xed\\xfa\\xce\\x%02x\\x%02x\n' $((7200 + i)) $((i * 2)) $((255 - i))
done >> "$T/B.rules"
[ "$(grep -c '^[0-9]' "$T/A.rules")" = 101 ] && [ "$(grep -c '^[0-9]' "$T/B.rules")" = 401 ] ||
	fail "rules files: $(grep -c '^[0-9]' "$T/A.rules") and $(grep -c '^[0-9]' "$T/B.rules") rules"
cp "$T/A.rules" "$T/policy.rules"

start_gen pol --users 16 --rate "$RATE" --secret 20 --match-pct 1 --duration "$SECONDS_RUN" \
	--verify-every 1 --json "$T/pol.json" --link-timeout 20 --linger 10
# surge-gen's lcore (its main thread) at the compile thread's nice +10.
renice -n 10 -p "$gen_pid" > /dev/null || fail "renice surge-gen"
printf 'rules_file = %s\nhandshake_rate = 20\n' "$T/policy.rules" > "$T/relay.conf"
start_relay pol --config "$T/relay.conf"

# The reloads start once the chat does (sign-ups done), and must all be
# answered before the traffic phase ends.
for _ in $(seq 300); do grep -q "chatting for" "$T/pol.err" 2>/dev/null && break; sleep 0.1; done
grep -q "chatting for" "$T/pol.err" || fail "no chat phase: $(cat "$T/pol.err" "$T/pol.relay")"
sleep 1
ok=0
done_n=0
win0=$EPOCHREALTIME
until_s=$((${EPOCHREALTIME%.*} + SECONDS_RUN - 8))
for i in $(seq 1 "$RELOADS"); do
	[ "${EPOCHREALTIME%.*}" -lt "$until_s" ] || break
	done_n=$i
	f=$([ $((i % 2)) = 1 ] && echo B || echo A)
	cp "$T/$f.rules" "$T/policy.rules.new"
	mv "$T/policy.rules.new" "$T/policy.rules" # never a half-written file
	rc=0
	t0=${EPOCHREALTIME/./}
	if [ $((i % 2)) = 1 ]; then
		how="rules reload"
		timeout 30 "$B/control/surgectl" --socket "$T/pol.ctl" rules reload \
			> "$T/reload.out" 2>&1 || rc=$?
	else
		how="config reload"
		printf 'rules_file = %s\nhandshake_rate = %u\nmailbox_per_user = %u\n' \
			"$T/policy.rules" $((20 + i)) $((200 + i)) > "$T/relay.conf"
		timeout 30 "$B/control/surgectl" --socket "$T/pol.ctl" config reload \
			> "$T/reload.out" 2>&1 || rc=$?
		grep -q "^config reloaded: changed and applied: handshake_rate, mailbox_per_user" \
			"$T/reload.out" || rc=9
	fi
	echo "reload $i ($f, $how): exit $rc in $(((${EPOCHREALTIME/./} - t0) / 1000)) ms"
	if [ "$rc" = 0 ] && grep -q "^rules reloaded from" "$T/reload.out"; then
		ok=$((ok + 1))
	else
		echo "reload $i ($f): exit $rc: $(cat "$T/reload.out")" >&2
	fi
	last=$f
	sleep 0.2
done
win1=$EPOCHREALTIME
! grep -q "surge-gen summary" "$T/pol.out" ||
	fail "the traffic ended before the last reload: lower RELOADS or raise SECONDS_RUN"
[ "$done_n" -ge "$MIN_RELOADS" ] ||
	fail "only $done_n reloads fitted in the traffic (at least $MIN_RELOADS wanted)"
echo "gen_policy: $ok of $done_n reloads answered OK (last: $last) while the traffic ran"
finish_run pol

python3 - "$T/pol.json" "$T/pol.stats" "$ok" "$done_n" "$last" "$win0" "$win1" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
p = json.load(open(sys.argv[2]))["policy"]
ok, reloads, last = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
win0, win1 = float(sys.argv[6]), float(sys.argv[7])
# The seconds of the timeline wholly inside the reloads: frames flowed in each.
during = [r for r in g["timeline"] if r["t_unix"] - r["dt_s"] >= win0 and r["t_unix"] <= win1]
hits = p["hits"]
cloud, marked = g["cloud_sent"], g["marked_cloud_sent"]
print("gen: offered %d delivered %d verified %d verify_failed %d loss %d policy_blocked %d"
      % (g["offered"], g["delivered"], g["verified"], g["verify_failed"], g["loss"],
         g["policy_blocked"]))
print("gen: cloud_sent %d marked_cloud_sent %d secret_sent %d marked_secret_sent %d"
      % (cloud, marked, g["secret_sent"], g["marked_secret_sent"]))
print("reloads: %.1f s, %d whole seconds of traffic in them, delivered per second %s..%s"
      % (win1 - win0, len(during), min((r["delivered"] for r in during), default="-"),
         max((r["delivered"] for r in during), default="-")))
print("relay policy: rules %d scanned %d no_match %d count %d flag %d drop %d errors %d "
      "hits[9001] %s" % (p["rules"], p["scanned"], p["no_match"], p["count"], p["flag"],
                         p["drop"], p["errors"], hits.get("9001")))
checks = [
    ("every reload answered OK (%d of %d)" % (ok, reloads), ok == reloads),
    ("the last file's rules in force", p["rules"] == (401 if last == "B" else 101)),
    ("surge-gen ok", g["ok"] is True),
    ("traffic in every second of the reloads", len(during) >= 3 and
     all(r["delivered"] > 0 for r in during)),
    ("at least 100000 frames", g["offered"] >= 100000),
    ("lost == 0", g["loss"] == 0),
    ("every frame sent delivered", g["delivered"] == g["offered"]),
    ("every frame delivered verified", g["verified"] == g["delivered"] and g["verify_failed"] == 0),
    ("nothing answered POLICY_BLOCKED", g["policy_blocked"] == 0 and g["policy_blocked_bad"] == 0
     and g["replies"]["policy_blocked"] == 0),
    ("class split sums to offered", cloud + g["secret_sent"] == g["offered"]),
    ("marked frames of both classes", marked > 0 and g["marked_secret_sent"] > 0),
    ("scanned == cloud_sent (cumulative over reloads)", p["scanned"] == cloud),
    ("flag == hits[9001] == marked_cloud_sent", p["flag"] == hits.get("9001") == marked),
    ("no_match == cloud_sent - marked_cloud_sent", p["no_match"] == cloud - marked),
    ("count == 0", p["count"] == 0),
    ("drop == 0", p["drop"] == 0),
    ("errors == 0", p["errors"] == 0),
    ("no other rule hit", all(v == 0 for k, v in hits.items() if k != "9001")),
    ("no unexpected frames", g["unexpected"] == 0),
]
for name, good in checks:
    print("  %-50s %s" % (name, "ok" if good else "FAILED"))
bad = [n for n, good in checks if not good]
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
print("PASS")
PY
