#!/bin/sh
# The peer restarted in the middle of a bulk: b's syncd starts with an
# empty table while a holds 100,000 states, and a's syncd restarts while
# it is sending them. b asks the new session for the table again, gets
# every state of a (tuple for tuple), and holds its demotion on carpd
# until it is in sync.
. "$(dirname "$0")/lib/sync.sh"
N=${SYNC_STATES:-100000}
sync_start_lab
sync_ct_room $((3 * N))
sync_fault_pair
syncd_stop b || lab_fail "syncd on b exited $?"
ctgen a -n $N >/dev/null || lab_fail "ctgen on a"
ct_has_n b 0 || lab_fail "b has states before its bulk"
sync_sampler_start b 55
tf=$(sync_now_ms)
syncd_start b
ct_wait b $((N / 20)) 20 >/dev/null ||
	sync_fail "the bulk did not start: b has $(ct_count b)" a b
ct_has b $N && lab_fail "the bulk ended before a's restart: too fast"
syncd_stop a || lab_fail "syncd on a exited $?"
lab_log "syncd on a stopped in the middle of the bulk; b has $(ct_count b)"
syncd_start a
tr=$(sync_now_ms)
# the fault is b's own start: its demotion is held at once
sync_fault_check a b $N $((tf - 4500)) "$tr"
node=$(sed -n 's/.*syncd: node \([0-9a-f]*\) on sync0.*/\1/p' \
    "$LAB_DIR/syncd-a.log" | tail -n 1)
grep -q "peer node $node heard" "$LAB_DIR/syncd-b.log" ||
	lab_fail "b did not hear a's new session $node"
grep -q "in sync with node $node" "$LAB_DIR/syncd-b.log" ||
	lab_fail "b's bulk did not end with a's new session $node"
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
lab_log "pass"
