#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tap_chat.sh BUILD_ROOT [tap|af_packet] - surge-relay on net_tap (its
# interface moved into a network namespace made here), or on net_af_packet
# bound to one end of a veth pair whose other end is in that namespace
# (198.18.N.0/24, 2001:2:0:N::/64); two surge-chat clients in the
# namespace sign up and exchange cloud and secret messages both ways; hostile
# frames are sent and must be dropped under the right reasons while the
# honest clients keep working; the relay's counters must agree.  No
# hugepages.  Unique names per run; everything is removed on exit.
set -euo pipefail

B=${1:?usage: tap_chat.sh BUILD_ROOT [tap|af_packet]}
pmd=${2:-tap}
HERE=$(cd "$(dirname "$0")" && pwd)
id=$(( $$ % 200 + 20 ))
ns=sgtap$$
tap=sgt$$
net=198.18.$id
net6=2001:2:0:$id
T=$(mktemp -d /tmp/surge-tap.XXXXXX)
relay_pid=

fail() { echo "FAIL: $*" >&2; exit 1; }
. "$HERE/mbufs_lib.sh"
cleanup() {
	if [ -n "$relay_pid" ] && kill -0 "$relay_pid" 2>/dev/null; then
		kill -TERM "$relay_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$relay_pid" 2>/dev/null || true
	fi
	ip netns del "$ns" 2>/dev/null || true
	ip link del "${tap}h" 2>/dev/null || true
	rm -rf "$T" "/var/run/dpdk/sgtap$$"
}
trap cleanup EXIT

stats() { "$B/control/surgectl" --socket "$T/relay.sock" --json stats; }
# counter NAME: a worker total (drops.X or X) or a control-plane counter.
counter() {
	stats | python3 -c '
import json, sys
s = json.load(sys.stdin); k = sys.argv[1]
t = s["total"]
print(t["drops"][k] if k in t["drops"] else t[k] if k in t else s["control"][k])' "$1"
}

# A bad configuration file is refused at start with file:line and a reason.
printf 'address4 = %s.1\n# comment\nudp_port = 99999\n' "$net" > "$T/bad.conf"
rc=0
"$B/dataplane/surge-relay" --config "$T/bad.conf" 2> "$T/bad.err" || rc=$?
[ "$rc" = 2 ] || fail "bad config: exit $rc"
grep -qF "$T/bad.conf:3: udp_port: 99999 is out of range 1..65535" "$T/bad.err" ||
	fail "bad config message: $(cat "$T/bad.err")"
echo "bad config refused: $(cat "$T/bad.err")"

ip netns add "$ns"
case $pmd in
tap)
	vdev="net_tap0,iface=$tap" ;;
af_packet) # the relay reads the host end (${tap}h), the namespace gets $tap
	ip link add "${tap}h" type veth peer name "$tap"
	ip link set "$tap" netns "$ns"
	ip link set "${tap}h" up
	vdev="net_af_packet0,iface=${tap}h,qpairs=2" ;;
*)
	fail "unknown PMD '$pmd' (tap or af_packet)" ;;
esac
"$B/dataplane/surge-relay" --genkey "$T/relay.key" > "$T/relay.pub"
"$B/dataplane/surge-relay" --address4 "$net.1" --address6 "$net6::1" --key-file "$T/relay.key" \
	--control-socket "$T/relay.sock" -- \
	--no-huge -m 512 --no-pci --file-prefix "sgtap$$" --lcores 0@0,1@1 \
	--vdev "$vdev" > "$T/relay.log" 2>&1 &
relay_pid=$!
for _ in $(seq 300); do grep -q "ready" "$T/relay.log" && break; sleep 0.1; done
grep -q "ready" "$T/relay.log" || { cat "$T/relay.log"; fail "relay did not start"; }
[ "$pmd" = tap ] && ip link set "$tap" netns "$ns"
ip -n "$ns" addr add "$net.2/24" dev "$tap"
ip -n "$ns" -6 addr add "$net6::2/64" dev "$tap" nodad
ip -n "$ns" link set "$tap" up
ip -n "$ns" link set lo up
relay_mbufs=$(mbufs_in_use "$T/relay.sock")

