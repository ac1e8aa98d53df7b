#!/bin/bash
# SPDX-License-Identifier: MIT
#
# gen_smoke.sh BUILD_ROOT - surge-gen (memif server, one lcore on CPU 0) and
# surge-relay (memif client, worker on CPU 1): 8 users sign up, exchange
# DATA (a quarter of it class secret) at a moderate paced rate with every
# returned frame decrypted and checked (class included); no loss, no failed
# check, the relay's forwarded count equals the generator's delivered count,
# both exit 0.  Unique names; cleaned up on exit.
set -euo pipefail

B=${1:?usage: gen_smoke.sh BUILD_ROOT}
PFX=sgsm$$
. "$(dirname "$0")/gen_lib.sh"
gen_setup /tmp/surge-gen.XXXXXX
start_gen gen --users 8 --rate 5000 --secret 25 --duration 2 --verify-every 1 \
	--json "$T/gen.json" --link-timeout 20 --linger 10
start_relay gen
finish_run gen
fwd=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"]["forwarded"])' \
	"$T/gen.stats")
python3 - "$T/gen.json" "$fwd" <<'PY'
import json, sys
g = json.load(open(sys.argv[1])); fwd = int(sys.argv[2])
aes = " aes " in " " + open("/proc/cpuinfo").read().replace("\n", " ") + " "
checks = [
    ("suite: AES-256-GCM where both ends have AES-NI", g["suite"] == ("aes256gcm" if aes else "chacha20poly1305")),
    ("a quarter secret", g["secret_pct"] == 25),
    ("ok", g["ok"] is True),
    ("all handshakes", g["handshakes"] == g["users"] == 8),
    ("offered > 0", g["offered"] > 5000),
    ("no loss", g["loss"] == 0 and g["delivered"] == g["offered"]),
    ("every frame verified", g["verified"] == g["delivered"] and g["verify_failed"] == 0),
    ("relay forwarded = delivered", fwd == g["delivered"]),
    ("no unexpected frames", g["unexpected"] == 0),
]
bad = [n for n, ok in checks if not ok]
print("gen_smoke: offered %d, delivered %d, verified %d, relay forwarded %d, p99 %.1f us"
      % (g["offered"], g["delivered"], g["verified"], fwd, g["latency_us"]["p99"]))
if bad:
    sys.exit("FAIL: " + ", ".join(bad))
print("PASS")
PY
