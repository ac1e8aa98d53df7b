#!/bin/bash
# SPDX-License-Identifier: MIT
#
# store_restart.sh BUILD_ROOT - durability of users and mailboxes with the
# real surge-relay on net_tap (interface moved into a network namespace made
# here, 198.18.N.0/24) and surge-chat clients:
#  - a missing store without store_init, and a corrupt one, are refused at
#    start with a clear message; the corrupt file is left as it was;
#  - mailbox full: 305 messages to an offline user with mailbox_per_user 300
#    give 300 STORED and 5 MAILBOX_FULL, and the 300 arrive in order later;
#  - SIGKILL during mixed load (sign-ups one after another while alice sends
#    to offline bob), restart on the same store: every user that was told
#    signed_up=1 logs in again under the same id, and every message answered
#    STORED reaches bob, each id shown once; after bob's acknowledgements a
#    new log-in delivers nothing again;
#  - TTL: a message stored with a 2 s TTL is not delivered 3 s later and is
#    counted as expired;
#  - a store that fills up (16 MiB map): failed writes lose their batch and
#    no reply promising it leaves; every STORED message is delivered, the
#    rest are answered UNAVAILABLE (or not at all).
# Everything is removed on exit; every wait is bounded.
set -euo pipefail

B=${1:?usage: store_restart.sh BUILD_ROOT}
id=$(( $$ % 200 + 20 ))
ns=sgst$$
tap=sgs$$
net=198.18.$id
T=$(mktemp -d /tmp/surge-store.XXXXXX)
relay_pid=

fail() { echo "FAIL: $*" >&2; [ -f "$T/relay.log" ] && tail -40 "$T/relay.log" >&2; exit 1; }
. "$(dirname "$0")/mbufs_lib.sh"
stop_relay() { # stop_relay SIGNAL
	if [ -n "$relay_pid" ] && kill -0 "$relay_pid" 2>/dev/null; then
		kill "-$1" "$relay_pid" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$relay_pid" 2>/dev/null || true
		wait "$relay_pid" 2>/dev/null || true
	fi
	relay_pid=
	rm -rf "/var/run/dpdk/sgst$$"
}
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null || true
	stop_relay TERM
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

stats() { "$B/control/surgectl" --socket "$T/relay.sock" --json stats; }
counter() {
	stats | python3 -c 'import json, sys; print(json.load(sys.stdin)["control"][sys.argv[1]])' "$1"
}
relay() { # relay STORE_DIR [flags]: in the foreground (or `relay ... &` via exec in a subshell)
	local dir=$1
	shift
	exec "$B/dataplane/surge-relay" --address4 "$net.1" --key-file "$T/relay.key" \
		--control-socket "$T/relay.sock" --store-dir "$dir" --store-sync 1 \
		--mailbox-per-user 300 "$@" -- \
		--no-huge -m 512 --no-pci --file-prefix "sgst$$" --lcores 0@0,1@1 \
		--vdev "net_tap0,iface=$tap"
}
start_relay() { # start_relay [flags]: on $STORE ($T/store), tap moved into the namespace
	# The subshell execs the relay, so $! is the relay itself (SIGKILL reaches it).
	(relay "${STORE:-$T/store}" "$@") > "$T/relay.log" 2>&1 &
	relay_pid=$!
	for _ in $(seq 300); do grep -q "ready" "$T/relay.log" && break; sleep 0.1; done
	grep -q "ready" "$T/relay.log" || fail "relay did not start"
	ip link set "$tap" netns "$ns"
	ip -n "$ns" addr add "$net.2/24" dev "$tap"
	ip -n "$ns" link set "$tap" up
	relay_mbufs=$(mbufs_in_use "$T/relay.sock")
}
chat() { # chat KEY [args]: a surge-chat in the namespace, batch mode
	local key=$1
	shift
	timeout 60 ip netns exec "$ns" "$B/client/surge-chat" --relay "$net.1:7443" \
		--relay-key "$T/relay.pub" --key "$key" --batch "$@"
}
login() { # login NAME: connect, take what comes for 300 ms, close; output in $T/NAME.N.out
	local n=0
	while [ -e "$T/$1.$n.out" ]; do n=$(( n + 1 )); done
	echo "sleep 300" | chat "$T/$1.key" > "$T/$1.$n.out" 2>&1 || fail "$1: $(cat "$T/$1.$n.out")"
	echo "$T/$1.$n.out"
}

ip netns add "$ns"
ip -n "$ns" link set lo up
"$B/dataplane/surge-relay" --genkey "$T/relay.key" > "$T/relay.pub"

# A store that is not there, without store_init: refused, nothing created.
rc=0
(relay "$T/none") > "$T/none.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "started without a store"
grep -q -- "--store-init 1" "$T/none.log" || fail "missing store message: $(cat "$T/none.log")"
[ ! -e "$T/none/data.mdb" ] || fail "a store was created without store_init"
echo "missing store refused: $(grep -m1 store "$T/none.log")"
rm -rf "/var/run/dpdk/sgst$$"

