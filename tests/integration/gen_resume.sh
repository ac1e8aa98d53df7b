#!/bin/bash
# SPDX-License-Identifier: MIT
#
# gen_resume.sh BUILD_ROOT - a reconnect storm by resumption (docs/PROTOCOL.md
# section 9) with surge-gen against surge-relay on memif: 300 users sign up
# (each gets a TICKET), then 300 log in again at once with RESUME, on top of
# checked chat traffic.  Every resumption completes with the user's id and no
# full handshake beyond the sign-ups (no X25519 for the storm: relay
# handshakes = chat users + sign-ups, resumptions = the storm), no fallback,
# no data lost.  Then the same storm with --no-resume for comparison: full
# handshakes only.  Unique names; everything removed on exit.
set -euo pipefail

B=${1:?usage: gen_resume.sh BUILD_ROOT}
PFX=sgrz$$
. "$(dirname "$0")/gen_lib.sh"
gen_setup /tmp/surge-gen-resume.XXXXXX

run() { # run NAME [more surge-gen flags]
	local name=$1
	shift
	start_gen "$name" --users 8 --rate 4000 --duration 5 --verify-every 4 \
		--surge 300/1s --surge-at 1 --reconnect-storm 300@3/1 "$@" \
		--json "$T/$name.json" --link-timeout 20 --linger 10
	start_relay "$name"
	finish_run "$name"
}
run rs
run full --no-resume
python3 - "$T/rs.json" "$T/rs.stats" "$T/full.json" "$T/full.stats" <<'PY'
import json, sys
g, r = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
gf, rf = json.load(open(sys.argv[3])), json.load(open(sys.argv[4]))
s, ctl, sf, cf = g["surge"], r["control"], gf["surge"], rf["control"]
SU, LI, CHAT = 300, 300, 8
checks = [
    ("ok", g["ok"] is True and gf["ok"] is True),
    ("every storm log-in resumed", s["resumes_offered"] == s["resumes_done"] == LI
     and s["resumes_failed"] == 0),
    ("no fallback to a full handshake", s["logins_offered"] == 0),
    ("log-ins kept their ids", s["login_mismatch"] == 0),
    ("relay: resumptions", ctl["resumptions"] == LI),
    ("relay: no X25519 for the storm", ctl["handshakes"] == CHAT + SU),
    ("relay: a TICKET per session", ctl["tickets_sent"] == CHAT + SU + LI),
    ("relay: no refusal", all(ctl[k] == 0 for k in ctl
                              if k.startswith("resume_") or k in ("handshake_noise",
                                                                  "handshake_timestamp"))),
    ("no data loss", g["loss"] == 0 and g["delivered"] == g["offered"] > 10000),
    ("--no-resume: full handshakes", cf["handshakes"] == CHAT + SU + LI
     and cf["resumptions"] == 0 and sf["logins_done"] == LI),
]
bad = [n for n, ok in checks if not ok]
print("gen_resume: storm of %d: resumed %d (relay resumptions %d, handshakes %d); "
      "log-in latency p50/p99 resume %.0f/%.0f us, full %.0f/%.0f us"
      % (LI, s["resumes_done"], ctl["resumptions"], ctl["handshakes"],
         s["resume_latency_us"]["p50"], s["resume_latency_us"]["p99"],
         sf["login_latency_us"]["p50"], sf["login_latency_us"]["p99"]))
if bad:
    sys.exit("FAIL: " + ", ".join(bad))
print("PASS")
PY
