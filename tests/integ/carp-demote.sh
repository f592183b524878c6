#!/bin/sh
# carpctl demote on the master moves the address to the backup; promote
# lets it come back (preempt on). The demote shows in status and groups.
. "$(dirname "$0")/lib/carp.sh"
integ_start
integ_lan a b
INTEG_VIPS="eth0:192.0.2.254"
VIP=192.0.2.254

for h in a b; do
	case $h in a) skew=0;; b) skew=100;; esac
	{ echo "preempt yes"
	  echo "group internal { demote 0 }"
	  carp_block carp1 1 eth0 $skew lab-secret "address $VIP/24" \
	      "group internal"
	} | carpd_conf $h
	carpd_start $h
done
wait_for 15 "sole_master carp1 eth0 $VIP a a b" ||
	lab_fail "a is not the sole master"

carpctl a demote internal 50 || lab_fail "carpctl demote failed ($?)"
wait_for 5 "sole_master carp1 eth0 $VIP b a b" ||
	lab_fail "demote did not move carp1 to b"
lab_log "b MASTER ${WAIT_MS} ms after demote"
[ "$(carp_get a carp1 demote)" = 50 ] ||
	lab_fail "a's carp1 demote is $(carp_get a carp1 demote), not 50"
[ "$(group_demote a internal)" = 50 ] ||
	lab_fail "group internal: $(carpctl a -j groups)"
lab_hold 2 "sole_master carp1 eth0 $VIP b a b" ||
	lab_fail "demoted a came back"

carpctl a promote internal 50 || lab_fail "carpctl promote failed ($?)"
wait_for 5 "sole_master carp1 eth0 $VIP a a b" ||
	lab_fail "promote did not bring carp1 back to a"
lab_log "a MASTER ${WAIT_MS} ms after promote"
[ "$(carp_get a carp1 demote)" = 0 ] || lab_fail "demote not back to 0"

carpctl a demote no-such-group 1 >/dev/null 2>&1; rc=$?
[ "$rc" = 1 ] || lab_fail "demote of an unknown group exited $rc, not 1"
integ_stop a b
lab_log "pass"
