#!/bin/bash
# SPDX-License-Identifier: MIT
#
# store_killloop.sh BUILD_ROOT - SIGKILL and restart, $CYCLES times, under
# load: the real surge-relay on net_tap (tap_lib.sh) with a store, and in
# every cycle two streams of sign-ups (a fresh surge-chat identity each, one
# after another) and alice sending to bob, who is offline, 10 ms apart.
# Each cycle lets the relay answer at least 20 of alice's messages STORED,
# then kills it with SIGKILL (a random 0-300 ms later) mid-traffic and
# starts it again on the same store.  After the last restart:
#   - every user who was answered signed_up=1, in any cycle, logs in under
#     the same id with signed_up=0 (nobody registered was lost, nobody
#     registered twice);
#   - bob receives every message that was answered STORED, in any cycle,
#     each shown once (also some that were durable when the kill came before
#     their STORED left: counted, allowed: the sender would send again and
#     the recipient drops the copy by its id);
#   - each restart loaded at least the users signed up before it.
# Counts printed per cycle.  Everything is removed on exit; every wait is
# bounded.  The worker busy-polls: not in parallel.
set -euo pipefail

B=${1:?usage: store_killloop.sh BUILD_ROOT}
STEM=sgkl
CYCLES=5
. "$(dirname "$0")/tap_lib.sh"
tap_setup
# On exit: the streams stopped (not the relay: tap_cleanup checks it, then stops it).
trap 'rc=$?; touch "$T/stop"
      for j in $(jobs -p); do [ "$j" = "$relay_pid" ] || kill "$j" 2>/dev/null || true; done
      tap_cleanup "$rc"' EXIT

relay_up() { tap_start_relay --store-dir "$T/store" --store-sync 1 --mailbox-per-user 65535 "$@"; }
login() { # login NAME: connect, take what comes for 300 ms, close; prints its output file
	local n=0
	while [ -e "$T/$1.$n.out" ]; do n=$(( n + 1 )); done
	echo "sleep 300" | chat "$T/$1.key" --timeout 5000 > "$T/$1.$n.out" 2>&1 || true
	echo "$T/$1.$n.out"
}
signups() { # signups CYCLE STREAM: fresh identities one after another until $T/stop
	local i=0
	while [ ! -e "$T/stop" ] && [ "$i" -lt 100 ]; do
		i=$(( i + 1 ))
		"$B/client/surge-chat" --genkey --key "$T/u$1.$2.$i.key" > /dev/null
		echo "sleep 10" | chat "$T/u$1.$2.$i.key" --timeout 1500 > "$T/u$1.$2.$i.0.out" 2>&1 || true
	done
}

relay_up --store-init 1
for u in alice bob; do
	"$B/client/surge-chat" --genkey --key "$T/$u.key" > /dev/null
	out=$(login $u)
	grep -q "signed_up=1" "$out" || fail "$u sign-up: $(cat "$out")"
