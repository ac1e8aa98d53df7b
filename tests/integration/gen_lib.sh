# SPDX-License-Identifier: MIT
#
# gen_lib.sh - sourced by the surge-gen integration tests: surge-gen as the
# memif server on CPU 0 and surge-relay as the memif client (worker on
# CPU 1, main lcore on CPU 0), named runs in the test's directory.  The
# caller sets B (build root) and PFX (a unique DPDK --file-prefix stem).
#   gen_setup TEMPLATE       T = a new temporary directory with relay.key and
#                            relay.pub; fail(); on exit both processes are
#                            stopped and T and /var/run/dpdk/$PFX* removed
#   start_gen NAME ARGS...   surge-gen in the background: gen_pid,
#                            $T/NAME.out, $T/NAME.err, socket $T/NAME.memif
#   start_relay NAME [FLAGS...]
#                            once the generator's port is up: relay_pid,
#                            control socket $T/NAME.ctl, log $T/NAME.relay;
#                            FLAGS are more surge-relay flags (--cookie-backlog 0);
#                            RELAY_LCORES overrides its EAL --lcores (0@0,1@1);
#                            returns once it is ready (or gone, bounded: 30 s)
#                            with its mbufs in use in relay_mbufs (mbufs_lib.sh)
#   wait_summary NAME        until surge-gen printed its summary or exited
#                            (bounded: 30 s)
#   finish_run NAME          a run that must succeed: its summary printed,
#                            the relay's mbufs back to relay_mbufs (the leak
#                            check, on stderr), its `surgectl --json stats`
#                            saved in $T/NAME.stats, then both exit 0

fail() { echo "FAIL: $*" >&2; exit 1; }
. "$(dirname "${BASH_SOURCE[0]}")/mbufs_lib.sh"

gen_cleanup() {
	for p in $relay_pid $gen_pid; do kill -TERM "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in $relay_pid $gen_pid; do kill -KILL "$p" 2>/dev/null || true; done
	rm -rf "$T" /var/run/dpdk/"$PFX"*
}

gen_setup() {
	T=$(mktemp -d "$1")
	gen_pid= relay_pid=
	trap gen_cleanup EXIT
	"$B/dataplane/surge-relay" --genkey "$T/relay.key" > "$T/relay.pub"
}

start_gen() {
	local name=$1
	shift
	taskset -c 0 "$B/gen/surge-gen" --relay-key "$T/relay.pub" "$@" -- --no-huge -m 512 \
		--no-pci --file-prefix "${PFX}g.$name" --lcores 0@0 \
		--vdev "net_memif0,role=server,socket=$T/$name.memif" \
		> "$T/$name.out" 2> "$T/$name.err" &
	gen_pid=$!
}

start_relay() {
	local name=$1
	shift
	# After the generator's port is up: a memif client that connects earlier
	# is only retried seconds later.
	for _ in $(seq 100); do grep -q "port up" "$T/$name.err" 2>/dev/null && break; sleep 0.1; done
	"$B/dataplane/surge-relay" --address4 198.18.0.1 --key-file "$T/relay.key" \
		--control-socket "$T/$name.ctl" "$@" -- --no-huge -m 512 --no-pci \
		--file-prefix "${PFX}r.$name" --lcores "${RELAY_LCORES:-0@0,1@1}" \
		--vdev "net_memif0,role=client,socket=$T/$name.memif" > "$T/$name.relay" 2>&1 &
	relay_pid=$!
	for _ in $(seq 300); do
		grep -q "ready" "$T/$name.relay" 2>/dev/null && break
		kill -0 "$relay_pid" 2>/dev/null || break
		sleep 0.1
	done
	relay_mbufs=$(mbufs_in_use "$T/$name.ctl")
}

wait_summary() {
	local name=$1
	for _ in $(seq 300); do
		grep -q "surge-gen summary" "$T/$name.out" 2>/dev/null && return 0
		kill -0 "$gen_pid" 2>/dev/null || return 0
		sleep 0.1
	done
}

finish_run() {
	local name=$1
	wait_summary "$name"
	grep -q "surge-gen summary" "$T/$name.out" ||
		fail "no summary: $(cat "$T/$name.out" "$T/$name.err")"
	cat "$T/$name.out"
	mbufs_check "$T/$name.ctl" "$relay_mbufs" "$name" >&2 || exit 1
	"$B/control/surgectl" --socket "$T/$name.ctl" --json stats > "$T/$name.stats"
	kill -TERM "$relay_pid"
	wait "$relay_pid" || fail "relay exit status $?"
	relay_pid=
	wait "$gen_pid" || fail "surge-gen exit status $?: $(tail -5 "$T/$name.err")"
	gen_pid=
}
