#!/bin/sh
# States survive a restart of syncd on either side.
#  b killed: its kernel keeps the states; states created on a meanwhile
#  arrive by bulk sync when b's syncd starts again.
#  a restarted: b keeps everything; new states on a still arrive; and
#  deletes of a's states from before either restart still propagate
#  (a restart must not make a forget which states are its own).
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab
sync_pair_up

ctgen a -n 5000 || lab_fail "ctgen on a"
ct_wait b 5000 30 || sync_fail "b did not get the first 5000" a b

# --- b's syncd dies; a goes on creating states
syncd_stop b KILL
lab_log "syncd on b killed"
ctgen a -n 8000 || lab_fail "ctgen 8000 on a"
lab_exec a conntrack -I -p udp -s 192.0.2.60 -d 198.51.100.20 \
    --sport 5000 --dport 5001 -t 600 -u ASSURED,SEEN_REPLY \
    --src-nat 198.51.100.70 >/dev/null 2>&1 || lab_fail "conntrack -I on a"
ct_has_n b 5000 || lab_fail "b's kernel lost states while syncd was down"
wait_for 10 "! sync_peer_alive a" || sync_fail "a did not notice b died" a
syncd_start b
wait_for 20 "sync_in_sync b" || sync_fail "b not in sync after restart" a b
lab_log "b in sync ${WAIT_MS} ms after its restart"
ct_wait b 8000 30 || sync_fail "bulk sync did not bring b all 8000" a b
wait_for 5 "ct_present b -p udp -s 192.0.2.60 --dport 5001" ||
	sync_fail "b lacks the NAT state created while it was down" a b
# b's bulk answer carried a's states back to a: they are still a's
one() { echo "-p tcp -s 192.0.2.$1 -d 198.51.100.200 --sport $2 --dport 7777"; }
lab_exec a conntrack -D $(one 3 10000) >/dev/null 2>&1 || lab_fail "delete on a"
wait_for 5 "ct_absent b $(one 3 10000)" ||
	sync_fail "after b's restart, a delete on a did not reach b" a b
ctgen a -n 1 -d >/dev/null	# state 0, so that ctgen counts stay simple
wait_for 5 "ct_has_n b 7998" ||
	sync_fail "after b's restart, deletes on a did not reach b" a b

# --- a's syncd restarts; b keeps its states
syncd_stop a || lab_fail "syncd on a exited $?"
lab_log "syncd on a stopped"
lab_hold 4 "ct_has_n b 7998" || lab_fail "b lost states while a's syncd was down"
syncd_start a
wait_for 20 "sync_in_sync a && sync_peer_alive b" ||
	sync_fail "a not in sync after restart" a b
lab_log "a in sync ${WAIT_MS} ms after its restart"
ctgen a -p udp -n 1000 || lab_fail "ctgen udp on a"
ct_wait b 1000 30 udp || sync_fail "new states on a did not reach b" a b
ct_has_n b 7998 || lab_fail "b has $(ct_count b) tcp states, not 7998"

# the old states are still a's: deleting them on a deletes them on b
lab_exec a conntrack -D $(one 5 10000) >/dev/null 2>&1 || lab_fail "delete on a"
lab_exec a conntrack -D $(one 7 10030) >/dev/null 2>&1 || lab_fail "delete on a"
wait_for 5 "ct_absent b $(one 5 10000) && ct_absent b $(one 7 10030)" ||
	sync_fail "deletes on a of pre-restart states did not reach b" a b
ctgen a -n 8000 -d >/dev/null || lab_fail "bulk delete on a"
wait_for 10 "ct_has_n b 0" ||
	sync_fail "b still has $(ct_count b) of the deleted states" a b
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
lab_log "pass"
