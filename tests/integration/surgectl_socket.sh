#!/bin/bash
# SPDX-License-Identifier: MIT
#
# surgectl_socket.sh BUILD_ROOT - the operator socket's edges (control/ctl.h,
# docs/OPERATIONS.md): surge-relay runs on net_null (no-rx) as a throwaway
# non-root user made here, with its control socket in a directory anybody
# may traverse, so that only the socket's own mode protects it:
#   - the socket is a socket, mode 0600, owned by the relay's user, who is
#     answered; another user is refused (exit 3, the socket named), and is
#     let in when the mode is opened (so the refusal is the mode's doing);
#   - surgectl's bad input: an unknown command, bad arguments (exit 2);
#   - raw requests: an unknown verb (ERR 1), a line over 1,024 bytes, a
#     flood with no newline, an empty line, a control byte (ERR 2);
#   - slow or idle clients: 15 idle connections leave `surgectl status`
#     answering within 1 s; with 20 (more than the 16 slots) the newcomers,
#     status included, take the oldest idle ones' slots and it still answers
#     within 1 s; the
#     relay drops idle and trickling connections at its 2 s deadline, and
#     answers again afterwards;
#   - no relay: a listener that never answers (exit 3 within surgectl's 5 s
#     timeout), a path that is not a socket, a stale socket, the relay
#     stopped (exit 3, one error line naming the socket, at once).
# Each check prints "ok: ..."; the first failure stops the test with FAIL.
# The worker busy-polls CPU 1: not run in parallel with other tests.
set -euo pipefail

B=${1:?usage: surgectl_socket.sh BUILD_ROOT}
P=sgsock$$
OWNER=${P}o
OTHER=${P}x
T=
relay_pid=
stub_pid=
idle_pid=

fail() { echo "FAIL: $*" >&2; [ -n "$T" ] && [ -f "$T/relay.log" ] && sed 's/^/relay: /' "$T/relay.log" >&2; exit 1; }
. "$(dirname "$0")/mbufs_lib.sh"
ok() { echo "ok: $*"; }

cleanup() {
	for pid in $relay_pid $stub_pid $idle_pid; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	for u in "$OWNER" "$OTHER"; do
		id "$u" > /dev/null 2>&1 && userdel "$u" 2>/dev/null || true
		getent group "$u" > /dev/null && groupdel "$u" 2>/dev/null || true
	done
	[ -n "$T" ] && rm -rf "$T"
	rm -rf "/var/run/dpdk/$P" "/tmp/dpdk/$P"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || fail "needs root (useradd, setpriv)"
for tool in useradd userdel setpriv python3 timeout; do
	command -v "$tool" > /dev/null || fail "$tool is missing (scripts/deps)"
done

T=$(mktemp -d "/tmp/surge-$P.XXXXXX")
chmod 0755 "$T"
mkdir -m 0755 "$T/bin" "$T/run"
# Copies any user can run, wherever the build tree lives.
install -m 0755 "$B/dataplane/surge-relay" "$B/control/surgectl" "$T/bin/"
SOCK=$T/run/relay.sock
useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$OWNER"
useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$OTHER"
mkdir -m 0700 "$T/dpdk"
chown "$OWNER:$OWNER" "$T/run" "$T/dpdk"
"$T/bin/surge-relay" --genkey "$T/relay.key" > /dev/null
chown "$OWNER" "$T/relay.key"

as() { # as USER CMD...: run as USER (no supplementary groups)
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --clear-groups "$@"
}
now_ms() { date +%s%3N; }

# ctl_expect WHO EXIT PATTERN MAX_MS ARGS...: surgectl as WHO (root or a user)
# exits EXIT within MAX_MS, its first stderr line (or stdout on success)
# matches PATTERN, at most one more stderr line (the hint), no crash text.
ctl_expect() {
	local who=$1 want=$2 pat=$3 max=$4 t0 t1 rc=0 first lines
	shift 4
	t0=$(now_ms)
	if [ "$who" = root ]; then
		timeout 20 "$T/bin/surgectl" "$@" > "$T/out" 2> "$T/err" || rc=$?
	else
		timeout 20 setpriv --reuid="$who" --regid="$who" --clear-groups \
			"$T/bin/surgectl" "$@" > "$T/out" 2> "$T/err" || rc=$?
	fi
	t1=$(now_ms)
	[ "$rc" -eq "$want" ] || fail "surgectl $* as $who: exit $rc, wanted $want: $(cat "$T/out" "$T/err")"
	[ $((t1 - t0)) -le "$max" ] || fail "surgectl $* as $who took $((t1 - t0)) ms (limit $max)"
	if [ "$want" -eq 0 ]; then first=$(head -n1 "$T/out"); else first=$(head -n1 "$T/err"); fi
	grep -qE -- "$pat" <<< "$first" || fail "surgectl $* as $who: '$first' does not match '$pat'"
	lines=$(wc -l < "$T/err")
	[ "$lines" -le 2 ] || fail "surgectl $* as $who: $lines lines on stderr: $(cat "$T/err")"
	! grep -qiE 'traceback|segmentation|abort|core dumped' "$T/err" ||
		fail "surgectl $* as $who crashed: $(cat "$T/err")"
	echo "    exit $rc in $((t1 - t0)) ms: $first"
}

# raw SOCK MODE ...: the protocol by hand (python, every wait bounded).
cat > "$T/raw.py" <<'PY'
import socket, sys, time

path, mode = sys.argv[1], sys.argv[2]

def conn():
    # A Unix socket's connect says EAGAIN while the listen backlog (16) is
    # full, until the relay accepts: retry, for 5 s at most.
    end = time.monotonic() + 5
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.01)

