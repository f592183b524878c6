#!/bin/sh
# e2e-flap: the backup takes over for a moment while the master lives.
#
# fw1's carpd is stopped (SIGSTOP) for 0.3 s, three times fw2's
# master-down: fw2 takes both VIPs and forwards the flows for a moment,
# then fw1's carpd runs again, still MASTER with the better advskew, and
# fw2 backs off. fw1's kernel never saw the packets fw2 forwarded, so its
# TCP windows are behind: unless syncd makes fw1's states liberal when
# fw1 hears the other master (PROTOCOL.md 6.11), every connection is
# dropped as INVALID on its way back. Every TCP connection must survive,
# through fw1.
. "$(dirname "$0")/lib/e2e.sh"

e2e_up_replicated

before=$(e2e_transitions fw2)
pid=$(carpd_pid fw1)
kill -STOP "$pid"
sleep 0.3
kill -CONT "$pid"
FWPAIR_CRASH_T=$(fwpair_now)
fwpair_mark
wait_for 10 "fwpair_settled fw1" ||
    fwpair_fail "fw1 is not master of both VIPs after the flap"
# the flap happened: fw2 became master and backed off (else this test
# shows nothing)
after=$(e2e_transitions fw2)
[ "$after" -ge $((before + 2)) ] ||
    fwpair_fail "fw2 did not take over during the stop ($before -> $after transitions)"
lab_log "fw2 took over and backed off: $((after - before)) transitions"
wait_for 10 "grep -q 'heard another master' '$LAB_DIR/syncd-fw1.log'" ||
    fwpair_fail "fw1's syncd never heard of the other master"

rc=0
fwpair_tcp_all 30 fw1 || rc=1
lab_log "SURVIVED flap: $FWPAIR_OK of $FWPAIR_TOTAL TCP connections"
[ "$rc" = 0 ] || fwpair_fail "connections did not survive the flap"
lab_log "PASS"
