#!/bin/sh
# Asymmetric paths, as a balanced pair has them (no carpd here: static
# routes make the asymmetry). Client c and server s are joined by two
# firewalls, a and b, on a LAN and a WAN bridge, with a sync cable
# between them. c sends through b, s answers through a, so every
# connection's first packet creates its state on b and its first reply
# reaches a, which knows the state only through syncd. Both firewalls
# run the fwpair-style stateful ruleset (forward policy drop, established
# and related accepted, new only from LAN to WAN, invalid dropped and
# counted) and SNAT one of c's two addresses. syncd runs on both with
# defer left to its default, which a balanced carp in carp.conf turns on.
#
# Every TCP connection must complete its handshake and carry data in
# both directions, and no packet may be dropped on either firewall: the
# SYN-ACK must not reach a's conntrack before b's state (a holds it),
# nor the client's ACK reach b before a's SYN_RECV (a holds the SYN-ACK
# until b has acknowledged it). UDP answers must arrive, the first try
# or a retry (a's hold can only know a TCP reply for one: section 6.12).
#
#   c 192.0.2.10, .11 --- lan --- a 192.0.2.1 / b 192.0.2.2
#     2001:db8:1::10                a 2001:db8:1::1 / b ::2
#   s 198.51.100.10   --- wan --- a 198.51.100.1 / b 198.51.100.2
#     2001:db8:2::10                a 2001:db8:2::1 / b ::2
#   a sync0 203.0.113.1 --- b sync0 203.0.113.2
#   c -> s via b; s -> c (and to the SNAT address 198.51.100.100) via a
. "$(dirname "$0")/lib/sync.sh"
ASYM_TCP=${ASYM_TCP:-60}
ASYM_UDP=${ASYM_UDP:-20}
sync_start_lab
lab_bridge lan
lab_bridge wan
sync_pair
lab_ns c
lab_ns s
for n in a b; do
	lab_exec $n sysctl -qw net.ipv4.ip_forward=1 \
	    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
	    net.ipv6.conf.all.forwarding=1 ||
		lab_fail "sysctls on $n"
done
lab_port c eth0 lan
lab_port s eth0 wan
lab_port a lan0 lan
lab_port b lan0 lan
lab_port a wan0 wan
lab_port b wan0 wan
lab_addr c eth0 192.0.2.10/24
lab_addr c eth0 192.0.2.11/24
lab_addr s eth0 198.51.100.10/24
lab_addr a lan0 192.0.2.1/24
lab_addr b lan0 192.0.2.2/24
lab_addr a wan0 198.51.100.1/24
lab_addr b wan0 198.51.100.2/24
lab_addr c eth0 2001:db8:1::10/64
lab_addr s eth0 2001:db8:2::10/64
for n in a b; do
	i=1; [ $n = b ] && i=2
	lab_addr $n lan0 2001:db8:1::$i/64
	lab_addr $n wan0 2001:db8:2::$i/64
done
lab_exec c ip route add default via 192.0.2.2 || lab_fail "route on c"
lab_exec s ip route add 192.0.2.0/24 via 198.51.100.1 || lab_fail "route on s"
lab_exec s ip route add 198.51.100.100/32 via 198.51.100.1 ||
	lab_fail "route to the SNAT address on s"
lab_exec c ip -6 route add default via 2001:db8:1::2 || lab_fail "v6 route on c"
lab_exec s ip -6 route add 2001:db8:1::/64 via 2001:db8:2::1 ||
	lab_fail "v6 route on s"

# asym_rules: the firewalls' ruleset (fwpair_rules' forward and nat
# parts, with the invalid and the policy drops counted)
asym_rules() {
	cat <<EOT
table inet fw {
	counter tcp_dropped { }
	counter udp_dropped { }
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "lan0" oifname "wan0" ct state new accept
		meta l4proto tcp counter name "tcp_dropped"
		meta l4proto udp counter name "udp_dropped"
	}
}
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" ip saddr 192.0.2.10 snat to 198.51.100.100
	}
}
EOT
}
asym_rules >"$LAB_DIR/fw.nft"
for n in a b; do
	lab_exec $n nft -f "$LAB_DIR/fw.nft" || lab_fail "ruleset on $n"
	lab_exec $n sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 ||
		lab_fail "nf_conntrack_tcp_loose on $n"
done
# dropped NODE PROTO: PROTO packets the forward chain dropped on NODE
dropped() {
	lab_exec "$1" nft list counter inet fw "$2_dropped" |
	    awk '$1 == "packets" { print $2 }'
}

# the server: TCP 8080 (IPv4 and IPv6) sends hello, then echoes one
# line; UDP 5353
# answers each datagram at once (a fast answer is the hard case)
cat >"$LAB_DIR/server.py" <<'EOT'
import socket, threading
def tcp(c):
    try:
        c.sendall(b"hello\n")
        c.sendall(c.recv(64))
    finally:
        c.close()
def tcp_loop():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("198.51.100.10", 8080)); s.listen(512)
    accept(s)
def accept(s):
    while True:
        c, _ = s.accept()
        threading.Thread(target=tcp, args=(c,), daemon=True).start()
def tcp6_loop():
    s = socket.socket(socket.AF_INET6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("2001:db8:2::10", 8080)); s.listen(512)
    accept(s)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("198.51.100.10", 5353))
threading.Thread(target=tcp_loop, daemon=True).start()
threading.Thread(target=tcp6_loop, daemon=True).start()
while True:
    d, a = u.recvfrom(64)
    u.sendto(b"pong " + d, a)
