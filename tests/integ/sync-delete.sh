#!/bin/sh
# Deletions on a reach b: a few single states (one of them NATed), then
# a bulk delete of 2,000; none comes back afterwards.
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab
sync_pair_up

N=2000
ctgen a -n $N || lab_fail "ctgen on a"
lab_exec a conntrack -I -p tcp -s 192.0.2.50 -d 198.51.100.10 \
    --sport 40000 --dport 80 --state ESTABLISHED -t 3600 \
    -u ASSURED,SEEN_REPLY --src-nat 198.51.100.77 >/dev/null 2>&1 ||
	lab_fail "conntrack -I on a"
NAT="-p tcp -s 192.0.2.50 -d 198.51.100.10 --sport 40000 --dport 80"
ct_wait b $N 30 || sync_fail "b did not get the $N states" a b
wait_for 10 "ct_present b $NAT" || sync_fail "b lacks the NAT state" a b

# ctgen's state i is 192.0.2.(1 + i % 250):(10000 + i / 250) ->
# 198.51.100.200:7777
one() { echo "-p tcp -s 192.0.2.$1 -d 198.51.100.200 --sport $2 --dport 7777"; }
for st in "1 10000" "2 10000" "250 10007"; do
	f=$(one $st)
	ct_present b $f || lab_fail "b lacks $f before the delete"
	lab_exec a conntrack -D $f >/dev/null 2>&1 || lab_fail "delete $f on a"
done
lab_exec a conntrack -D $NAT >/dev/null 2>&1 || lab_fail "delete NAT on a"
for st in "1 10000" "2 10000" "250 10007"; do
	f=$(one $st)
	wait_for 5 "ct_absent b $f" || sync_fail "$f still on b after 5 s" a b
done
wait_for 5 "ct_absent b $NAT" || sync_fail "NAT state still on b" a b
lab_log "single deletes on b ${WAIT_MS} ms after the last"
ct_has_n b $((N - 3)) || lab_fail "b has $(ct_count b) states, not $((N - 3))"
# and they stay gone (no resurrection by a retransmit or refresh)
lab_hold 2 "ct_has_n b $((N - 3)) && ct_absent b $NAT" ||
	sync_fail "b's table changed after the deletes" a b

ctgen a -n $N -d || lab_fail "bulk delete on a"
ct_has_n a 0 || lab_fail "a still has $(ct_count a) states"
wait_for 10 "ct_has_n b 0" ||
	sync_fail "b still has $(ct_count b) states 10 s after the bulk delete" a b
lab_log "bulk delete on b ${WAIT_MS} ms after it finished on a"
lab_hold 2 "ct_has_n b 0" || sync_fail "states came back on b" a b
[ "$(sync_stat a auth_failures)" = 0 ] || lab_fail "auth failures on a"
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
lab_log "pass"