def read_all(s, limit=5.0):
    end, data = time.monotonic() + limit, b""
    while time.monotonic() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            return data + b"<reset>", True
        if not d:
            return data, True
        data += d
    return data, False

if mode == "line":          # send one request, print the reply's first line
    s = conn()
    s.sendall(bytes.fromhex(sys.argv[3]))
    data, closed = read_all(s)
    print(data.split(b"\n")[0].decode("ascii", "replace"), "| closed" if closed else "| open")
elif mode == "flood":       # N bytes without a newline
    s = conn()
    n = int(sys.argv[3])
    try:
        s.sendall(b"a" * n)
    except (BrokenPipeError, ConnectionResetError):
        pass
    data, closed = read_all(s)
    print(data.split(b"\n")[0].decode("ascii", "replace"), "| closed" if closed else "| open")
elif mode == "idle":        # hold N idle connections; when FILE appears, report each one's end
    n, go = int(sys.argv[3]), sys.argv[4]
    held = []
    for _ in range(n):
        held.append((conn(), time.monotonic()))
    open(go + ".ready", "w").close()
    end = time.monotonic() + 10
    import os
    while not os.path.exists(go) and time.monotonic() < end:
        time.sleep(0.02)
    worst, busy, served = 0.0, 0, 0
    for s, t0 in held:
        data, closed = read_all(s, max(0.1, t0 + 4.0 - time.monotonic()))
        if not closed:
            print("idle connection still open after 4 s")
            sys.exit(1)
        if data.startswith(b"ERR 4 "):
            busy += 1
        elif data:
            served += 1
        worst = max(worst, time.monotonic() - t0)
    print("closed %d: %d refused busy, %d answered, the last after %.2f s" % (n, busy, served, worst))
elif mode == "trickle":     # one byte every 0.3 s, never a newline
    s, t0 = conn(), time.monotonic()
    s.settimeout(0.3)
    while time.monotonic() - t0 < 6:
        try:
            s.send(b"s")
        except (BrokenPipeError, ConnectionResetError):
            break
        try:
            if s.recv(100) == b"":
                break
        except socket.timeout:
            pass
    print("dropped after %.2f s" % (time.monotonic() - t0))
elif mode == "mute":        # a listener that accepts and never answers
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    open(path + ".ready", "w").close()
    srv.settimeout(15)
    held = []
    try:
        while True:
            held.append(srv.accept()[0])
    except socket.timeout:
        pass
elif mode == "stale":       # a socket file nobody listens on
    socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).bind(path)
PY
raw() { python3 "$T/raw.py" "$@"; }
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }

# ---- the relay, as OWNER -------------------------------------------------
flock_note="(the CPU lock is the caller's: run under flock /tmp/surge-cpu.lock)"
(cd "$T" && XDG_RUNTIME_DIR=$T/dpdk exec setpriv --reuid="$OWNER" --regid="$OWNER" --clear-groups \
	"$T/bin/surge-relay" --address4 198.18.0.1 --key-file "$T/relay.key" --control-socket "$SOCK" -- \
	--no-huge -m 512 --no-pci --file-prefix "$P" --lcores 0@0,1@1 \
	--vdev net_null0,no-rx=1 > "$T/relay.log" 2>&1) &
