#!/bin/sh
# The peer frozen: a's syncd stopped with SIGSTOP for 10 s during a
# 100,000-state load on a, then SIGCONT. b gets every state of a (tuple
# for tuple), and holds its demotion on carpd from the time a is found
# silent until it is in sync again (the bulk it asks for once a is heard
# again ends only after a's backlog).
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab
sync_ct_room $((3 * ${SYNC_STATES:-100000}))
sync_fault_pair
sync_fault_outage "a's syncd frozen" 'kill -STOP "$(syncd_pid a)"' \
    'kill -CONT "$(syncd_pid a)"'
lab_log "pass"