# A corrupt store, even with store_init: refused and left untouched.
mkdir -m 700 "$T/bad"
head -c 65536 /dev/urandom > "$T/bad/data.mdb"
sum=$(md5sum < "$T/bad/data.mdb")
rc=0
(relay "$T/bad" --store-init 1) > "$T/bad.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "started on a corrupt store"
grep -q "refusing" "$T/bad.log" || fail "corrupt store message: $(cat "$T/bad.log")"
[ "$(md5sum < "$T/bad/data.mdb")" = "$sum" ] || fail "the corrupt store was modified"
echo "corrupt store refused: $(grep -m1 refusing "$T/bad.log")"
rm -rf "/var/run/dpdk/sgst$$"

start_relay --store-init 1
for u in alice bob carol dave; do
	"$B/client/surge-chat" --genkey --key "$T/$u.key" > /dev/null
	out=$(login $u)
	grep -q "signed_up=1" "$out" || fail "$u sign-up: $(cat "$out")"
done
grep -q "connected user 2 signed_up=1" "$T/bob.0.out" || fail "bob is not user 2"

# Mailbox full: carol (3) is offline and her mailbox holds 300.
{ for i in $(seq 305); do echo "3 for carol $i"; done; echo "wait-replies 305 10000"; } |
	chat "$T/alice.key" > "$T/full.out" 2>&1 || fail "alice to carol: $(cat "$T/full.out")"
stored=$(grep -c "to=3 code=STORED" "$T/full.out" || true)
full=$(grep -c "to=3 code=MAILBOX_FULL detail=0" "$T/full.out" || true)
[ "$stored" = 300 ] && [ "$full" = 5 ] || fail "carol: $stored STORED, $full MAILBOX_FULL"
echo "mailbox full: 300 STORED, 5 MAILBOX_FULL (per-user cap)"

# Mixed load, then SIGKILL: sign-ups one after another, and alice sending to
# offline bob (2) with 10 ms between messages.
for i in $(seq 40); do "$B/client/surge-chat" --genkey --key "$T/e$i.key" > /dev/null; done
(
	for i in $(seq 40); do
		[ -e "$T/stop" ] && break
		echo "sleep 10" | chat "$T/e$i.key" --timeout 1500 > "$T/e$i.0.out" 2>&1 || true
	done
) &
signups_pid=$!
{ for i in $(seq 400); do echo "2 for bob $i"; echo "sleep 10"; done; } |
	chat "$T/alice.key" --timeout 1000 > "$T/kill.out" 2>&1 &
alice_pid=$!
for _ in $(seq 200); do
	[ "$(grep -c "to=2 code=STORED" "$T/kill.out" || true)" -ge 100 ] && break
	sleep 0.05
done
stop_relay KILL
touch "$T/stop"
echo "relay killed with SIGKILL"
wait "$alice_pid" || true
wait "$signups_pid" || true
grep "to=2 code=STORED" "$T/kill.out" | sed 's/.*reply id=\([0-9]*\) .*/\1/' | sort -u > "$T/stored.ids"
n_stored=$(wc -l < "$T/stored.ids")
[ "$n_stored" -ge 100 ] || fail "only $n_stored STORED before the kill"
grep -h "signed_up=1" "$T"/e*.0.out | sed 's/connected user \([0-9]*\) .*/\1/' | sort -n > "$T/signed.ids" || true
n_signed=$(wc -l < "$T/signed.ids")
[ "$n_signed" -ge 1 ] || fail "no sign-up completed before the kill"
echo "before the kill: $n_stored messages STORED for bob, $n_signed sign-ups answered"

start_relay
grep -q "store $T/store: " "$T/relay.log" || fail "restart did not load the store"
# Every user told signed_up=1 logs in as the same user.
for i in $(seq 40); do
	[ -e "$T/e$i.0.out" ] || continue # the sign-ups stopped at the kill
	want=$(sed -n 's/connected user \([0-9]*\) signed_up=1.*/\1/p' "$T/e$i.0.out")
	[ -n "$want" ] || continue
	out=$(login "e$i")
	grep -q "connected user $want signed_up=0" "$out" || fail "e$i (user $want): $(cat "$out")"
done
echo "after the restart: all $n_signed users signed up before the kill logged in with their ids"

# Bob gets every message answered STORED, each id once.
printf 'wait %s 20000\nsleep 300\n' "$n_stored" | chat "$T/bob.key" > "$T/bob.r.out" 2>&1 ||
	fail "bob: $(tail -5 "$T/bob.r.out")"
