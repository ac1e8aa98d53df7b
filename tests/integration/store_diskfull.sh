#!/bin/bash
# SPDX-License-Identifier: MIT
#
# store_diskfull.sh BUILD_ROOT - the disk that holds the store fills up
# (not LMDB's map: the filesystem), with the real surge-relay on net_tap
# (tap_lib.sh) and surge-chat clients.  store_dir is on a 4 MiB tmpfs made
# here, the map is 64 MiB, and a ballast file leaves about 512 KiB free:
#   1. alice sends 1,400-byte messages to offline bob until the disk is
#      full: the relay keeps running and answering; messages it could not
#      store are answered UNAVAILABLE (the reason PROTOCOL.md gives: a
#      storage error, retry later) or not at all (their batch's commit
#      failed: no reply promising them), never STORED; store_errors counts
#      the failures, `surgectl stats` names the last one (No space left on
#      device) and the relay's log says so once (not once a frame);
#   2. while the disk is full: carol (signed up before) logs in and a new
#      user signs up, or they are refused loudly (the same counters and
#      log); whatever they were told holds after the restart (4);
#   3. the ballast removed: the next messages are STORED again, and a
#      sign-up works, without a restart;
#   4. the relay restarted (SIGKILL) on the same store: bob receives every
#      message that was answered STORED, each once; every user told
#      signed_up=1 logs in under the same id.
# Counts printed.  Unique names; the tmpfs is unmounted and everything
# removed on exit.  The worker busy-polls: not in parallel.
set -euo pipefail

B=${1:?usage: store_diskfull.sh BUILD_ROOT}
STEM=sgdf
. "$(dirname "$0")/tap_lib.sh"
tap_setup
trap 'rc=$?; umount -l "$T/disk" 2>/dev/null || true; tap_cleanup "$rc"' EXIT
mkdir -m 700 "$T/disk"
mount -t tmpfs -o size=4m,mode=0700 "sgdf$$" "$T/disk"
STORE=$T/disk/store

relay_up() { tap_start_relay --store-dir "$STORE" --store-map-mib 64 --store-sync 1 \
	--mailbox-per-user 65535 "$@"; }
login() { # login NAME: connect, take what comes for 300 ms; prints its output file
	local n=0
	while [ -e "$T/$1.$n.out" ]; do n=$(( n + 1 )); done
	echo "sleep 300" | chat "$T/$1.key" --timeout 3000 > "$T/$1.$n.out" 2>&1 || true
	echo "$T/$1.$n.out"
}
free_kib() { df -k --output=avail "$T/disk" | tail -1 | tr -d ' '; }

relay_up --store-init 1
for u in alice bob carol dave erin; do
	"$B/client/surge-chat" --genkey --key "$T/$u.key" > /dev/null
done
for u in alice bob carol; do
	out=$(login $u)
	grep -q "signed_up=1" "$out" || fail "$u sign-up: $(cat "$out")"
done
bob_id=$(sed -n 's/connected user \([0-9]*\) .*/\1/p' "$T/bob.0.out")

# Ballast: 64 KiB files until the disk is full, then 8 of them removed.
i=0
while dd if=/dev/zero of="$T/disk/ballast.$i" bs=64k count=1 status=none 2>/dev/null; do
	i=$(( i + 1 ))
	[ "$i" -lt 100 ] || fail "the 4 MiB tmpfs never filled"
done
rm -f "$T/disk/ballast.$i"
for j in $(seq 1 8); do rm -f "$T/disk/ballast.$(( i - j ))"; done
echo "disk: $(free_kib) KiB free of 4 MiB after the ballast ($(du -sk "$STORE" | cut -f1) KiB store)"

# 1. Fill it.
pad=$(head -c 1400 /dev/zero | tr '\0' 'f')
{ for k in $(seq 800); do echo "$bob_id fill $k $pad"; [ $((k % 50)) = 0 ] && echo "sleep 20"; done
  echo "wait-replies 800 20000"; } |
	chat "$T/alice.key" --timeout 3000 > "$T/fill.out" 2>&1 || true
grep "to=$bob_id code=STORED" "$T/fill.out" | sed 's/.*reply id=\([0-9]*\) .*/\1/' | sort -u > "$T/stored.ids"
n_stored=$(wc -l < "$T/stored.ids")
n_unavail=$(grep -c "to=$bob_id code=UNAVAILABLE detail=0" "$T/fill.out" || true)
n_replies=$(grep -c "reply id=" "$T/fill.out" || true)
kill -0 "$relay_pid" || fail "the relay died on a full disk: $(tail -20 "$T/relay.log")"
[ "$(free_kib)" -lt 64 ] || fail "the disk did not fill: $(free_kib) KiB free"
errors=$(ctl store_errors)
unavail=$(ctl mailbox_unavailable)
[ "$n_stored" -ge 1 ] && [ "$n_unavail" -ge 1 ] ||
	fail "full disk: $n_stored STORED, $n_unavail UNAVAILABLE: $(tail -3 "$T/fill.out")"
