#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tap_capture.sh BUILD_ROOT - packet capture (docs/OPERATIONS.md "Packet
# capture") in surge-relay on net_tap in a network namespace, read back by
# tshark and by the surge dissector (scripts/surge.lua):
#   A. a port capture around a known exchange (alice connects, sends 5
#      messages to bob): `capture stop` answers once the file is closed, and
#      the dissector finds exactly 1 handshake request, 1 response and 10 DATA
#      (5 in from alice, 5 out to bob);
#   B. a port capture with --count 50 under more traffic stops by itself at
#      50 (status says so) and tshark reads 50 frames; the file is mode 0600;
#   C. a capture of alice's session holds her frames only: her DATA in, the
#      DATA bob sends her out, nothing of bob's own session;
#   D. --size 8K stops it by itself within 8 KiB;
#   E. bad input: no --file, --port and --session together, a directory that
#      does not exist, count 0, an existing file, an unknown port, a second
#      start while one runs (busy), a relay that is not running: each a
#      one-line error and a non-zero exit.
set -euo pipefail

B=${1:?usage: tap_capture.sh BUILD_ROOT}
LUA="$(cd "$(dirname "$0")/../.." && pwd)/scripts/surge.lua"
STEM=sgca
command -v tshark > /dev/null || { echo "FAIL: tshark is missing (scripts/deps installs it)" >&2; exit 1; }
[ -r "$LUA" ] || { echo "FAIL: no $LUA" >&2; exit 1; }
. "$(dirname "$0")/tap_lib.sh"
tap_setup
tap_start_relay

