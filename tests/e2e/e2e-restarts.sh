#!/bin/sh
# e2e-restarts: daemons restarting, and a node joining fresh.
#
#  1. carpd restarts on the backup fw2: nothing changes (fw1 stays master
#     without a single transition, the connections carry on).
#  2. syncd restarts on the backup: its replicated states stay in the
#     kernel, and a connection opened while it was down reaches fw2 by
#     the bulk sync.
#  3. syncd restarts on the master: an idle connection opened while it
#     was down (no event will ever announce it again) reaches fw2; the
#     connections carry on.
#  4. fw1 crashes: every connection, including those of 2 and 3, carries
#     on through fw2.
#  5. fw1 comes back fresh (empty conntrack table, like after a reboot):
#     while its sync cable is still out it holds the bulk demotion and
#     stays BACKUP although it is preferred (preempt); once the cable is
#     in it bulk-syncs and only then takes the VIPs back, and the
#     connections carry on through it.
# Each step is checked; a failed step is reported and the next ones
# still run (on fresh connections), the test fails at the end.
. "$(dirname "$0")/lib/e2e.sh"

# conns STEP fwN: every TCP connection carries on (through fwN).
conns() {
	fwpair_tcp_all "${3:-30}" "$2" ||
	    e2e_soft "$1: $((FWPAIR_TOTAL - FWPAIR_OK)) of $FWPAIR_TOTAL connections lost"
	fwpair_retire
}

e2e_up
for n in b1 b2; do fwpair_tcp "$n" busy 4; done
fwpair_tcp b6 busy 6
fwpair_tcp i1 idle 4
fwpair_udp u1
sleep 1

# --- 1 ---
lab_log "1. restart carpd on the backup fw2"
tr=$(e2e_transitions fw1)
fwpair_carpd_stop fw2 || e2e_soft "1: carpd on fw2 exited $? on SIGTERM"
fwpair_carpd_start fw2
wait_for 15 "fwpair_settled fw1" || e2e_soft "1: the pair did not settle"
lab_hold 3 "fwpair_holds fw1" || e2e_soft "1: fw1 lost the VIPs"
[ "$(e2e_transitions fw1)" = "$tr" ] ||
    e2e_soft "1: fw1 changed state $(( $(e2e_transitions fw1) - tr )) times"
fwpair_mark
conns 1 fw1

# --- 2 ---
lab_log "2. restart syncd on the backup fw2"
tr=$(e2e_transitions fw1)
fwpair_syncd_stop fw2 || e2e_soft "2: syncd on fw2 exited $? on SIGTERM"
e2e_replicated fw2 >/dev/null ||
    e2e_soft "2: fw2 lost $(e2e_replicated fw2) when its syncd stopped"
fwpair_tcp b7 busy 4
fwpair_syncd_start fw2
wait_for 15 "fwpair_settled fw1" || e2e_soft "2: the pair did not settle"
missing=$(e2e_replicated fw2) || e2e_soft "2: fw2 lacks $missing after the bulk"
[ "$(e2e_transitions fw1)" = "$tr" ] ||
    e2e_soft "2: fw1 changed state $(( $(e2e_transitions fw1) - tr )) times"
fwpair_mark
conns 2 fw1

# --- 3 ---
lab_log "3. restart syncd on the master fw1"
tr=$(e2e_transitions fw1)
fwpair_syncd_stop fw1 || e2e_soft "3: syncd on fw1 exited $? on SIGTERM"
fwpair_tcp i8 idle 4
fwpair_syncd_start fw1
wait_for 15 "fwpair_settled fw1" || e2e_soft "3: the pair did not settle"
missing=$(e2e_replicated fw2) || e2e_soft "3: fw2 lacks $missing after the bulk"
# the master keeps its addresses: syncd holds no demotion on a master
n=$(( $(e2e_transitions fw1) - tr ))
[ "$n" = 0 ] || e2e_soft "3: fw1 changed state $n times"
fwpair_mark
conns 3 fw1

# busy connections for the crash, in case step 3 lost the first ones
fwpair_tcp r1 busy 4
fwpair_tcp r6 busy 6
e2e_replicated fw2 >/dev/null || sleep 1

# --- 4 ---
lab_log "4. crash fw1"
fwpair_crash fw1
fwpair_mark
wait_for 20 "fwpair_holds fw2" || fwpair_fail "4: fw2 did not take both VIPs"
conns 4 fw2 40
_why=$(fwpair_udp_survived u1 20) || e2e_soft "4: $_why"
fwpair_tcp f1 busy 4	# and one born on fw2
fwpair_tcp f2 idle 4

# --- 5 ---
lab_log "5. fw1 comes back fresh, sync cable still out"
fwpair_reboot_clean fw1
fwpair_carpd_start fw1
fwpair_syncd_start fw1
wait_for 10 "[ \"\$(fwpair_group_demote fw1 carp)\" -ge 32 ]" ||
    e2e_soft "5: fw1 holds no bulk demotion (group carp: $(fwpair_group_demote fw1 carp))"
lab_log "   fw1 group carp demote $(fwpair_group_demote fw1 carp) (bulk sync pending)"
fwpair_plug fw1 eth0 eth1
wait_for 10 "carp_is fw1 carp1 BACKUP && carp_is fw1 carp2 BACKUP" ||
    e2e_soft "5: fw1 not BACKUP with its links back"
lab_hold 5 "fwpair_holds fw2 && fwpair_backs fw1" ||
    e2e_soft "5: fw1 took over before it was in sync"
[ "$(fwpair_sync_get fw1 in_sync)" = false ] ||
    e2e_soft "5: fw1 in sync without a sync link"
lab_log "5. sync cable in"
t0=$(fwpair_now)
fwpair_plug fw1 eth2
wait_for 30 "fwpair_settled fw1" ||
    fwpair_fail "5: fw1 did not take the VIPs back after its bulk sync"
fwpair_mark
lab_log "   fw1 master again $(fwpair_ms "$t0" "$(fwpair_now)") ms after the cable"
synced=$(sed -n 's/^\([0-9:.]*\) .*in sync with node.*/\1/p' \
    "$LAB_DIR/syncd-fw1.log" | tail -n 1)
master=$(sed -n 's/^\([0-9:.]*\) .*carp1: BACKUP -> MASTER.*/\1/p' \
    "$LAB_DIR/carpd-fw1.log" | tail -n 1)
lab_log "   fw1: in sync at $synced, carp1 MASTER at $master"
[ -n "$synced" ] && [ -n "$master" ] && ! [ "$master" \< "$synced" ] ||
    e2e_soft "5: fw1 became master (${master:-never}) before it was in sync (${synced:-never})"
conns 5 fw1 40
e2e_verdict
