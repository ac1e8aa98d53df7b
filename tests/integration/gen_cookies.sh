#!/bin/bash
# SPDX-License-Identifier: MIT
#
# gen_cookies.sh BUILD_ROOT - cookies under load (docs/PROTOCOL.md section 5)
# with surge-gen against surge-relay on memif (gen_lib.sh).  The relay runs
# with --cookie-backlog 0, so it is always under load: every initiation
# without a valid mac2 is answered with a COOKIE_REPLY and no DH, and the
# client's next initiation, with mac2, is taken.  16 chat users at 5 k
# frames/s for 4 s; 200 surge users sign up from second 1 (--surge 200/1s).
# From surge-gen's JSON and `surgectl --json stats`: one cookie reply per
# sign-up (chat and surge), sent = received, every sign-up completed, no
# handshake refused, no data loss.  This run lifts the per-source rate
# (--handshake-rate/--handshake-burst 1000000: surge-gen's users all come
# from one address).
#
# Second run, "rl": the same load against --handshake-rate 50
# --handshake-burst 10.  All users share surge-gen's one IPv4 address, so the
# 200 sign-ups in 1 s (plus the 16 chat users) are over the rate: initiations
# with a valid mac2 are dropped (relay counter handshake_ratelimited, no
# reply), surge-gen resends them after --hs-timeout (doubling, --hs-tries
# times) and all complete within the run: every sign-up done, none failed,
# relay sign-ups = 216, no data loss.  Unique names; everything removed on
# exit.
set -euo pipefail

B=${1:?usage: gen_cookies.sh BUILD_ROOT}
PFX=sgck$$
. "$(dirname "$0")/gen_lib.sh"
gen_setup /tmp/surge-gen-cookies.XXXXXX

start_gen main --users 16 --rate 5000 --duration 4 --verify-every 4 \
	--surge 200/1s --surge-at 1 --json "$T/main.json" --link-timeout 20 --linger 5
start_relay main --cookie-backlog 0 --handshake-rate 1000000 --handshake-burst 1000000
finish_run main
python3 - "$T/main.json" "$T/main.stats" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
s, tl, ctl = g["surge"], g["timeline"], r["control"]
SU, CHAT = 200, 16
got = s["cookies"] + g["chat_cookies"]
checks = [
    ("ok", g["ok"] is True),
    ("chat users signed up", g["handshakes"] == CHAT),
    ("each chat user got a cookie", g["chat_cookies"] == CHAT),
    ("all sign-ups offered and completed",
     s["signups_due"] == s["signups_offered"] == s["signups_done"] == SU),
    ("no sign-up failed or unfinished", s["signups_failed"] == 0 and s["signups_unfinished"] == 0),
    ("each sign-up got a cookie", s["cookies"] == SU and s["cookie_bad"] == 0),
    ("timeline cookies sum to the total", sum(x["cookies"] for x in tl) == s["cookies"]),
    ("no timeouts, late or bad answers", s["retries"] == 0 and s["late"] == 0 and s["resp_bad"] == 0),
    ("relay: cookie replies sent = received", ctl["cookie_replies"] == got > 0),
    ("relay: sign-ups, all with mac2", ctl["signups"] == ctl["handshakes"] == CHAT + SU),
    ("relay: no handshake refused", all(ctl[k] == 0 for k in ctl if k.startswith("handshake_"))),
    ("relay: live sessions", r["sessions"] == CHAT + SU),
    ("no data loss", g["loss"] == 0 and g["delivered"] == g["offered"] > 10000),
    ("relay forwarded = delivered", r["total"]["forwarded"] == g["delivered"]),
    ("every checked frame verified", g["verify_failed"] == 0 and g["verified"] > 2000),
    ("no unexpected frames", g["unexpected"] == 0),
]
bad = [n for n, ok in checks if not ok]
print("gen_cookies: relay cookie_replies %d; gen cookies %d surge + %d chat; sign-ups %d/%d "
      "(relay signups %d); handshake p50 %.1f ms p99 %.1f ms; data offered %d delivered %d"
      % (ctl["cookie_replies"], s["cookies"], g["chat_cookies"], s["signups_done"], SU,
         ctl["signups"], s["handshake_latency_us"]["p50"] / 1e3,
         s["handshake_latency_us"]["p99"] / 1e3, g["offered"], g["delivered"]))
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
PY

start_gen rl --users 16 --rate 2000 --duration 12 --verify-every 4 \
	--surge 200/1s --surge-at 1 --hs-timeout 250 --hs-tries 8 \
	--json "$T/rl.json" --link-timeout 20 --linger 5
start_relay rl --cookie-backlog 0 --handshake-rate 50 --handshake-burst 10
finish_run rl
python3 - "$T/rl.json" "$T/rl.stats" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
s, ctl = g["surge"], r["control"]
SU, CHAT = 200, 16
checks = [
    ("ok", g["ok"] is True),
    ("chat users signed up", g["handshakes"] == CHAT),
    ("relay: rate-limited", ctl["handshake_ratelimited"] > 0),
    ("surge-gen resent", s["retries"] > 0),
    ("all sign-ups offered and completed",
     s["signups_due"] == s["signups_offered"] == s["signups_done"] == SU),
    ("no sign-up failed or unfinished", s["signups_failed"] == 0 and s["signups_unfinished"] == 0),
    ("relay: sign-ups", ctl["signups"] == CHAT + SU),
    ("relay: no other handshake refused",
     all(ctl[k] == 0 for k in ctl if k.startswith("handshake_") and k != "handshake_ratelimited")),
    ("relay: live sessions", r["sessions"] == CHAT + SU),
    ("no data loss", g["loss"] == 0 and g["delivered"] == g["offered"] > 10000),
    ("relay forwarded = delivered", r["total"]["forwarded"] == g["delivered"]),
    ("no unexpected frames", g["unexpected"] == 0),
]
bad = [n for n, ok in checks if not ok]
print("gen_cookies rl: relay handshake_ratelimited %d, cookie_replies %d; surge retries %d; "
      "sign-ups %d/%d (relay signups %d); handshake p50 %.1f ms p99 %.1f ms; data offered %d "
      "delivered %d"
      % (ctl["handshake_ratelimited"], ctl["cookie_replies"], s["retries"], s["signups_done"], SU,
         ctl["signups"], s["handshake_latency_us"]["p50"] / 1e3,
         s["handshake_latency_us"]["p99"] / 1e3, g["offered"], g["delivered"]))
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
PY
echo PASS
