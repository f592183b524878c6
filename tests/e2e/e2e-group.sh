#!/bin/sh
# e2e-group: only fw1's WAN cable is pulled. carp2 loses its link, group
# "internal" is demoted, so carp1 (whose LAN link is fine) moves to fw2
# too: both VIPs on fw2, none on fw1, no asymmetric routing, and the
# connections carry on. Plugging the cable back returns both (preempt).
. "$(dirname "$0")/lib/e2e.sh"

e2e_up
e2e_flows
sleep 1
t0=$(fwpair_now)
fwpair_cut fw1 eth1
# carp1 goes at once (demoted group), carp2 when fw2's master-down fires
wait_for 10 "carp_is fw2 carp1 MASTER" ||
    fwpair_fail "carp1 did not move to fw2 when fw1's WAN link failed"
lab_log "carp1 MASTER on fw2 after $(fwpair_ms "$t0" "$(fwpair_now)") ms"
wait_for 15 "fwpair_holds fw2" ||
    fwpair_fail "fw2 did not take both VIPs"
fwpair_mark
lab_log "both VIPs on fw2 after $(fwpair_ms "$t0" "$(fwpair_now)") ms"
# fw1: carp1 BACKUP (not master of the LAN alone), carp2 INIT (no link)
wait_for 5 "carp_is fw1 carp1 BACKUP && carp_is fw1 carp2 INIT" ||
    fwpair_fail "fw1: carp1 $(carp_state fw1 carp1), carp2 $(carp_state fw1 carp2)"
lab_has_addr fw1 eth0 192.0.2.254 && fwpair_fail "fw1 still holds the LAN VIP"
lab_hold 3 "fwpair_holds fw2 && carp_is fw1 carp1 BACKUP" ||
    fwpair_fail "the VIPs did not stay together on fw2"
rc=0
fwpair_tcp_all 30 fw2 || rc=1
_why=$(fwpair_udp_survived u1 20) && lab_log "  u1 UDP goes on" ||
    { lab_log "$_why"; rc=1; }
[ "$rc" = 0 ] || fwpair_fail "connections did not survive the group failover"

t0=$(fwpair_now)
fwpair_plug fw1 eth1
wait_for 20 "fwpair_settled fw1" ||
    fwpair_fail "fw1 did not take both VIPs back with its WAN link"
fwpair_mark
lab_log "both VIPs back on fw1 after $(fwpair_ms "$t0" "$(fwpair_now)") ms"
fwpair_tcp_all 30 fw1 || fwpair_fail "connections did not survive the way back"
lab_log "PASS"
