#!/bin/sh
# defer: a forwards between client c and server s, b is a's peer on the
# sync link. With `defer yes` on a, a new connection's first reply
# packets wait on a until b has acknowledged its state: the connection
# works, a's deferred counter rises, and b holds the state by the time
# the client has its answer. With b's syncd gone, a new connection is
# still let through when defer-timeout expires (defer_timeouts rises),
# and after a has noticed the peer is dead as well.
#
#   c eth0 192.0.2.10 -- lan0 192.0.2.1 [a] wan0 198.51.100.1 --
#       eth0 198.51.100.10 s          a sync0 203.0.113.1 -- .2 b
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab socat
sync_pair
lab_exec a sysctl -qw net.ipv4.ip_forward=1 || lab_fail "forwarding on a"
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
lab_bg s "$LAB_DIR/server.log" socat TCP-LISTEN:8080,reuseaddr,fork \
    SYSTEM:"echo hello"

sync_conf a sync0 203.0.113.2 "bulk-timeout 5s" "defer yes" \
    "defer-timeout 300ms"
sync_conf b sync0 203.0.113.1 "bulk-timeout 5s"
syncd_start a
syncd_start b
wait_for 15 "sync_in_sync a && sync_in_sync b && sync_peer_alive a" ||
	sync_fail "a and b never got in sync" a b
lab_exec a nft list ruleset | grep -q 'queue\|NFQUEUE' ||
	lab_fail "syncd on a installed no queue rule: $(lab_exec a nft list ruleset)"

# connect SPORT: one connection from c, source port SPORT; its answer
connect() {
	lab_exec c socat -T 5 -u \
	    TCP:198.51.100.10:8080,sourceport=$1,connect-timeout=5 - \
	    2>>"$LAB_DIR/client.log"
}
FLOW1="-p tcp -s 192.0.2.10 -d 198.51.100.10 --sport 41001 --dport 8080"
wait_for 5 "[ -n \"\$(lab_exec c socat -T 2 -u TCP:198.51.100.10:8080 - 2>/dev/null)\" ]" ||
	lab_fail "server not reachable through a"
d0=$(sync_stat a deferred)
out=$(connect 41001)
# no waiting: the reply was held until b had acknowledged the state
if ! ct_present b $FLOW1; then
	sync_fail "client got '$out' but b has no state for the connection" a b
fi
[ "$out" = hello ] || sync_fail "connection through a failed: '$out'" a b
d1=$(sync_stat a deferred)
[ "$d1" -gt "$d0" ] || sync_fail "deferred did not rise ($d0 -> $d1)" a b
lab_log "connection held for b: deferred $d0 -> $d1"
[ "$(sync_stat a defer_timeouts)" = 0 ] ||
	lab_log "note: $(sync_stat a defer_timeouts) defer timeouts with b alive"

# b's syncd gone: released by the timeout
syncd_stop b KILL
t0=$(sync_stat a defer_timeouts)
out=$(connect 41002)
[ "$out" = hello ] ||
	sync_fail "with b gone, the connection through a failed: '$out'" a
t1=$(sync_stat a defer_timeouts)
[ "$t1" -gt "$t0" ] || sync_fail "defer_timeouts did not rise ($t0 -> $t1)" a
lab_log "peer gone: released on timeout, defer_timeouts $t0 -> $t1"
ct_absent b -p tcp --sport 41002 --dport 8080 ||
	lab_fail "b has a state its dead syncd cannot have applied"

# once a knows the peer is dead, connections still work
wait_for 10 "! sync_peer_alive a" || sync_fail "a did not notice b died" a
out=$(connect 41003)
[ "$out" = hello ] ||
	sync_fail "with the peer known dead, the connection failed: '$out'" a
[ "$(sync_stat a defer_queue_len)" = 0 ] ||
	sync_fail "packets still held on a" a

# syncd on a stops: its queue rule goes (nothing black-holed)
syncd_stop a || lab_fail "syncd on a exited $?"
! lab_exec a nft list ruleset | grep -q 'carp_syncd' ||
	lab_fail "a's queue table is still there: $(lab_exec a nft list ruleset)"
out=$(connect 41004)
[ "$out" = hello ] || lab_fail "with syncd stopped the connection failed"
lab_log "pass"
