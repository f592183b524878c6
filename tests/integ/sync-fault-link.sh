#!/bin/sh
# The sync link down for 10 s during a 100,000-state load on a, then up:
# b gets every state of a (tuple for tuple), and holds its demotion on
# carpd from the outage until it is in sync again (link-demote while the
# link is down, bulk-demote until the bulk it asks for on recovery ends).
. "$(dirname "$0")/lib/sync.sh"
N=${SYNC_STATES:-100000}
sync_start_lab
sync_ct_room $((3 * N))
sync_fault_pair
sync_sampler_start b 55
ctgen a -n $((N / 10)) >/dev/null || lab_fail "ctgen on a"
tf=$(sync_now_ms)
lab_exec a ip link set sync0 down || lab_fail "link down"
lab_log "sync link down, $((N / 10)) states sent, $N more on a"
ctgen a -n $N >/dev/null || lab_fail "ctgen on a"
sleep 10
lab_exec a ip link set sync0 up || lab_fail "link up"
tr=$(sync_now_ms)
lab_log "sync link up after $((tr - tf)) ms; b has $(ct_count b) states"
sync_fault_check a b $N "$tf" "$tr"
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
lab_log "pass"
