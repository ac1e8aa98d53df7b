#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tap_policy.sh BUILD_ROOT - the content policy (docs/POLICY.md) in
# surge-relay on net_tap in a network namespace: a rules file with a drop,
# a flag and a count rule; a cloud message that matches the drop rule is
# answered POLICY_BLOCKED (detail: the rule id) and not delivered; the same
# text as a secret message is never scanned and arrives; flagged and counted
# messages arrive and every verdict and per-rule hit is counted; a broken
# rules file is refused at `surgectl rules reload` with file:line and the
# rules in force stay; SIGHUP swaps in a new file under a live session; the
# operator hooks: `surgectl rules list` (text and JSON) with hits that
# survive swaps, `rules add` and `rules remove` in force at once, refused
# with the reason (duplicate id, a pattern Hyperscan refuses, an unknown
# id) leaving the rules as they were; a 1,000-rule reload compiles while the
# control plane keeps answering, and a second change meanwhile is busy.
set -euo pipefail

B=${1:?usage: tap_policy.sh BUILD_ROOT}
STEM=sgpo
. "$(dirname "$0")/tap_lib.sh"
tap_setup
cat > "$T/policy.rules" <<'RULES'
# test rules: a phishing host, a phrase flagged, a counted word
1001 drop caseless paypa[l1]-secure\.example
1002 flag - hello\s+world
1003 count caseless invoice
RULES
tap_start_relay --rules-file "$T/policy.rules" --rules-cache "$T/rules.cache"
[ -s "$T/rules.cache" ] || fail "the start did not write rules_cache"
"$B/client/surge-chat" --genkey --key "$T/bob.key" > /dev/null
"$B/client/surge-chat" --genkey --key "$T/alice.key" > /dev/null
echo "sleep 50" | chat "$T/alice.key" > "$T/a0.out"
grep -q "connected user 1 signed_up=1" "$T/a0.out" || fail "alice sign-up: $(cat "$T/a0.out")"

# Bob stays connected (input from a FIFO) while alice sends.
mkfifo "$T/b.in"
chat "$T/bob.key" < "$T/b.in" > "$T/b.out" 2>&1 &
bob_pid=$!
exec 4> "$T/b.in"
until_grep "$T/b.out" "connected user 2" 1

send() { # send OUT LINES...: alice sends, waits for replies and a moment
	local out=$1
	shift
	printf '%s\n' "$@" "sleep 300" | chat "$T/alice.key" > "$T/$out" 2>&1 || fail "alice: $(cat "$T/$out")"
}
pol() { # pol VERDICT | pol hits RULE_ID
	stats | python3 -c '
import json, sys
p = json.load(sys.stdin)["policy"]
print(p["hits"][sys.argv[2]] if sys.argv[1] == "hits" else p[sys.argv[1]])' "$@"
}

# 1. A cloud message to the phishing host is dropped with POLICY_BLOCKED (rule
# 1001); the same text as a secret message is never scanned and arrives; a
# flagged and a counted message are forwarded.
send a1.out "2 login at http://PAYPA1-secure.example/x now" "/secret 2 secret paypa1-secure.example" \
	"2 hello   world" "2 your invoice" "wait-replies 1 3000"
grep -q "code=POLICY_BLOCKED detail=1001" "$T/a1.out" || fail "no POLICY_BLOCKED: $(cat "$T/a1.out")"
until_grep "$T/b.out" "text=secret paypa1-secure.example" 1
until_grep "$T/b.out" "text=hello   world" 1
until_grep "$T/b.out" "text=your invoice" 1
! grep -q "login at" "$T/b.out" || fail "a dropped message was delivered"
[ "$(pol drop)" = 1 ] && [ "$(pol flag)" = 1 ] && [ "$(pol count)" = 1 ] ||
	fail "verdicts: drop $(pol drop) flag $(pol flag) count $(pol count)"
[ "$(pol scanned)" = 3 ] || fail "scanned $(pol scanned): the secret body must not be scanned"
[ "$(pol hits 1001)" = 1 ] && [ "$(pol hits 1002)" = 1 ] && [ "$(pol hits 1003)" = 1 ] ||
	fail "hits $(pol hits 1001) $(pol hits 1002) $(pol hits 1003)"
[ "$(ctl policy_blocked)" = 1 ] || fail "policy_blocked $(ctl policy_blocked)"
scan_ns=$(stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["policy_scan_ns"])')
[ "$scan_ns" -gt 0 ] || fail "the workers' policy_scan_ns is $scan_ns after 3 scans"
echo "policy: cloud phishing link blocked (POLICY_BLOCKED 1001), secret copy delivered unscanned, flag and count forwarded"

# 2. A broken rules file: the reload is refused with file:line and Hyperscan's
# reason, and the rules in force stay.
printf '1001 drop - (a|b){1000000}\n' > "$T/policy.rules"
rc=0
"$B/control/surgectl" --socket "$T/relay.sock" rules reload > "$T/r.out" 2> "$T/r.err" || rc=$?
[ "$rc" = 1 ] || fail "broken reload: exit $rc"
grep -q "policy.rules:1: rule 1001: " "$T/r.err" || fail "broken reload message: $(cat "$T/r.err")"
send a2.out "2 again paypa1-secure.example" "wait-replies 1 3000"
grep -q "code=POLICY_BLOCKED detail=1001" "$T/a2.out" || fail "old rules not in force: $(cat "$T/a2.out")"
echo "policy: broken reload refused ($(head -1 "$T/r.err")), old rules still in force"

