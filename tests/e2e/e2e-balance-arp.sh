#!/bin/sh
# e2e-balance-arp: two firewalls share the VIPs with `balancing arp`.
#
# fw1 and fw2 (carpnodes 1:0, 2:100 and 1:100, 2:0 on the LAN, 11 and 12
# on the WAN, advbase 1, syncd with defer) forward for 16 clients, each
# with its own address and MAC and one TCP connection to the server
# (half busy, half idle); tests/lab/balance.sh has the lab. Each client
# goes out through the node its MAC hashes to, the server's replies all
# come back through the node of the server's slot, so some connections
# cross both nodes and live on syncd's states. Checked: both nodes
# forward for some clients and hold every connection's state; fw1
# crashes: fw2 masters every slot and every connection carries on (the
# same connection, no reset), and a new one comes up through fw2; fw1
# comes back, takes its slots back once in sync (preempt) and forwards
# again, no connection lost; fw2 crashes: fw1 carries everything, a new
# connection too.
. "$(dirname "$0")/../lab/balance.sh"

bal_up 2 arp
bal_start_step "fw1 fw2"
bal_crash_step fw1 fw2
bal_return_step fw1 "fw1 fw2"
bal_crash_step fw2 fw1
e2e_verdict
