#!/bin/sh
# Two carpd on one LAN elect exactly one master: the node with the lower
# advskew is MASTER and holds the address, the other is BACKUP, knows who
# the master is, and counts its adverts without rejecting any.
. "$(dirname "$0")/lib/carp.sh"
integ_start
integ_lan a b
INTEG_VIPS="eth0:192.0.2.254"

integ_pair_elected
lab_log "a MASTER, b BACKUP after ${WAIT_MS} ms"
lab_hold 3 'sole_master carp1 eth0 192.0.2.254 a a b' ||
	lab_fail "the election did not stay put"

[ "$(carp_get b carp1 master)" = 192.0.2.1 ] ||
	lab_fail "b's master is '$(carp_get b carp1 master)', not 192.0.2.1"
[ "$(carp_get a carp1 vhid)" = 1 ] || lab_fail "vhid not reported"
[ "$(carp_get a carp1 addresses)" = '["192.0.2.254/24"]' ] ||
	lab_fail "addresses: $(carp_get a carp1 addresses)"
r1=$(counter b carp1 adverts_received)
s1=$(counter a carp1 adverts_sent)
wait_for 5 "[ \$(counter b carp1 adverts_received) -gt $r1 ]" ||
	lab_fail "b receives no adverts from a"
[ "$s1" -gt 0 ] || lab_fail "a counts no adverts sent"
[ "$(counter b carp1 adverts_sent)" = 0 ] ||
	lab_fail "backup b sent adverts"
for c in bad_checksum bad_ttl bad_hmac replays; do
	for h in a b; do
		[ "$(counter $h carp1 $c)" = 0 ] ||
			lab_fail "$h: $c = $(counter $h carp1 $c)"
	done
done
integ_stop a b
lab_log "pass"
