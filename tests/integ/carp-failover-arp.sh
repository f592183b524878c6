#!/bin/sh
# Cutting the master's link moves the address: the backup becomes MASTER,
# the old master goes INIT and drops it, the client's neighbour entry is
# rewritten by the gratuitous ARP (no traffic needed), and the new master
# answers ARP for the address.
. "$(dirname "$0")/lib/carp.sh"
integ_start ping
integ_lan a b c
INTEG_VIPS="eth0:192.0.2.254"
VIP=192.0.2.254

for h in a b; do
	case $h in a) skew=0;; b) skew=100;; esac
	carp_block carp1 1 eth0 $skew lab-secret "address $VIP/24" |
	    carpd_conf $h
	carpd_start $h
done
wait_for 15 "sole_master carp1 eth0 $VIP a a b" ||
	lab_fail "a is not the sole master"
mac_a=$(lab_mac a eth0); mac_b=$(lab_mac b eth0)
lab_exec c ping -c 1 -W 2 $VIP >/dev/null || lab_fail "client cannot ping VIP"
[ "$(neigh_mac c $VIP)" = "$mac_a" ] ||
	lab_fail "VIP resolves to $(neigh_mac c $VIP), not a ($mac_a)"

lab_log "cutting a's link"
lab_cut a eth0
wait_for 10 "carp_is b carp1 MASTER && lab_has_addr b eth0 $VIP" ||
	lab_fail "b did not take over"
lab_log "b MASTER ${WAIT_MS} ms after the cut"
wait_for 5 "carp_is a carp1 INIT && ! lab_has_addr a eth0 $VIP" ||
	lab_fail "a is $(carp_state a carp1) or still holds the VIP"
wait_for 5 "[ \"\$(neigh_mac c $VIP)\" = $mac_b ]" ||
	lab_fail "client's entry for VIP is $(neigh_mac c $VIP), not b ($mac_b): no gratuitous ARP?"
lab_log "client learnt b's MAC from gratuitous ARP"

lab_exec c ip neigh flush dev eth0
lab_exec c ping -c 1 -W 2 $VIP >/dev/null || lab_fail "new master does not answer"
[ "$(neigh_mac c $VIP)" = "$mac_b" ] ||
	lab_fail "after flush VIP resolves to $(neigh_mac c $VIP), not b ($mac_b)"
integ_stop a b
lab_log "pass"
