#!/bin/bash
# SPDX-License-Identifier: MIT
#
# core_keys.sh BUILD_ROOT - no secret of the relay in its core dump
# (docs/SECURITY.md, "Keys in memory").  surge-relay on net_tap (no
# hugepages: the DPDK heap is then ordinary shared memory, which core dumps
# include), with a store and cookie_backlog 0; two clients sign up through
# cookies, one chats with itself and leaves the other a stored message.
# Then SIGABRT: the kernel writes the core (core_pattern a plain file name;
# else gcore), and the core must hold none of: the relay's private key (raw
# and base64), the spool key and the ticket keys (read from data.mdb), the
# session keys of the live session (its table slot and the workers' AEAD
# cache hold them), the cookie secret (control plane, its copy for the
# workers, each worker's follower: searched by what it computes), and the
# stored message's plaintext (mbuf pool).  Controls that must be found, so
# that a clean result means something: the relay's public key in base64
# (its stdout buffer) and the client's identity key (the user registry).
# The store is created by a first run and reopened by the second: LMDB's
# dirty pages of the run that writes a key are heap memory (docs/SECURITY.md
# says so), so the dump is of a relay that only read them.
set -euo pipefail

B=${1:?usage: core_keys.sh BUILD_ROOT}
STEM=sgck
. "$(dirname "$0")/tap_lib.sh"
PROBE=$B/tests/integration/surge-test-core-probe

tap_setup
mkdir -p "$T/cores"

# The kernel writes cores as core_pattern says: a plain name lands in the
# relay's working directory; a pipe (systemd-coredump, apport) does not, so
# gdb's gcore takes the dump instead (it honours MADV_DONTDUMP too).
pattern=$(cat /proc/sys/kernel/core_pattern)
case $pattern in
'|'* | */*)
	command -v gcore > /dev/null || fail "core_pattern is '$pattern' and gcore is missing (gdb)"
	how=gcore ;;
*)
	how=kernel
	ulimit -c unlimited
	# An ASan build sets RLIMIT_CORE to 0 unless told (its shadow is
	# left out of the core anyway).
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}disable_coredump=0" ;;
esac

# First run creates the store (spool key, ticket keys) and stops.
tap_start_relay --store-dir "$T/store" --store-init 1
kill -TERM "$relay_pid"
wait "$relay_pid" || fail "the first relay did not stop cleanly: $(cat "$T/relay.log")"
relay_pid=

cd "$T/cores" # the kernel's core lands here
tap_start_relay --store-dir "$T/store" --cookie-backlog 0
ip netns exec "$ns" timeout 60 "$PROBE" connect "$net.1:7443" "$T/relay.pub" "$T/probe.out" ||
	fail "probe: $(cat "$T/relay.log")"
grep -q "secrets: .* 0 not locked, 0 dumpable" <("$B/control/surgectl" --socket "$T/relay.sock" stats) ||
	fail "secret regions: $("$B/control/surgectl" --socket "$T/relay.sock" stats | grep secrets)"

case $how in
kernel)
	kill -ABRT "$relay_pid"
	wait "$relay_pid" && fail "the relay survived SIGABRT" || true ;;
gcore)
	gcore -o "$T/cores/core" "$relay_pid" > /dev/null 2>&1 || fail "gcore failed"
	kill -KILL "$relay_pid"
	wait "$relay_pid" || true ;;
esac
relay_pid=
core=$(find "$T/cores" -maxdepth 1 -type f -name 'core*' | head -1)
[ -n "$core" ] || fail "no core file ($how; core_pattern '$pattern')"
echo "core ($how): $(du -h --apparent-size "$core" | cut -f1) ($(du -h "$core" | cut -f1) on disk)"

# What to look for.
hex() { python3 -c 'import sys; print(sys.stdin.buffer.read().hex())'; }
priv_b64=$(head -c 44 "$T/relay.key")
priv=$(printf '%s' "$priv_b64" | base64 -d | hex)
pub_b64=$(printf '%s' "$(head -c 44 "$T/relay.pub")" | hex)
priv_b64=$(printf '%s' "$priv_b64" | hex)
read -r spool tickets < <(python3 - "$T/store/data.mdb" <<'PY'
import sys
m = open(sys.argv[1], "rb").read()
i = m.find(b"spool-key")
spool = m[i + 9:i + 41]
j = m.find(b"app.ticket-keys")
v = m[j + 15:j + 15 + 104]  # format 8, then 2 x (id 4, flags 4, born 8, key 32)
keys = [v[8 + k * 48 + 16:8 + k * 48 + 48] for k in range(2) if v[8 + k * 48 + 4] & 1]
assert i >= 0 and j >= 0 and keys, "no spool key or ticket keys in data.mdb"
print(spool.hex(), ",".join(k.hex() for k in keys))
PY
)
args=(relay_private="$priv" relay_private_b64="$priv_b64" spool_key="$spool")
n=0
for k in ${tickets//,/ }; do args+=("ticket_key_$n=$k"); n=$((n + 1)); done
while read -r name value; do args+=("$name=$value"); done < "$T/probe.out"
args+=(relay_public_b64="$pub_b64")

"$PROBE" scan "$core" "${args[@]}" > "$T/scan.out" || fail "scan failed"
rm -f "$core"
cat "$T/scan.out"
while read -r name count; do
	case $name in
	relay_public_b64 | identity_pub)
		[ "$count" -ge 1 ] || fail "control $name not found in the core: the scan proves nothing" ;;
	*)
		[ "$count" = 0 ] || fail "$name found $count time(s) in the core dump" ;;
	esac
done < "$T/scan.out"
[ "$(wc -l < "$T/scan.out")" -ge 10 ] || fail "scan.out is short"
echo "PASS: no key in the core dump ($how)"
