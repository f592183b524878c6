#!/bin/sh
# syncd holds bulk-demote on carpd's group "carp" while its table is not
# in sync, through carpd's control socket (the global control-socket,
# which is the sync block's default carpd-socket).
#  1. peer down: the hold (bulk-demote 32 + link-demote 1) stays until
#     bulk-timeout, then nothing once a is master (a silent peer does not
#     demote a master);
#  2. peer up: the bulk hold goes once the peer's bulk end arrives, and
#     with a live peer nothing is held;
#  3. syncd killed: carpd drops its hold (and logs the release).
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab
sync_pair
lab_bridge lan
lab_port a lan0 lan
lab_addr a lan0 192.0.2.1/24
SYNC_GLOBAL="state-file \"$LAB_DIR/a.state\"
$(carp_block carp1 1 lan0 0 lab-secret "address 192.0.2.254/24")"
sync_conf a sync0 203.0.113.2 "bulk-timeout 6s" "bulk-demote 32" \
    "link-demote 1"
SYNC_GLOBAL=
sync_conf b sync0 203.0.113.1 "bulk-timeout 5s"
carpd_start a "$LAB_DIR/a-sync.conf"
[ "$(group_demote a carp)" = 0 ] || lab_fail "carp demoted before syncd"
demote_ge() { [ "$(group_demote a carp)" -ge "$1" ]; }
demote_is() { [ "$(group_demote a carp)" = "$1" ]; }
# new lines of carpd's log since mark
mark() { wc -l <"$LAB_DIR/carpd-a.log"; }
since() { tail -n +$(($1 + 1)) "$LAB_DIR/carpd-a.log"; }

# --- 1. no peer: held until bulk-timeout
m=$(mark)
syncd_start a
t0=$(date +%s)
wait_for 5 "demote_ge 32" ||
	sync_fail "no bulk hold on carpd: demote $(group_demote a carp)" a
lab_log "hold on carpd: demote $(group_demote a carp)"
[ "$(sync_stat a carpd_connected)" = true ] || lab_fail "syncd not connected"
# held for most of the 6 s (we may have started a little late)
lab_hold 3 "demote_ge 32" || lab_fail "bulk hold went before bulk-timeout"
wait_for 10 "carp_is a carp1 MASTER" || lab_fail "a never became master"
wait_for 10 "demote_is 0" ||
	sync_fail "master a after bulk-timeout: demote $(group_demote a carp), not 0" a
lab_log "bulk hold gone after $(( $(date +%s) - t0 )) s; a master holds no link-demote"
since "$m" | grep -q 'syncd.*holds demote 3[23] on group carp' ||
	lab_fail "carpd did not log syncd's hold"

# --- 2. peer up: a hears b, b sends its table; held until its bulk end
ctgen b -n 20000 >/dev/null || lab_fail "ctgen on b"
syncd_start b
wait_for 15 "sync_in_sync b && sync_peer_alive a" || sync_fail "no peer" a b
wait_for 5 "demote_is 0" ||
	sync_fail "peer alive: demote $(group_demote a carp), not 0" a b
# a node that is master holds no bulk demotion (it would hand the VIPs
# away and back); one that is not does. a is alone, so master: hold its
# carp down (bowed out, BACKUP) for the non-master case.
wait_for 10 "carp_is a carp1 MASTER" || lab_fail "a never became master"
m=$(mark)
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_start a
wait_for 20 "sync_in_sync a" || sync_fail "master a not in sync" a b
grep -q 'this node is master: no bulk demotion' "$LAB_DIR/syncd-a.log" ||
	lab_fail "syncd on the master did not skip the bulk hold"
since "$m" | grep -q 'syncd.*holds demote 3[23] on group carp' &&
	lab_fail "a bulk hold on the master: $(since "$m")"
carp_is a carp1 MASTER || lab_fail "a lost master across a syncd restart"
lab_log "syncd restarted on the master: no bulk hold, still master"
carpctl a down carp1 >/dev/null || lab_fail "carpctl down"
wait_for 5 "carp_is a carp1 BACKUP" || lab_fail "carp1 not BACKUP when down"

# restart a's syncd with the peer up: a bulk hold, released at bulk end
syncd_stop a || lab_fail "syncd on a exited $?"
m=$(mark)
ls0=$(grep -c 'demotion held' "$LAB_DIR/syncd-a.log")
syncd_start a
wait_for 20 "sync_in_sync a" || sync_fail "a not in sync with b up" a b
wait_for 5 "demote_is 0" ||
	sync_fail "in sync: demote $(group_demote a carp), not 0" a b
ct_has_n a 20000 || lab_fail "a has $(ct_count a) of b's 20000 states"
since "$m" | grep -q 'syncd.*holds demote 3[23] on group carp' ||
	lab_fail "no bulk hold with the peer up: $(since "$m")"
since "$m" | grep -E -q 'syncd.*(holds demote 0|released)' ||
	lab_fail "the hold was not released: $(since "$m")"
grep 'demotion held' "$LAB_DIR/syncd-a.log" | tail -n +$((ls0 + 1)) |
    grep -q -- '-> 0 (in sync' ||
	lab_fail "syncd did not release on the bulk end"
lab_log "bulk hold released at the bulk end"
lab_hold 2 "demote_is 0" || lab_fail "a hold came back"

# --- 3. syncd killed while holding: carpd releases
syncd_stop b KILL
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_start a			# peer down: holds 33
wait_for 5 "demote_ge 32" || sync_fail "no hold with the peer down" a
m=$(mark)
syncd_stop a KILL
wait_for 5 "demote_is 0" ||
	lab_fail "hold of the killed syncd still there: $(group_demote a carp)"
since "$m" | grep -q 'syncd.*released' ||
	lab_fail "carpd did not log the release: $(since "$m")"
lab_log "killed syncd's hold released"
carpd_stop a || lab_fail "carpd on a exited $?"
lab_log "pass"
