#!/bin/bash
# SPDX-License-Identifier: MIT
#
# deploy_unit.sh BUILD_ROOT - the deployment files in deploy/:
#   - surge-relay.service passes `systemd-analyze verify` with no warning, in
#     a root made here (the system's units, the built binaries where the
#     unit expects them); a copy with a misspelt key is caught, so the check
#     can fail; `systemd-analyze security --offline` rates it (printed; must
#     be "OK" or better);
#   - it holds what docs/DEPLOY.md promises: user surge, the runtime and
#     state directories, SIGHUP on reload, the capabilities, locked memory,
#     restart on failure, the hardening;
#   - surge-relay.conf names every key of docs/CONFIG.md, and surge-relay
#     starts with it as it is (paths redirected by flags) and with every
#     commented-out default uncommented (net_null, no hugepages).
# The worker busy-polls CPU 1 while the relay runs: not run in parallel.
set -euo pipefail

B=${1:?usage: deploy_unit.sh BUILD_ROOT}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
UNIT=$SRC/deploy/surge-relay.service
CONF=$SRC/deploy/surge-relay.conf
P=sgdu$$
T=$(mktemp -d "/tmp/surge-$P.XXXXXX")
relay_pid=
cleanup() {
	if [ -n "$relay_pid" ] && kill -0 "$relay_pid" 2>/dev/null; then
		kill -TERM "$relay_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$relay_pid" 2>/dev/null || true
	fi
	rm -rf "$T" "/var/run/dpdk/$P"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

command -v systemd-analyze > /dev/null || fail "systemd-analyze is missing (scripts/deps: systemd)"
[ -d /usr/lib/systemd/system ] || fail "/usr/lib/systemd/system is missing (scripts/deps: systemd)"

# 1. systemd-analyze verify, in a root of our own.
R=$T/root
mkdir -p "$R/usr/local/bin" "$R/etc/systemd/system" "$R/bin" "$R/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$R/usr/lib/systemd/"
install -m 0755 "$B/dataplane/surge-relay" "$B/control/surgectl" "$R/usr/local/bin/"
install -m 0755 /bin/sh /bin/kill "$R/bin/"
install -m 0644 "$UNIT" "$R/etc/systemd/system/surge-relay.service"
rc=0
systemd-analyze verify --root="$R" surge-relay.service > "$T/verify" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "systemd-analyze verify: exit $rc: $(cat "$T/verify")"
[ ! -s "$T/verify" ] || fail "systemd-analyze verify warns: $(cat "$T/verify")"
ok "systemd-analyze verify: surge-relay.service clean"
sed 's/^ProtectSystem=/ProtectSystm=/; s/^LimitMEMLOCK=infinity/LimitMEMLOCK=lots/' "$UNIT" \
	> "$R/etc/systemd/system/broken.service"
systemd-analyze verify --root="$R" broken.service > "$T/verify" 2>&1 || true
grep -q "Unknown key 'ProtectSystm'" "$T/verify" && grep -q "Failed to parse resource value.*lots" "$T/verify" ||
	fail "a broken copy of the unit was not caught: $(cat "$T/verify")"
ok "the same check catches a misspelt key and a bad value in a copy"
rm "$R/usr/local/bin/surge-relay"
systemd-analyze verify --root="$R" surge-relay.service > "$T/verify" 2>&1 && fail "verify passed without the binary"
grep -q "/usr/local/bin/surge-relay is not executable" "$T/verify" || fail "missing binary: $(cat "$T/verify")"
install -m 0755 "$B/dataplane/surge-relay" "$R/usr/local/bin/"
ok "and a missing surge-relay binary"
systemd-analyze security --offline=true --root="$R" surge-relay.service > "$T/sec" 2>&1 || true
level=$(grep -o 'Overall exposure level for surge-relay.service: .*' "$T/sec" || true)
[ -n "$level" ] || fail "systemd-analyze security said: $(tail -5 "$T/sec")"
grep -qE ': [0-9.]+ (OK|SAFE)' <<< "$level" || fail "exposure too high: $level"
ok "systemd-analyze security --offline: ${level#Overall exposure level for }"

# 2. What docs/DEPLOY.md says the unit does.
for line in 'User=surge' 'Group=surge' 'RuntimeDirectory=surge' 'RuntimeDirectoryMode=0700' \
	'StateDirectory=surge' 'ExecReload=/bin/kill -HUP $MAINPID' 'Restart=on-failure' \
	'RestartPreventExitStatus=2' 'LimitMEMLOCK=infinity' 'NoNewPrivileges=yes' \
	'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'DevicePolicy=closed' \
	'DeviceAllow=char-vfio rw' 'DeviceAllow=/dev/vfio/vfio rw' 'DeviceAllow=/dev/net/tun rw' \
	'AmbientCapabilities=CAP_IPC_LOCK CAP_NET_ADMIN CAP_NET_RAW' \
	'CapabilityBoundingSet=CAP_IPC_LOCK CAP_NET_ADMIN CAP_NET_RAW' \
	'Environment=XDG_RUNTIME_DIR=/run/surge' \
	'ExecStart=/usr/local/bin/surge-relay --config /etc/surge/relay.conf -- $SURGE_EAL'; do
	grep -qxF -- "$line" "$UNIT" || fail "the unit lacks '$line'"
done
grep -q 'surgectl --socket /run/surge/relay.sock status' "$UNIT" || fail "ExecStartPost does not wait for the socket"
grep -qx 'control_socket = /run/surge/relay.sock' "$CONF" || fail "the example config's socket is not /run/surge/relay.sock"
grep -qx 'store_dir = /var/lib/surge/store' "$CONF" || fail "the example config's store is not under StateDirectory"
ok "the unit: user surge, /run/surge and /var/lib/surge, SIGHUP, capabilities, memlock, restart, hardening"

# 3. The example config: every key of docs/CONFIG.md, and the relay takes it.
keys=$(grep -oE '^\| `[a-z0-9_]+`' "$SRC/docs/CONFIG.md" | tr -d '|` ' | sort -u)
[ "$(wc -w <<< "$keys")" -ge 20 ] || fail "could not read the keys of docs/CONFIG.md"
for k in $keys; do
	grep -qE "^#?$k = " "$CONF" || fail "deploy/surge-relay.conf lacks key '$k' (docs/CONFIG.md)"
done
ok "deploy/surge-relay.conf names all $(wc -w <<< "$keys") keys of docs/CONFIG.md"

"$B/dataplane/surge-relay" --genkey "$T/relay.key" > /dev/null
start_relay() { # start_relay CONF [FLAGS]
	local conf=$1
	shift
	"$B/dataplane/surge-relay" --config "$conf" "$@" -- --no-huge -m 512 --no-pci \
		--file-prefix "$P" --lcores 0@0,1@1 --vdev net_null0,no-rx=1 > "$T/relay.log" 2>&1 &
	relay_pid=$!
	for _ in $(seq 300); do grep -q "ready" "$T/relay.log" && break; kill -0 $relay_pid 2>/dev/null || break; sleep 0.1; done
	grep -q "ready" "$T/relay.log" || fail "relay did not start with $conf: $(cat "$T/relay.log")"
	"$B/control/surgectl" --socket "$T/relay.sock" status > "$T/status" || fail "status: $(cat "$T/status")"
	kill -TERM "$relay_pid"
	for _ in $(seq 100); do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
	rc=0
	wait "$relay_pid" || rc=$?
	relay_pid=
	[ "$rc" -eq 0 ] || fail "relay exited $rc: $(cat "$T/relay.log")"
}
start_relay "$CONF" --key-file "$T/relay.key" --store-dir "$T/store" --store-init 1 \
	--control-socket "$T/relay.sock"
grep -q "store $T/store: 0 users" "$T/relay.log" || fail "store line: $(cat "$T/relay.log")"
ok "surge-relay starts with deploy/surge-relay.conf as it is: $(cat "$T/status")"

# Every commented-out default uncommented; paths moved into T.
printf '1 count - surge\n' > "$T/policy.rules"
sed -E 's/^#([a-z0-9_]+ = )/\1/' "$CONF" | sed -E \
	-e "s|^key_file = .*|key_file = $T/relay.key|" \
	-e "s|^store_dir = .*|store_dir = $T/store|" \
	-e "s|^rules_file = .*|rules_file = $T/policy.rules|" \
	-e "s|^rules_cache = .*|rules_cache = $T/rules.cache|" \
	-e "s|^control_socket = .*|control_socket = $T/relay.sock|" > "$T/all.conf"
n=$(grep -cE '^[a-z0-9_]+ = ' "$T/all.conf")
[ "$n" -ge "$(wc -w <<< "$keys")" ] || fail "only $n keys set in the uncommented config"
start_relay "$T/all.conf"
[ -s "$T/rules.cache" ] || fail "rules_cache was not written"
ok "and with all $n keys set to the documented values (defaults uncommented)"
echo "PASS deploy_unit"
