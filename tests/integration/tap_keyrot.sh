#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tap_keyrot.sh BUILD_ROOT [HS_LCORES] - relay static key rotation (docs/OPERATIONS.md
# "Rotating the relay's key") in surge-relay on net_tap, started with
# --config holding key_file and key_grace: alice and bob, connected under
# key 1, keep exchanging messages through every rotation (one session
# each); after a config reload to key 2 a client with key 2 signs up and
# one with key 1 still connects (handshakes_old_key), also under load
# (cookie_backlog 0: a cookie reply, then the handshake); a reload naming a
# missing key file changes nothing; a rotation to key 3 with key_grace 3
# drops key 1 at once (two keys at most) and key 2 after 3 s: clients with
# a dropped key are refused (handshake_mac1) and time out while key 3
# clients connect; back to key 2 with key_grace 0 drops key 3 at once;
# status shows the keys in force.  HS_LCORES 1: the
# X25519 halves run on a handshake lcore (sharing CPU 0), under the key
# its handshake was handed.
set -euo pipefail

B=${1:?usage: tap_keyrot.sh BUILD_ROOT [HS_LCORES]}
HS=${2:-0}
lcores=0@0,1@1
[ "$HS" = 0 ] || lcores=0@0,1@1,2@0
STEM=sgkr
. "$(dirname "$0")/tap_lib.sh"
tap_setup
for k in 2 3; do "$B/dataplane/surge-relay" --genkey "$T/k$k.key" > "$T/k$k.pub"; done
cp "$T/relay.pub" "$T/k1.pub"
conf() { # conf KEY_FILE GRACE COOKIE_BACKLOG
	printf 'key_file = %s\nkey_grace = %s\ncookie_backlog = %s\nhandshake_lcores = %s\n' \
		"$1" "$2" "$3" "$HS" > "$T/relay.conf"
}
conf "$T/relay.key" 3600 256
# As tap_start_relay, but the key only in the file, so that a reload changes it.
"$B/dataplane/surge-relay" --config "$T/relay.conf" --address4 "$net.1" \
	--control-socket "$T/relay.sock" -- \
	--no-huge -m 512 --no-pci --file-prefix "$STEM$$" --lcores "$lcores" \
	--vdev "net_tap0,iface=$tap" > "$T/relay.log" 2>&1 &
relay_pid=$!
for _ in $(seq 300); do grep -q "ready" "$T/relay.log" && break; sleep 0.1; done
grep -q "ready" "$T/relay.log" || { cat "$T/relay.log"; fail "relay did not start"; }
grep -qF "public key $(cat "$T/k1.pub")" "$T/relay.log" || fail "not key 1: $(cat "$T/relay.log")"
ip link set "$tap" netns "$ns"
ip -n "$ns" addr add "$net.2/24" dev "$tap"
ip -n "$ns" link set "$tap" up
relay_mbufs=$(mbufs_in_use "$T/relay.sock") # the leak check at exit (tap_lib.sh)

