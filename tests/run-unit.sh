#!/bin/sh
# Run every unit test binary in $1; print Check's summary of each and a
# total line. Exit 1 if any failed.
dir=${1:-build/tests}
pass=0; fail=0
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	if CK_FORK=yes "$t"; then pass=$((pass + 1)); else
		echo "FAIL: $t"; fail=$((fail + 1)); fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
