#!/bin/sh
# Balancing, the kernel side (carpd/bal_*.c): nodes a and b share
# 192.0.2.254 with carpnodes 1:0, 2:100 and 1:100, 2:0 on the LAN, six
# clients on the LAN, a server behind both on the WAN (its route back
# goes through a). For balancing arp, then ip:
# - each node has its nft tables (netdev and arp carp_bal_carp1);
# - arp: a client's entry for the address is the virtual MAC of the slot
#   its own MAC hashes to; ip: the cluster MAC 01:00:5e:00:01:01;
# - each ping of the address is answered by exactly one node, the one
#   the hash names (arp: the client's slot; ip: the last bytes of client
#   and address, XORed, modulo 2);
# - each ping through to the server crosses exactly one node: the server
#   sees every echo once, and b forwards exactly its share (the replies
#   all return through a);
# - the tables are gone once carpd stops;
# - when b stops, a takes its slot and its clients, which keep the MAC
#   they have (arp: a's probe moves the slot's MAC to a's port on the
#   switch; ip: a's pair set grows to every pair);
# - and once more with carp1 added by a reload (arp mode): the kernel
#   side then opens after the privilege drop, and seccomp denies nothing.
. "$(dirname "$0")/lib/carp.sh"
integ_start ping nft
integ_lan a b
INTEG_VIPS="eth0:192.0.2.254"
VIP=192.0.2.254
SRV=198.51.100.10
NCLIENTS=6
SLOT1=00:00:5e:00:01:01
SLOT2=00:00:5e:00:01:02

lab_bridge wan
lab_ns s
lab_port s eth0 wan
lab_addr s eth0 $SRV/24
lab_exec s ip route add 192.0.2.0/24 via 198.51.100.1
for h in a b; do
	lab_exec $h sysctl -qw net.ipv4.ip_forward=1
	lab_port $h eth1 wan
done
lab_addr a eth1 198.51.100.1/24
lab_addr b eth1 198.51.100.2/24
i=1
while [ $i -le $NCLIENTS ]; do
	lab_ns c$i
	lab_port c$i eth0 lan
	lab_addr c$i eth0 192.0.2.$((20 + i))/24
	lab_exec c$i ip route add default via $VIP
	i=$((i + 1))
done

# slot_of MAC: the slot (0 or 1) balancing arp gives a requester
# (carpd/balance.c, docs/PROTOCOL.md section 4.4: FNV-1a, then the
# avalanche, modulo the slot count).
slot_of() {
	"$LAB_PY" -c '
import sys
h = 2166136261
for b in bytes.fromhex(sys.argv[1].replace(":", "")):
    h = ((h ^ b) * 16777619) & 0xffffffff
h ^= h >> 16
h = (h * 0x7feb352d) & 0xffffffff
h ^= h >> 15
print(h % 2)
' "$1"
}

# snmp NODE PROTO FIELD: a counter of /proc/net/snmp in NODE.
snmp() {
	lab_exec "$1" awk -v p="$2:" -v f="$3" '
	    $1 == p && !n { for (i = 2; i <= NF; i++) k[i] = $i; n = 1; next }
	    $1 == p { for (i = 2; i <= NF; i++) if (k[i] == f) print $i }' \
	    /proc/net/snmp
}

# has_tables NODE: both tables of carp1 are in NODE's ruleset.
has_tables() {
	lab_exec "$1" nft list tables >"$LAB_DIR/tables-$1" &&
	grep -q '^table netdev carp_bal_carp1$' "$LAB_DIR/tables-$1" &&
	grep -q '^table arp carp_bal_carp1$' "$LAB_DIR/tables-$1"
}

# macs NODE: the MACs NODE's ingress rule takes, space separated.
macs() {
	lab_exec "$1" nft list set netdev carp_bal_carp1 macs |
	    grep -o '[0-9a-f][0-9a-f]\(:[0-9a-f][0-9a-f]\)\{5\}' | sort |
	    tr '\n' ' '
}

# settled MODE: each node takes exactly its own slot.
settled() {
	if [ "$1" = arp ]; then
		[ "$(macs a)" = "$SLOT1 " ] &&
		[ "$(macs b)" = "$SLOT2 " ]
	else
		[ "$(macs a)" = "01:00:5e:00:01:01 " ] &&
		[ "$(macs b)" = "01:00:5e:00:01:01 " ] &&
		carp_share a 1 && carp_share b 2
	fi
}

# carp_share NODE SHARE: carpctl reports that share for carp1.
carp_share() { [ "$(carp_get "$1" carp1 share)" = "$2" ]; }

# bal_block NODE MODE: NODE's carp1, balanced in MODE (a leads slot 1,
# b slot 2).
bal_block() {
	local s1=0 s2=100
	[ "$1" = b ] && { s1=100; s2=0; }
	cat <<EOF
carp carp1 {
	carpnodes 1:$s1, 2:$s2
	balancing $2
	carpdev eth0
	password "lab-secret"
	advbase 1
	address $VIP/24
}
EOF
}

# start_mode MODE: carpd on a and b with carp1 from the start.
start_mode() {
	lab_log "balancing $1"
	for h in a b; do
		bal_block $h "$1" | carpd_conf $h
		carpd_start $h
	done
}

# reload_mode MODE: carpd on a and b with a plain carp on the WAN, then
# carp1 added by a reload: the kernel side opens after the privilege
# drop, under the seccomp filter.
reload_mode() {
	local skew
	lab_log "balancing $1, added by a reload"
	for h in a b; do
		case $h in a) skew=0;; b) skew=100;; esac
		carp_block carp0 9 eth1 $skew lab-secret \
		    "address 198.51.100.254/24" | carpd_conf $h
		carpd_start $h
	done
	seccomp_mark
	for h in a b; do
		bal_block $h "$1" >>"$LAB_DIR/$h.conf"
		kill -HUP "$(carpd_pid $h)"
	done
}

