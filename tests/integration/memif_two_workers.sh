#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# memif_two_workers.sh BUILD_ROOT - surge-relay with two workers on
# net_memif (no RSS, two RX queues), driven by surge-test-memif-peer: real
# handshakes, DATA between users on both workers, replays whose copy arrives
# on the other worker, a tampered frame, an unknown session index.  Then the
# relay's own counters (surgectl --json stats) must agree with what the peer
# sent and received, and the relay must stop cleanly on SIGTERM.
#
# Lcores: relay main/control on CPU 0 (sleeps when idle), worker 0 on CPU 1,
# worker 1 on CPU 0; the peer's single lcore on CPU 0 sleeps when idle.  So
# the two busy pollers are on different CPUs.  Names (file prefixes, sockets,
# temp dir, relay address 198.18.N.1) come from $$, so runs never collide;
# a trap stops the processes and removes the files on any exit.
#
# memif roles and order.  DPDK 22.11's net_memif is not safe against a
# thread that polls a queue while the connection comes up or goes down:
#  - server side, connect: eth_memif_rx() computes the ring address from the
#    region's mapping before it checks the CONNECTED flag; the mapping is made
#    by the EAL interrupt thread just before it sets that flag.  Here the
#    interrupt thread runs on CPU 0 (the main lcore's CPU), where worker 1
#    busy-polls: when it preempts worker 1 between those two loads, worker 1
#    resumes with ring = NULL + offset and dies (SIGSEGV reading ring->flags;
#    seen in about 3 runs of 10 with the relay as the memif server).
#  - either side, disconnect: the regions are unmapped right after the flag
#    is cleared, under the feet of a poller.
# So the relay is the memif client (its regions are mapped when created,
# before any queue can see them), the peer the server; the peer starts first,
# and at the end the relay is stopped first (its workers stop before it
# closes the port) while the peer sleeps, not polling, until the link goes
# down.  SURGE_TEST_RELAY_MEMIF_ROLE=server swaps the roles (reproduces the
# crash above).
set -euo pipefail

build=${1:?usage: memif_two_workers.sh BUILD_ROOT}
relay_bin=$build/dataplane/surge-relay
peer_bin=$build/tests/integration/surge-test-memif-peer
ctl_bin=$build/control/surgectl
for b in "$relay_bin" "$peer_bin" "$ctl_bin"; do
	[[ -x $b ]] || { echo "memif_two_workers: missing $b (build first)" >&2; exit 1; }
done

relay_role=${SURGE_TEST_RELAY_MEMIF_ROLE:-client}
case $relay_role in
client) peer_role=server ;;
server) peer_role=client ;;
*) echo "memif_two_workers: SURGE_TEST_RELAY_MEMIF_ROLE must be client or server" >&2; exit 2 ;;
esac

net=$(( $$ % 250 + 1 ))
relay_ip=198.18.$net.1
relay_prefix=sgmemif$$
peer_prefix=sgpeer$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/surge-memif-$$.XXXXXX")
relay_pid=
peer_pid=
peer_log_shown=0

log() { echo "memif_two_workers: $*"; }
B=$build
. "$(dirname "$0")/mbufs_lib.sh"
relay_mbufs=

show_peer_log() {
	peer_log_shown=1
	[[ -f $tmp/peer.log ]] || return 0
	echo "---- peer ----"
	grep -v '^EAL: \|^TELEMETRY: ' "$tmp/peer.log" || true
	echo "----"
}

# stop PID: SIGTERM, 5 s, SIGKILL; reaped.
stop() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if ((rc != 0)) && [[ -n $relay_pid ]] && kill -0 "$relay_pid" 2>/dev/null; then
		echo "---- relay counters ----"
		timeout 5 "$ctl_bin" --socket "$tmp/relay.sock" stats || true
	fi
	# The relay first: see "memif roles and order" above.
	[[ -z $relay_pid ]] || stop "$relay_pid"
	[[ -z $peer_pid ]] || stop "$peer_pid"
	((peer_log_shown)) || show_peer_log
	if ((rc != 0)) && [[ -f $tmp/relay.log ]]; then
		echo "---- relay log (last 40 lines) ----"
		tail -n 40 "$tmp/relay.log" || true
	fi
	rm -rf "$tmp" "/var/run/dpdk/$relay_prefix" "/var/run/dpdk/$peer_prefix"
	if [[ -n ${XDG_RUNTIME_DIR:-} ]]; then
		rm -rf "$XDG_RUNTIME_DIR/dpdk/$relay_prefix" "$XDG_RUNTIME_DIR/dpdk/$peer_prefix"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for WHAT TENTHS PID COMMAND...: poll COMMAND every 0.1 s while PID lives.
wait_for() {
	local what=$1 tenths=$2 pid=$3 i
	shift 3
	for ((i = 0; i < tenths; i++)); do
		"$@" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	"$@" && return 0
	log "FAIL: $what"
	exit 1
}

start_relay() {
	"$relay_bin" --workers 2 --address4 "$relay_ip" --key-file "$tmp/relay.key" \
		--control-socket "$tmp/relay.sock" -- \
		--no-huge -m 512 --no-pci --file-prefix "$relay_prefix" --lcores 0@0,1@1,2@0 \
		--vdev "net_memif0,role=$relay_role,socket=$tmp/memif.sock,id=0" \
		>"$tmp/relay.log" 2>&1 &
	relay_pid=$!
	wait_for "the relay did not report ready within 30 s" 300 "$relay_pid" \
		grep -qs '^surge-relay: ready:' "$tmp/relay.log"
	log "$(grep '^surge-relay: ready:' "$tmp/relay.log") (memif $relay_role)"
	relay_mbufs=$(mbufs_in_use "$tmp/relay.sock")
}

