#!/bin/sh
# A flow alive on the master survives on the backup even when it is idle
# there for longer than its kernel timeout: traffic refreshes a timeout
# without a conntrack event, so syncd re-sends such states every
# `refresh` and the peer applies them with twice that much slack.
#
# UDP timeouts are 4 s on both nodes and refresh is 2 s, so b's copy of a
# state is good for 4 + 4 s after it was last sent: a UDP flow kept up
# through a for 20 s is still on b at the end only if the refresh works.
# When the flow stops, a's state expires and b's copy goes with it.
#
#   c eth0 192.0.2.10 -- lan0 192.0.2.1 [a] wan0 198.51.100.1 --
#       eth0 198.51.100.10 s          a sync0 203.0.113.1 -- .2 b
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab socat
sync_pair
lab_exec a sysctl -qw net.ipv4.ip_forward=1 || lab_fail "forwarding on a"
# a stateful forward chain: conntrack runs in a namespace only once a
# rule needs it
lab_exec a nft "add table inet fw; add chain inet fw forward { type filter \
hook forward priority 0; policy drop; }; add rule inet fw forward ct state \
established,related accept; add rule inet fw forward iifname lan0 ct state \
new accept" || lab_fail "ruleset on a"
for n in a b; do
	lab_exec $n sysctl -qw net.netfilter.nf_conntrack_udp_timeout=4 \
	    net.netfilter.nf_conntrack_udp_timeout_stream=4 ||
		lab_fail "udp timeouts on $n"
done
lab_ns c
lab_ns s
lab_link c eth0 a lan0
lab_link a wan0 s eth0
lab_addr c eth0 192.0.2.10/24
lab_addr a lan0 192.0.2.1/24
lab_addr a wan0 198.51.100.1/24
lab_addr s eth0 198.51.100.10/24
lab_exec c ip route add default via 192.0.2.1 || lab_fail "route on c"
lab_exec s ip route add default via 198.51.100.1 || lab_fail "route on s"
lab_bg s "$LAB_DIR/server.log" socat -u UDP-RECV:5353,reuseaddr /dev/null

sync_conf a sync0 203.0.113.2 "bulk-timeout 5s" "refresh 2s"
sync_conf b sync0 203.0.113.1 "bulk-timeout 5s" "refresh 2s"
syncd_start a
syncd_start b
wait_for 15 "sync_in_sync a && sync_in_sync b && sync_peer_alive a" ||
	sync_fail "a and b never got in sync" a b

# one datagram a second, 20 s, from one source port: one UDP flow
FLOW="-p udp -s 192.0.2.10 -d 198.51.100.10 --sport 40001 --dport 5353"
lab_bg c "$LAB_DIR/client.log" sh -c 'i=0; while [ $i -lt 20 ]; do
	echo ping; sleep 1; i=$((i + 1)); done |
	socat -u - UDP:198.51.100.10:5353,sourceport=40001'
wait_for 5 "ct_present a $FLOW" || lab_fail "no flow state on a"
wait_for 5 "ct_present b $FLOW" || sync_fail "the flow never reached b" a b
t0=$(date +%s)
lab_log "flow up on a and b"

# 18 s later the copy sent at the start would be long gone (8 s)
sleep 18
ct_present a $FLOW || lab_fail "the flow's state is gone on a"
ct_present b $FLOW ||
	sync_fail "b lost the live flow after $(( $(date +%s) - t0 )) s" a b
lab_log "after $(( $(date +%s) - t0 )) s b still has the flow (timeout" \
    "4 s, refresh 2 s)"

# the flow stops: a's state expires, its delete removes b's copy
wait_for 20 "ct_absent a $FLOW" || lab_fail "a's state never expired"
wait_for 5 "ct_absent b $FLOW" ||
	sync_fail "b kept the flow after it ended on a" a b
lab_log "flow ended: gone on a and b"
lab_log pass
