#!/bin/sh
# Interop, ucarp master: Debian's ucarp (advskew 0) and carpd (advskew
# 100) share vhid 7, one password and one IPv4 address. carpd accepts
# ucarp's adverts (byte-compatible HMAC) and stays BACKUP; when ucarp
# stops, carpd takes the address after master-down.
. "$(dirname "$0")/lib/carp.sh"
integ_start ucarp
integ_lan a b
INTEG_VIPS="eth0:192.0.2.254"
VIP=192.0.2.254

carp_block carp1 7 eth0 100 'ucarp-interop' "address $VIP/24" | carpd_conf b
ucarp_start a 192.0.2.1 7 'ucarp-interop' $VIP 0
carpd_start b

wait_for 15 "lab_has_addr a eth0 $VIP && carp_is b carp1 BACKUP" ||
	lab_fail "ucarp on a is not master with carpd on b BACKUP"
lab_hold 5 "lab_has_addr a eth0 $VIP && carp_is b carp1 BACKUP && ! lab_has_addr b eth0 $VIP" ||
	lab_fail "carpd did not stay BACKUP behind ucarp"
[ "$(carp_get b carp1 master)" = 192.0.2.1 ] ||
	lab_fail "carpd's master is '$(carp_get b carp1 master)'"
[ "$(counter b carp1 adverts_received)" -gt 2 ] ||
	lab_fail "carpd accepted no adverts from ucarp"
[ "$(counter b carp1 bad_hmac)" = 0 ] ||
	lab_fail "carpd rejects ucarp's HMAC ($(counter b carp1 bad_hmac))"
grep -q 'state: MASTER' "$LAB_DIR/ucarp-a.log" ||
	lab_fail "ucarp never said it was MASTER"

lab_log "stopping ucarp"
lab_kill "$(cat "$LAB_DIR/ucarp-a.pid")"
wait_for 10 "carp_is b carp1 MASTER && lab_has_addr b eth0 $VIP" ||
	lab_fail "carpd did not take over from the stopped ucarp"
! lab_has_addr a eth0 $VIP || lab_fail "ucarp left the VIP on a"
integ_stop b
lab_log "pass"
