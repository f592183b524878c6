#!/bin/sh
# Stale copies are swept after a bulk (docs/PROTOCOL.md, section 6.8).
# States of a end while a's syncd is down, so no delete is ever sent for
# them; when a's syncd is back, b asks for its table and, after the bulk
# end, deletes the copies the bulk did not refresh. b's own state and a's
# live ones stay.
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab
sync_pair_up

N=1000
GONE=10
ctgen a -n $N || lab_fail "ctgen on a"
ct_wait b $N 30 || sync_fail "b did not get the $N states" a b
MINE="-p udp -s 192.0.2.70 -d 198.51.100.30 --sport 6000 --dport 6001"
lab_exec b conntrack -I $MINE -t 600 -u ASSURED,SEEN_REPLY \
    >/dev/null 2>&1 || lab_fail "conntrack -I on b"
wait_for 5 "ct_present a $MINE" || sync_fail "a lacks b's own state" a b

# ctgen's state i is 192.0.2.(1 + i % 250):(10000 + i / 250) ->
# 198.51.100.200:7777
one() { echo "-p tcp -s 192.0.2.$1 -d 198.51.100.200 --sport $2 --dport 7777"; }
syncd_stop a || lab_fail "syncd on a exited $?"
lab_log "syncd on a stopped"
i=1
while [ $i -le $GONE ]; do
	lab_exec a conntrack -D $(one $i 10000) >/dev/null 2>&1 ||
		lab_fail "delete $(one $i 10000) on a"
	i=$((i + 1))
done
ct_has_n a $((N - GONE)) || lab_fail "a has $(ct_count a) states"
ct_has_n b $N || lab_fail "b has $(ct_count b) states before a's restart"
syncd_start a
wait_for 20 "sync_in_sync a && sync_peer_alive b" ||
	sync_fail "a not in sync after its restart" a b
wait_for 20 "ct_has_n b $((N - GONE))" ||
	sync_fail "b has $(ct_count b) states, not $((N - GONE)), 20 s after a's restart" a b
lab_log "stale copies gone from b ${WAIT_MS} ms after a was in sync"
[ "$(sync_stat b bulk_swept)" = $GONE ] ||
	lab_fail "b counted $(sync_stat b bulk_swept) swept, not $GONE"
ct_present b $MINE || lab_fail "b's own state was swept"
ct_present a $MINE || lab_fail "b's own state is gone from a"
ct_absent b $(one 1 10000) || lab_fail "b still has $(one 1 10000)"
ct_present b $(one 11 10000) || lab_fail "b lacks $(one 11 10000)"
lab_hold 2 "ct_has_n b $((N - GONE))" || sync_fail "b's table changed" a b
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
lab_log "pass"
