#!/bin/sh
# e2e-planned: maintenance failover and back. `carpctl demote internal
# 50` on the master fw1 hands both VIPs to fw2 with every TCP connection
# carrying on and the ICMP probe (every 50 ms) losing at most a handful
# of packets; `carpctl promote internal 50` gives them back (preempt),
# again without losing a connection.
. "$(dirname "$0")/lib/e2e.sh"

MAXLOST=10	# "a handful": half a second of 50 ms probes

# phase LABEL NEWMASTER CARPCTL-ARGS...: one planned move, checked.
phase() {
	local _label=$1 _to=$2 _t0 _rc=0
	shift 2
	fwpair_probe_start
	sleep 1
	_t0=$(fwpair_now)
	fwpair_carpctl fw1 "$@" >/dev/null || fwpair_fail "carpctl $* failed"
	wait_for 15 "fwpair_master_only $_to" ||
	    fwpair_fail "$_label: $_to did not take both VIPs"
	fwpair_mark
	lab_log "$_label: $_to holds both VIPs after $(fwpair_ms "$_t0" "$(fwpair_now)") ms"
	wait_for 15 "fwpair_settled $_to" ||
	    fwpair_fail "$_label: the pair did not settle with $_to master"
	fwpair_tcp_all 30 "$_to" || _rc=1
	_why=$(fwpair_udp_survived u1 20) && lab_log "  u1 UDP goes on" ||
	    { lab_log "$_why"; _rc=1; }
	fwpair_probe_stop
	fwpair_outage "$_t0"
	lab_log "OUTAGE $_label: largest gap between replies ${FWPAIR_OUTAGE_MS} ms," \
	    "$FWPAIR_LOST of $((FWPAIR_LOST + FWPAIR_REPLIES)) probes lost"
	lab_log "SURVIVED $_label: $FWPAIR_OK of $FWPAIR_TOTAL TCP connections"
	[ "$_rc" = 0 ] || fwpair_fail "$_label: connections did not survive"
	[ "$FWPAIR_LOST" -le "$MAXLOST" ] ||
	    fwpair_fail "$_label: the probe lost $FWPAIR_LOST packets (at most $MAXLOST)"
}

e2e_up
e2e_flows
fwpair_probe_stop
phase "planned (demote)" fw2 demote internal 50
[ "$(fwpair_group_demote fw1 internal)" = 50 ] ||
    fwpair_fail "group internal on fw1 is not demoted by 50"
phase "back (promote)" fw1 promote internal 50
lab_log "PASS"