chat() { # chat KEY [args]: a surge-chat in the namespace, batch mode
	local key=$1
	shift
	timeout 60 ip netns exec "$ns" "$B/client/surge-chat" --relay "$net.1:7443" \
		--relay-key "$T/relay.pub" --key "$key" --batch "$@"
}
"$B/client/surge-chat" --genkey --key "$T/alice.key" > /dev/null
"$B/client/surge-chat" --genkey --key "$T/bob.key" > /dev/null

# Sign-ups: alice is user 1, bob user 2 (a fresh relay numbers from 1).
echo "sleep 50" | chat "$T/alice.key" > "$T/a0.out"
echo "sleep 50" | chat "$T/bob.key" > "$T/b0.out"
grep -q "connected user 1 signed_up=1" "$T/a0.out" || fail "alice sign-up: $(cat "$T/a0.out")"
grep -q "connected user 2 signed_up=1" "$T/b0.out" || fail "bob sign-up: $(cat "$T/b0.out")"

# Alice and Bob stay connected through the rest of the test: their input
# comes from FIFOs, so the test says when each command is sent.
mkfifo "$T/a.in" "$T/b.in"
chat "$T/alice.key" < "$T/a.in" > "$T/a1.out" 2>&1 &
alice_pid=$!
chat "$T/bob.key" < "$T/b.in" > "$T/b1.out" 2>&1 &
bob_pid=$!
exec 3> "$T/a.in" 4> "$T/b.in"
until_grep() { # until_grep FILE PATTERN COUNT: bounded wait for COUNT matching lines
	for _ in $(seq 150); do
		[ "$(grep -cF -- "$2" "$1" || true)" -ge "$3" ] && return 0
		sleep 0.1
	done
	fail "timed out waiting for $3 x '$2' in $1: $(cat "$1")"
}
until_grep "$T/a1.out" "connected user 1 signed_up=0" 1
until_grep "$T/b1.out" "connected user 2 signed_up=0" 1

# Capture one of alice's DATA frames for the replay attack.
ip netns exec "$ns" python3 "$HERE/hostile.py" capture "$tap" "$net.1" "$T/data.bin" 20 &
cap_pid=$!
# Send only once it listens (a fixed 0.5 s was too short on a loaded machine).
for _ in $(seq 100); do [ -e "$T/data.bin.ready" ] && break; sleep 0.1; done
[ -e "$T/data.bin.ready" ] || fail "the capture did not start in 10 s"

body_a="hello bob, cloud $$"
body_s="hello bob, secret $$ $(head -c 600 /dev/zero | tr '\0' 'x')"
printf '2 %s\n/secret 2 %s\n' "$body_a" "$body_s" >&3
until_grep "$T/b1.out" "msg from=1 " 2
printf '1 pong cloud %s\n/secret 1 pong secret %s\n' "$$" "$$" >&4
until_grep "$T/a1.out" "msg from=2 " 2
wait "$cap_pid" || fail "no DATA frame captured"

grep -qF "class=cloud len=${#body_a} text=$body_a" "$T/b1.out" || fail "bob cloud: $(cat "$T/b1.out")"
grep -qF "class=secret len=${#body_s} text=$body_s" "$T/b1.out" || fail "bob secret"
grep -qF "class=cloud len=$(( 11 + ${#$} )) text=pong cloud $$" "$T/a1.out" || fail "alice cloud"
grep -qF "class=secret len=$(( 12 + ${#$} )) text=pong secret $$" "$T/a1.out" || fail "alice secret"
echo "exchange: 4 messages delivered and checked"

[ "$(counter signups)" = 2 ] || fail "signups: $(counter signups)"
fwd=$(counter forwarded)
[ "$fwd" -ge 4 ] || fail "forwarded $fwd < 4"

mbufs() { mbufs_in_use "$T/relay.sock"; }

# Hostile frames, while alice's session (whose frame was captured) is live.
mbufs_before=$(mbufs)
declare -A before
reasons="replay tag stale_generation unknown_session type length wrong_port handshake_mac1 ip_fragment"
for r in $reasons; do before[$r]=$(counter "$r"); done
ip netns exec "$ns" python3 "$HERE/hostile.py" attack "$net.1" "$T/data.bin" > "$T/sent.json"
sleep 0.5
for r in $reasons; do
	want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))' \
		"$T/sent.json" "$r")
	# net_af_packet's fanout asks the kernel to reassemble fragments
	# (PACKET_FANOUT_FLAG_DEFRAG); the 3028-byte result exceeds an mbuf and
	# the PMD never delivers it, so the relay sees no fragment at all.
	[ "$pmd" = af_packet ] && [ "$r" = ip_fragment ] && want=0
	got=$(( $(counter "$r") - ${before[$r]} ))
	[ "$got" = "$want" ] || fail "drop $r: counted $got, sent $want"
	echo "hostile: $r expected $want, dropped $got"
