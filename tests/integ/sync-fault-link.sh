#!/bin/sh
# The sync link down for 10 s during a 100,000-state load on a, then up:
# b gets every state of a (tuple for tuple), and holds its demotion on
# carpd from the outage until it is in sync again (link-demote while the
# link is down, bulk-demote until the bulk it asks for on recovery ends).
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab
sync_ct_room $((3 * ${SYNC_STATES:-100000}))
sync_fault_pair
sync_fault_outage "sync link down" "lab_exec a ip link set sync0 down" \
    "lab_exec a ip link set sync0 up"
lab_log "pass"
