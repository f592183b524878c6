#!/bin/sh
# IPv6 addresses move: carp1 holds only an IPv6 address (adverts to
# ff02::12), carp2 one IPv4 and one IPv6 address. Cutting the master's
# link moves both; the client's neighbour entry follows the unsolicited
# neighbour advertisement and the new master answers solicitations.
. "$(dirname "$0")/lib/carp.sh"
integ_start ping
integ_lan a b c
V6=2001:db8:1::254; V6B=2001:db8:1::253; V4B=192.0.2.253
INTEG_VIPS="eth0:$V6 eth0:$V6B eth0:$V4B"

for h in a b; do
	case $h in a) skew=0;; b) skew=100;; esac
	{ carp_block carp1 1 eth0 $skew lab-secret "address $V6/64"
	  carp_block carp2 2 eth0 $skew lab-secret "address $V4B/24" \
	      "address $V6B/64"
	} | carpd_conf $h
	carpd_start $h
done
wait_for 15 "sole_master carp1 eth0 $V6 a a b && sole_master carp2 eth0 $V6B a a b && lab_has_addr a eth0 $V4B && ! lab_has_addr b eth0 $V4B" ||
	lab_fail "a is not the sole master of carp1 and carp2"
# carp1's adverts go over IPv6 only, from a's link-local address
ll_a=$(lab_exec a ip -6 -o addr show dev eth0 scope link |
    sed -n 's/.* inet6 \([^/]*\).*/\1/p')
wait_for 3 "[ \"\$(carp_get b carp1 master)\" = $ll_a ]" ||
	lab_fail "b's carp1 master is $(carp_get b carp1 master), not $ll_a"
mac_a=$(lab_mac a eth0); mac_b=$(lab_mac b eth0)
lab_exec c ping -6 -c 1 -W 2 $V6 >/dev/null || lab_fail "client cannot ping $V6"
[ "$(neigh_mac c $V6)" = "$mac_a" ] ||
	lab_fail "$V6 resolves to $(neigh_mac c $V6), not a ($mac_a)"

lab_cut a eth0
wait_for 10 "carp_is b carp1 MASTER && carp_is b carp2 MASTER && lab_has_addr b eth0 $V6 && lab_has_addr b eth0 $V6B && lab_has_addr b eth0 $V4B" ||
	lab_fail "carp1 and carp2 did not move to b"
lab_log "b MASTER of both ${WAIT_MS} ms after the cut"
wait_for 5 "carp_is a carp1 INIT && ! lab_has_addr a eth0 $V6 && ! lab_has_addr a eth0 $V6B" ||
	lab_fail "a is $(carp_state a carp1) or kept an IPv6 VIP"
wait_for 5 "[ \"\$(neigh_mac c $V6)\" = $mac_b ]" ||
	lab_fail "client's entry for $V6 is $(neigh_mac c $V6), not b ($mac_b): no unsolicited NA?"

lab_exec c ip -6 neigh flush dev eth0
lab_exec c ping -6 -c 1 -W 2 $V6 >/dev/null || lab_fail "b does not answer for $V6"
lab_exec c ping -6 -c 1 -W 2 $V6B >/dev/null || lab_fail "b does not answer for $V6B"
[ "$(neigh_mac c $V6)" = "$mac_b" ] || lab_fail "$V6 resolves to $(neigh_mac c $V6)"
integ_stop a b
lab_log "pass"
