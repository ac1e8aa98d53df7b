# SPDX-License-Identifier: MIT
#
# tap_lib.sh - sourced by the net_tap integration tests that run one
# surge-relay (worker on CPU 1, no hugepages) with its tap interface moved
# into a network namespace made here (198.18.N.0/24), and surge-chat
# clients inside it.  The caller sets B (build root) and STEM (a short
# unique name stem: namespace, interface and DPDK --file-prefix).
#   tap_setup              T (temporary directory) with relay.key/relay.pub,
#                          the namespace; fail(); everything removed on exit
#   tap_start_relay FLAGS  surge-relay with more FLAGS, once it is ready the
#                          interface is moved and addressed: relay_pid, and
#                          its mbufs in use in relay_mbufs (mbufs_lib.sh)
#   tap_check_mbufs        the leak check now (after the traffic); unless a
#                          test ran it, it runs at a successful exit while
#                          the relay is up, and a leak then fails the test
#                          (a test that starts the relay itself sets
#                          relay_mbufs=$(mbufs_in_use "$T/relay.sock"))
#   tap_cleanup [RC]       what the EXIT trap runs; a test with a trap of its
#                          own calls it last, with the status it found (it
#                          never turns a failure into success: it only
#                          exits, with 1, when the leak check fails)
#   chat KEY [ARGS]        a surge-chat in the namespace, batch mode
#   stats, ctl NAME        `surgectl --json stats`, one control counter
#   until_grep F P N       bounded wait (10 s) for N lines of F holding P

fail() { echo "FAIL: $*" >&2; exit 1; }
. "$(dirname "${BASH_SOURCE[0]}")/mbufs_lib.sh"

tap_check_mbufs() { mbufs_check "$T/relay.sock" "$relay_mbufs" "relay" && mbufs_checked=1; }

tap_cleanup() { # [RC]: the exit status (default: the one the trap found)
	local rc=${1:-$?} leak=0
	if [ "$rc" = 0 ] && [ -z "$mbufs_checked" ] && [ -n "$relay_pid" ] &&
		kill -0 "$relay_pid" 2>/dev/null; then
		tap_check_mbufs || leak=1
	fi
	if [ -n "$relay_pid" ] && kill -0 "$relay_pid" 2>/dev/null; then
		kill -TERM "$relay_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$relay_pid" 2>/dev/null || true
	fi
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$T" "/var/run/dpdk/$STEM$$"
	[ "$leak" = 0 ] || exit 1
}

tap_setup() {
	id=$(( $$ % 200 + 20 ))
	ns=$STEM$$
	tap=$STEM$$t
	net=198.18.$id
	T=$(mktemp -d "/tmp/surge-$STEM.XXXXXX")
	relay_pid= relay_mbufs= mbufs_checked=
	trap tap_cleanup EXIT
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	"$B/dataplane/surge-relay" --genkey "$T/relay.key" > "$T/relay.pub"
}

tap_start_relay() {
	"$B/dataplane/surge-relay" --address4 "$net.1" --key-file "$T/relay.key" \
		--control-socket "$T/relay.sock" "$@" -- \
		--no-huge -m 512 --no-pci --file-prefix "$STEM$$" --lcores 0@0,1@1 \
		--vdev "net_tap0,iface=$tap" > "$T/relay.log" 2>&1 &
	relay_pid=$!
	for _ in $(seq 300); do grep -q "ready" "$T/relay.log" && break; sleep 0.1; done
	grep -q "ready" "$T/relay.log" || { cat "$T/relay.log"; fail "relay did not start"; }
	ip link set "$tap" netns "$ns"
	ip -n "$ns" addr add "$net.2/24" dev "$tap"
	ip -n "$ns" link set "$tap" up
	relay_mbufs=$(mbufs_in_use "$T/relay.sock")
}

chat() {
	local key=$1
	shift
	timeout 60 ip netns exec "$ns" "$B/client/surge-chat" --relay "$net.1:7443" \
		--relay-key "$T/relay.pub" --key "$key" --batch "$@"
}

stats() { "$B/control/surgectl" --socket "$T/relay.sock" --json stats; }
ctl() { stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["control"][sys.argv[1]])' "$1"; }

until_grep() {
	for _ in $(seq 100); do
		[ "$(grep -cF -- "$2" "$1" || true)" -ge "$3" ] && return 0
		sleep 0.1
	done
	fail "timed out waiting for $3 x '$2' in $1: $(cat "$1")"
}