sctl() { "$B/control/surgectl" --socket "$T/relay.sock" "$@"; }
# A number from `stats json` (r: the reply), e.g. num 'r["control"]["handshakes"]'.
num() { stats | python3 -c 'import json,sys; r=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
mac1() { num 'r["control"]["handshake_mac1"] + r["total"]["drops"]["handshake_mac1"]'; }
cookies() { num 'r["control"]["cookie_replies"] + r["total"]["cookie_replies"]'; }
# keys_are CUR [PREV]: status (text and JSON) shows exactly these public keys.
keys_are() {
	sctl status > "$T/st.out" || fail "status: exit $?"
	sctl --json status > "$T/st.json" || fail "status json: exit $?"
	grep -qxF "public key $(cat "$1")" "$T/st.out" || fail "status: $(cat "$T/st.out")"
	if [ $# = 2 ]; then
		grep -qE "^previous public key $(sed 's/+/\\+/g' "$2"), accepted at least [0-9]+ s more$" \
			"$T/st.out" || fail "status, previous: $(cat "$T/st.out")"
	else
		! grep -q "previous" "$T/st.out" || fail "status, no previous: $(cat "$T/st.out")"
	fi
	python3 - "$T/st.json" "$(cat "$1")" "$([ $# = 2 ] && cat "$2" || true)" <<'PY' || fail "status json: $(cat "$T/st.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["public_key"] == sys.argv[2], r
if sys.argv[3]:
    assert r["previous_public_key"] == sys.argv[3], r
    assert 0 <= r["previous_key_left_s"] <= 3600, r
else:
    assert "previous_public_key" not in r, r
PY
}
# connects NAME PUB: a new client holding relay key PUB signs up and leaves.
connects() {
	"$B/client/surge-chat" --genkey --key "$T/$1.key" > /dev/null
	chat "$T/$1.key" --relay-key "$2" < /dev/null > "$T/$1.out" 2>&1 ||
		fail "$1 (relay key $2): $(cat "$T/$1.out")"
	grep -q "connected user [0-9]* signed_up=1" "$T/$1.out" || fail "$1: $(cat "$T/$1.out")"
}
# refused NAME PUB: a client holding relay key PUB gets no answer and times out.
refused() {
	local rc=0
	"$B/client/surge-chat" --genkey --key "$T/$1.key" > /dev/null
	chat "$T/$1.key" --relay-key "$2" --timeout 2000 < /dev/null > "$T/$1.out" 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "$1 (relay key $2) was not refused: exit $rc: $(cat "$T/$1.out")"
	! grep -q "connected" "$T/$1.out" || fail "$1 connected: $(cat "$T/$1.out")"
}

# Alice (user 1) and bob (user 2) connect under key 1 and stay (FIFOs).
mkfifo "$T/a.in" "$T/b.in"
chat "$T/alice.key" --genkey < "$T/a.in" > "$T/a.out" 2>&1 &
alice_pid=$!
exec 4> "$T/a.in"
until_grep "$T/a.out" "connected user 1 " 1
chat "$T/bob.key" --genkey < "$T/b.in" > "$T/b.out" 2>&1 &
bob_pid=$!
exec 5> "$T/b.in"
until_grep "$T/b.out" "connected user 2 " 1
exchange() { # exchange N: one message each way, the N-th each way
	printf '2 a%s\n' "$1" >&4
	printf '1 b%s\n' "$1" >&5
	until_grep "$T/b.out" "msg from=1 " "$1"
	until_grep "$T/a.out" "msg from=2 " "$1"
}
exchange 1
keys_are "$T/k1.pub"
echo "keyrot: alice and bob connected under key 1, messages both ways"

# 1. Rotate to key 2, key 1 accepted for 3600 s.
conf "$T/k2.key" 3600 256
sctl config reload > "$T/r1.out" || fail "reload: exit $?: $(cat "$T/r1.out")"
grep -q "changed and applied: key_file$" "$T/r1.out" || fail "applied: $(cat "$T/r1.out")"
grep -qxF "relay key rotated: public key $(cat "$T/k2.pub"); the previous key is accepted for 3600 s" \
	"$T/r1.out" || fail "rotation report: $(cat "$T/r1.out")"
keys_are "$T/k2.pub" "$T/k1.pub"
exchange 2
connects carol "$T/k2.pub"
old0=$(num 'r["control"]["handshakes_old_key"]')
[ "$old0" = 0 ] || fail "handshakes_old_key $old0 after a key 2 client"
connects dave "$T/k1.pub"
old1=$(num 'r["control"]["handshakes_old_key"]')
[ "$old1" = 1 ] || fail "handshakes_old_key $old1 after a key 1 client, want 1"
exchange 3
echo "keyrot: rotated to key 2: alice and bob still talking, a key 2 client signed up," \
	"a key 1 client too (handshakes_old_key $old0 -> $old1)"

# 2. A missing key file: refused, nothing changed.
conf "$T/missing.key" 0 256
rc=0; sctl config reload > /dev/null 2> "$T/r2.err" || rc=$?
[ "$rc" = 1 ] || fail "missing key file: exit $rc"
grep -q "config reload failed, nothing changed: .*missing.key" "$T/r2.err" ||
	fail "missing key file: $(cat "$T/r2.err")"
[ "$(num 'r["control"]["config_reload_failures"]')" = 1 ] || fail "config_reload_failures"
keys_are "$T/k2.pub" "$T/k1.pub"
echo "keyrot: a missing key file refused ($(head -1 "$T/r2.err")), both keys still in force"

# 3. Under load (cookie_backlog 0): every handshake gets a cookie reply first.
conf "$T/k2.key" 3600 0
sctl config reload > "$T/r3.out" || fail "reload: exit $?: $(cat "$T/r3.out")"
! grep -q "rotated" "$T/r3.out" || fail "the same key rotated: $(cat "$T/r3.out")"
c0=$(cookies)
connects erin "$T/k1.pub"
c1=$(cookies)
old2=$(num 'r["control"]["handshakes_old_key"]')
[ "$c1" -gt "$c0" ] || fail "no cookie reply for a key 1 client under load ($c0 -> $c1)"
[ "$old2" = 2 ] || fail "handshakes_old_key $old2 under load, want 2"
connects frank "$T/k2.pub"
c2=$(cookies)
[ "$c2" -gt "$c1" ] || fail "no cookie reply for a key 2 client under load ($c1 -> $c2)"
exchange 4
echo "keyrot: under load, key 1 and key 2 clients got cookie replies ($c0 -> $c1 -> $c2)" \
	"and connected (handshakes_old_key $old2)"

# 4. Rotate to key 3 with key_grace 3: key 1 goes at once, key 2 after 3 s.
m0=$(mac1)
conf "$T/k3.key" 3 0
t0=$(date +%s) # before: the grace starts within the reload
sctl --json config reload > "$T/r4.json" || fail "reload: exit $?: $(cat "$T/r4.json")"
python3 - "$T/r4.json" "$(cat "$T/k3.pub")" <<'PY' || fail "rotation report: $(cat "$T/r4.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["applied"] == ["key_file", "key_grace"], r
assert r["key_rotated"] is True and r["public_key"] == sys.argv[2], r
assert r["key_grace_s"] == 3, r
PY
connects henry "$T/k2.pub" # within key 2's grace
old3=$(num 'r["control"]["handshakes_old_key"]')
[ "$old3" = 3 ] || fail "handshakes_old_key $old3 in key 2's grace, want 3"
refused gina "$T/k1.pub"
m1=$(mac1)
[ "$m1" -gt "$m0" ] || fail "key 1 client not counted handshake_mac1 ($m0 -> $m1)"
echo "keyrot: rotated to key 3 (key_grace 3): a key 2 client connected in its grace" \
	"(handshakes_old_key $old3), a key 1 client refused (handshake_mac1 $m0 -> $m1)"
for _ in $(seq 100); do
	sctl status | grep -q "previous" || break
	sleep 0.1
done
t1=$(date +%s)
keys_are "$T/k3.pub"
[ $((t1 - t0)) -ge 3 ] && [ $((t1 - t0)) -le 8 ] || fail "key 2 dropped after $((t1 - t0)) s, want 3 or 4"
refused ivan "$T/k2.pub"
m2=$(mac1)
[ "$m2" -gt "$m1" ] || fail "key 2 client after the grace not counted ($m1 -> $m2)"
connects jack "$T/k3.pub"
exchange 5
echo "keyrot: key 2 dropped after $((t1 - t0)) s: a key 2 client refused (handshake_mac1" \
	"$m1 -> $m2), a key 3 client connected"

# 5. key_grace 0: back to key 2, key 3 dropped at once.
conf "$T/k2.key" 0 0
sctl config reload > "$T/r5.out" || fail "reload: exit $?: $(cat "$T/r5.out")"
grep -qxF "relay key rotated: public key $(cat "$T/k2.pub"); the previous key is dropped (key_grace 0)" \
	"$T/r5.out" || fail "rotation report: $(cat "$T/r5.out")"
keys_are "$T/k2.pub"
refused kate "$T/k3.pub"
m3=$(mac1)
[ "$m3" -gt "$m2" ] || fail "key 3 client after key_grace 0 not counted ($m2 -> $m3)"
connects liam "$T/k2.pub"
exchange 6
echo "keyrot: key_grace 0: key 3 dropped at once (handshake_mac1 $m2 -> $m3), key 2 clients connect"

# Alice and bob: one session each all along.
printf '/quit\n' >&4
printf '/quit\n' >&5
exec 4>&- 5>&-
wait "$alice_pid" || fail "alice: $(cat "$T/a.out")"
wait "$bob_pid" || fail "bob: $(cat "$T/b.out")"
for f in a b; do
	[ "$(grep -c "connected user" "$T/$f.out")" = 1 ] && ! grep -q "closed" "$T/$f.out" ||
		fail "$f's session did not live through the rotations: $(cat "$T/$f.out")"
done
if [ "$HS" != 0 ]; then
	prepared=$(num 'sum(l["prepared"] for l in r["handshake_lcores"])')
	[ "$prepared" -ge 9 ] || fail "handshake lcores prepared $prepared handshakes, want >= 9 (one per client)"
	echo "keyrot: the handshake lcore prepared $prepared handshakes"
fi
echo "keyrot: alice and bob kept their one session through 5 reloads, 3 rotations, 6 exchanges"
echo PASS
