#!/bin/sh
# e2e-crash: the master loses power with connections open through it.
#
# Busy and idle TCP connections (IPv4 source-NATed to the WAN VIP, and
# IPv6), a UDP flow and an ICMP probe run from the client to the server
# through fw1. Every cable of fw1 is pulled at once and its daemons are
# killed. fw2 must take both VIPs, every TCP connection must carry on
# without a reset or a reconnect, with the same NAT binding (the server
# still sees the same source address and port), and the UDP flow must go
# on. Prints the outage seen by the probe and the longest stall of a busy
# TCP flow. Runs at the lab's timing (advbase 0, see tests/lab/fwpair.sh);
# e2e-base1 runs it at advbase 1.
. "$(dirname "$0")/lib/e2e.sh"

e2e_up_replicated

fwpair_crash fw1
# from here on, whatever a flow receives went through fw2
fwpair_mark
wait_for 20 "fwpair_holds fw2" ||
    fwpair_fail "fw2 did not take both VIPs after the crash"
held=$(fwpair_now)
lab_log "fw2 master of both after $(fwpair_ms "$FWPAIR_CRASH_T" "$held") ms"

rc=0
fwpair_tcp_all 40 fw2 || rc=1
for _n in $(fwpair_udp_names); do
	_why=$(fwpair_udp_survived "$_n" 20) && lab_log "  $_n UDP goes on" ||
	    { lab_log "$_why"; rc=1; }
done
# the probe: the gap around the crash, and that it goes on
_r=$(grep -c 'bytes from' "$FWPAIR_PROBE_LOG")
wait_for 10 "[ \$(grep -c 'bytes from' '$FWPAIR_PROBE_LOG') -gt $((_r + 20)) ]" ||
    { lab_log "the probe gets no replies after the takeover"; rc=1; }
fwpair_probe_stop
fwpair_outage "$FWPAIR_CRASH_T"
lab_log "OUTAGE crash: ${FWPAIR_OUTAGE_MS} ms without ICMP replies" \
    "($FWPAIR_LOST of $((FWPAIR_LOST + FWPAIR_REPLIES)) probes lost;" \
    "master-down of fw2: $(fwpair_masterdown_ms fw2) ms;" \
    "longest stall of a busy TCP flow: $(e2e_stall "$held") ms)"
lab_log "SURVIVED crash: $FWPAIR_OK of $FWPAIR_TOTAL TCP connections"
[ "$rc" = 0 ] || fwpair_fail "connections did not survive the crash"
lab_log "PASS"
