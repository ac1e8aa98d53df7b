#!/bin/bash
# SPDX-License-Identifier: MIT
#
# gen_hs_lcores.sh BUILD_ROOT - handshake lcores (control/hs_lcore.h): the
# relay with --handshake-lcores 1 (EAL lcores 0@0,1@1,2@0: the handshake
# lcore sleeps when idle and shares CPU 0 with the main lcore) takes a surge
# of 300 sign-ups and a storm of 100 log-ins on top of 8 chat users'
# checked traffic.  Every handshake's X25519 half ran on the handshake lcore
# (its `prepared` count = handshakes answered + refused after it), every
# sign-up and log-in completed with its user id, no data was lost.  This is
# correctness only: on this 2-CPU machine the extra lcore adds no capacity.
set -euo pipefail

B=${1:?usage: gen_hs_lcores.sh BUILD_ROOT}
PFX=sghl$$
. "$(dirname "$0")/gen_lib.sh"
gen_setup /tmp/surge-gen-hsl.XXXXXX

start_gen main --users 8 --rate 4000 --duration 5 --verify-every 4 \
	--surge 300/2s --surge-at 1 --reconnect-storm 100@3/1 --no-resume \
	--json "$T/main.json" --link-timeout 20 --linger 10
RELAY_LCORES=0@0,1@1,2@0 start_relay main --handshake-lcores 1
finish_run main
python3 - "$T/main.json" "$T/main.stats" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
s, ctl, hl = g["surge"], r["control"], r["handshake_lcores"]
SU, LI, CHAT = 300, 100, 8
refused = sum(ctl[k] for k in ("handshake_noise", "handshake_version", "handshake_timestamp",
                               "handshake_suite", "handshake_full"))
checks = [
    ("ok", g["ok"] is True),
    ("one handshake lcore", len(hl) == 1),
    ("every handshake's X25519 half on it", hl[0]["prepared"] == ctl["handshakes"] + refused),
    ("all handshakes answered", ctl["handshakes"] == CHAT + SU + LI and refused == 0),
    ("none dropped for a full ring", ctl["handshake_busy"] == 0),
    ("sign-ups completed", s["signups_done"] == SU and s["signups_failed"] == 0),
    ("log-ins completed with their ids", s["logins_done"] == LI and s["login_mismatch"] == 0),
    ("relay: sign-ups", ctl["signups"] == CHAT + SU),
    ("no data loss", g["loss"] == 0 and g["delivered"] == g["offered"] > 10000),
    ("every checked frame verified", g["verify_failed"] == 0 and g["verified"] > 1000),
]
bad = [n for n, ok in checks if not ok]
print("gen_hs_lcores: %d handshakes (%d prepared on the handshake lcore), %d sign-ups, "
      "%d log-ins, data %d/%d, surge handshake p99 %.0f us"
      % (ctl["handshakes"], hl[0]["prepared"], s["signups_done"], s["logins_done"],
         g["delivered"], g["offered"], s["handshake_latency_us"]["p99"]))
if bad:
    sys.exit("FAIL: " + ", ".join(bad))
print("PASS")
PY