done
bob_id=$(sed -n 's/connected user \([0-9]*\) .*/\1/p' "$T/bob.0.out")
: > "$T/stored.ids"
signed=2
for c in $(seq "$CYCLES"); do
	rm -f "$T/stop"
	signups "$c" a &
	sa=$!
	signups "$c" b &
	sb=$!
	{ for k in $(seq 200); do echo "$bob_id c$c m$k"; echo "sleep 10"; done; } |
		chat "$T/alice.key" --timeout 1000 > "$T/alice.c$c.out" 2>&1 &
	al=$!
	for _ in $(seq 200); do
		[ "$(grep -c "code=STORED" "$T/alice.c$c.out" || true)" -ge 20 ] && break
		sleep 0.05
	done
	[ "$(grep -c "code=STORED" "$T/alice.c$c.out" || true)" -ge 20 ] ||
		fail "cycle $c: fewer than 20 STORED in 10 s: $(tail -3 "$T/alice.c$c.out")"
	sleep "0.$(( RANDOM % 300 ))"
	kill -KILL "$relay_pid"
	wait "$relay_pid" 2>/dev/null || true
	relay_pid=
	touch "$T/stop"
	wait "$sa" "$sb" || true
	wait "$al" || true
	rm -rf "/var/run/dpdk/$STEM$$"
	grep "to=$bob_id code=STORED" "$T/alice.c$c.out" | sed 's/.*reply id=\([0-9]*\) .*/\1/' \
		> "$T/stored.c$c"
	cat "$T/stored.c$c" >> "$T/stored.ids"
	bad=$(grep "reply id=" "$T/alice.c$c.out" | grep -vc "code=STORED" || true)
	[ "$bad" = 0 ] || fail "cycle $c: replies other than STORED: $(grep "reply id=" "$T/alice.c$c.out" | grep -v STORED | head -3)"
	new=$(grep -l "signed_up=1" "$T"/u"$c".*.0.out 2>/dev/null | wc -l)
	tried=$(ls "$T"/u"$c".*.0.out 2>/dev/null | wc -l)
	signed=$(( signed + new ))
	relay_up
	users=$(sed -n 's/^surge-relay: store .*: \([0-9]*\) users$/\1/p' "$T/relay.log")
	[ -n "$users" ] && [ "$users" -ge "$signed" ] ||
		fail "cycle $c: the restart loaded ${users:-no} users, $signed were told signed_up=1"
	echo "cycle $c: $(wc -l < "$T/stored.c$c") STORED to bob, $new of $tried sign-ups answered" \
		"signed_up=1, then SIGKILL; the restart loaded $users users ($signed told so far)"
done

# Every user told signed_up=1 logs in under the same id (8 at a time; bob
# below: his log-in takes his mail).
n=1
for f in "$T"/alice.0.out "$T"/u*.0.out; do
	want=$(sed -n 's/connected user \([0-9]*\) signed_up=1.*/\1/p' "$f")
	[ -n "$want" ] || continue
	name=$(basename "$f" .0.out)
	echo "$name $want"
done > "$T/signed.list"
pids=()
while read -r name want; do
	( out=$(login "$name")
	  grep -q "connected user $want signed_up=0" "$out" || echo "$name (user $want): $(head -1 "$out")"
	) >> "$T/relogin.bad" &
	pids+=($!)
	n=$(( n + 1 ))
	if [ "${#pids[@]}" = 8 ]; then wait "${pids[@]}"; pids=(); fi # not the relay: by pid
done < "$T/signed.list"
[ "${#pids[@]}" = 0 ] || wait "${pids[@]}"
[ ! -s "$T/relogin.bad" ] || fail "users lost or changed across the kills: $(head -5 "$T/relogin.bad")"
[ "$n" = "$signed" ] || fail "$n users to log in again, $signed counted"
echo "after $CYCLES kills: all $n users told signed_up=1 logged in under their ids"

# Bob: every STORED message once, nothing else.
sort -u -o "$T/stored.ids" "$T/stored.ids"
n_stored=$(wc -l < "$T/stored.ids")
printf 'wait %s 30000\nsleep 500\n' "$n_stored" | chat "$T/bob.key" --timeout 5000 > "$T/bob.r.out" 2>&1 ||
	fail "bob: $(tail -3 "$T/bob.r.out")"
grep -q "connected user $bob_id signed_up=0" "$T/bob.r.out" || fail "bob: $(head -1 "$T/bob.r.out")"
grep "msg from=" "$T/bob.r.out" | sed 's/.* id=\([0-9]*\) .*/\1/' | sort > "$T/got.all"
sort -u "$T/got.all" > "$T/got.ids"
[ "$(wc -l < "$T/got.all")" = "$(wc -l < "$T/got.ids")" ] || fail "bob was shown a message twice"
missing=$(comm -23 "$T/stored.ids" "$T/got.ids" | wc -l)
[ "$missing" = 0 ] || fail "$missing of $n_stored messages answered STORED were not delivered"
extra=$(comm -13 "$T/stored.ids" "$T/got.ids" | wc -l)
echo "bob: all $n_stored STORED messages delivered, each once ($extra more that were stored" \
	"but not yet answered at a kill)"
echo PASS
