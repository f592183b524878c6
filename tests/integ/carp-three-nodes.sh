#!/bin/sh
# Three nodes elect one master (lowest advskew); when it fails, exactly
# one of the other two takes over (the next lowest advskew).
. "$(dirname "$0")/lib/carp.sh"
integ_start
integ_lan a b d
INTEG_VIPS="eth0:192.0.2.254"
VIP=192.0.2.254

for h in a b d; do
	case $h in a) skew=0;; b) skew=50;; d) skew=100;; esac
	carp_block carp1 1 eth0 $skew lab-secret "address $VIP/24" |
	    carpd_conf $h
	carpd_start $h
done
wait_for 15 "sole_master carp1 eth0 $VIP a a b d" ||
	lab_fail "a is not the sole master of three"
lab_hold 3 "sole_master carp1 eth0 $VIP a a b d" || lab_fail "not stable"

lab_cut a eth0
wait_for 10 "sole_master carp1 eth0 $VIP b b d" ||
	lab_fail "b is not the sole master after a failed (masters: $(masters carp1 b d))"
lab_hold 3 "sole_master carp1 eth0 $VIP b b d" || lab_fail "not stable after failover"
[ "$(carp_get d carp1 master)" = 192.0.2.2 ] ||
	lab_fail "d's master is $(carp_get d carp1 master), not b"
integ_stop a b d
lab_log "pass"
