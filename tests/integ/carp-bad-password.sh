#!/bin/sh
# A wrong password is counted and ignored. a (advskew 50) and b (100)
# share a password, a is MASTER. c uses another password with advskew 0:
# were its adverts accepted, a would yield to it. Instead a and b count
# them as bad_hmac and keep their states; c, hearing nobody it trusts,
# is MASTER on its own.
. "$(dirname "$0")/lib/carp.sh"
integ_start
integ_lan a b c
INTEG_VIPS="eth0:192.0.2.254"
VIP=192.0.2.254

carp_block carp1 1 eth0 50 right-password "address $VIP/24" | carpd_conf a
carp_block carp1 1 eth0 100 right-password "address $VIP/24" | carpd_conf b
carpd_start a; carpd_start b
wait_for 15 "sole_master carp1 eth0 $VIP a a b" ||
	lab_fail "a is not the sole master"

carp_block carp1 1 eth0 0 wrong-password "address $VIP/24" | carpd_conf c
carpd_start c
wait_for 10 "carp_is c carp1 MASTER" || lab_fail "c did not become MASTER"
lab_log "c (wrong password) is MASTER too"
ha=$(counter a carp1 bad_hmac); hb=$(counter b carp1 bad_hmac)
lab_hold 4 "carp_is a carp1 MASTER && carp_is b carp1 BACKUP && carp_is c carp1 MASTER" ||
	lab_fail "a forged-key advert changed a state"
[ "$(counter a carp1 bad_hmac)" -gt "$ha" ] || lab_fail "a does not count bad_hmac"
[ "$(counter b carp1 bad_hmac)" -gt "$hb" ] || lab_fail "b does not count bad_hmac"
[ "$(counter c carp1 bad_hmac)" -gt 0 ] || lab_fail "c does not count bad_hmac"
[ "$(counter c carp1 adverts_received)" = 0 ] ||
	lab_fail "c accepted $(counter c carp1 adverts_received) adverts"
[ "$(carp_get b carp1 master)" = 192.0.2.1 ] ||
	lab_fail "b's master is $(carp_get b carp1 master), not a"
lab_log "bad_hmac: a $(counter a carp1 bad_hmac), b $(counter b carp1 bad_hmac), c $(counter c carp1 bad_hmac)"
integ_stop a b c
lab_log "pass"
