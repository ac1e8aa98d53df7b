#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tap_opsview.sh BUILD_ROOT - surgectl sessions, users and mailbox against
# surge-relay on net_tap (a network namespace, no hugepages) with a store,
# each subcommand in both output modes with its values asserted:
#  - alice (1), bob (2), carol (3), dave (4) sign up; alice and bob stay
#    connected (surge-chat fed through FIFOs): the sessions listed are
#    theirs, at the namespace's address, filtered by --user and --addr,
#    cut by --limit (saying how many more), top first by frames, and their
#    frames grow as alice sends to bob; show gives the same session;
#  - users counts 4 and 2 online; show and lookup (by the public key
#    surge-chat --genkey printed) give the right id and session;
#  - mailbox: 3 messages for offline carol, then bob leaves and gets 1:
#    depths, totals, users with mail; a 2 s TTL message to carol is gone
#    3 s later (purge-expired answers, mailbox_expired counts it once);
#  - sessions kill: alice's client is told (closed reason=admin), the
#    session leaves the list, sessions_killed is 1, alice connects again;
#  - bad input (unknown ids, a bad key, --limit 0, unknown words): one line
#    on stderr, nothing on stdout, exit 1 (the relay said no) or 2 (usage).
# The relay has 100,000 session slots, so listings take two rounds (the
# deferred answer).  Every wait is bounded.
set -euo pipefail

B=${1:?usage: tap_opsview.sh BUILD_ROOT}
STEM=sgov
. "$(dirname "$0")/tap_lib.sh"
tap_setup
trap 'exec 3>&- 4>&- 2>/dev/null; kill $(jobs -p) 2>/dev/null; tap_cleanup' EXIT
tap_start_relay --store-dir "$T/store" --store-init 1 --max-sessions 100000

sctl() { timeout 10 "$B/control/surgectl" --socket "$T/relay.sock" "$@"; }
# jq-like: j EXPR < JSON prints Python's value of EXPR over the document d.
j() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# expect WHAT RC ARGS...: exit status RC, one line on stderr, nothing on stdout.
expect() {
	local what=$1 want=$2 rc=0
	shift 2
	sctl "$@" > "$T/e.out" 2> "$T/e.err" || rc=$?
	[ "$rc" = "$want" ] || fail "$what: exit $rc, want $want: $(cat "$T/e.err" "$T/e.out")"
	[ "$(wc -l < "$T/e.err")" = 1 ] || fail "$what: not one line: $(cat "$T/e.err")"
	[ ! -s "$T/e.out" ] || fail "$what: wrote to stdout: $(cat "$T/e.out")"
	echo "$what -> $want: $(cat "$T/e.err")"
}

for u in alice bob carol dave; do
	"$B/client/surge-chat" --genkey --key "$T/$u.key" > "$T/$u.pub"
done
n=1
for u in alice bob carol dave; do
	echo "sleep 100" | chat "$T/$u.key" > "$T/$u.0.out" 2>&1 || fail "$u: $(cat "$T/$u.0.out")"
	grep -q "connected user $n signed_up=1" "$T/$u.0.out" || fail "$u is not user $n"
	n=$(( n + 1 ))
done

# alice and bob online, fed through FIFOs (fd 3 and 4).
mkfifo "$T/a.in" "$T/b.in"
chat "$T/alice.key" < "$T/a.in" > "$T/a.out" 2>&1 &
exec 3> "$T/a.in"
chat "$T/bob.key" < "$T/b.in" > "$T/b.out" 2>&1 &
exec 4> "$T/b.in"
until_grep "$T/a.out" "connected user 1" 1
until_grep "$T/b.out" "connected user 2" 1
echo "2 hello bob" >&3
until_grep "$T/b.out" "msg from=1" 1

# --- sessions -----------------------------------------------------------
sctl --json sessions > "$T/s.json"
cat "$T/s.json"
[ "$(j 'sorted(s["user"] for s in d["sessions"])' < "$T/s.json")" = "[1, 2]" ] ||
	fail "sessions are not alice's and bob's"
[ "$(j 'd["live"], d["matched"], d["more"]' < "$T/s.json")" = "(2, 2, 0)" ] || fail "counts"
[ "$(j 'set(s["peer"].split(":")[0] for s in d["sessions"])' < "$T/s.json")" = "{'$net.2'}" ] ||
	fail "peer addresses"
