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
STEM=sgrs
. "$(dirname "$0")/tap_lib.sh"
tap_setup
tap_start_relay
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