# 3. SIGHUP with a new file: rule 1001 is gone, the link goes through.
printf '2001 drop caseless forbidden-word\n' > "$T/policy.rules"
loads=$(ctl policy_loads)
kill -HUP "$relay_pid"
for _ in $(seq 50); do [ "$(ctl policy_loads)" -gt "$loads" ] && break; sleep 0.1; done
[ "$(ctl policy_loads)" -gt "$loads" ] || fail "SIGHUP did not reload"
send a3.out "2 now paypa1-secure.example" "2 a forbidden-word here" "wait-replies 1 3000"
until_grep "$T/b.out" "text=now paypa1-secure.example" 1
grep -q "code=POLICY_BLOCKED detail=2001" "$T/a3.out" || fail "new rule 2001 not in force: $(cat "$T/a3.out")"
echo "policy: SIGHUP reload swapped the rules under a live session"
# 4. Operator hooks.
sctl() { "$B/control/surgectl" --socket "$T/relay.sock" "$@"; }
rule_hits() { # rule_hits ID: from `surgectl --json rules list`
	sctl --json rules list | python3 -c '
import json, sys
print([r["hits"] for r in json.load(sys.stdin)["rules"] if r["id"] == int(sys.argv[1])][0])' "$1"
}
sctl rules list > "$T/l.out" || fail "rules list: exit $?"
grep -Eq "^ +2001  drop +1  1 +caseless forbidden-word$" "$T/l.out" || fail "rules list: $(cat "$T/l.out")"
sctl rules add 3001 drop caseless 'evil\.example' > "$T/add.out" || fail "rules add: exit $?"
grep -q "rule 3001 added: 2 rules in force" "$T/add.out" || fail "rules add: $(cat "$T/add.out")"
send a4.out "2 see http://EVIL.example/" "2 forbidden-word again" "wait-replies 2 3000"
grep -q "code=POLICY_BLOCKED detail=3001" "$T/a4.out" || fail "added rule not in force: $(cat "$T/a4.out")"
[ "$(rule_hits 2001)" = 2 ] || fail "rule 2001's hits across the add: $(rule_hits 2001), want 2"
[ "$(rule_hits 3001)" = 1 ] || fail "rule 3001's hits: $(rule_hits 3001)"
[ "$(pol drop)" = 5 ] || fail "drops over every set: $(pol drop), want 5"
grep -Eq "3001  drop +1  added +caseless evil" <(sctl rules list) || fail "list: $(sctl rules list)"
rc=0; sctl rules add 3001 flag - x 2> "$T/e1" || rc=$?
[ "$rc" = 1 ] && grep -q "already in force" "$T/e1" || fail "duplicate add: exit $rc $(cat "$T/e1")"
rc=0; sctl rules add 3002 drop - 'a{1000000}' 2> "$T/e2" || rc=$?
[ "$rc" = 1 ] && grep -q "rules add failed, the rules in force stay: .*rule 3002: " "$T/e2" ||
	fail "refused add: exit $rc $(cat "$T/e2")"
rc=0; sctl rules remove 9999 2> "$T/e3" || rc=$?
[ "$rc" = 1 ] && grep -q "no rule 9999 in force" "$T/e3" || fail "remove 9999: exit $rc $(cat "$T/e3")"
rc=0; sctl rules frobnicate 2> /dev/null || rc=$?
[ "$rc" = 2 ] || fail "bad sub-command: exit $rc"
[ "$(sctl --json rules list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rules"]))')" = 2 ] ||
	fail "refused changes changed the rules: $(sctl rules list)"
sctl --json rules remove 3001 | grep -q '"removed": 3001, "rules": 1' || fail "rules remove 3001"
send a5.out "2 back to evil.example"
until_grep "$T/b.out" "text=back to evil.example" 1
echo "policy: rules list/add/remove over the socket, hits carried across swaps, refusals leave the rules"

# 5. A reload of 1,000 rules compiles off the control loop: status answers
# meanwhile, and a second change is refused as busy.
python3 - "$T/policy.rules" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(1000):
        f.write(f"{10000 + i} count caseless (login|verify|secure)-{i:04d}\\.example\\.(com|net)/[a-z0-9]{{4,32}}\n")
PY
sctl rules reload > "$T/big.out" 2>&1 &
reload_pid=$!
busy=0
for _ in $(seq 100); do
	[ "$(stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"]["compiling"])')" = True ] && { busy=1; break; }
	sleep 0.02
done
[ "$busy" = 1 ] || fail "the 1,000-rule compile was never seen running"
t0=$(date +%s%N)
sctl status > /dev/null || fail "status during a compile"
t1=$(date +%s%N)
rc=0; sctl rules remove 2001 2> "$T/e4" || rc=$?
[ "$rc" = 1 ] && grep -q "compiling for" "$T/e4" || fail "change during a compile: exit $rc $(cat "$T/e4")"
wait "$reload_pid" || fail "1,000-rule reload: $(cat "$T/big.out")"
grep -q "1000 rules in force" "$T/big.out" || fail "1,000-rule reload: $(cat "$T/big.out")"
[ $(( (t1 - t0) / 1000000 )) -lt 500 ] || fail "status took $(( (t1 - t0) / 1000000 )) ms during a compile"
echo "policy: 1,000-rule reload compiled off the loop (status answered in $(( (t1 - t0) / 1000000 )) ms meanwhile, a second change busy)"
from_cache() { stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"]["from_cache"])'; }
[ "$(from_cache)" = False ] || fail "a compiled set says from_cache"
t0=$(date +%s%N)
sctl rules reload > /dev/null || fail "reload of the same 1,000 rules"
t1=$(date +%s%N)
[ "$(from_cache)" = True ] || fail "the unchanged file was compiled again, not taken from rules_cache"
echo "policy: the same 1,000 rules reloaded from rules_cache in $(( (t1 - t0) / 1000000 )) ms"
exec 4>&-
wait "$bob_pid" || fail "bob: $(cat "$T/b.out")"
echo PASS