a_id=$(j '[s["id"] for s in d["sessions"] if s["user"] == 1][0]' < "$T/s.json")
b_id=$(j '[s["id"] for s in d["sessions"] if s["user"] == 2][0]' < "$T/s.json")
a_in=$(j '[s["frames_in"] for s in d["sessions"] if s["user"] == 1][0]' < "$T/s.json")
b_out=$(j '[s["frames_out"] for s in d["sessions"] if s["user"] == 2][0]' < "$T/s.json")
[ "$a_in" -ge 1 ] && [ "$b_out" -ge 1 ] || fail "frames: alice in $a_in, bob out $b_out"
sctl sessions > "$T/s.txt"
cat "$T/s.txt"
head -1 "$T/s.txt" | grep -q "SESSION.*USER.*PEER.*FRAMES_IN.*FRAMES_OUT" || fail "header"
[ "$(awk 'NR > 1 && $2 ~ /^[0-9]+$/ { print $1 "/" $2 }' "$T/s.txt" | sort | tr '\n' ' ')" = \
	"$(printf '%s\n' "$a_id/1" "$b_id/2" | sort | tr '\n' ' ')" ] || fail "text rows"
tail -1 "$T/s.txt" | grep -q "^2 sessions of 2 live$" || fail "text footer"

for i in 1 2 3 4 5; do echo "2 more $i" >&3; done
until_grep "$T/b.out" "msg from=1" 6
a_in2=$(sctl --json sessions --user 1 | j 'd["sessions"][0]["frames_in"]')
b_out2=$(sctl --json sessions --user 2 | j 'd["sessions"][0]["frames_out"]')
[ "$a_in2" -ge $(( a_in + 5 )) ] || fail "alice's frames in did not grow: $a_in -> $a_in2"
[ "$b_out2" -ge $(( b_out + 5 )) ] || fail "bob's frames out did not grow: $b_out -> $b_out2"
echo "frames grow: alice in $a_in -> $a_in2, bob out $b_out -> $b_out2"

[ "$(sctl --json sessions --user 1 | j '[s["id"] for s in d["sessions"]]')" = "[$a_id]" ] ||
	fail "--user 1"
[ "$(sctl --json sessions --user 3 | j 'd["matched"]')" = 0 ] || fail "--user 3 (offline)"
sctl sessions --user 2 | awk 'NR == 2 { print $1, $2 }' | grep -qx "$b_id 2" || fail "--user text"
[ "$(sctl --json sessions --addr "$net.2" | j 'd["matched"]')" = 2 ] || fail "--addr"
[ "$(sctl --json sessions --addr 198.18.250.250 | j 'd["matched"]')" = 0 ] || fail "--addr other"
[ "$(sctl --json sessions --addr 2001:2::1 | j 'd["matched"]')" = 0 ] || fail "--addr v6"
sctl --json sessions --limit 1 > "$T/l.json"
[ "$(j 'len(d["sessions"]), d["matched"], d["more"]' < "$T/l.json")" = "(1, 2, 1)" ] ||
	fail "--limit 1: $(cat "$T/l.json")"
sctl sessions --limit 1 | tail -1 | grep -q "^1 of 2 sessions shown (2 live); 1 more not shown" ||
	fail "--limit 1 text"

sctl --json sessions top > "$T/t.json"
j '[s["frames_in"] + s["frames_out"] for s in d["sessions"]]' < "$T/t.json"
[ "$(j 'len(d["sessions"])' < "$T/t.json")" = 2 ] || fail "top: two sessions"
[ "$(j 'all(a["frames_in"] + a["frames_out"] >= b["frames_in"] + b["frames_out"]
	for a, b in zip(d["sessions"], d["sessions"][1:]))' < "$T/t.json")" = True ] ||
	fail "top is not by frames"
top1=$(j 'd["sessions"][0]["id"]' < "$T/t.json")
sctl sessions top --limit 1 > "$T/t.txt"
cat "$T/t.txt"
awk 'NR == 2 { print $1 }' "$T/t.txt" | grep -qx "$top1" || fail "top text"

