# SPDX-License-Identifier: MIT
#
# mbufs_lib.sh - sourced by every integration test that runs surge-relay:
# the leak check of the packet pool.  A relay that is idle holds a fixed
# number of mbufs (RX rings filled by the PMD; none in flight), so the count
# out of the pool (`surgectl --json stats`: mbufs_in_use; per-lcore caches
# count as free) taken before any traffic must be reached again once the
# traffic has drained.  A frame leaked anywhere (a drop path that forgets to
# free, a reply held for a commit that never comes) stays counted.  The
# caller sets B (build root).
#   mbufs_in_use SOCK          the relay's count now (empty: no answer)
#   mbufs_check SOCK BASE WHAT after the traffic: the count back at BASE or
#                              below within 3 s (bounded wait); prints both
#                              numbers, or FAIL with them on stderr and
#                              returns 1
# A baseline taken while a few frames happen to be in flight is higher than
# the idle count, never lower: the check then still holds for a relay that
# leaks nothing, and a leak grows with the traffic far beyond it.

mbufs_in_use() {
	"$B/control/surgectl" --socket "$1" --json stats 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["mbufs_in_use"])' \
			2>/dev/null || true
}

mbufs_check() {
	local sock=$1 base=$2 what=$3 now=
	if [ -z "$base" ]; then
		echo "FAIL: $what: no mbuf baseline (the relay did not answer stats before the traffic)" >&2
		return 1
	fi
	for _ in $(seq 30); do
		now=$(mbufs_in_use "$sock")
		[ -n "$now" ] && [ "$now" -le "$base" ] && break
		sleep 0.1
	done
	if [ -z "$now" ] || [ "$now" -gt "$base" ]; then
		echo "FAIL: $what: mbufs leaked: $base in use before the traffic, ${now:-no answer}" \
			"3 s after it (mbufs_in_use)" >&2
		return 1
	fi
	echo "mbufs: $what: $base in use before the traffic, $now after it"
}
