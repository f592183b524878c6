#!/bin/sh
# sync-delay: with "sync-delay 1s" a flow that ends within 100 ms is never
# sent (b's kernel never sees it, a counts it died young) and neither are
# 100 ctgen states deleted as young; a flow that lives 3 s is on b, with
# the value it had when its delay ended. Then with sync-delay off, a
# create and a delete inside one flush interval cancel out in the send
# queue (counted; b ends without the state).
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab
sync_pair_up "sync-delay 1s"

flow() { echo "-p tcp -s 192.0.2.$1 -d 198.51.100.10 --sport $2 --dport 80"; }
SHORT=$(flow 60 41000)
LONG=$(flow 61 41001)
# ct_new NODE FILTER: an established TCP state in NODE's kernel
ct_new() {
	lab_exec "$1" conntrack -I $2 --state ESTABLISHED -t 3600 \
	    -u ASSURED,SEEN_REPLY >/dev/null 2>&1 ||
		lab_fail "conntrack -I $2 on $1"
}

# every conntrack event on b: what its kernel ever had
lab_bg b "$LAB_DIR/b-events.log" conntrack -E -o timestamp
EVENTS=$LAB_PID
sleep 0.5

ct_new a "$LONG"
ct_new a "$SHORT"
sleep 0.1
lab_exec a conntrack -D $SHORT >/dev/null 2>&1 || lab_fail "delete short"
# changed within its delay: b gets the latest value, once
lab_exec a conntrack -U $LONG -m 7 >/dev/null 2>&1 || lab_fail "mark long"
# 100 more short-lived states, 100 ms
ctgen a -n 100 || lab_fail "ctgen on a"
sleep 0.1
ctgen a -n 100 -d || lab_fail "ctgen -d on a"

wait_for 10 "ct_present b $LONG -m 7" ||
	sync_fail "the 3 s flow (mark 7) is not on b" a b
lab_log "the long flow on b ${WAIT_MS} ms after its mark changed"
# hold it its 3 s; what was young is long past its delay by then
sleep 3
lab_exec a conntrack -D $LONG >/dev/null 2>&1 || lab_fail "delete long"
wait_for 10 "ct_absent b $LONG" || sync_fail "the long flow stays on b" a b
lab_kill "$EVENTS" INT >/dev/null 2>&1
grep -q "192.0.2.61 " "$LAB_DIR/b-events.log" ||
	lab_fail "b's event log lacks the long flow: the logger saw nothing"
! grep -q "192.0.2.60 " "$LAB_DIR/b-events.log" ||
	sync_fail "b's kernel had the 100 ms flow" a b
! grep -q "198.51.100.200" "$LAB_DIR/b-events.log" ||
	sync_fail "b's kernel had ctgen's 100 ms states" a b
young=$(sync_stat a died_young)
[ "$young" -ge 101 ] || sync_fail "a counts $young died young, not 101" a b
[ "$(sync_stat a delay_sent)" -ge 1 ] ||
	sync_fail "a counts no state sent after its delay" a b
[ "$(sync_stat a delay_queue_len)" = 0 ] ||
	sync_fail "young states left in a's delay queue" a b
[ "$(sync_stat b states_applied)" -le 2 ] ||
	sync_fail "b applied more than the long flow" a b
sync_dump_stats a b
lab_log "sync-delay 1s: $young states died young, the 3 s flow replicated"

# sync-delay off: restart both without it
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
sync_conf a sync0 203.0.113.2 "bulk-timeout 5s"
sync_conf b sync0 203.0.113.1 "bulk-timeout 5s"
syncd_start a
syncd_start b
wait_for 15 "sync_in_sync a && sync_in_sync b && sync_peer_alive a" ||
	sync_fail "a and b never got in sync again" a b
# a create and its delete 100 ms apart at most, from one shell: tried a
# few times, as a loaded machine may let a flush fall between them
i=0
while [ $i -lt 10 ] && [ "$(sync_stat a cancelled)" = 0 ]; do
	f=$(flow 62 $((42000 + i)))
	lab_exec a sh -c "conntrack -I $f --state ESTABLISHED -t 3600 \
	    -u ASSURED,SEEN_REPLY && conntrack -D $f" >/dev/null 2>&1 ||
		lab_fail "create and delete $f on a"
	sleep 0.3
	i=$((i + 1))
done
[ "$(sync_stat a cancelled)" -ge 1 ] ||
	sync_fail "no create and delete cancelled in $i tries" a b
lab_log "cancelled after $((i)) tries"
lab_hold 1 "ct_absent b -s 192.0.2.62" ||
	sync_fail "b holds a create+delete flow" a b
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
lab_log "pass"