relay_pid=$!
for _ in $(seq 300); do grep -q "ready" "$T/relay.log" && break; kill -0 $relay_pid 2>/dev/null || break; sleep 0.1; done
grep -q "ready" "$T/relay.log" || fail "relay did not start $flock_note"
echo "relay running as $OWNER (pid $relay_pid), socket $SOCK"
relay_mbufs=$(mbufs_in_use "$SOCK")

# 1. The socket: type, mode, owner.
[ -S "$SOCK" ] || fail "$SOCK is not a socket"
st=$(stat -c '%a %U' "$SOCK")
[ "$st" = "600 $OWNER" ] || fail "socket mode/owner '$st', wanted '600 $OWNER'"
ok "socket is a socket, mode 0600, owner $OWNER"

# 2. Its owner is answered; another user is refused, not hung.
ctl_expect "$OWNER" 0 '^surge-relay .* workers' 1000 --socket "$SOCK" status
ok "the relay's user gets status"
ctl_expect "$OTHER" 3 "cannot reach the relay: $SOCK: Permission denied" 1000 --socket "$SOCK" status
ok "another user is refused: exit 3, the socket named"
ctl_expect "$OTHER" 3 "$SOCK: Permission denied" 1000 --socket "$SOCK" --json stats
ok "another user is refused stats --json too"
# The refusal is the socket's mode: opened, the same user gets in.
chmod 0666 "$SOCK"
ctl_expect "$OTHER" 0 '^surge-relay ' 1000 --socket "$SOCK" status
chmod 0600 "$SOCK"
ctl_expect "$OTHER" 3 "Permission denied" 1000 --socket "$SOCK" status
ok "with the mode opened to 0666 the other user gets in; at 0600 again, refused"

# 3. Bad input to surgectl: exit 2, one line (and the usage hint).
ctl_expect root 2 "^surgectl: unknown command 'frobnicate'" 1000 --socket "$SOCK" frobnicate
ok "unknown command: exit 2"
ctl_expect root 2 "^surgectl: stats: --watch wants 1..86400 seconds, not '0'" 1000 --socket "$SOCK" stats --watch 0
ctl_expect root 2 "^surgectl: status: unexpected argument 'extra'" 1000 --socket "$SOCK" status extra
ctl_expect root 2 "^surgectl: rules: expected" 1000 --socket "$SOCK" rules add
ctl_expect root 2 "^surgectl: --socket needs a path" 1000 status --socket
ctl_expect root 2 "^surgectl: --socket: path empty or longer than 107 bytes" 1000 \
	--socket "/tmp/$(printf 'x%.0s' $(seq 120))" status
ok "bad arguments: exit 2 (stats --watch 0, status extra, rules add, --socket without a path, a 124-byte path)"

# 4. Raw requests: the server's answers.
r=$(raw "$SOCK" line "$(hex 'frobnicate now')0a")
[[ $r == "ERR 1 "*"| closed" ]] || fail "unknown verb: '$r'"
ok "unknown verb sent raw: $r"
r=$(raw "$SOCK" line "$(hex "stats $(printf 'a%.0s' $(seq 1100))")0a")
[[ $r == "ERR 2 request too long | closed" ]] || fail "1106-byte request: '$r'"
ok "a 1,106-byte request line: $r"
r=$(raw "$SOCK" flood 262144)
[[ $r == "ERR 2 request too long | closed" ]] || fail "256 KiB without a newline: '$r'"
ok "256 KiB with no newline: $r"
r=$(raw "$SOCK" line 0a)
[[ $r == "ERR 2 empty request | closed" ]] || fail "empty line: '$r'"
r=$(raw "$SOCK" line "$(hex 'stats')07$(hex 'x')0a")
[[ $r == "ERR 2 bad byte in request | closed" ]] || fail "control byte: '$r'"
ok "empty line and a control byte: ERR 2"
ctl_expect root 0 '^surge-relay ' 1000 --socket "$SOCK" status
ok "the relay answers after the bad requests"

