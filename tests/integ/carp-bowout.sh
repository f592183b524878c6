#!/bin/sh
# Bow-out: SIGTERM on the master sends a bow-out advert, so the backup
# takes over at once instead of waiting out master-down. With advbase 3,
# master-down is 9 s and at least 6 s after the master's last regular
# advert; a takeover within 3 s can only come from the bow-out. The
# stopped master exits 0 and leaves no address behind.
. "$(dirname "$0")/lib/carp.sh"
integ_start
integ_lan a b
INTEG_VIPS="eth0:192.0.2.254"
VIP=192.0.2.254

for h in a b; do
	case $h in a) skew=0;; b) skew=100;; esac
	carp_block carp1 1 eth0 $skew lab-secret "address $VIP/24" |
	    sed 's/advbase 1/advbase 3/' | carpd_conf $h
	carpd_start $h
done
wait_for 25 "sole_master carp1 eth0 $VIP a a b" ||
	lab_fail "a is not the sole master"
r=$(counter b carp1 adverts_received)
wait_for 8 "[ \$(counter b carp1 adverts_received) -gt $r ]" ||
	lab_fail "b hears no adverts from a"

lab_log "SIGTERM to a's carpd"
carpd_stop a; rc=$?
[ "$rc" = 0 ] || lab_fail "carpd on a exited $rc"
! lab_has_addr a eth0 $VIP || lab_fail "a left the VIP behind"
wait_for 3 "carp_is b carp1 MASTER && lab_has_addr b eth0 $VIP" ||
	lab_fail "b did not take over within 3 s of the bow-out (master-down is 9 s)"
lab_log "b MASTER ${WAIT_MS} ms after a exited; b logged:"
grep 'BACKUP -> MASTER' "$LAB_DIR/carpd-b.log"
integ_stop b
lab_log "pass"
