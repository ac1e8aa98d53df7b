#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tap_resume.sh BUILD_ROOT - session resumption through surge-relay (net_tap
# in a network namespace, no hugepages): bob signs up; alice signs up, gets
# a RELAY_REPLY, then twice /reconnect, each a resumption (no X25519) after
# which her DATA and the relay's RELAY_REPLY still go both ways; the relay
# counts 2 handshakes, 2 resumptions and 4 TICKETs.
set -euo pipefail

B=${1:?usage: tap_resume.sh BUILD_ROOT}
id=$(( $$ % 200 + 20 ))
ns=sgrs$$
tap=sgr$$
net=198.18.$id
T=$(mktemp -d /tmp/surge-rs.XXXXXX)
relay_pid=

fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
	if [ -n "$relay_pid" ] && kill -0 "$relay_pid" 2>/dev/null; then
		kill -TERM "$relay_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$relay_pid" 2>/dev/null || true
	fi
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$T" "/var/run/dpdk/sgrs$$"
}
trap cleanup EXIT

stats() { "$B/control/surgectl" --socket "$T/relay.sock" --json stats; }
ctl() { stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["control"][sys.argv[1]])' "$1"; }

ip netns add "$ns"
"$B/dataplane/surge-relay" --genkey "$T/relay.key" > "$T/relay.pub"
"$B/dataplane/surge-relay" --address4 "$net.1" --key-file "$T/relay.key" \
	--control-socket "$T/relay.sock" -- \
	--no-huge -m 512 --no-pci --file-prefix "sgrs$$" --lcores 0@0,1@1 \
	--vdev "net_tap0,iface=$tap" > "$T/relay.log" 2>&1 &
relay_pid=$!
for _ in $(seq 300); do grep -q "ready" "$T/relay.log" && break; sleep 0.1; done
grep -q "ready" "$T/relay.log" || { cat "$T/relay.log"; fail "relay did not start"; }
ip link set "$tap" netns "$ns"
ip -n "$ns" addr add "$net.2/24" dev "$tap"
ip -n "$ns" link set "$tap" up
ip -n "$ns" link set lo up

chat() { # chat KEY [args]: a surge-chat in the namespace, batch mode
	local key=$1
	shift
	timeout 60 ip netns exec "$ns" "$B/client/surge-chat" --relay "$net.1:7443" \
		--relay-key "$T/relay.pub" --key "$key" --batch "$@"
}
"$B/client/surge-chat" --genkey --key "$T/bob.key" > /dev/null
"$B/client/surge-chat" --genkey --key "$T/alice.key" > /dev/null
echo "sleep 50" | chat "$T/bob.key" > "$T/b.out"
grep -q "connected user 1 signed_up=1" "$T/b.out" || fail "bob sign-up: $(cat "$T/b.out")"

# Bob is offline now: each message to him is answered RECIPIENT_OFFLINE.
printf '%s\n' "sleep 300" "1 before" "wait-replies 1 3000" "/reconnect" "1 resumed" \
	"wait-replies 1 3000" "/reconnect" "1 again" "wait-replies 1 3000" |
	chat "$T/alice.key" > "$T/a.out" 2>&1 || fail "alice: $(cat "$T/a.out")"
cat "$T/a.out"
grep -q "connected user 2 signed_up=1" "$T/a.out" || fail "alice sign-up"
[ "$(grep -c "reconnected user 2 resumed=1" "$T/a.out")" = 2 ] || fail "not resumed twice"
[ "$(grep -c "code=RECIPIENT_OFFLINE" "$T/a.out")" = 3 ] || fail "replies"

for c in handshakes resumptions tickets_sent resume_bad_ticket resume_expired resume_noise \
	resume_timestamp resume_unknown_user; do
	echo "relay $c $(ctl "$c")"
done
[ "$(ctl handshakes)" = 2 ] || fail "handshakes $(ctl handshakes)"
[ "$(ctl resumptions)" = 2 ] || fail "resumptions $(ctl resumptions)"
[ "$(ctl tickets_sent)" = 4 ] || fail "tickets_sent $(ctl tickets_sent)"
for c in resume_bad_ticket resume_expired resume_noise resume_timestamp resume_unknown_user; do
	[ "$(ctl "$c")" = 0 ] || fail "$c $(ctl "$c")"
done
echo PASS
