#!/bin/sh
# Interop, carpd master: carpd (advskew 0) and Debian's ucarp (advskew
# 100) share vhid 7, one password and one IPv4 address. ucarp accepts
# carpd's adverts and never becomes MASTER (it would after ~4.2 s if it
# did not); when carpd stops (bow-out), ucarp takes the address.
. "$(dirname "$0")/lib/carp.sh"
integ_start ucarp
integ_lan a b
INTEG_VIPS="eth0:192.0.2.254"
VIP=192.0.2.254

carp_block carp1 7 eth0 0 'ucarp-interop' "address $VIP/24" | carpd_conf a
carpd_start a
wait_for 10 "carp_is a carp1 MASTER && lab_has_addr a eth0 $VIP" ||
	lab_fail "carpd on a is not MASTER"
ucarp_start b 192.0.2.2 7 'ucarp-interop' $VIP 100

lab_hold 7 "carp_is a carp1 MASTER && ! lab_has_addr b eth0 $VIP" ||
	lab_fail "ucarp took the VIP from carpd"
grep 'state:' "$LAB_DIR/ucarp-b.log"
grep -q 'state: BACKUP' "$LAB_DIR/ucarp-b.log" || lab_fail "ucarp is not BACKUP"
! grep -q 'state: MASTER' "$LAB_DIR/ucarp-b.log" ||
	lab_fail "ucarp became MASTER: it does not accept carpd's adverts"
[ "$(counter a carp1 adverts_sent)" -gt 4 ] || lab_fail "carpd sends no adverts"

lab_log "stopping carpd on a"
integ_stop a
wait_for 5 "lab_has_addr b eth0 $VIP" ||
	lab_fail "ucarp did not take over after carpd stopped"
lab_log "ucarp MASTER ${WAIT_MS} ms after carpd exited"
lab_log "pass"