# 5. Idle and slow clients.
rm -f "$T/go" "$T/go.ready"
python3 "$T/raw.py" "$SOCK" idle 15 "$T/go" > "$T/idle15" &
idle_pid=$!
for _ in $(seq 100); do [ -e "$T/go.ready" ] && break; sleep 0.05; done
[ -e "$T/go.ready" ] || fail "15 idle connections were not opened"
ctl_expect root 0 '^surge-relay ' 1000 --socket "$SOCK" status
touch "$T/go"
wait $idle_pid || fail "15 idle connections: $(cat "$T/idle15")"
grep -q "closed 15: 0 refused busy, 0 answered" "$T/idle15" || fail "15 idle: $(cat "$T/idle15")"
ok "15 idle connections: status answered within 1 s; $(cat "$T/idle15")"

rm -f "$T/go" "$T/go.ready"
python3 "$T/raw.py" "$SOCK" idle 20 "$T/go" > "$T/idle20" &
idle_pid=$!
for _ in $(seq 100); do [ -e "$T/go.ready" ] && break; sleep 0.05; done
[ -e "$T/go.ready" ] || fail "20 idle connections were not opened"
# 16 slots: each newcomer takes the slot of the oldest idle connection
# (told "ERR 4 busy" and closed), so the operator is answered at once.
ctl_expect root 0 '^surge-relay ' 1000 --socket "$SOCK" status
touch "$T/go"
wait $idle_pid || fail "20 idle connections: $(cat "$T/idle20")"
grep -qE "closed 20: 5 refused busy, 0 answered, the last after (1\.[5-9]|2\.|3\.)" "$T/idle20" ||
	fail "20 idle: $(cat "$T/idle20")"
ok "20 idle connections: status answered within 1 s; $(cat "$T/idle20") (4 + 1 oldest evicted, the rest at the 2 s deadline)"
ctl_expect root 0 '^surge-relay ' 1000 --socket "$SOCK" status
ok "after the idle connections were dropped, status answers within 1 s"

r=$(raw "$SOCK" trickle)
[[ $r =~ ^dropped\ after\ (1\.[5-9]|2\.|3\.[0-4]) ]] || fail "trickling client: '$r'"
ok "a client trickling one byte per 0.3 s with no newline: $r"

# 6. No relay answering.
python3 "$T/raw.py" "$T/mute.sock" mute &
stub_pid=$!
for _ in $(seq 100); do [ -e "$T/mute.sock.ready" ] && break; sleep 0.05; done
[ -e "$T/mute.sock.ready" ] || fail "the mute listener did not start"
ctl_expect root 3 "^surgectl: cannot reach the relay: $T/mute.sock: timed out waiting for the reply" 7000 \
	--socket "$T/mute.sock" status
kill "$stub_pid" 2>/dev/null || true
wait "$stub_pid" 2>/dev/null || true
stub_pid=
idle_pid=
ok "a listener that never answers: exit 3 within surgectl's 5 s timeout"
: > "$T/plain"
ctl_expect root 3 "^surgectl: cannot reach the relay: $T/plain: " 1000 --socket "$T/plain" status
ctl_expect root 3 "^surgectl: cannot reach the relay: $T/bin: " 1000 --socket "$T/bin" status
ok "a regular file and a directory as the socket: exit 3, the path named"
raw "$T/stale.sock" stale
ctl_expect root 3 "^surgectl: cannot reach the relay: $T/stale.sock: Connection refused" 1000 \
	--socket "$T/stale.sock" status
ok "a stale socket nobody listens on: exit 3"

# Nothing above held an mbuf (mbufs_lib.sh; the socket's own path takes none).
r=$(mbufs_check "$SOCK" "$relay_mbufs" "relay") || fail "mbufs"
ok "$r"

kill -TERM "$relay_pid"
for _ in $(seq 100); do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$relay_pid" 2>/dev/null && fail "relay did not stop on SIGTERM within 10 s"
rc=0
wait "$relay_pid" || rc=$?
relay_pid=
[ "$rc" -eq 0 ] || fail "relay exited $rc"
[ ! -e "$SOCK" ] || fail "the stopped relay left $SOCK behind"
ctl_expect root 3 "^surgectl: cannot reach the relay: $SOCK: No such file or directory" 1000 --socket "$SOCK" status
ok "relay stopped (exit 0, socket removed): surgectl exits 3 at once"
SURGE_SOCKET=$SOCK ctl_expect root 3 "$SOCK: No such file or directory" 1000 status
ok "SURGE_SOCKET names the socket when --socket is absent"
echo "PASS surgectl_socket"