done
[ "$(counter forwarded)" = "$fwd" ] || fail "a hostile frame was forwarded"
[ "$(mbufs)" = "$mbufs_before" ] || fail "mbufs in use: $mbufs_before before the attack, $(mbufs) after"
echo "mbufs in use: $mbufs_before before and after the attack"

# The honest clients still work, on the same sessions.
printf '2 still here\n' >&3
until_grep "$T/b1.out" "text=still here" 1
printf '1 me too\n' >&4
until_grep "$T/a1.out" "text=me too" 1
echo "after the attack: messages delivered both ways"
exec 3>&- 4>&-
wait "$alice_pid" || fail "alice exit: $(cat "$T/a1.out")"
wait "$bob_pid" || fail "bob exit: $(cat "$T/b1.out")"

# IPv6: carol connects over IPv6 (neighbour discovery answered by the relay)
# and talks with alice, who is on IPv4; a body that fits IPv4 but not IPv6
# (1400 > 1396 bytes) is refused with TOO_LARGE.
"$B/client/surge-chat" --genkey --key "$T/carol.key" > /dev/null
big=$(head -c 1400 /dev/zero | tr '\0' 'y')
printf 'wait 1 10000\n1 hi alice from v6\nsleep 300\n' |
	timeout 60 ip netns exec "$ns" "$B/client/surge-chat" --relay "[$net6::1]:7443" \
		--relay-key "$T/relay.pub" --key "$T/carol.key" --batch > "$T/c1.out" 2>&1 &
carol_pid=$!
for _ in $(seq 100); do grep -q "connected user 3" "$T/c1.out" && break; sleep 0.1; done
grep -q "connected user 3 signed_up=1" "$T/c1.out" || fail "carol (IPv6): $(cat "$T/c1.out")"
printf '3 hello carol over v4\n3 %s\nwait-replies 1 10000\nwait 1 10000\n' "$big" |
	chat "$T/alice.key" > "$T/a3.out" || fail "alice to carol: $(cat "$T/a3.out")"
wait "$carol_pid" || fail "carol: $(cat "$T/c1.out")"
grep -qF "msg from=1 " "$T/c1.out" && grep -qF "text=hello carol over v4" "$T/c1.out" ||
	fail "carol did not get alice's message: $(cat "$T/c1.out")"
grep -qF "text=hi alice from v6" "$T/a3.out" || fail "alice did not get carol's: $(cat "$T/a3.out")"
grep -qF "code=TOO_LARGE detail=1396" "$T/a3.out" || fail "no TOO_LARGE: $(cat "$T/a3.out")"
[ "$(counter ndp)" -ge 1 ] || fail "no neighbour advertisement counted"
echo "IPv6: carol <-> alice delivered across families; 1400 B to IPv6 refused TOO_LARGE"

# Counters agree: every frame received is accounted for.
stats | python3 -c '
import json, sys
t = json.load(sys.stdin)["total"]
drops = sum(t["drops"].values())
acc = (t["forwarded"] + t["keepalives"] + t["to_control"] + t["arp"] + t["icmp"] + t["ndp"]
       + t["cookie_replies"] + drops)
assert acc == t["rx_frames"], (acc, t["rx_frames"], t)
print("counters: rx %d = forwarded %d + keepalives %d + to_control %d + answers %d + drops %d"
      % (t["rx_frames"], t["forwarded"], t["keepalives"], t["to_control"],
         t["arp"] + t["icmp"] + t["ndp"], drops))'

# Nothing of all that holds an mbuf once it is over (mbufs_lib.sh).
mbufs_check "$T/relay.sock" "$relay_mbufs" "$pmd relay" || exit 1

# Clean shutdown: counters printed, exit 0.
kill -TERM "$relay_pid"
for _ in $(seq 100); do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$relay_pid" 2>/dev/null; then fail "relay did not stop on SIGTERM"; fi
wait "$relay_pid" || fail "relay exit status $?"
relay_pid=
grep -q "surge-relay: stopping" "$T/relay.log" || fail "no shutdown line"
grep -q "forwarded" "$T/relay.log" || fail "no counters at shutdown"
echo "PASS"
