#!/bin/sh
# tests/bench/run.sh: run every tests/bench/bench-*.sh (or the ones named
# on the command line), keep each one's output in $OUT/NAME.log, and print
# a table of their `BENCH name value unit` figures and `# note` lines,
# also written to $OUT/results.txt. OUT is BENCH_OUT, or $BUILD/bench
# (BUILD: build, or LAB_BUILD). Each benchmark's time is printed, and
# the total. BENCH_QUICK=1 (make bench QUICK=1) runs a subset, each
# benchmark with its reduced set. Exits 1 if a benchmark failed (the thing measured did
# not happen); skipped ones (exit 77) are listed.
top=$(cd "$(dirname "$0")/../.." && pwd)
LAB_BUILD=${LAB_BUILD:-$top/${BUILD:-build}}
case $LAB_BUILD in /*) ;; *) LAB_BUILD=$top/$LAB_BUILD;; esac
export LAB_BUILD
out=${BENCH_OUT:-$LAB_BUILD/bench}
case $out in /*) ;; *) out=$top/$out;; esac
BENCH_OUT=$out
export BENCH_OUT
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	export BENCH_QUICK
	# the reduced sets of the benchmarks that take a size or a time:
	# bench-sync at 100,000 states only (not 1,000,000), bench-loss at
	# 30% only
	BENCH_STATES=${BENCH_STATES:-100000}
	BENCH_LOSS=${BENCH_LOSS:-30}
	SECONDS_RUN=${SECONDS_RUN:-15}
	export BENCH_STATES BENCH_LOSS SECONDS_RUN
fi
mkdir -p "$out" || exit 1

# QUICK leaves out the TCP stalls and the cost of many virtual hosts,
# the two longest, to stay within 3 minutes
if [ $# -eq 0 ] && [ "${BENCH_QUICK:-0}" = 1 ]; then
	for b in outage planned false advert-cpu sync loss; do
		set -- "$@" "$top/tests/bench/bench-$b.sh"
	done
	# issue 10: churn 10 s, full-table failover at 10 and 20,000 states
	set -- "$@" "$top/tests/bench/bench-churn.sh" \
	    "$top/tests/bench/bench-fullfail.sh"
elif [ $# -eq 0 ]; then
	set -- "$top"/tests/bench/bench-*.sh
fi
failed=0
start=$(date +%s)
: >"$out/results.tmp"
for b in "$@"; do
	name=$(basename "$b" .sh)
	t0=$(date +%s)
	echo "== $name"
	sh "$b" >"$out/$name.log" 2>&1
	rc=$?
	t1=$(date +%s)
	# context lines as they are, the figures again in the table
	grep -v '^BENCH ' "$out/$name.log" | grep -v '^\[' | sed 's/^/   /'
	case $rc in
	0)  status="ok";;
	77) status="skipped: $(tail -n 1 "$out/$name.log")";;
	*)  status="FAILED (exit $rc, see $out/$name.log)"; failed=1
	    tail -n 20 "$out/$name.log" | sed 's/^/   | /';;
	esac
	echo "== $name: $status, $((t1 - t0)) s"
	echo "# $name: $status" >>"$out/results.tmp"
	grep -e '^BENCH ' -e '^# note ' "$out/$name.log" >>"$out/results.tmp"
done

{
	echo "# carp benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -r)," \
	    "$(nproc) CPUs, commit $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo ?)"
	awk '
	/^# / { print; next }
	/^BENCH / { printf "  %-44s %12s %s\n", $2, $3, $4 }
	' "$out/results.tmp"
} >"$out/results.txt"
rm -f "$out/results.tmp"
echo
cat "$out/results.txt"
echo "(also in $out/results.txt; all benchmarks: $(($(date +%s) - start)) s)"
exit $failed
