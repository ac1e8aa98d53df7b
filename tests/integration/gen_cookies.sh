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
# relay sign-ups = 216, no data loss.
#
# Third run, "src": the same load and limits, but surge-gen's users (surge
# and chat, --src-chat) spread over 64 source addresses (--src-base
# 198.18.1.0 --src-count 64): the 200 sign-ups/s are 4 x the per-source
# rate, yet each source offers only 3 or 4 of them, inside its burst.  So
# every sign-up goes through the cookie path (one cookie reply each) with
# no handshake rate-limited (fewer than the one-source run's, which must
# have had some), no retries, every address used, every answer to the
# address its user sent from, and the chat's DATA from 16 addresses
# delivered without loss.  Unique names; everything removed on exit.
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
# Cookie replies: the workers answer them under load, the control plane what reaches it.
ctl["cookie_replies"] += r["total"]["cookie_replies"]
# Per-source rate: under load the workers take the tokens (a worker drop).
ctl["handshake_ratelimited"] += r["total"]["drops"]["handshake_ratelimited"]
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
# Cookie replies: the workers answer them under load, the control plane what reaches it.
ctl["cookie_replies"] += r["total"]["cookie_replies"]
# Per-source rate: under load the workers take the tokens (a worker drop).
ctl["handshake_ratelimited"] += r["total"]["drops"]["handshake_ratelimited"]
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

start_gen src --users 16 --rate 2000 --duration 4 --verify-every 4 \
	--surge 200/1s --surge-at 1 --hs-timeout 250 --hs-tries 8 \
	--src-base 198.18.1.0 --src-count 64 --src-chat \
	--json "$T/src.json" --link-timeout 20 --linger 5
start_relay src --cookie-backlog 0 --handshake-rate 50 --handshake-burst 10
finish_run src
python3 - "$T/src.json" "$T/src.stats" "$T/rl.stats" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
one_r = json.load(open(sys.argv[3]))
one = one_r["control"]["handshake_ratelimited"] + one_r["total"]["drops"]["handshake_ratelimited"]
s, ctl = g["surge"], r["control"]
# Cookie replies: the workers answer them under load, the control plane what reaches it.
ctl["cookie_replies"] += r["total"]["cookie_replies"]
# Per-source rate: under load the workers take the tokens (a worker drop).
ctl["handshake_ratelimited"] += r["total"]["drops"]["handshake_ratelimited"]
SU, CHAT, N = 200, 16, 64
checks = [
    ("ok", g["ok"] is True),
    ("the range in the JSON", g["src_base"] == "198.18.1.0" and g["src_count"] == N
     and g["src_chat"] is True),
    ("every source used, 3 to 5 users each, 2 initiations per user",
     g["src_used"] == N and 2 * 3 <= g["src_inits_min"] and g["src_inits_max"] <= 2 * 5),
    ("answers to the right addresses", g["wrong_addr"] == 0),
    ("chat users signed up", g["handshakes"] == CHAT and g["chat_cookies"] == CHAT),
    ("the one-source run was rate-limited", one > 0),
    ("relay: nothing rate-limited from 64 sources", ctl["handshake_ratelimited"] == 0 < one),
    ("no retries", s["retries"] == 0 and g["chat_signup_retries"] == CHAT),
    ("every sign-up through the cookie path", s["cookies"] == SU and s["cookie_bad"] == 0),
    ("relay: cookie replies", ctl["cookie_replies"] == SU + CHAT),
    ("all sign-ups offered and completed",
     s["signups_due"] == s["signups_offered"] == s["signups_done"] == SU),
    ("no sign-up failed or unfinished", s["signups_failed"] == 0 and s["signups_unfinished"] == 0),
    ("relay: sign-ups", ctl["signups"] == CHAT + SU),
    ("relay: no handshake refused", all(ctl[k] == 0 for k in ctl if k.startswith("handshake_"))),
    ("relay: live sessions", r["sessions"] == CHAT + SU),
    ("no data loss", g["loss"] == 0 and g["delivered"] == g["offered"] > 5000),
    ("relay forwarded = delivered", r["total"]["forwarded"] == g["delivered"]),
    ("every checked frame verified", g["verify_failed"] == 0 and g["verified"] > 1000),
    ("no unexpected frames", g["unexpected"] == 0),
]
bad = [n for n, ok in checks if not ok]
print("gen_cookies src: %d sources (%d..%d initiations each); relay handshake_ratelimited %d "
      "(one source: %d), cookie_replies %d; surge retries %d; sign-ups %d/%d (relay signups %d); "
      "handshake p50 %.1f ms p99 %.1f ms; data offered %d delivered %d"
      % (g["src_used"], g["src_inits_min"], g["src_inits_max"], ctl["handshake_ratelimited"], one,
         ctl["cookie_replies"], s["retries"], s["signups_done"], SU, ctl["signups"],
         s["handshake_latency_us"]["p50"] / 1e3, s["handshake_latency_us"]["p99"] / 1e3,
         g["offered"], g["delivered"]))
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
PY
echo PASS