# check_mode MODE: the tables, each node's slot, the MAC each client
# gets, who answers and who forwards.
check_mode() {
	local mode=$1 mac want slot fslot exp_a=0 exp_b=0 fwd_b=0 \
	    echo_a echo_b echo_s forw_b
	wait_for 20 "has_tables a && has_tables b" ||
		lab_fail "$mode: no nft tables carp_bal_carp1"
	wait_for 20 "settled $mode" ||
		lab_fail "$mode: a takes '$(macs a)', b '$(macs b)'"
	lab_log "$mode: each node masters its slot (${WAIT_MS} ms)"
	echo_a=$(snmp a Icmp InEchos); echo_b=$(snmp b Icmp InEchos)
	echo_s=$(snmp s Icmp InEchos); forw_b=$(snmp b Ip ForwDatagrams)
	i=1
	while [ $i -le $NCLIENTS ]; do
		lab_exec c$i ip neigh flush dev eth0
		mac=$(lab_mac c$i eth0)
		if [ "$mode" = arp ]; then
			slot=$(slot_of "$mac")
			fslot=$slot
			want=00:00:5e:00:01:0$((slot + 1))
		else
			slot=$(( ((20 + i) ^ 254) % 2 ))
			fslot=$(( ((20 + i) ^ 10) % 2 ))
			want=01:00:5e:00:01:01
		fi
		lab_exec c$i ping -c 1 -W 2 $VIP >/dev/null ||
			lab_fail "$mode: c$i gets no answer from $VIP"
		[ "$(neigh_mac c$i $VIP)" = "$want" ] ||
			lab_fail "$mode: c$i ($mac) has $VIP at" \
			    "$(neigh_mac c$i $VIP), not $want"
		lab_exec c$i ping -c 1 -W 2 $SRV >/dev/null ||
			lab_fail "$mode: c$i cannot reach the server"
		if [ $slot = 0 ]; then exp_a=$((exp_a + 1)); else
			exp_b=$((exp_b + 1)); fi
		[ $fslot = 1 ] && fwd_b=$((fwd_b + 1))
		i=$((i + 1))
	done
	echo_a=$(( $(snmp a Icmp InEchos) - echo_a ))
	echo_b=$(( $(snmp b Icmp InEchos) - echo_b ))
	echo_s=$(( $(snmp s Icmp InEchos) - echo_s ))
	forw_b=$(( $(snmp b Ip ForwDatagrams) - forw_b ))
	lab_log "$mode: echoes a $echo_a (want $exp_a) b $echo_b" \
	    "(want $exp_b); server $echo_s, forwarded by b $forw_b" \
	    "(want $fwd_b)"
	[ $echo_a = $exp_a ] && [ $echo_b = $exp_b ] ||
		lab_fail "$mode: the address is not answered by exactly" \
		    "one node"
	[ $echo_s = $NCLIENTS ] && [ $forw_b = $fwd_b ] ||
		lab_fail "$mode: a ping through is not forwarded by" \
		    "exactly one node"
}

# stop_mode NODE...: stop carpd there; its tables must go with it.
stop_mode() {
	integ_stop "$@"
	for h in "$@"; do
		! has_tables $h || lab_fail "$h kept its tables"
	done
}

# failover MODE: b stops; a takes slot 2 and b's clients, which keep the
# MAC they were given (arp: a's probe moves the slot's MAC to a's port
# on the switch; ip: a's pair set grows to every pair), are answered
# and forwarded by a without asking again.
failover() {
	local mode=$1 echo_a echo_s mac
	stop_mode b
	if [ "$mode" = arp ]; then
		wait_for 10 "[ \"\$(macs a)\" = \"$SLOT1 $SLOT2 \" ]"
	else
		wait_for 10 "carp_share a 3"
	fi || lab_fail "$mode: a did not take slot 2 ($(macs a))"
	lab_log "$mode: a masters both slots ${WAIT_MS} ms after b stopped"
	echo_a=$(snmp a Icmp InEchos); echo_s=$(snmp s Icmp InEchos)
	i=1
	while [ $i -le $NCLIENTS ]; do
		mac=$(neigh_mac c$i $VIP)
		lab_exec c$i ping -c 1 -W 2 $VIP >/dev/null ||
			lab_fail "$mode: c$i ($mac) gets no answer after b" \
			    "stopped"
		[ "$(neigh_mac c$i $VIP)" = "$mac" ] ||
			lab_fail "$mode: c$i was rebound to" \
			    "$(neigh_mac c$i $VIP)"
		lab_exec c$i ping -c 1 -W 2 $SRV >/dev/null ||
			lab_fail "$mode: c$i cannot reach the server after b" \
			    "stopped"
		i=$((i + 1))
	done
	[ $(( $(snmp a Icmp InEchos) - echo_a )) = $NCLIENTS ] &&
	[ $(( $(snmp s Icmp InEchos) - echo_s )) = $NCLIENTS ] ||
		lab_fail "$mode: a did not serve every client after b stopped"
	stop_mode a
}

start_mode arp
check_mode arp
failover arp
start_mode ip
check_mode ip
failover ip
INTEG_VIPS="$INTEG_VIPS eth1:198.51.100.254"
reload_mode arp
check_mode arp
stop_mode a b
denied=$(seccomp_denials "$(realpath "$LAB_BUILD")/carpd")
[ -z "$denied" ] || lab_fail "seccomp denied carpd: $denied"
lab_log "pass"
