#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tap_config.sh BUILD_ROOT - config reload (docs/CONFIG.md "Reload") in
# surge-relay on net_tap with a store: a changed mailbox_per_user is in
# force at once (MAILBOX_FULL moves from 5 to 8 messages), a changed rules
# file is compiled again, a key that needs a restart (workers) is named and
# kept, the JSON answer says the same; a config file with a bad line is
# refused with file:line and changes nothing; SIGHUP reloads too; the users'
# sessions live through every reload.
set -euo pipefail

B=${1:?usage: tap_config.sh BUILD_ROOT}
STEM=sgcf
. "$(dirname "$0")/tap_lib.sh"
tap_setup
conf() { # conf PER_USER RATE WORKERS [extra line]
	printf 'mailbox_per_user = %s\nhandshake_rate = %s\nworkers = %s\nrules_file = %s\n%s\n' \
		"$1" "$2" "$3" "$T/c.rules" "${4:-}" > "$T/relay.conf"
}
conf 5 20 1
printf '1001 drop - first-word\n' > "$T/c.rules"
tap_start_relay --config "$T/relay.conf" --store-dir "$T/store" --store-init 1 --store-sync 0
sctl() { "$B/control/surgectl" --socket "$T/relay.sock" "$@"; }
for u in alice bob; do
	"$B/client/surge-chat" --genkey --key "$T/$u.key" > /dev/null
	echo "sleep 50" | chat "$T/$u.key" > "$T/$u.0.out"
done
grep -q "connected user 2 signed_up=1" "$T/bob.0.out" || fail "bob is not user 2"

# Alice stays connected (a FIFO) through every reload; bob is offline.
mkfifo "$T/a.in"
chat "$T/alice.key" < "$T/a.in" > "$T/a.out" 2>&1 &
alice_pid=$!
exec 4> "$T/a.in"
until_grep "$T/a.out" "connected user 1" 1
say() { printf '%s\n' "$@" >&4; }
replies() { grep -c "$1" "$T/a.out" || true; }

# 1. mailbox_per_user 5: six messages, five stored.
for i in 1 2 3 4 5 6; do say "2 m$i"; done
until_grep "$T/a.out" "code=MAILBOX_FULL" 1
until_grep "$T/a.out" "code=STORED" 5
[ "$(replies code=STORED)" = 5 ] || fail "stored $(replies code=STORED), want 5"

# 2. Reload: mailbox_per_user 8, handshake_rate 50, workers 2, other rules.
conf 8 50 2
printf '2002 drop - other-word\n' > "$T/c.rules"
sctl config reload > "$T/r1.out" || fail "config reload: exit $?: $(cat "$T/r1.out")"
grep -q "changed and applied: handshake_rate, mailbox_per_user$" "$T/r1.out" ||
	fail "applied: $(cat "$T/r1.out")"
grep -q "changed but kept until a restart: workers$" "$T/r1.out" || fail "restart: $(cat "$T/r1.out")"
grep -q "rules reloaded from $T/c.rules: 1 rules in force" "$T/r1.out" || fail "rules: $(cat "$T/r1.out")"
for i in 7 8 9 10; do say "2 m$i"; done
say "2 some other-word here"
until_grep "$T/a.out" "code=POLICY_BLOCKED detail=2002" 1
until_grep "$T/a.out" "code=MAILBOX_FULL" 2
until_grep "$T/a.out" "code=STORED" 8
echo "config: reload applied mailbox_per_user 5 -> 8 (8 stored), rules 1001 -> 2002, workers named for a restart"

# 3. A bad line: refused with file:line, nothing changed.
conf 20 50 2 "handshake_rate = banana"
rc=0; sctl config reload > /dev/null 2> "$T/r2.err" || rc=$?
[ "$rc" = 1 ] || fail "bad config: exit $rc"
grep -q "config reload failed, nothing changed: $T/relay.conf:5: " "$T/r2.err" || fail "bad config: $(cat "$T/r2.err")"
[ "$(ctl config_reload_failures)" = 1 ] || fail "config_reload_failures $(ctl config_reload_failures)"
say "2 m11"
until_grep "$T/a.out" "code=MAILBOX_FULL" 3
echo "config: a bad line refused ($(head -1 "$T/r2.err")), the cap stayed 8"

# 4. JSON, and SIGHUP.
conf 9 50 1
sctl --json config reload > "$T/r3.json" || fail "config reload json: exit $?"
python3 - "$T/r3.json" <<'PY' || fail "json: $(cat "$T/r3.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["applied"] == ["mailbox_per_user"], r
assert r["restart_needed"] == [], r
assert r["rules"]["reloaded"] is True and r["rules"]["rules"] == 1, r
PY
say "2 m12"
until_grep "$T/a.out" "code=STORED" 9
conf 10 50 1
reloads=$(ctl config_reloads)
kill -HUP "$relay_pid"
for _ in $(seq 50); do [ "$(ctl config_reloads)" -gt "$reloads" ] && break; sleep 0.1; done
[ "$(ctl config_reloads)" -gt "$reloads" ] || fail "SIGHUP did not reload the config"
say "2 m13"
until_grep "$T/a.out" "code=STORED" 10
[ "$(ctl config_reloads)" = 3 ] || fail "config_reloads $(ctl config_reloads), want 3"
say "/quit"
exec 4>&-
wait "$alice_pid" || fail "alice: $(cat "$T/a.out")"
grep -q "connected user 1" "$T/a.out" && [ "$(grep -c "connected user" "$T/a.out")" = 1 ] ||
	fail "alice's session did not live through the reloads: $(cat "$T/a.out")"
echo "config: JSON answer, SIGHUP reload (cap 10), alice's one session lived through 4 reloads"
echo PASS
