#!/bin/bash
# SPDX-License-Identifier: MIT
#
# gen_cryptodev.sh BUILD_ROOT - the relay's cryptodev back end of the data
# AEAD (config crypto, dataplane/crypto_ctl.h) with surge-gen on memif:
#   1. crypto = cryptodev:crypto_aesni_gcm: every frame verified by the
#      generator (libsodium) after the relay opened and sealed it on the
#      device; status and stats name the device; no device error;
#   2. device errors at run time (test seam SURGE_TEST_CRYPTODEV_FAULT=40:
#      every 40th device frame fails): each is dropped and counted once
#      (drop crypto_device = device errors), the rest is forwarded and
#      verified, the relay keeps answering and exits 0;
#   3. a device that fails its self-test at start: auto falls back to
#      libsodium and relays (every frame verified); a named one stops the
#      relay with the reason; so does a missing driver and one without AEAD.
# Unique names; cleaned up on exit.
set -euo pipefail

B=${1:?usage: gen_cryptodev.sh BUILD_ROOT}
PFX=sgcd$$
. "$(dirname "$0")/gen_lib.sh"
gen_setup /tmp/surge-gen-cd.XXXXXX
grep -qw aes /proc/cpuinfo || fail "no AES-NI here: the AES-GCM device cannot be tested (not a skip)"

# One traffic run; $1 = name, the rest relay flags.  Leaves $T/NAME.{json,stats,status}.
run() {
	local name=$1
	shift
	start_gen "$name" --users 8 --rate 5000 --secret 25 --duration 2 --verify-every 1 \
		--json "$T/$name.json" --link-timeout 20 --linger 10
	start_relay "$name" "$@"
	wait_summary "$name"
	"$B/control/surgectl" --socket "$T/$name.ctl" --json status > "$T/$name.status" ||
		fail "$name: no status: $(tail -5 "$T/$name.relay")"
	finish_run "$name"
}

check() {
	python3 - "$@" <<'PY'
import json, sys
name, mode = sys.argv[1], sys.argv[2]
T = sys.argv[3]
g = json.load(open("%s/%s.json" % (T, name)))
st = json.load(open("%s/%s.stats" % (T, name)))
status = json.load(open("%s/%s.status" % (T, name)))
tot, cr = st["total"], st["crypto"]
drops = tot["drops"]
aes = status["crypto"]["aes256gcm"]
checks = [
    ("gen ok", g["ok"] is True),
    ("suite aes256gcm", g["suite"] == "aes256gcm"),
    ("all handshakes", g["handshakes"] == 8),
    ("every delivered frame verified", g["verified"] == g["delivered"] and g["verify_failed"] == 0),
    ("relay forwarded = delivered", tot["forwarded"] == g["delivered"]),
    ("no tag drops", drops["tag"] == 0),
]
if mode in ("device", "faults"):
    checks += [
        ("status: AES-GCM on crypto_aesni_gcm", aes["backend"] == "cryptodev:crypto_aesni_gcm"
         and aes["path"] == "cpu-crypto"),
        ("device ops: an open and a seal a forwarded frame at least",
         cr["total"]["device_ops"] >= 2 * tot["forwarded"]),
        ("sessions created (both directions of 8 users)", cr["total"]["sessions_created"] >= 16),
        ("no session failure", cr["total"]["session_failures"] == 0),
    ]
if mode == "device":
    checks += [
        ("no loss", g["loss"] == 0),
        ("no device error", cr["total"]["device_errors"] == 0 and drops["crypto_device"] == 0
         and status["crypto"]["device_errors"] == 0),
    ]
if mode == "faults":
    n = cr["total"]["device_errors"]
    checks += [
        ("device errors happened", n > 10),
        ("each injected", cr["total"]["injected"] == n),
        ("each dropped and counted once", drops["crypto_device"] == n),
        ("status counts them", status["crypto"]["device_errors"] <= n),
        ("most frames still forwarded", tot["forwarded"] > 0.9 * g["offered"]),
        ("lost = dropped by the device errors",
         g["offered"] - g["delivered"] == drops["crypto_device"]),
    ]
if mode == "sodium":
    checks += [
        ("status: AES-GCM on libsodium", aes["backend"] == "sodium"),
        ("no crypto queue pairs", cr["queue_pairs"] == []),
        ("no loss", g["loss"] == 0),
    ]
bad = [c for c, ok in checks if not ok]
print("%s: offered %d, delivered %d, forwarded %d, device ops %d, device errors %d, "
      "crypto_device drops %d; %s" % (name, g["offered"], g["delivered"], tot["forwarded"],
      cr["total"]["device_ops"], cr["total"]["device_errors"], drops["crypto_device"],
      st["crypto"]["backend"]))
if bad:
    sys.exit("FAIL %s: %s" % (name, ", ".join(bad)))
PY
}

# 1. The named device, no faults.
run dev --crypto cryptodev:crypto_aesni_gcm
grep -q "crypto cryptodev:crypto_aesni_gcm: aes256gcm: cryptodev:crypto_aesni_gcm" "$T/dev.relay" ||
	fail "start-up log does not name the device: $(head -5 "$T/dev.relay")"
check dev device "$T"

# 2. Device errors at run time.
SURGE_TEST_CRYPTODEV_FAULT=40 run faults --crypto cryptodev:crypto_aesni_gcm
check faults faults "$T"

# 3a. auto with every device failing its self-test: libsodium.
SURGE_TEST_CRYPTODEV_FAULT=start run fallback --crypto auto
grep -q "crypto auto: aes256gcm: sodium" "$T/fallback.relay" ||
	fail "auto did not fall back to sodium: $(head -5 "$T/fallback.relay")"
grep -q "self-test" "$T/fallback.relay" || fail "auto did not say why it fell back"
check fallback sodium "$T"

# 3b. Named devices that cannot serve: the relay stops with the reason.
refused() {
	local name=$1 want=$2
	shift 2
	local rc=0
	timeout 60 "$B/dataplane/surge-relay" --address4 198.18.0.1 --key-file "$T/relay.key" \
		--control-socket "$T/$name.ctl" "$@" -- --no-huge -m 512 --no-pci \
		--file-prefix "${PFX}x.$name" --lcores 0@0,1@1 --vdev net_null0,no-rx=1 \
		> "$T/$name.relay" 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "$name: exit status $rc, want 1: $(tail -3 "$T/$name.relay")"
	grep -q "surge-relay: crypto: .*$want" "$T/$name.relay" ||
		fail "$name: no '$want' in: $(tail -3 "$T/$name.relay")"
	echo "$name: $(grep 'surge-relay: crypto: ' "$T/$name.relay")"
}
refused missing "no such crypto device" --crypto cryptodev:crypto_nonexistent
refused no_aead "offers neither AES-256-GCM nor ChaCha20-Poly1305" --crypto cryptodev:crypto_null
SURGE_TEST_CRYPTODEV_FAULT=start refused selftest "self-test: the device failed a seal" \
	--crypto cryptodev:crypto_aesni_gcm
echo PASS