sctl --json sessions show "$a_id" > "$T/show.json"
cat "$T/show.json"
[ "$(j 'd["id"], d["user"], d["peer"].split(":")[0]' < "$T/show.json")" = \
	"($a_id, 1, '$net.2')" ] || fail "show json"
sctl sessions show "$b_id" > "$T/show.txt"
cat "$T/show.txt"
grep -q "^session $b_id " "$T/show.txt" && grep -q "user  *2$" "$T/show.txt" || fail "show text"

# --- users --------------------------------------------------------------
[ "$(sctl --json users | j 'd["registered"], d["online"], d["capacity"] > 0')" = \
	"(4, 2, True)" ] || fail "users json"
sctl users | grep -q "^4 users registered .*, 2 online" || fail "users text"
sctl --json users lookup "$(cat "$T/alice.pub")" > "$T/u.json"
cat "$T/u.json"
[ "$(j 'd["id"], d["session"], d["key"]' < "$T/u.json")" = \
	"(1, $a_id, '$(cat "$T/alice.pub")')" ] || fail "lookup alice"
[ "$(sctl --json users lookup "$(cat "$T/carol.pub")" | j 'd["id"], d["session"]')" = \
	"(3, None)" ] || fail "lookup carol"
sctl users show 2 > "$T/u.txt"
cat "$T/u.txt"
grep -q "^user 2$" "$T/u.txt" && grep -q "key  *$(cat "$T/bob.pub")" "$T/u.txt" &&
	grep -q "online  *session $b_id " "$T/u.txt" || fail "users show text"
sctl users lookup "$(cat "$T/dave.pub")" | grep -q "^user 4$" || fail "lookup dave text"

# --- mailbox ------------------------------------------------------------
for i in 1 2 3; do echo "3 for carol $i" >&3; done
until_grep "$T/a.out" "to=3 code=STORED" 3
exec 4>&- # bob leaves ...
for _ in $(seq 100); do
	[ "$(sctl --json sessions --user 2 | j 'd["matched"]')" = 0 ] && break
	sleep 0.1
done
[ "$(sctl --json sessions --user 2 | j 'd["matched"]')" = 0 ] || fail "bob did not leave"
echo "2 while you were out" >&3 # ... with mail waiting
until_grep "$T/a.out" "to=2 code=STORED" 1
[ "$(sctl --json mailbox show 3 | j 'd["messages"], d["first_expiry"] > 0')" = "(3, True)" ] ||
	fail "carol's mailbox"
[ "$(sctl --json mailbox show 2 | j 'd["messages"]')" = 1 ] || fail "bob's mailbox"
[ "$(sctl --json mailbox show 4 | j 'd["messages"], d["first_expiry"]')" = "(0, 0)" ] ||
	fail "dave's mailbox"
sctl --json mailbox > "$T/m.json"
cat "$T/m.json"
[ "$(j 'd["durable"], d["messages"], d["users_with_mail"]' < "$T/m.json")" = "(True, 4, 2)" ] ||
	fail "mailbox totals"
[ "$(sctl --json users show 2 | j 'd["mailbox"], d["session"]')" = "(1, None)" ] ||
	fail "bob's user record"
sctl mailbox | tee "$T/m.txt"
grep -q "^4 messages for 2 users" "$T/m.txt" || fail "mailbox text"
sctl mailbox show 3 | tee "$T/ms.txt"
grep -q "^user 3: 3 messages" "$T/ms.txt" && grep -q "first expiry in" "$T/ms.txt" ||
	fail "mailbox show text"

# A 2 s TTL message to carol (dave sends it: alice's session must stay).
printf '3 short-lived\nwait-replies 1 5000\n' | chat "$T/dave.key" --ttl 2 > "$T/d.out" 2>&1 ||
	fail "dave: $(cat "$T/d.out")"
