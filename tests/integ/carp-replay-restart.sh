#!/bin/sh
# Hardening bug 4: auth strict keeps rejecting replays after the backup
# restarts. a (advskew 50) is MASTER of carp1, b (100) BACKUP. e captures
# 8 of a's adverts. b is stopped (SIGTERM: it saves its replay table to
# its state file), a dies (SIGKILL), b starts again while e replays the
# captures at it twice over. Every replay is counted as one, none is
# taken for a live master (adverts_received stays 0: a is gone), so
# they cannot re-arm b's master-down timer and b takes over. Before the
# fix the restarted b took the first round for a live a.
. "$(dirname "$0")/lib/carp.sh"
integ_start
integ_lan a b e
VIP=192.0.2.254
PASS="replay-test-strict-secret"
replay() {
	lab_exec e "$LAB_PY" "$INTEG_LIB/carp_replay.py" "$@"
}

carp_block carp1 1 eth0 50 "$PASS" "auth strict" "address $VIP/24" |
    carpd_conf a
carp_block carp1 1 eth0 100 "$PASS" "auth strict" "address $VIP/24" |
    carpd_conf b
carpd_start a; carpd_start b
wait_for 15 "sole_master carp1 eth0 $VIP a a b" ||
	lab_fail "a is not the sole master"

lab_log "e captures 8 of a's adverts"
replay capture eth0 192.0.2.1 8 "$LAB_DIR/adverts" || lab_fail "no capture"

lab_log "b stops, a dies, b starts again under replays"
rc=0; carpd_stop b || rc=$?
[ "$rc" = 0 ] || lab_fail "carpd on b exited $rc on SIGTERM"
grep -q '^replay carp1 192.0.2.1 ' "$LAB_DIR/b.state" ||
	lab_fail "b's state file has no replay table: $(cat "$LAB_DIR/b.state")"
carpd_stop a KILL
carpd_start b
replay replay eth0 192.0.2.1 "$LAB_DIR/adverts" --rounds 2 \
    --interval 0.4 >"$LAB_DIR/replayed" &
rpid=$!
# master down: 3 intervals of 1 s + 100/256 s, with a generous margin
wait_for 15 "carp_is b carp1 MASTER" ||
	lab_fail "b did not take over: the replays kept a alive"
lab_log "b is MASTER ${WAIT_MS} ms after its start"
wait $rpid || lab_fail "replay failed"
sent=$(cat "$LAB_DIR/replayed")
wait_for 3 "[ \$(counter b carp1 replays) -ge $sent ]" ||
	lab_fail "b counted $(counter b carp1 replays) of $sent replays"
[ "$(counter b carp1 adverts_received)" = 0 ] ||
	lab_fail "b accepted $(counter b carp1 adverts_received) replays"
INTEG_VIPS="eth0:$VIP"
integ_stop b
lab_log "pass: $sent replays counted, none accepted"
