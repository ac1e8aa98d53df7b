#!/bin/sh
# tests/fuzz/run.sh EXE NAME SECONDS [WORKDIR] - run one libFuzzer harness for
# SECONDS on a scratch corpus seeded from tests/fuzz/corpus/NAME and
# tests/fuzz/regress/NAME (read, never written), with tests/fuzz/NAME.dict
# when there is one, and print one line:
#
#   fuzz_NAME: 30 s, 123456 execs (4115/s), cov 812, ft 2301, corpus 140 (38 KiB), rss 96 MB, crashes 0
#
# A crash, leak, timeout or out-of-memory is a failure: its reproducer's
# path and the sanitizer's report are printed, the work directory is kept
# (rerun: EXE REPRODUCER), and the exit status is 1.  Without WORKDIR a
# temporary one is made and removed after a clean run.  Used by meson's
# suite "fuzz" (build-fuzz) and by scripts/fuzz.
set -eu
exe=$1 name=$2 secs=$3
src=$(cd "$(dirname "$0")" && pwd)
if [ $# -ge 4 ]; then
	work=$4
	mkdir -p "$work"
	own=0
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/surge-fuzz-$name.XXXXXX")
	own=1
fi
# A reproducer left by an earlier run in WORKDIR goes: copy it to regress/ first.
rm -rf "$work/corpus" "$work/log" "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
mkdir -p "$work/corpus"
set -- -max_total_time="$secs" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 \
	-max_len=4096 -artifact_prefix="$work/"
[ -f "$src/$name.dict" ] && set -- "$@" -dict="$src/$name.dict"
status=0
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$exe" "$@" "$work/corpus" "$src/corpus/$name" "$src/regress/$name" >"$work/log" 2>&1 ||
	status=$?

# The last status line ("#N DONE cov: C ft: F corp: K/SIZE ...") and the final stats.
last=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1 || true)
field() { echo "$last" | sed -n "s/.* $1: \([^ ]*\).*/\1/p"; }
stat() { sed -n "s/^stat::$1: *//p" "$work/log" | tail -n 1; }
execs=$(stat number_of_executed_units)
rate=$(stat average_exec_per_sec)
rss=$(stat peak_rss_mb)
cov=$(field cov)
ft=$(field ft)
corp=$(field corp)
crashes=$(find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o \
	-name 'timeout-*' -o -name 'oom-*' \) | wc -l)
[ "$status" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
echo "fuzz_$name: $secs s, ${execs:-?} execs (${rate:-?}/s), cov ${cov:-?}, ft ${ft:-?}," \
	"corpus ${corp:-?}, rss ${rss:-?} MB, crashes $crashes"
if [ "$crashes" -ne 0 ]; then
	find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o \
		-name 'timeout-*' -o -name 'oom-*' \) -exec echo "fuzz_$name: reproducer {}" \;
	echo "fuzz_$name: log $work/log (exit status $status); its end:"
	tail -n 60 "$work/log"
	exit 1
fi
[ "$own" -eq 1 ] && rm -rf "$work"
exit 0
