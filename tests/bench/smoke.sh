#!/bin/sh
# tests/bench/smoke.sh: `make bench-smoke`, part of `make check`: the
# side-by-side harness run once, short (one crash at the fast setting
# per case, carpd and keepalived), then report.sh and plot.sh on its
# results, in $BUILD/bench-smoke. It fails when the harness breaks (a
# case fails, a figure or the report table or a chart is missing),
# never on a timing. Skipped (exit 0) where the lab cannot run.
top=$(cd "$(dirname "$0")/../.." && pwd)
LAB_BUILD=${LAB_BUILD:-$top/${BUILD:-build}}
case $LAB_BUILD in /*) ;; *) LAB_BUILD=$top/$LAB_BUILD;; esac
out=$LAB_BUILD/bench-smoke
rm -rf "$out"
BENCH_OUT=$out BENCH_SETTINGS=fast BENCH_REPEAT=1 BENCH_HOLD=1 \
    BENCH_SYSTEMS="carpd keepalived" LAB_BUILD=$LAB_BUILD \
    sh "$top/tests/bench/run.sh" "$top/tests/bench/bench-outage.sh" \
    "$top/tests/bench/bench-tcp.sh" || exit 1
if grep -q ': skipped' "$out/results.txt"; then
	echo "bench-smoke: skipped (see above)"
	exit 0
fi

fail() { echo "bench-smoke: FAIL: $*"; exit 1; }
# figures, not their size: n/a (a pair that flapped in every watch, on
# a machine overloaded for that long) is load, not a broken harness
for f in outage/fast/carpd/median tcp/fast/carpd/bulk_max \
    tcp/fast/carpd/echo_max; do
	awk -v f="$f" '$1 == f && $2 ~ /^([0-9.]+|n\/a)$/ { ok = 1 } END { exit !ok }' \
	    "$out/results.txt" || fail "no figure $f in $out/results.txt"
done
sh "$top/tests/bench/report.sh" "$out/results.txt" >"$out/report.md" ||
	fail "report.sh"
grep -q '^| fast | median (ms) | ' "$out/report.md" ||
	fail "no outage row in $out/report.md"
if ! ls "$out"/probe-*.dat >/dev/null 2>&1; then
	echo "bench-smoke: ok (no crash measured: the pairs flapped under load; plot.sh not run)"
	exit 0
fi
sh "$top/tests/bench/plot.sh" "$out" || fail "plot.sh"
for p in outage-probe outage-settings; do
	[ -s "$out/$p.png" ] || fail "no $out/$p.png"
done
echo "bench-smoke: ok"
