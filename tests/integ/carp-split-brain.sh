#!/bin/sh
# Split brain: the link between the two firewalls' LAN ports is cut
# while the client stays connected to both (a bridge-family nft rule in
# the switch drops frames between those two ports only), then healed.
# While cut both are MASTER and the client learns b's MAC from b's
# gratuitous ARP / unsolicited NA. After healing there is exactly one
# master (a) within two advert intervals, and a announces again, so the
# client's neighbour entries for the VIP (IPv4 and IPv6) point at a. An
# established TCP connection from the client through the VIP (its
# default router) to a server behind both firewalls survives it all.
. "$(dirname "$0")/lib/carp.sh"
integ_start nft socat
integ_lan a b c
lab_bridge wan
lab_ns s
for h in a b s; do
	case $h in a) i=1;; b) i=2;; s) i=10;; esac
	if [ $h = s ]; then dev=eth0; else dev=wan0; fi
	lab_port $h $dev wan
	lab_addr $h $dev 198.51.100.$i/24
done
for h in a b; do
	lab_exec $h sysctl -qw net.ipv4.ip_forward=1 ||
		lab_fail "forwarding on $h"
done
VIP=192.0.2.254 VIP6=2001:db8:1::254 WVIP=198.51.100.254
lab_exec c ip route add default via $VIP || lab_fail "route on c"
lab_exec s ip route add default via $WVIP || lab_fail "route on s"
INTEG_VIPS="eth0:$VIP eth0:$VIP6 wan0:$WVIP"

for h in a b; do
	case $h in a) skew=0;; b) skew=100;; esac
	{ carp_block carp1 1 eth0 $skew lab-secret "address $VIP/24" \
	    "address $VIP6/64"
	  carp_block carp2 2 wan0 $skew lab-secret "address $WVIP/24"; } |
	    carpd_conf $h
	carpd_start $h
done
wait_for 15 "sole_master carp1 eth0 $VIP a a b &&
    sole_master carp2 wan0 $WVIP a a b" || lab_fail "a is not the sole master"
mac_a=$(lab_mac a eth0); mac_b=$(lab_mac b eth0)
lab_exec c ping -c 1 -W 2 $VIP >/dev/null || lab_fail "c cannot ping $VIP"
lab_exec c ping -6 -c 1 -W 2 $VIP6 >/dev/null || lab_fail "c cannot ping $VIP6"
[ "$(neigh_mac c $VIP)" = "$mac_a" ] && [ "$(neigh_mac c $VIP6)" = "$mac_a" ] ||
	lab_fail "the VIPs do not resolve to a ($mac_a) on c"

# a TCP connection c -> s through the VIP: s echoes what c writes
lab_bg s "$LAB_DIR/srv.log" socat TCP-LISTEN:7000,reuseaddr EXEC:cat
wait_for 5 "lab_exec s ss -Htln | grep -q ':7000 '" || lab_fail "no server"
mkfifo "$LAB_DIR/tcp.in"
exec 7<>"$LAB_DIR/tcp.in"
lab_bg c "$LAB_DIR/tcp.out" sh -c \
    "exec socat -t 60 - TCP:198.51.100.10:7000 <'$LAB_DIR/tcp.in'"
TCP_PID=$LAB_PID
# tcp_echo WORD: WORD goes to s and comes back on the same connection
tcp_echo() {
	echo "$1" >&7
	wait_for 15 "grep -qx '$1' '$LAB_DIR/tcp.out'" ||
		lab_fail "no echo of $1 over the TCP connection"
	lab_alive "$TCP_PID" || lab_fail "the TCP connection closed"
}
tcp_echo before
TCP_CONN=$(lab_exec c ss -Htn state established dst 198.51.100.10 |
    awk '{print $3}')
[ -n "$TCP_CONN" ] || lab_fail "no established connection on c"
lab_log "connection $TCP_CONN -> 198.51.100.10:7000 established"

# the cut: frames between a's and b's LAN ports only
port() { awk -v h=$1 '$1 == h && $2 == "eth0" { print $4 }' "$LAB_DIR/links"; }
pa=$(port a) pb=$(port b)
lab_exec sw nft -f - <<EOF || lab_fail "nft in the switch"
table bridge split {
	chain cut {
		type filter hook forward priority filter; policy accept;
		iifname "$pa" oifname "$pb" drop
		iifname "$pb" oifname "$pa" drop
	}
}
EOF
lab_log "cut $pa <-> $pb"
wait_for 10 '[ "$(masters carp1 a b)" = "a b" ]' ||
	lab_fail "not both MASTER while cut: $(masters carp1 a b)"
lab_log "both MASTER ${WAIT_MS} ms after the cut"
lab_hold 2 '[ "$(masters carp1 a b)" = "a b" ]' ||
	lab_fail "split brain did not hold: $(masters carp1 a b)"
# b announced itself: the client now sends to b (the stale entry to fix)
wait_for 5 "[ \"\$(neigh_mac c $VIP)\" = $mac_b ]" ||
	lab_fail "c did not learn b's MAC for $VIP: $(neigh_mac c $VIP)"
tcp_echo during
trans_a=$(counter a carp1 transitions)

lab_exec sw nft delete table bridge split || lab_fail "nft delete"
lab_log "healed"
# exactly one master within two advert intervals (1 s each), polled
wait_for 3 "sole_master carp1 eth0 $VIP a a b && sole_master carp1 eth0 $VIP6 a a b" ||
	lab_fail "not one master after healing: $(masters carp1 a b)"
lab_log "a sole master ${WAIT_MS} ms after healing"
[ "$(counter a carp1 transitions)" = "$trans_a" ] ||
	lab_fail "a left MASTER while healing"
wait_for 5 "[ \"\$(neigh_mac c $VIP)\" = $mac_a ] && [ \"\$(neigh_mac c $VIP6)\" = $mac_a ]" ||
	lab_fail "c still resolves the VIPs to $(neigh_mac c $VIP) /" \
	    "$(neigh_mac c $VIP6), not a ($mac_a): no announcement on heal?"
lab_log "c's entries for $VIP and $VIP6 point at a ${WAIT_MS} ms later"
grep -q "another master heard: announcing" "$LAB_DIR/carpd-a.log" ||
	lab_fail "a did not log the re-announcement"

tcp_echo after
[ "$(lab_exec c ss -Htn state established dst 198.51.100.10 |
    awk '{print $3}')" = "$TCP_CONN" ] || lab_fail "not the same connection"
lab_log "the TCP connection survived"
exec 7>&-
integ_stop a b
lab_log "pass"
