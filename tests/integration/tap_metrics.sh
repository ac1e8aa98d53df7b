#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tap_metrics.sh BUILD_ROOT - the relay's metrics (docs/OPERATIONS.md,
# "Metrics"), surge-relay on net_tap in a network namespace with two
# surge-chat users who sign up and chat:
# - GET /metrics on metrics_listen passes `promtool check metrics` (the
#   parser and linter of Prometheus itself) with no complaint;
# - every control counter and every worker counter of `surgectl --json
#   stats` is a series of the same value (stats read between two scrapes);
#   handshakes and worker 0's rx frames are printed;
# - other paths get 404, other methods 405;
# - slow clients (idle connections filling every slot, a request cut in the
#   middle) do not stop `surgectl status` or the next scrape, and are
#   dropped at their 2 s deadline;
# - DPDK's own dpdk-telemetry.py, run non-interactively, reads /surge/stats
#   with the same handshakes, /surge/workers,0 and /surge/policy;
# - per-rule hits of a rules file as surge_policy_rule_hits_total{rule=...}
#   and as /surge/policy,0; 450 rules paged 200 at a time by /surge/policy,N
#   and their 450 series still clean for promtool;
# - a bad metrics_listen is refused at start with the reason.
set -euo pipefail

B=${1:?usage: tap_metrics.sh BUILD_ROOT}
STEM=sgme
. "$(dirname "$0")/tap_lib.sh"
command -v promtool > /dev/null || fail "promtool missing (Debian package prometheus: scripts/deps)"
command -v curl > /dev/null || fail "curl missing (scripts/deps)"
TELEMETRY=/usr/bin/dpdk-telemetry.py
[ -x "$TELEMETRY" ] || fail "$TELEMETRY missing (Debian package dpdk-dev: scripts/deps)"

tap_setup
# A bad address is refused before anything starts.
rc=0
"$B/dataplane/surge-relay" --address4 "$net.1" --key-file "$T/relay.key" \
	--metrics-listen localhost:80 > /dev/null 2> "$T/bad.err" || rc=$?
[ "$rc" = 2 ] && grep -q "metrics_listen: 'localhost:80': not an IPv4 address" "$T/bad.err" ||
	fail "bad metrics_listen: exit $rc: $(cat "$T/bad.err")"

port=$(( 20000 + $$ % 20000 ))
url=http://127.0.0.1:$port/metrics
printf '1001 count caseless hello\n1002 drop - never-sent\n' > "$T/policy.rules"
tap_start_relay --metrics-listen "127.0.0.1:$port" --rules-file "$T/policy.rules"
sctl() { "$B/control/surgectl" --socket "$T/relay.sock" "$@"; }

# Traffic: alice signs up, bob stays connected, alice writes to bob.
"$B/client/surge-chat" --genkey --key "$T/alice.key" > /dev/null
"$B/client/surge-chat" --genkey --key "$T/bob.key" > /dev/null
echo "sleep 50" | chat "$T/alice.key" > "$T/a0.out"
grep -q "connected user 1 signed_up=1" "$T/a0.out" || fail "alice sign-up: $(cat "$T/a0.out")"
mkfifo "$T/b.in"
chat "$T/bob.key" < "$T/b.in" > "$T/b.out" 2>&1 &
bob_pid=$!
exec 4> "$T/b.in"
until_grep "$T/b.out" "connected user 2" 1
printf '%s\n' "2 hello bob" "2 second" "sleep 300" | chat "$T/alice.key" > "$T/a1.out" 2>&1 ||
	fail "alice: $(cat "$T/a1.out")"
until_grep "$T/b.out" "text=second" 1

# 1. The exposition, checked by Prometheus' own parser and linter.
curl -sS -m 5 -o "$T/m1.txt" -w '%{http_code} %{content_type}\n' "$url" > "$T/h1" || fail "curl: exit $?"
grep -q "^200 text/plain; version=0.0.4" "$T/h1" || fail "scrape: $(cat "$T/h1")"
! grep -q "no Prometheus endpoint" "$T/relay.log" || fail "$(cat "$T/relay.log")"
rc=0
promtool check metrics < "$T/m1.txt" > "$T/lint" 2>&1 || rc=$?
[ "$rc" = 0 ] && [ ! -s "$T/lint" ] || fail "promtool check metrics: exit $rc: $(cat "$T/lint")"
echo "metrics: $(grep -vc '^#' "$T/m1.txt") series in $(grep -c '^# TYPE' "$T/m1.txt") families, promtool check metrics: clean"

# 2. The same counters as `surgectl --json stats`: m1 <= stats <= m2.
stats > "$T/s.json"
curl -sS -m 5 -o "$T/m2.txt" "$url" || fail "second scrape"
python3 - "$T/m1.txt" "$T/s.json" "$T/m2.txt" <<'PY' || fail "metrics and stats disagree"
import json, re, sys

