#!/bin/sh
# Peer sessions come and go for as long as syncd runs (regression: the
# seal's peer table had 16 slots that were never freed, so after 16
# restarts of the peer's syncd every datagram was dropped as "too many
# peers" and replication stopped for good).
#  - b's syncd restarts 20 times; after each, a must accept b's new
#    session (b hears a ack it) and a state made on b must reach a.
#  - every datagram b sent in those 20 sessions, replayed to a at once,
#    must change nothing, and one more restart of b must still work.
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab tcpdump
sync_pair_up

PCAP=$LAB_DIR/b-sessions.pcap
lab_bg a "$LAB_DIR/tcpdump.log" tcpdump -i sync0 -n -U -w "$PCAP" \
    "udp dst port 8372 and src host 203.0.113.2"
TCPDUMP=$LAB_PID
wait_for 5 "grep -q listening '$LAB_DIR/tcpdump.log'" ||
	lab_fail "tcpdump did not start"

# flow N: a UDP state made on b in its Nth session
flow() { echo "-p udp -s 192.0.2.$1 -d 198.51.100.20 --sport 4000 --dport 53"; }
session() {
	local i=$1
	syncd_stop b || lab_fail "syncd on b exited $? (session $i)"
	syncd_start b
	wait_for 10 "sync_peer_alive b" ||
		sync_fail "session $i: a never acked b's new session" a b
	lab_exec b conntrack -I $(flow "$i") -t 600 -u ASSURED,SEEN_REPLY \
	    >/dev/null 2>&1 || lab_fail "conntrack -I on b (session $i)"
	wait_for 10 "ct_present a $(flow "$i")" ||
		sync_fail "session $i: b's state did not reach a" a b
}
i=1
while [ "$i" -le 20 ]; do
	session "$i"
	i=$((i + 1))
done
lab_log "20 sessions of b accepted by a"
lab_kill $TCPDUMP INT

# replay every session's datagrams at a, from b's address
lab_exec b conntrack -D $(flow 20) >/dev/null 2>&1 || lab_fail "delete on b"
wait_for 5 "ct_absent a $(flow 20)" || sync_fail "delete did not reach a" a b
ct_list a >"$LAB_DIR/a.before"
rp0=$(sync_stat a replays)
st0=$(sync_stat a stale)
n=$(sync_inject b replay "$PCAP" 203.0.113.1) || lab_fail "inject replay"
[ "${n:-0}" -ge 40 ] || lab_fail "only ${n:-0} datagrams captured"
lab_log "replayed $n datagrams of b's 20 sessions"
wait_for 5 "[ \$(( \$(sync_stat a replays) + \$(sync_stat a stale) - rp0 - st0 )) -ge $n ]" ||
	sync_fail "a did not count all $n replays as replays or stale" a b
ct_list a >"$LAB_DIR/a.now"
cmp -s "$LAB_DIR/a.before" "$LAB_DIR/a.now" || {
	diff "$LAB_DIR/a.before" "$LAB_DIR/a.now" | head -20
	sync_fail "the replay changed a's table" a b
}
session 21
lab_log "b's 21st session accepted after the replay"
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
lab_log "pass"