grep -q "to=3 code=STORED" "$T/d.out" || fail "dave's message not stored: $(cat "$T/d.out")"
exp0=$(ctl mailbox_expired)
[ "$(sctl --json mailbox show 3 | j 'd["messages"]')" = 4 ] || fail "carol's 4th"
sleep 3
sctl --json mailbox purge-expired > "$T/p.json"
cat "$T/p.json"
# The relay's own once-a-second pass may have deleted it first: either way, once.
purged=$(j 'd["deleted"]' < "$T/p.json")
[ "$(j 'd["messages"], d["more"]' < "$T/p.json")" = "(4, False)" ] || fail "after purge"
[ "$(ctl mailbox_expired)" = $(( exp0 + 1 )) ] || fail "mailbox_expired $(ctl mailbox_expired)"
[ "$(sctl --json mailbox show 3 | j 'd["messages"]')" = 3 ] || fail "carol after purge"
sctl mailbox purge-expired | grep -q "^0 expired messages deleted, 4 held$" || fail "purge text"
echo "purge-expired: $purged by the request, $(( 1 - purged )) by the relay's pass"

# --- sessions kill --------------------------------------------------------
[ "$(ctl sessions_killed)" = 0 ] || fail "sessions_killed before"
sctl sessions kill "$a_id" | tee "$T/k.txt"
grep -q "^session $a_id of user 1 killed; the client was sent a CLOSE (admin)$" "$T/k.txt" ||
	fail "kill text"
until_grep "$T/a.out" "closed reason=admin" 1
[ "$(ctl sessions_killed)" = 1 ] || fail "sessions_killed $(ctl sessions_killed)"
[ "$(sctl --json sessions | j 'd["live"], d["sessions"]')" = "(0, [])" ] ||
	fail "killed session still listed"
expect "kill again" 1 sessions kill "$a_id"
exec 3>&-
printf '2 back again\nwait-replies 1 5000\nsleep 200\n' | chat "$T/alice.key" --timeout 8000 \
	> "$T/a2.out" 2>&1 || fail "alice reconnect: $(cat "$T/a2.out")"
grep -q "connected user 1 " "$T/a2.out" && grep -q "to=2 code=STORED" "$T/a2.out" ||
	fail "alice after the kill: $(cat "$T/a2.out")"
echo "alice reconnected: $(head -1 "$T/a2.out")"
[ "$(sctl --json users show 2 | j 'd["mailbox"]')" = 2 ] || fail "bob's 2nd message"
# A killed session in JSON: the same path, the counter again.
echo "sleep 3000" | chat "$T/carol.key" > "$T/c.out" 2>&1 &
until_grep "$T/c.out" "connected user 3" 1
c_id=$(sctl --json sessions --user 3 | j 'd["sessions"][0]["id"]')
[ "$(sctl --json sessions kill "$c_id" | j 'd["killed"], d["user"], d["client_told"]')" = \
	"($c_id, 3, True)" ] || fail "kill json"
until_grep "$T/c.out" "closed reason=admin" 1
[ "$(ctl sessions_killed)" = 2 ] || fail "sessions_killed $(ctl sessions_killed)"

# --- bad input ------------------------------------------------------------
expect "sessions show unknown" 1 sessions show 12345
expect "sessions show json unknown" 1 --json sessions show 12345
expect "users show unknown" 1 users show 99
expect "users lookup unknown key" 1 users lookup "$(head -c 32 /dev/urandom | base64)"
expect "mailbox show unknown" 1 mailbox show 99
expect "bad key" 2 users lookup not-a-key
expect "--limit 0" 2 sessions --limit 0
expect "--limit too large" 2 sessions top --limit 10001
expect "bad id" 2 sessions show 0x10
expect "bad address" 2 sessions --addr 198.18.0
expect "unknown sessions word" 2 sessions frob
expect "unknown users word" 2 users frob 1
expect "unknown mailbox word" 2 mailbox purge
expect "unknown command" 2 sessionz
# Straight to the relay (a client that skips surgectl's checks): ERR 2, not a hang.
[ "$(python3 - "$T/relay.sock" <<'EOF'
import socket, sys
out = []
for line in (b"sessions list limit 0\n", b"users lookup x\n", b"mailbox show -1\n",
             b"sessions kill 0\n", b"sessions list user\n"):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(sys.argv[1])
    s.sendall(line)
    out.append(s.recv(4096).split(b" ")[1].decode())
    s.close()
print(" ".join(out))
EOF
)" = "2 2 2 2 2" ] || fail "raw requests are not ERR 2"
# Now: the trap stops every job, the relay too, before tap_cleanup.
tap_check_mbufs || fail "mbufs"
echo PASS