def parse(path):
    out = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r'^([a-z0-9_]+)(\{[^}]*\})? (\S+)$', line.strip())
        assert m, "unparsable line: " + line
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out

m1, s, m2 = parse(sys.argv[1]), json.load(open(sys.argv[2])), parse(sys.argv[3])
checked = 0
def check(series, value):
    global checked
    assert series in m1 and series in m2, "no series " + series
    assert m1[series] <= value <= m2[series], "%s: metrics %s..%s, stats %s" % (
        series, m1[series], m2[series], value)
    checked += 1

for name, v in s["control"].items():
    check("surge_%s_total" % name, v)
check("surge_sessions", s["sessions"])
check("surge_users", s["users"])
for w in s["workers"]:
    for k in ("rx_frames", "rx_bytes", "tx_frames", "tx_bytes", "forwarded", "keepalives",
              "to_control", "arp", "icmp", "ndp", "cookie_replies"):
        check('surge_worker_%s_total{worker="%d"}' % (k, w["id"]), w[k])
    for reason, v in w["drops"].items():
        check('surge_worker_drops_total{worker="%d",reason="%s"}' % (w["id"], reason), v)
hs = s["control"]["handshakes"]
busy = max(s["workers"], key=lambda w: w["rx_frames"]) # net_tap: the kernel picks the queue
rx = busy["rx_frames"]
rxm = 'surge_worker_rx_frames_total{worker="%d"}' % busy["id"]
assert hs == 3 and m1["surge_handshakes_total"] == hs, "handshakes %s, metrics %s" % (hs, m1["surge_handshakes_total"])
assert s["control"]["signups"] == 2 and m1["surge_signups_total"] == 2
assert s["users"] == 2 and m1["surge_users"] == 2
assert rx >= 3 and m1[rxm] >= 3, (rx, m1[rxm])
assert sum(w["rx_frames"] for w in s["workers"]) == s["total"]["rx_frames"]
assert m1['surge_policy_rule_hits_total{rule="1001"}'] == s["policy"]["hits"]["1001"] == 1
assert m1['surge_policy_rule_hits_total{rule="1002"}'] == 0
assert m1['surge_policy_verdicts_total{verdict="count"}'] == 1 and m1["surge_policy_rules"] == 2
fwd = s["total"]["forwarded"]
assert fwd >= 2, "forwarded %d" % fwd
print("metrics = stats: %d series checked; handshakes %d, signups 2, worker %d rx_frames %d (metrics %d..%d), forwarded %d" % (
    checked, hs, busy["id"], rx, m1[rxm], m2[rxm], fwd))
PY

# 3. Only GET /metrics.
[ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 404 ] || fail "GET / not 404"
[ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST "$url")" = 405 ] || fail "POST not 405"
[ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 5000 /dev/zero | tr '\0' a)" "$url")" = 431 ] ||
	fail "an oversized head is not 431"
echo "metrics: GET / 404, POST 405, a 5000-byte header 431"

# 4. Slow clients: one with half a request, then idle connections in every
# slot (8) and one more; the operator socket answers at once meanwhile, and
# all of them are dropped at their deadline, after which a scrape works.
python3 - "$port" "$B/control/surgectl" "$T/relay.sock" <<'PY' || fail "slow clients"
import socket, subprocess, sys, time
port, surgectl, sock = int(sys.argv[1]), sys.argv[2], sys.argv[3]
conns = []
half = socket.create_connection(("127.0.0.1", port), timeout=5)
half.sendall(b"GET /metr")
conns.append(half)
for _ in range(8):
    conns.append(socket.create_connection(("127.0.0.1", port), timeout=5))
t0 = time.monotonic()
out = subprocess.run([surgectl, "--socket", sock, "status"], capture_output=True, timeout=5)
dt_status = time.monotonic() - t0
assert out.returncode == 0 and b"surge-relay" in out.stdout, out
assert dt_status < 0.5, "status took %.3f s behind slow metrics clients" % dt_status
# Every one is closed by the relay within its 2 s deadline (and a bit).
t0 = time.monotonic()
closed = 0
for c in conns:
    c.settimeout(max(0.1, 4.0 - (time.monotonic() - t0)))
    try:
        data = c.recv(4096)
        closed += data == b""
    except ConnectionResetError:
        closed += 1
    except socket.timeout:
        pass
dt = time.monotonic() - t0
assert closed == len(conns), "%d of %d slow connections closed after %.1f s" % (closed, len(conns), dt)
assert dt < 3.5, "slow connections closed after %.1f s" % dt
print("slow clients: status answered in %.0f ms behind %d slow metrics connections; the relay closed all within %.1f s" % (
    1000 * dt_status, len(conns), dt))