grep "msg from=1 " "$T/bob.r.out" | sed 's/.* id=\([0-9]*\) .*/\1/' | sort > "$T/got.all"
sort -u "$T/got.all" > "$T/got.ids"
[ "$(wc -l < "$T/got.all")" = "$(wc -l < "$T/got.ids")" ] || fail "bob was shown a message twice"
missing=$(comm -23 "$T/stored.ids" "$T/got.ids" | wc -l)
[ "$missing" = 0 ] || fail "$missing messages answered STORED were not delivered"
echo "bob: all $n_stored STORED messages delivered ($(wc -l < "$T/got.ids") shown, each once)"
sleep 0.5
acked=$(counter mailbox_acked)
[ "$acked" -ge "$n_stored" ] || fail "mailbox_acked $acked < $n_stored"
out=$(login bob)
! grep -q "msg from=" "$out" || fail "acknowledged messages delivered again: $(cat "$out")"
echo "bob again: nothing delivered twice after $acked acknowledgements"

# Carol's 300, in order.
printf 'wait 300 10000\n' | chat "$T/carol.key" > "$T/carol.r.out" 2>&1 || fail "carol: $(tail -3 "$T/carol.r.out")"
seq 300 | sed 's/^/for carol /' > "$T/carol.want"
sed -n 's/.*text=\(for carol [0-9]*\)$/\1/p' "$T/carol.r.out" > "$T/carol.got"
cmp -s "$T/carol.want" "$T/carol.got" || fail "carol's messages out of order or missing: $(cat "$T/carol.got")"
echo "carol: 300 stored messages delivered in order"

# TTL: dave (4) gets one message that lives 2 s; 3.5 s later it is gone.
printf '4 short-lived\nwait-replies 1 10000\n' | chat "$T/alice.key" --ttl 2 > "$T/ttl.out" 2>&1 ||
	fail "alice to dave: $(cat "$T/ttl.out")"
grep -q "to=4 code=STORED" "$T/ttl.out" || fail "dave's message not stored: $(cat "$T/ttl.out")"
ttl_at=$(date +%s.%N)
python3 -c 'import sys, time; time.sleep(max(0, float(sys.argv[1]) + 3.5 - time.time()))' "$ttl_at"
out=$(login dave)
! grep -q "short-lived" "$out" || fail "an expired message was delivered"
[ "$(counter mailbox_expired)" -ge 1 ] || fail "mailbox_expired: $(counter mailbox_expired)"
echo "dave: the 2 s message expired ($(counter mailbox_expired) expired)"
mbufs_check "$T/relay.sock" "$relay_mbufs" "after the restart" || fail "mbufs"
stop_relay TERM

# A store that fills up (16 MiB map): writes fail, their batch is lost, and
# no reply that promised it leaves: every message answered STORED is
# delivered, the rest were refused UNAVAILABLE or never answered.
STORE=$T/small start_relay --store-init 1 --store-map-mib 16 --mailbox-per-user 65535
for u in alice bob; do
	out=$(login $u)
	grep -q "signed_up=1" "$out" || fail "$u on the small store: $(cat "$out")"
done
pad=$(head -c 1400 /dev/zero | tr '\0' 'z')
{ for i in $(seq 14000); do echo "2 fill $i $pad"; [ $((i % 50)) = 0 ] && echo "sleep 5"; done
  echo "wait-replies 14000 30000"; } |
	chat "$T/alice.key" --timeout 2000 > "$T/fill.out" 2>&1 || true
grep "to=2 code=STORED" "$T/fill.out" | sed 's/.*reply id=\([0-9]*\) .*/\1/' | sort -u > "$T/fill.ids"
n_fill=$(wc -l < "$T/fill.ids")
n_unavail=$(grep -c "to=2 code=UNAVAILABLE" "$T/fill.out" || true)
errors=$(counter store_errors)
dropped=$(counter store_held_dropped)
[ "$errors" -ge 1 ] && [ "$n_unavail" -ge 1 ] ||
	fail "the 16 MiB store never filled: $n_fill STORED, $n_unavail UNAVAILABLE, $errors errors"
printf 'wait %s 60000\nsleep 300\n' "$n_fill" | chat "$T/bob.key" --timeout 5000 > "$T/drain.out" 2>&1 ||
	fail "bob on the full store: $(tail -3 "$T/drain.out")"
grep "msg from=1 " "$T/drain.out" | sed 's/.* id=\([0-9]*\) .*/\1/' | sort -u > "$T/drain.ids"
missing=$(comm -23 "$T/fill.ids" "$T/drain.ids" | wc -l)
[ "$missing" = 0 ] || fail "$missing messages answered STORED on a full store were not delivered"
echo "full store: $n_fill STORED (all delivered), $n_unavail UNAVAILABLE, $errors store errors, $dropped held replies dropped"
mbufs_check "$T/relay.sock" "$relay_mbufs" "full store" || fail "mbufs"
stop_relay TERM
echo "store_restart: PASS"
