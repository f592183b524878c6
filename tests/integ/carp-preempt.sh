#!/bin/sh
# Preempt: the preferred node (lower advskew, preempt yes) loses the
# address when its link is cut and takes it back when the link returns.
. "$(dirname "$0")/lib/carp.sh"
integ_start
integ_lan a b
INTEG_VIPS="eth0:192.0.2.254"
VIP=192.0.2.254

for h in a b; do
	case $h in a) skew=0;; b) skew=100;; esac
	{ echo "preempt yes"
	  carp_block carp1 1 eth0 $skew lab-secret "address $VIP/24"
	} | carpd_conf $h
	carpd_start $h
done
wait_for 15 "sole_master carp1 eth0 $VIP a a b" ||
	lab_fail "a is not the sole master"

lab_cut a eth0
wait_for 10 "carp_is b carp1 MASTER && lab_has_addr b eth0 $VIP" ||
	lab_fail "b did not take over"
wait_for 5 "! lab_has_addr a eth0 $VIP" || lab_fail "a kept the VIP"
lab_log "b MASTER; restoring a's link"
lab_restore a eth0
wait_for 10 "sole_master carp1 eth0 $VIP a a b" ||
	lab_fail "a did not take the VIP back"
lab_log "a MASTER again ${WAIT_MS} ms after the link returned"
lab_hold 3 "sole_master carp1 eth0 $VIP a a b" || lab_fail "flapping"
integ_stop a b
lab_log "pass"
