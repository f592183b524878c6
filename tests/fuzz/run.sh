#!/bin/sh
# Run every fuzz target, one after the other (-jobs would compete for
# the cores other work needs):
#
#	sh tests/fuzz/run.sh FUZZDIR SECONDS
#
# First each target replays its regression inputs, tests/fuzz/regress/
# NAME/* (every crash ever found, kept once fixed); then it fuzzes for
# SECONDS from tests/fuzz/corpus/NAME, adding what it learns to
# FUZZDIR/corpus/NAME (not committed). A crash leaves its input in
# FUZZDIR/crashes/NAME/ and the log in FUZZDIR/NAME.log; the run goes on
# with the other targets and fails at the end.
set -u
dir=${1:?usage: run.sh FUZZDIR SECONDS}
secs=${2:?usage: run.sh FUZZDIR SECONDS}
src=tests/fuzz
failed=""
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Replay one target's regression inputs: 0 if none crashes.
replay() {
	name=$1 bin=$2
	set -- "$src/regress/$name"/*
	[ -e "$1" ] || return 0
	if ! "$bin" -runs=1 "$@" >"$dir/$name.regress.log" 2>&1; then
		echo "fuzz: $name: a regression input crashes again" \
		    "(see $dir/$name.regress.log)"
		grep -E '^(Running|SUMMARY|fuzz:)' "$dir/$name.regress.log"
		return 1
	fi
	echo "fuzz: $name: $# regression inputs pass"
}

# Fuzz one target for $secs seconds: 0 if nothing crashed.
fuzz() {
	name=$1 bin=$2
	mkdir -p "$dir/corpus/$name" "$dir/crashes/$name"
	dict=""
	[ -f "$src/$name.dict" ] && dict="-dict=$src/$name.dict"
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$dir/crashes/$name/" $dict \
	    "$dir/corpus/$name" "$src/corpus/$name" >"$dir/$name.log" 2>&1
	rv=$?
	done=$(grep -E '^Done [0-9]+ runs' "$dir/$name.log")
	if [ $rv -ne 0 ]; then
		echo "fuzz: $name: CRASH after ${done:-an unknown number of runs}"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz:|    #[0-9] )' \
		    "$dir/$name.log" | head -20
		ls "$dir/crashes/$name/"* 2>/dev/null | sed 's/^/  input: /'
		return 1
	fi
	echo "fuzz: $name: $done"
}

for bin in "$dir"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	replay "$name" "$bin" || failed="$failed $name"
	fuzz "$name" "$bin" || failed="$failed $name"
done
if [ -n "$failed" ]; then
	echo "fuzz: FAILED:$failed"
	exit 1
fi
