#!/bin/sh
# Run every unit test binary in $1; print Check's summary of each and a
# total line. Exit 1 if any failed.
dir=${1:-build/tests}
# A test binary exits 77 when it cannot run here (kernel tests without
# root): that is a skip, not a pass.
pass=0; fail=0; skip=0
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	CK_FORK=yes "$t"
	rc=$?
	case $rc in
	0)  pass=$((pass + 1));;
	77) skip=$((skip + 1)); echo "SKIP: $t";;
	*)  fail=$((fail + 1)); echo "FAIL: $t (exit $rc)";;
	esac
done
echo "unit: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
