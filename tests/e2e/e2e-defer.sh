#!/bin/sh
# e2e-defer: with `defer yes`, a connection opened through the master an
# instant before it crashes survives on the backup. The client pulls
# every cable of fw1 itself, right after its connect() returned, before
# sending a byte: the reply that completed the handshake was held on fw1
# until fw2 acknowledged the new state, so fw2 knows the connection when
# it takes over. Then the client's data must get through fw2 and be
# echoed, on the same connection, with the same NAT binding.
. "$(dirname "$0")/lib/e2e.sh"

e2e_up --defer
[ "$(lab_exec fw1 nft list tables | grep -c carp_syncd)" -ge 1 ] ||
    fwpair_fail "syncd installed no defer table on fw1"
# one ordinary connection first: defer lets it through
fwpair_tcp b1 busy 4
d0=$(fwpair_carpctl fw1 -j sync stats | json_get deferred)
[ "$d0" -ge 1 ] || fwpair_fail "fw1 deferred nothing (deferred $d0)"
fwpair_probe_start

cut=$(fwpair_cut_script fw1)
fwpair_tcp_start late busy 4 "$cut"
wait_for 10 "[ \"\$(fwpair_flow late state)\" = up ]" ||
    fwpair_fail "the late connection did not connect"
FWPAIR_CRASH_T=$(fwpair_now)
wait_for 5 "! lab_exec fw2 ip link show eth2 | grep -q LOWER_UP" ||
    fwpair_fail "fw1's cables were not pulled"
# fw1 is cut off; read its counters before killing it
st=$(fwpair_carpctl fw1 -j sync stats)
lab_log "fw1 syncd: deferred $(echo "$st" | json_get deferred)," \
    "defer timeouts $(echo "$st" | json_get defer_timeouts)"
[ "$(echo "$st" | json_get defer_timeouts)" = 0 ] ||
    lab_log "note: a hold ended by timeout, not by fw2's ack"
fwpair_kill fw1
fwpair_mark
lab_log "crashed fw1 right after the late connection's handshake"

wait_for 20 "fwpair_holds fw2" ||
    fwpair_fail "fw2 did not take both VIPs after the crash"
lab_log "fw2 master of both after $(fwpair_ms "$FWPAIR_CRASH_T" "$(fwpair_now)") ms"
fwpair_tcp_all 40 fw2 ||
    fwpair_fail "$((FWPAIR_TOTAL - FWPAIR_OK)) of $FWPAIR_TOTAL connections lost"
fwpair_probe_stop
fwpair_outage "$FWPAIR_CRASH_T"
lab_log "probe outage ${FWPAIR_OUTAGE_MS} ms; the late connection survived"
lab_log "PASS"
