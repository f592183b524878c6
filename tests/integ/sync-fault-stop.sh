#!/bin/sh
# The peer frozen: a's syncd stopped with SIGSTOP for 10 s during a
# 100,000-state load on a, then SIGCONT. b gets every state of a (tuple
# for tuple), and holds its demotion on carpd from the time a is found
# silent until it is in sync again.
. "$(dirname "$0")/lib/sync.sh"
N=${SYNC_STATES:-100000}
sync_start_lab
sync_ct_room $((3 * N))
sync_fault_pair
sync_sampler_start b 55
ctgen a -n $((N / 10)) >/dev/null || lab_fail "ctgen on a"
tf=$(sync_now_ms)
kill -STOP "$(syncd_pid a)" || lab_fail "SIGSTOP"
lab_log "syncd on a stopped, $((N / 10)) states sent, $N more on a"
ctgen a -n $N >/dev/null || lab_fail "ctgen on a"
sleep 10
kill -CONT "$(syncd_pid a)" || lab_fail "SIGCONT"
tr=$(sync_now_ms)
lab_log "syncd on a continued after $((tr - tf)) ms; b has $(ct_count b)"
sync_fault_check a b $N "$tf" "$tr"
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
lab_log "pass"