EOT
# the client: TCP connections from its three addresses (one IPv6) in
# parallel, then UDP
# exchanges one after another (up to 3 tries of 1 s each); prints
# "tcp OK FAILED udp FIRST OK FAILED tcp_ms MS" (MS: how long the TCP
# part took, for the log only: no timing is asserted)
cat >"$LAB_DIR/client.py" <<'EOT'
import socket, sys, threading, time
ntcp, nudp = int(sys.argv[1]), int(sys.argv[2])
t0 = time.monotonic()
srcs = ["192.0.2.10", "192.0.2.11", "2001:db8:1::10"]
dsts = ["198.51.100.10", "198.51.100.10", "2001:db8:2::10"]
ok = []
def one(i):
    try:
        c = socket.create_connection((dsts[i % 3], 8080), timeout=5,
            source_address=(srcs[i % 3], 0))
        c.settimeout(5)
        f = c.makefile("rb")
        if f.readline() != b"hello\n":
            return
        c.sendall(b"data %d\n" % i)
        if f.readline() == b"data %d\n" % i:
            ok.append(i)
        c.close()
    except OSError as e:
        sys.stderr.write("tcp %d: %s\n" % (i, e))
ts = [threading.Thread(target=one, args=(i,)) for i in range(ntcp)]
for t in ts: t.start()
for t in ts: t.join(30)
ms = int((time.monotonic() - t0) * 1000)
first = good = 0
for i in range(nudp):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((srcs[i % 2], 0)); u.settimeout(1)
    for k in range(3):
        u.sendto(b"ping %d" % i, ("198.51.100.10", 5353))
        try:
            if u.recv(64) == b"pong ping %d" % i:
                good += 1; first += k == 0
                break
        except socket.timeout:
            pass
    u.close()
print("tcp %d %d udp %d %d %d tcp_ms %d" % (len(ok), ntcp - len(ok), first,
    good, nudp - good, ms))
EOT
lab_bg s "$LAB_DIR/server.log" "$LAB_PY" "$LAB_DIR/server.py"
wait_for 5 "lab_exec s ss -ltn | grep -q ':8080 '" ||
	lab_fail "server did not start: $(cat "$LAB_DIR/server.log")"

# a balanced carp in carp.conf (no carpd runs): defer is on by default
SYNC_GLOBAL='carp carp1 {
	carpnodes 1:0, 2:100
	balancing ip
	carpdev lan0
	password "asymmetric"
	address 192.0.2.254/24
}'
# ASYM_DEFER="defer yes" says it explicitly (to try a syncd without
# the default)
sync_conf a sync0 203.0.113.2 "bulk-timeout 5s" "defer-timeout 2s" \
    ${ASYM_DEFER:+"$ASYM_DEFER"}
sync_conf b sync0 203.0.113.1 "bulk-timeout 5s" "defer-timeout 2s" \
    ${ASYM_DEFER:+"$ASYM_DEFER"}
syncd_start a
syncd_start b
wait_for 15 "sync_in_sync a && sync_in_sync b && sync_peer_alive a &&
    sync_peer_alive b" || sync_fail "a and b never got in sync" a b
for n in a b; do
	lab_exec $n nft list table ip carp_syncd >/dev/null 2>&1 ||
		sync_fail "no defer table on $n: defer is not on by default" $n
done

d0="$(dropped a tcp) $(dropped b tcp)"
[ "$d0" = "0 0" ] || lab_log "note: TCP drops before the test: $d0"
out=$(lab_exec c "$LAB_PY" "$LAB_DIR/client.py" "$ASYM_TCP" "$ASYM_UDP" \
    2>"$LAB_DIR/client.log")
lab_log "client: $out (asked $ASYM_TCP tcp, $ASYM_UDP udp)"
set -- $out
[ "$1" = tcp ] && [ "$4" = udp ] ||
	sync_fail "client failed: $(cat "$LAB_DIR/client.log")" a b
da=$(dropped a tcp) db=$(dropped b tcp)
lab_log "forward drops: TCP a $da, b $db; UDP a $(dropped a udp)," \
    "b $(dropped b udp); deferred a $(sync_stat a deferred)," \
    "b $(sync_stat b deferred); defer timeouts a $(sync_stat a defer_timeouts)," \
    "b $(sync_stat b defer_timeouts); apply errors a $(sync_stat a apply_errors)," \
    "b $(sync_stat b apply_errors)"
[ "$3" = 0 ] ||
	sync_fail "$3 of $ASYM_TCP TCP connections failed: $(head -5 "$LAB_DIR/client.log")" a b
[ "$7" = 0 ] || sync_fail "$7 of $ASYM_UDP UDP exchanges failed" a b
# a TCP packet dropped is one that reached a node before the state it
# needed: TCP recovers by retransmitting, a second later. A UDP answer
# can still beat its state to a (the retries above cover it).
[ "$da $db" = "$d0" ] ||
	sync_fail "TCP packets dropped on the firewalls: a $da, b $db (before: $d0)" a b
# every first reply a held for b's state was let go by that state, not
# by defer-timeout (2 s): a lookup that never finds the state, or an
# arrival never matched, would hold each one that long
[ "$(sync_stat a defer_timeouts)" = 0 ] ||
	sync_fail "a released $(sync_stat a defer_timeouts) packets by the timeout" a b
# both sides forwarded, so the paths were asymmetric indeed
ct_present b -p tcp -s 192.0.2.10 --dport 8080 ||
	lab_fail "b has no state of the connections"
ct_present a -f ipv6 -p tcp -s 2001:db8:1::10 --dport 8080 ||
	lab_fail "a has no state of the IPv6 connections"
lab_log "pass"