[ "$n_replies" = 800 ] && [ $(( n_stored + n_unavail )) = 800 ] ||
	fail "full disk: $n_replies replies to 800 messages ($n_stored STORED, $n_unavail UNAVAILABLE)"
[ "$unavail" = "$n_unavail" ] || fail "mailbox_unavailable $unavail, alice got $n_unavail"
[ "$errors" -ge 1 ] || fail "store_errors $errors"
last=$("$B/control/surgectl" --socket "$T/relay.sock" stats | grep "^store:")
grep -q "No space left on device" <<< "$last" || fail "stats does not name the error: $last"
logged=$(grep -c "surge-relay: store error: " "$T/relay.log" || true)
[ "$logged" -ge 1 ] && [ "$logged" -le 3 ] || fail "$logged store error lines in the log (1..3: rate-limited)"
echo "full disk: 800 messages: $n_stored STORED, $n_unavail UNAVAILABLE (every one answered);" \
	"store_errors $errors, mailbox_unavailable $unavail, $logged log line(s):"
grep -m1 "surge-relay: store error: " "$T/relay.log"
echo "$last"

# 2. A log-in and a sign-up while the disk is full.
held0=$(ctl store_held_dropped)
full0=$(ctl handshake_full)
for u in carol dave; do
	out=$(login $u)
	if grep -q "connected user" "$out"; then
		echo "$u on the full disk: $(grep -m1 "connected user" "$out")"
	else
		echo "$u on the full disk: no answer: $(head -1 "$out")"
		held=$(ctl store_held_dropped)
		full=$(ctl handshake_full)
		[ "$held" -gt "$held0" ] || [ "$full" -gt "$full0" ] ||
			fail "$u went unanswered and nothing counted it"
		[ "$logged" -ge 1 ] || fail "$u refused without a log line"
	fi
done
carol_id=$(sed -n 's/connected user \([0-9]*\) .*/\1/p' "$T/carol.0.out")
if grep -q "connected user" "$T/carol.1.out" &&
	! grep -q "connected user $carol_id signed_up=0" "$T/carol.1.out"; then
	fail "carol logged in as someone else: $(cat "$T/carol.1.out")"
fi
kill -0 "$relay_pid" || fail "the relay died"

# 3. Room again: stored, signed up, without a restart.
rm -f "$T"/disk/ballast.*
{ for k in $(seq 10); do echo "$bob_id after $k"; done; echo "wait-replies 10 10000"; } |
	chat "$T/alice.key" > "$T/after.out" 2>&1 || fail "alice after: $(tail -3 "$T/after.out")"
n_after=$(grep -c "to=$bob_id code=STORED" "$T/after.out" || true)
[ "$n_after" = 10 ] || fail "after freeing the disk: $n_after of 10 STORED: $(cat "$T/after.out")"
grep "to=$bob_id code=STORED" "$T/after.out" | sed 's/.*reply id=\([0-9]*\) .*/\1/' >> "$T/stored.ids"
out=$(login erin)
grep -q "signed_up=1" "$out" || fail "erin after freeing the disk: $(cat "$out")"
echo "room again: 10 of 10 STORED, erin signed up ($(grep -m1 connected "$out"))"

# 4. SIGKILL and restart on the same store.
kill -KILL "$relay_pid"
wait "$relay_pid" 2>/dev/null || true
relay_pid=
rm -rf "/var/run/dpdk/$STEM$$"
relay_up
grep -q "store $STORE: " "$T/relay.log" || fail "the restart did not load the store"
sort -u -o "$T/stored.ids" "$T/stored.ids"
n_all=$(wc -l < "$T/stored.ids")
printf 'wait %s 30000\nsleep 300\n' "$n_all" | chat "$T/bob.key" --timeout 5000 > "$T/bob.r.out" 2>&1 ||
	fail "bob: $(tail -3 "$T/bob.r.out")"
grep "msg from=" "$T/bob.r.out" | sed 's/.* id=\([0-9]*\) .*/\1/' | sort > "$T/got.all"
sort -u "$T/got.all" > "$T/got.ids"
[ "$(wc -l < "$T/got.all")" = "$(wc -l < "$T/got.ids")" ] || fail "bob was shown a message twice"
missing=$(comm -23 "$T/stored.ids" "$T/got.ids" | wc -l)
extra=$(comm -13 "$T/stored.ids" "$T/got.ids" | wc -l)
[ "$missing" = 0 ] || fail "$missing of $n_all messages answered STORED were not delivered"
[ "$extra" = 0 ] || fail "$extra messages delivered that were never answered STORED (UNAVAILABLE ones?)"
echo "after the restart: bob got all $n_all STORED messages, each once, and nothing else"
# Every user told signed_up=1 logs in under the same id.
n=0
for u in alice bob carol dave erin; do
	want=$(sed -n 's/connected user \([0-9]*\) signed_up=1.*/\1/p' "$T/$u".*.out | head -1)
	[ -n "$want" ] || continue
	out=$(login $u)
	grep -q "connected user $want signed_up=0" "$out" || fail "$u (user $want) after the restart: $(cat "$out")"
	n=$(( n + 1 ))
done
echo "after the restart: all $n users told signed_up=1 logged in under their ids"
echo PASS
