#!/bin/sh
# Forged and replayed datagrams change nothing on b.
#  - random bytes and genuine datagrams with one byte flipped, sent from
#    a's address: auth_failures rises by at least their number;
#  - genuine datagrams captured while a created state X, replayed after
#    X's delete reached b: X must not come back; replays rises; the
#    same again after b's syncd restarted (no replay memory then).
# In every case b's table stays exactly as it was.
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab tcpdump
sync_pair_up
ctgen a -n 100 >/dev/null || lab_fail "ctgen on a"
ct_wait b 100 20 >/dev/null || sync_fail "b did not get the states" a b

# capture a's datagrams to b while X is created
PCAP=$LAB_DIR/sync.pcap
sync_capture_start b "$PCAP"
X="-p tcp -s 192.0.2.251 -d 198.51.100.99 --sport 33333 --dport 443"
lab_exec a conntrack -I $X --state ESTABLISHED -t 3600 \
    -u ASSURED,SEEN_REPLY >/dev/null 2>&1 || lab_fail "conntrack -I on a"
wait_for 5 "ct_present b $X" || sync_fail "X did not reach b" a b
sleep 1.5	# a heartbeat or two more in the capture
sync_capture_stop b "$PCAP"
# 192.0.2.251, X's source address as the wire carries it (no ctgen state
# has it)
nx=$(sync_inject a grep "$PCAP" c00002fb)
[ "${nx:-0}" -ge 1 ] || lab_fail "the capture lacks the datagram carrying X"

lab_exec a conntrack -D $X >/dev/null 2>&1 || lab_fail "delete X on a"
wait_for 5 "ct_absent b $X" || sync_fail "X's delete did not reach b" a b

ct_list b >"$LAB_DIR/b.before"
unchanged() {
	ct_list b >"$LAB_DIR/b.now"
	cmp -s "$LAB_DIR/b.before" "$LAB_DIR/b.now"
}
af0=$(sync_stat b auth_failures)
rp0=$(sync_stat b replays)
ap0=$(sync_stat b states_applied)

nr=$(sync_inject a random 20 203.0.113.2) || lab_fail "inject random"
nf=$(sync_inject a flip "$PCAP" 203.0.113.2) || lab_fail "inject flipped"
wait_for 5 "sync_stat_ge b auth_failures $((af0 + nr + nf))" ||
	sync_fail "auth_failures $(sync_stat b auth_failures), want >= \
$((af0 + nr + nf)) after $nr random and $nf flipped" a b
lab_log "$nr random and $nf altered datagrams counted as auth failures"

np=$(sync_inject a replay "$PCAP" 203.0.113.2) || lab_fail "inject replay"
wait_for 5 "sync_stat_ge b replays $((rp0 + np))" ||
	sync_fail "replays $(sync_stat b replays), want >= $((rp0 + np))" a b
lab_log "$np replayed datagrams counted as replays"
lab_hold 3 "ct_absent b $X" || sync_fail "the replay brought X back on b" a b
unchanged || { diff "$LAB_DIR/b.before" "$LAB_DIR/b.now" | head
	sync_fail "b's table changed" a b; }
[ "$(sync_stat b states_applied)" = "$ap0" ] ||
	sync_fail "b applied states from forged or replayed datagrams" a b
sync_peer_alive b && sync_in_sync b || sync_fail "b lost its peer" a b

# b's syncd restarts: its replay window is gone (seal.h), but a's old
# datagram still must not recreate X (the reliability window of a's
# live session is past it)
syncd_stop b || lab_fail "syncd on b exited $?"
syncd_start b
wait_for 15 "sync_in_sync b && sync_peer_alive b" ||
	sync_fail "b not in sync after its restart" a b
# (a's retransmissions of what b missed while down may still arrive:
# compare tables, not b's apply counter)
sleep 2
ct_list b >"$LAB_DIR/b.before"
st0=$(sync_stat b stale)
sync_inject a replay "$PCAP" 203.0.113.2 >/dev/null || lab_fail "inject replay"
lab_hold 3 "ct_absent b $X" ||
	sync_fail "a replay to the restarted b brought X back" a b
# refused because it does not acknowledge b's new session, and counted
[ "$(sync_stat b stale)" -gt "$st0" ] ||
	sync_fail "the replay to the restarted b was not counted as stale" a b
unchanged || { diff "$LAB_DIR/b.before" "$LAB_DIR/b.now" | head
	sync_fail "the restarted b's table changed after a replay" a b; }

# the genuine stream still works
lab_exec a conntrack -I $X --state ESTABLISHED -t 3600 \
    -u ASSURED,SEEN_REPLY >/dev/null 2>&1 || lab_fail "conntrack -I on a"
wait_for 5 "ct_present b $X" || sync_fail "X did not reach b again" a b
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
lab_log "pass"
