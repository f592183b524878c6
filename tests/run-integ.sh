#!/bin/sh
# Run every test script in $1 (sorted), each in its own process with a
# time limit. A script exits 0 (pass), 77 (skip, with the reason) or
# anything else (fail). Prints one line per test and the totals.
dir=${1:-tests/integ}
limit=${TEST_TIMEOUT:-240}
pass=0; fail=0; skip=0; failed=""
logdir=${TEST_LOGDIR:-build/test-logs}
mkdir -p "$logdir"
for t in "$dir"/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	start=$(date +%s)
	timeout -k 10 "$limit" sh "$t" >"$logdir/$name.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0)  pass=$((pass + 1)); echo "PASS $name (${secs}s)";;
	77) skip=$((skip + 1)); echo "SKIP $name: $(tail -n 1 "$logdir/$name.log")";;
	*)  fail=$((fail + 1)); failed="$failed $name"
	    echo "FAIL $name (rc $rc, ${secs}s), last lines of $logdir/$name.log:"
	    tail -n 25 "$logdir/$name.log" | sed 's/^/    /';;
	esac
done
echo "$(basename "$dir"): $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