sc() { "$B/control/surgectl" --socket "$T/relay.sock" "$@"; }
cap() { # cap FIELD: one field of `surgectl --json capture status`
	sc --json capture status | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
wait_stopped() { # wait_stopped REASON: bounded wait for the capture to stop
	for _ in $(seq 100); do
		[ "$(cap state)" = stopped ] && break
		sleep 0.1
	done
	[ "$(cap state)" = stopped ] && [ "$(cap stop_reason)" = "$1" ] ||
		fail "capture did not stop ($1): $(sc capture status)"
}
tsh() { # tsh FILE FILTER: frames of FILE matching FILTER, through the dissector
	timeout 60 tshark -n -X "lua_script:$LUA" -r "$1" -Y "$2" 2> /dev/null | wc -l
}
expect_exit() { # expect_exit CODE WHAT ARGS...: surgectl fails with CODE and one line
	local code=$1 what=$2 rc=0
	shift 2
	timeout 20 "$B/control/surgectl" --socket "$T/relay.sock" "$@" > "$T/e.out" 2> "$T/e.err" || rc=$?
	[ "$rc" = "$code" ] || fail "$what: exit $rc, expected $code: $(cat "$T/e.err")"
	[ -s "$T/e.err" ] && [ "$(grep -c '^surgectl: ' "$T/e.err")" = 1 ] ||
		fail "$what: not a one-line error: $(cat "$T/e.err")"
	echo "  $what: exit $rc: $(head -1 "$T/e.err")"
}

"$B/client/surge-chat" --genkey --key "$T/alice.key" > /dev/null
"$B/client/surge-chat" --genkey --key "$T/bob.key" > /dev/null
echo "sleep 50" | chat "$T/alice.key" > "$T/a0.out"
grep -q "connected user 1 " "$T/a0.out" || fail "alice sign-up: $(cat "$T/a0.out")"
[ "$(cap state)" = idle ] || fail "a capture before any start: $(sc capture status)"

# Bob stays connected (input from a FIFO) for the whole test.
mkfifo "$T/b.in" "$T/a.in"
chat "$T/bob.key" < "$T/b.in" > "$T/b.out" 2>&1 &
exec 4> "$T/b.in"
until_grep "$T/b.out" "connected user 2" 1

# A. A port capture around a known exchange, read by the dissector.
sc capture start --port 0 --file "$T/a.pcapng" > "$T/start.out"
grep -q "capture 1: running, port 0 into $T/a.pcapng" "$T/start.out" ||
	fail "start: $(cat "$T/start.out")"
chat "$T/alice.key" < "$T/a.in" > "$T/a.out" 2>&1 &
exec 5> "$T/a.in"
until_grep "$T/a.out" "connected user 1" 1
for i in 1 2 3 4 5; do echo "2 hello $i" >&5; done
until_grep "$T/b.out" "text=hello " 5
sleep 0.3 # the relay's last copies reach their ring
sc capture stop > "$T/stop.out"
grep -q "capture 1: stopped (operator)" "$T/stop.out" || fail "stop: $(cat "$T/stop.out")"
[ "$(cap written)" -gt 0 ] && [ "$(cap dropped)" = 0 ] || fail "A: $(sc capture status)"
n_all=$(timeout 60 tshark -n -r "$T/a.pcapng" 2> /dev/null | wc -l)
[ "$n_all" = "$(cap written)" ] || fail "A: tshark read $n_all frames, status says $(cap written)"
hs_req=$(tsh "$T/a.pcapng" "surge.type == 1 || surge.type == 11")
hs_resp=$(tsh "$T/a.pcapng" "surge.type == 2 || surge.type == 13")
data_in=$(tsh "$T/a.pcapng" "surge.type == 4 && udp.dstport == 7443")
data_out=$(tsh "$T/a.pcapng" "surge.type == 4 && udp.srcport == 7443")
[ "$hs_req" = 1 ] && [ "$hs_resp" = 1 ] && [ "$data_in" = 5 ] && [ "$data_out" = 5 ] ||
	fail "A: dissector counts: handshake $hs_req/$hs_resp, DATA in $data_in out $data_out"
# pcapng direction flags: 1 inbound, 2 outbound
[ "$(tsh "$T/a.pcapng" "surge.type == 4 && frame.packet_flags_direction == 1 && udp.dstport == 7443")" = 5 ] &&
	[ "$(tsh "$T/a.pcapng" "surge.type == 4 && frame.packet_flags_direction == 2 && udp.srcport == 7443")" = 5 ] ||
	fail "A: direction flags"
t0=$(timeout 60 tshark -n -r "$T/a.pcapng" -T fields -e frame.time_epoch -c 1 2> /dev/null)
python3 -c 'import sys, time; sys.exit(abs(float(sys.argv[1]) - time.time()) > 120)' "$t0" ||
	fail "A: first frame's time $t0, now $(date +%s)"
tsh "$T/a.pcapng" "surge.body_len == 7 && surge.ciphertext_len == 31" | grep -qx 10 ||
	fail "A: DATA lengths (7-byte bodies) not shown as sealed: $(timeout 60 tshark -n -X "lua_script:$LUA" -r "$T/a.pcapng" -Y surge 2>&1 | head -20)"
# Alice's session: the relay's index in its response; her UDP port.
read -r a_idx a_port < <(timeout 60 tshark -n -X "lua_script:$LUA" -r "$T/a.pcapng" \
	-Y "surge.type == 2 || surge.type == 13" -T fields -e surge.sender_index -e udp.dstport 2> /dev/null)
[ -n "$a_idx" ] && [ -n "$a_port" ] || fail "A: no handshake response with a sender index"
timeout 60 tshark -n -X "lua_script:$LUA" -r "$T/a.pcapng" -Y surge 2> /dev/null | head -5
echo "A: port capture: $n_all frames; dissector: 1 handshake, 1 response, DATA 5 in + 5 out; alice's session $a_idx (port $a_port)"

# B. --count 50 under 40 messages (80 DATA frames): stops by itself at 50.
sc capture start --port 0 --file "$T/b.pcapng" --count 50 > /dev/null
for i in $(seq 40); do echo "2 burst $i" >&5; done
until_grep "$T/b.out" "text=burst " 40
wait_stopped count
[ "$(cap written)" = 50 ] || fail "B: written $(cap written)"
sc capture status | grep -q "capture 2: stopped (count limit reached)" || fail "B: $(sc capture status)"
n=$(timeout 60 tshark -n -r "$T/b.pcapng" 2> /dev/null | wc -l)
[ "$n" = 50 ] || fail "B: tshark read $n frames, expected 50"
[ "$(stat -c %a "$T/b.pcapng")" = 600 ] || fail "B: file mode $(stat -c %a "$T/b.pcapng")"
echo "B: --count 50 stopped by itself at 50 frames (tshark: $n), mode 600"

# C. Alice's session only: 3 DATA from her, 2 from bob to her; bob's own frames absent.
sc capture start --session "$((a_idx))" --file "$T/c.pcapng" > /dev/null
for i in 1 2 3; do echo "2 mine $i" >&5; done
for i in 1 2; do echo "1 yours $i" >&4; done
until_grep "$T/b.out" "text=mine " 3
until_grep "$T/a.out" "text=yours " 2
sleep 0.3
sc capture stop > /dev/null
[ "$(cap mode)" = session ] && [ "$(cap session)" = "$((a_idx))" ] || fail "C: $(sc capture status)"
c_all=$(tsh "$T/c.pcapng" "frame")
c_in=$(tsh "$T/c.pcapng" "surge.type == 4 && udp.dstport == 7443 && udp.srcport == $a_port && surge.receiver_index == $a_idx")
c_out=$(tsh "$T/c.pcapng" "surge.type == 4 && udp.srcport == 7443 && udp.dstport == $a_port")
c_other=$(tsh "$T/c.pcapng" "!(udp.srcport == $a_port || udp.dstport == $a_port)")
[ "$c_in" = 3 ] && [ "$c_out" = 2 ] && [ "$c_other" = 0 ] && [ "$c_all" = "$(cap written)" ] ||
	fail "C: session capture: all $c_all, DATA in $c_in out $c_out, others $c_other"
echo "C: session capture: $c_all frames, alice's DATA 3 in + 2 out, nothing of bob's session"

# D. --size 8K under 40 longer messages: stops by itself within 8 KiB.
sc capture start --port 0 --file "$T/e.pcapng" --size 8K > /dev/null
pad=$(printf 'x%.0s' $(seq 200))
for i in $(seq 40); do echo "2 big $i $pad" >&5; done
until_grep "$T/b.out" "text=big " 40
wait_stopped size
sz=$(stat -c %s "$T/e.pcapng")
[ "$sz" -le 8192 ] && [ "$sz" = "$(cap bytes)" ] && [ "$(cap over_limit)" -gt 0 ] ||
	fail "D: file $sz bytes: $(sc capture status)"
n=$(timeout 60 tshark -n -r "$T/e.pcapng" 2> /dev/null | wc -l)
[ "$n" = "$(cap written)" ] || fail "D: tshark read $n frames, status says $(cap written)"
echo "D: --size 8K stopped by itself at $sz bytes, $n frames"

# E. Bad input.
sc --json capture status | python3 -c 'import json,sys; d = json.load(sys.stdin); assert d["state"] == "stopped" and d["id"] == 4, d' ||
	fail "E: --json capture status"
expect_exit 2 "no --file" capture start --port 0
expect_exit 2 "--port and --session" capture start --port 0 --session 5 --file "$T/x.pcapng"
expect_exit 2 "count 0" capture start --port 0 --file "$T/x.pcapng" --count 0
expect_exit 2 "count over the maximum" capture start --port 0 --file "$T/x.pcapng" --count 1000001
expect_exit 2 "size over the maximum" capture start --port 0 --file "$T/x.pcapng" --size 2G
expect_exit 2 "unknown sub-command" capture begin
expect_exit 1 "missing directory" capture start --port 0 --file "$T/nodir/x.pcapng"
expect_exit 1 "existing file" capture start --port 0 --file "$T/a.pcapng"
expect_exit 1 "unknown port" capture start --port 7 --file "$T/x.pcapng"
expect_exit 1 "no live session" capture start --session 4294967295 --file "$T/x.pcapng"
expect_exit 1 "stop without a capture" capture stop
[ ! -e "$T/x.pcapng" ] && [ ! -e "$T/nodir" ] || fail "E: a refused start left a file"
sc capture start --port 0 --file "$T/d.pcapng" > /dev/null
expect_exit 1 "second start" capture start --port 0 --file "$T/e.pcapng"
grep -q "busy: capture 5 (port 0 into $T/d.pcapng) is running" "$T/e.err" || fail "E: busy: $(cat "$T/e.err")"
sc capture stop > /dev/null
rc=0
timeout 20 "$B/control/surgectl" --socket "$T/none.sock" capture status > /dev/null 2> "$T/e.err" || rc=$?
[ "$rc" = 3 ] || fail "E: relay not running: exit $rc: $(cat "$T/e.err")"
echo "E: bad input refused (exit 2 usage, 1 relay, 3 unreachable)"

echo "/quit" >&5
echo "/quit" >&4
exec 4>&- 5>&-
kill -0 "$relay_pid" || fail "relay died"
echo "PASS"
