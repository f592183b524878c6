#!/bin/sh
# TTL 255 is enforced. A third host e forges valid adverts (right
# password and HMAC) that would make master a yield: advskew 0 against
# a's 50. Sent with TTL 64 they are counted as bad_ttl and change
# nothing. The same adverts with TTL 255 do make a yield (control: the
# forgery itself is valid, so the test can tell).
. "$(dirname "$0")/lib/carp.sh"
integ_start
integ_lan a b e
INTEG_VIPS="eth0:192.0.2.254"
VIP=192.0.2.254
forge() {
	lab_exec e "$LAB_PY" "$INTEG_LIB/carp_send.py" eth0 1 lab-secret $VIP \
	    --advskew 0 "$@"
}

carp_block carp1 1 eth0 50 lab-secret "address $VIP/24" | carpd_conf a
carp_block carp1 1 eth0 100 lab-secret "address $VIP/24" | carpd_conf b
carpd_start a; carpd_start b
wait_for 15 "sole_master carp1 eth0 $VIP a a b" ||
	lab_fail "a is not the sole master"

lab_log "forging 20 adverts with TTL 64"
forge --ttl 64 --count 20 --interval 0.2 &
fpid=$!
lab_hold 4 "sole_master carp1 eth0 $VIP a a b" ||
	lab_fail "TTL 64 adverts changed the election"
wait $fpid || lab_fail "carp_send.py failed"
for h in a b; do
	wait_for 2 "[ \$(counter $h carp1 bad_ttl) -ge 20 ]" ||
		lab_fail "$h counted $(counter $h carp1 bad_ttl) bad_ttl, not 20"
done
[ "$(carp_get b carp1 master)" = 192.0.2.1 ] ||
	lab_fail "b's master is $(carp_get b carp1 master)"

lab_log "control: the same adverts with TTL 255"
forge --ttl 255 --count 10 --interval 0.2 &
fpid=$!
wait_for 3 "carp_is a carp1 BACKUP" ||
	lab_fail "a valid TTL 255 forgery did not make a yield: the control failed"
wait $fpid
integ_stop a b
lab_log "pass"
