#!/bin/sh
# A node whose syncd dies must not take over from the master. a (advskew
# 0) is master and b (advskew 100) backup, both with preempt and a sync
# block with link-demote 1. b's syncd is killed: a's syncd declares b
# dead but, master, holds nothing (a silent peer never demotes the
# master); carpd on b holds link-demote itself once its syncd has been
# gone for 2 s, so b, its table going stale, stays backup. b's hold goes when its syncd is back; a quick restart of a's
# syncd (under 2 s) makes carpd on a hold nothing.
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab
sync_pair
lab_bridge lan
for h in a b; do
	case $h in a) i=1 skew=0 peer=2;; b) i=2 skew=100 peer=1;; esac
	lab_port $h lan0 lan
	lab_addr $h lan0 192.0.2.$i/24
	SYNC_GLOBAL="preempt yes
state-file \"$LAB_DIR/$h.state\"
$(carp_block carp1 1 lan0 $skew lab-secret "address 192.0.2.254/24")"
	sync_conf $h sync0 203.0.113.$peer "bulk-timeout 5s" \
	    "bulk-demote 32" "link-demote 1"
done
SYNC_GLOBAL=
for h in a b; do carpd_start $h "$LAB_DIR/$h-sync.conf"; done
syncd_start a
syncd_start b
wait_for 15 "sync_in_sync a && sync_in_sync b && sync_peer_alive a && sync_peer_alive b" ||
	sync_fail "a and b never got in sync" a b
wait_for 15 'sole_master carp1 lan0 192.0.2.254 a a b' ||
	lab_fail "a is not the sole master of carp1"
wait_for 10 '[ "$(sync_demote a)" = 0 ] && [ "$(sync_demote b)" = 0 ]' ||
	lab_fail "demoted in sync: a $(sync_demote a), b $(sync_demote b)"
t0=$(counter a carp1 transitions)

# b's syncd dies: b holds link-demote in its place; a's syncd finds b
# dead (3.5 s to 4.5 s) and, master, holds nothing
syncd_stop b KILL
wait_for 10 '[ "$(sync_demote b)" = 1 ]' ||
	lab_fail "b without syncd: demote $(sync_demote b), not 1"
grep -q 'no syncd for .* holding demote 1 on group carp' \
    "$LAB_DIR/carpd-b.log" || lab_fail "carpd on b did not log its hold"
wait_for 10 '! sync_peer_alive a' ||
	sync_fail "a's syncd did not find b's dead" a
[ "$(sync_demote a)" = 0 ] ||
	sync_fail "master a demoted $(sync_demote a) for its dead peer" a
lab_log "b demoted by 1 for its missing syncd; master a not demoted"
lab_hold 4 'carp_is a carp1 MASTER && carp_is b carp1 BACKUP' ||
	lab_fail "b took over without its syncd: a $(carp_state a carp1)"
[ "$(counter a carp1 transitions)" = "$t0" ] ||
	lab_fail "a changed state while b's syncd was gone"
[ "$(carpctl b -j stats | json_get stats.syncd_absent_demote)" = 1 ] ||
	lab_fail "carpctl stats on b does not show the absent-syncd hold"

# b's syncd comes back: its carpd lets go, the pair gets in sync
syncd_start b
wait_for 15 "sync_in_sync b && sync_peer_alive a" ||
	sync_fail "b's new syncd never got in sync" a b
wait_for 10 '[ "$(sync_demote a)" = 0 ] && [ "$(sync_demote b)" = 0 ]' ||
	lab_fail "after b's syncd is back: a $(sync_demote a), b $(sync_demote b)"
grep -q 'syncd is back: demote hold 1 on group carp released' \
    "$LAB_DIR/carpd-b.log" || lab_fail "carpd on b did not release"
carp_is a carp1 MASTER || lab_fail "a lost master"
lab_log "b's syncd back: both demote 0, a still master"

# a quick restart of the master's syncd: carpd on a holds nothing
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_start a
wait_for 15 "sync_in_sync a && sync_peer_alive b" ||
	sync_fail "a's new syncd never got in sync" a b
lab_hold 3 'carp_is a carp1 MASTER' || lab_fail "a lost master"
grep -q 'no syncd for' "$LAB_DIR/carpd-a.log" &&
	lab_fail "carpd on a held demote across a quick syncd restart"
[ "$(counter a carp1 transitions)" = "$t0" ] ||
	lab_fail "a changed state across its syncd's restart"
lab_log "a's syncd restarted: no hold, no transition"
integ_stop a b
for h in a b; do syncd_stop $h; done
lab_log "pass"
