#!/bin/sh
# e2e-balance-three: three firewalls share the VIPs (balancing ip, or
# BAL_THREE_MODE).
#
# fw1, fw2, fw3 with carpnodes 1:0,2:100,3:200 / 1:200,2:0,3:100 /
# 1:100,2:200,3:0 on the LAN (11, 12, 13 on the WAN), advbase 1, syncd
# in multicast mode on a sync bridge with defer, forward for 16 clients
# with one TCP connection each (tests/lab/balance.sh). Checked: each of
# the three forwards for some clients and holds every connection's
# state; fw1 crashes: fw2 and fw3 share its slots between them (each
# takes the slot it has the lower advskew on), every connection carries
# on; fw2 crashes: fw3 masters every slot and carries every connection.
# After each crash a new connection comes up through the nodes left.
. "$(dirname "$0")/../lab/balance.sh"

bal_up 3 "${BAL_THREE_MODE:-ip}"
bal_start_step "fw1 fw2 fw3"
bal_crash_step fw1 "fw2 fw3"
bal_crash_step fw2 fw3
e2e_verdict