# Two workers: the relay has 2 RX and 3 TX queues (one for the control
# plane), so the peer has 2 TX and 3 RX queues.
start_peer() {
	"$peer_bin" --relay-pub "$tmp/relay.pub" --address4 "$relay_ip" \
		--control-socket "$tmp/relay.sock" --users 4 --messages 4 \
		--rx-queues 3 --tx-queues 2 --timeout-ms 5000 --link-timeout-ms 30000 \
		--summary "$tmp/summary.json" --linger-ms 20000 -- \
		--no-huge -m 256 --no-pci --file-prefix "$peer_prefix" --lcores 0@0 \
		--vdev "net_memif0,role=$peer_role,socket=$tmp/memif.sock,id=0" \
		>"$tmp/peer.log" 2>&1 &
	peer_pid=$!
}

"$relay_bin" --genkey "$tmp/relay.key" >"$tmp/relay.pub"

if [[ $relay_role == client ]]; then
	start_peer # the memif socket is abstract (no file): wait for the peer to say so
	wait_for "the peer did not start its port within 30 s" 300 "$peer_pid" \
		grep -qs '^memif-peer: port started' "$tmp/peer.log"
	start_relay
else
	start_relay
	start_peer
fi

wait_for "the peer ended or hung without a summary" 600 "$peer_pid" \
	test -f "$tmp/summary.json"

"$ctl_bin" --socket "$tmp/relay.sock" --json stats >"$tmp/stats.json"
python3 - "$tmp/stats.json" "$tmp/summary.json" <<'EOF'
import json
import sys

st = json.load(open(sys.argv[1]))
su = json.load(open(sys.argv[2]))
tot, ctl, ws = st["total"], st["control"], st["workers"]
bad = []


def want(what, got, expected):
    if got != expected:
        bad.append(f"{what}: {got}, want {expected}")


want("peer ok", su["ok"], True)
want("workers in stats", len(ws), 2)
want("forwarded (relay) vs DATA the peer sent to be delivered",
     tot["forwarded"], su["data_sent"])
want("forwarded (relay) vs DATA the peer received", tot["forwarded"], su["data_delivered"])
want("rx_frames (relay) vs frames the peer sent", tot["rx_frames"], su["frames_sent"])
for w in ws:
    i = w["id"]
    if w["rx_frames"] <= 0 or w["forwarded"] <= 0:
        bad.append(f"worker {i}: rx_frames {w['rx_frames']}, forwarded {w['forwarded']}")
    # no RSS: the peer's TX queue i is the relay's RX queue i, worker i's
    want(f"worker {i} rx_frames vs frames the peer sent on queue {i}",
         w["rx_frames"], su[f"frames_sent_q{i}"])
want("handshakes", ctl["handshakes"], su["users"])
want("TICKET after each handshake", su["tickets"], ctl["tickets_sent"])
want("tickets sent", ctl["tickets_sent"], su["users"])
want("signups", ctl["signups"], su["users"])
want("live sessions", st["sessions"], su["users"])
want("control_tx_failed", ctl["control_tx_failed"], 0)
# 2 copies on the other queue + 1 from the frame sent on both queues at once
expected = {"replay": 3, "tag": 1, "unknown_session": 1}
for name, n in tot["drops"].items():
    want(f"drops[{name}]", n, expected.get(name, 0))
for w in ws:
    if w["drops"]["replay"] < 1:
        bad.append(f"worker {w['id']}: no replay refused there")

for w in ws:
    print(f"memif_two_workers: worker {w['id']}: rx {w['rx_frames']}, "
          f"forwarded {w['forwarded']}, to_control {w['to_control']}, "
          f"arp {w['arp']}, replay {w['drops']['replay']}")
print(f"memif_two_workers: relay total: rx {tot['rx_frames']}, forwarded {tot['forwarded']}, "
      f"handshakes {ctl['handshakes']}, drops "
      + ", ".join(f"{k} {v}" for k, v in tot["drops"].items() if v))
for b in bad:
    print("memif_two_workers: FAIL:", b)
sys.exit(1 if bad else 0)
EOF

# No mbuf held once the traffic is over (mbufs_lib.sh).
r=$(mbufs_check "$tmp/relay.sock" "$relay_mbufs" "relay") || exit 1
log "$r"

# The relay first (see the top), and it must stop within 10 s with exit 0.
kill -TERM "$relay_pid"
relay_gone() { ! kill -0 "$relay_pid" 2>/dev/null; }
wait_for "the relay did not stop within 10 s of SIGTERM" 100 "$relay_pid" relay_gone
relay_rc=0
wait "$relay_pid" || relay_rc=$?
relay_pid=
if ((relay_rc != 0)); then
	log "FAIL: the relay exited with $relay_rc after SIGTERM"
	exit 1
fi
grep -q '^surge-relay: stopping' "$tmp/relay.log" || { log "FAIL: no 'stopping' line"; exit 1; }
log "relay stopped on SIGTERM, exit 0"

# The peer sees the link go down and exits with its verdict.
peer_gone() { ! kill -0 "$peer_pid" 2>/dev/null; }
wait_for "the peer did not exit within 10 s of the relay" 100 "$peer_pid" peer_gone
peer_rc=0
wait "$peer_pid" || peer_rc=$?
peer_pid=
show_peer_log
if ((peer_rc != 0)); then
	log "FAIL: the peer exited with $peer_rc"
	exit 1
fi
log "PASS"