PY
curl -sS -m 5 -o "$T/m3.txt" "$url" || fail "scrape after the slow clients"
grep -q '^surge_handshakes_total 3$' "$T/m3.txt" || fail "scrape after slow clients: $(grep handshakes "$T/m3.txt")"

# 5. DPDK telemetry: dpdk-telemetry.py reads commands from its stdin.
sleep 1.2 # the snapshot is at most a second old
printf '%s\n' /surge/stats /surge/workers,0 /surge/workers /surge/policy /surge/policy,0 |
	timeout 10 "$TELEMETRY" -f "$STEM$$" > "$T/tel.out" 2>&1 || fail "dpdk-telemetry.py: $(cat "$T/tel.out")"
python3 - "$T/tel.out" "$T/s.json" <<'PY' || fail "telemetry: $(cat "$T/tel.out")"
import json, sys
# One JSON line per command, in order, keyed by the command without its parameter.
asked = ["/surge/stats", "/surge/workers,0", "/surge/workers", "/surge/policy", "/surge/policy,0"]
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
assert len(lines) == len(asked), lines
replies = {a: l[a.split(",")[0]] for a, l in zip(asked, lines)}
s = json.load(open(sys.argv[2]))
st = replies["/surge/stats"]
assert st is not None, "no /surge/stats"
assert st["handshakes"] == s["control"]["handshakes"] == 3, (st["handshakes"], s["control"]["handshakes"])
assert st["signups"] == 2 and st["users"] == 2, st
for name in s["control"]:
    assert name in st, "telemetry /surge/stats lacks " + name
w0 = replies["/surge/workers,0"]
assert w0["id"] == 0 and w0["rx_frames"] >= s["workers"][0]["rx_frames"], (w0, s["workers"][0]["rx_frames"])
assert w0["drops"]["tag"] == s["workers"][0]["drops"]["tag"] and len(w0["drops"]) == len(s["workers"][0]["drops"]), w0["drops"]
tot = replies["/surge/workers"]
assert tot["rx_frames"] >= s["total"]["rx_frames"] >= 3 and tot["queues"] == len(s["workers"]), tot
pol = replies["/surge/policy"]
assert pol["rules"] == 2 and pol["rule_pages"] == 1 and pol["verdicts"]["count"] == 1, pol
assert pol["loads"] == st["policy_loads"] == s["control"]["policy_loads"], pol
assert replies["/surge/policy,0"]["hits"] == {"1001": 1, "1002": 0}, replies["/surge/policy,0"]
print("telemetry: dpdk-telemetry.py /surge/stats handshakes %d (stats %d), /surge/workers rx_frames %d (stats %d), %d keys in /surge/stats" % (
    st["handshakes"], s["control"]["handshakes"], tot["rx_frames"], s["total"]["rx_frames"], len(st)))
PY

# 6. 450 rules: /surge/policy pages them 200 at a time (a 22.11 reply holds
# at most 256 dict entries), and the exposition still passes promtool.
python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(450):
        f.write("%d count - marker-%04d\n" % (5000 + i, i))' "$T/policy.rules"
sctl rules reload > "$T/reload.out" || fail "reload of 450 rules: $(cat "$T/reload.out")"
sleep 1.2
printf '%s\n' /surge/policy /surge/policy,0 /surge/policy,1 /surge/policy,2 /surge/policy,3 |
	timeout 10 "$TELEMETRY" -f "$STEM$$" > "$T/tel2.out" 2>&1 || fail "dpdk-telemetry.py: $(cat "$T/tel2.out")"
python3 - "$T/tel2.out" <<'PY' || fail "telemetry pages: $(cat "$T/tel2.out")"
import json, sys
r = [json.loads(l)["/surge/policy"] for l in open(sys.argv[1]) if l.startswith("{")]
assert len(r) == 5, r
assert r[0]["rules"] == 450 and r[0]["rule_pages"] == 3, r[0]
sizes = [len(p["hits"]) for p in r[1:]]
assert sizes == [200, 200, 50, 0], sizes
ids = sorted(int(k) for p in r[1:] for k in p["hits"])
assert ids == list(range(5000, 5450)), ids[:5]
print("telemetry: 450 rules in /surge/policy pages of %s" % sizes[:3])
PY
curl -sS -m 5 -o "$T/m4.txt" "$url" || fail "scrape with 450 rules"
promtool check metrics < "$T/m4.txt" > "$T/lint" 2>&1 && [ ! -s "$T/lint" ] || fail "promtool: $(cat "$T/lint")"
[ "$(grep -c '^surge_policy_rule_hits_total{rule="' "$T/m4.txt")" = 450 ] || fail "rule hits series"
echo "metrics: 450 rules, $(wc -c < "$T/m4.txt") bytes, promtool check metrics: clean"
exec 4>&-
wait "$bob_pid" || fail "bob: $(cat "$T/b.out")"
echo PASS
