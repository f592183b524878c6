#!/bin/sh
# Group failover: carp1 (LAN) and carp2 (WAN) are both in group
# "internal". Cutting only a's WAN link moves both to b: carp2 because
# its link is gone, carp1 because a's group demotion rose (no preempt
# needed: a higher demote always loses).
. "$(dirname "$0")/lib/carp.sh"
integ_start
lab_bridge lan; lab_bridge wan
n=0
for h in a b; do
	n=$((n + 1))
	lab_ns $h
	lab_port $h eth0 lan; lab_addr $h eth0 192.0.2.$n/24
	lab_port $h eth1 wan; lab_addr $h eth1 198.51.100.$n/24
	case $h in a) skew=0;; b) skew=100;; esac
	{ carp_block carp1 1 eth0 $skew lab-secret \
	      "address 192.0.2.254/24" "group internal"
	  carp_block carp2 2 eth1 $skew lab-secret \
	      "address 198.51.100.254/24" "group internal"
	} | carpd_conf $h
	carpd_start $h
done
INTEG_VIPS="eth0:192.0.2.254 eth1:198.51.100.254"
both_on() {
	sole_master carp1 eth0 192.0.2.254 $1 a b &&
	sole_master carp2 eth1 198.51.100.254 $1 a b
}
wait_for 15 "both_on a" || lab_fail "a is not master of both"

lab_log "cutting a's WAN link only"
lab_cut a eth1
wait_for 10 "carp_is b carp2 MASTER && lab_has_addr b eth1 198.51.100.254" ||
	lab_fail "carp2 did not move to b"
wait_for 5 "carp_is a carp2 INIT && ! lab_has_addr a eth1 198.51.100.254" ||
	lab_fail "a's carp2 is $(carp_state a carp2) or still holds its VIP"
wait_for 5 "sole_master carp1 eth0 192.0.2.254 b a b" ||
	lab_fail "carp1 did not follow carp2 to b"
lab_log "carp1 followed to b"
[ "$(group_demote a internal)" = 1 ] ||
	lab_fail "a's group internal: $(carpctl a -j groups)"
lab_hold 2 "sole_master carp1 eth0 192.0.2.254 b a b" ||
	lab_fail "carp1 went back while a's WAN is down"

lab_restore a eth1
wait_for 10 "[ \"\$(group_demote a internal)\" = 0 ]" ||
	lab_fail "a's group demote did not return to 0"
wait_for 10 "carp_is a carp2 BACKUP" || lab_fail "a's carp2 did not leave INIT"
integ_stop a b
lab_log "pass"
