#!/bin/sh
# e2e-nosync: the control case of e2e-crash. The same pair, the same
# traffic and the same crash of fw1, but without syncd: fw2 takes both
# VIPs and forwards new connections, yet knows none of the established
# ones, and with nf_conntrack_tcp_loose off its ruleset drops their
# packets. The test passes only if every established TCP connection
# breaks: this proves that e2e-crash can tell.
. "$(dirname "$0")/lib/e2e.sh"

e2e_up --no-syncd
e2e_flows
sleep 1
fwpair_crash fw1
fwpair_mark
wait_for 20 "fwpair_holds fw2" ||
    fwpair_fail "fw2 did not take both VIPs after the crash"
lab_log "fw2 master of both after $(fwpair_ms "$FWPAIR_CRASH_T" "$(fwpair_now)") ms"

# the path through fw2 works: the probe comes back, a new connection too
_r=$(grep -c 'bytes from' "$FWPAIR_PROBE_LOG")
wait_for 10 "[ \$(grep -c 'bytes from' '$FWPAIR_PROBE_LOG') -gt $((_r + 20)) ]" ||
    fwpair_fail "the probe gets no replies through fw2"
fwpair_probe_stop
fwpair_outage "$FWPAIR_CRASH_T"
lab_log "probe outage ${FWPAIR_OUTAGE_MS} ms"

# established connections: all must be broken. Give them the same
# chance as in e2e-crash, all at once: poke every idle one, then wait
# 20 s (TCP retransmits back off) for any of them to get through.
for _n in $(fwpair_tcp_names); do
	[ "$(fwpair_tcp_mode "$_n")" = idle ] || continue
	fwpair_poke "$_n"; echo "$FWPAIR_POKE" >"$LAB_DIR/flows/$_n.want"
done
# carried NAME: it got data through since the crash
carried() {
	case $(fwpair_tcp_mode "$1") in
	busy) fwpair_progressed "$1" 20000;;	# as fwpair_tcp_carried
	idle) fwpair_ponged "$1" "$(cat "$LAB_DIR/flows/$1.want")";;
	esac
}
any_carried() {
	local _f
	for _f in $(fwpair_tcp_names); do carried "$_f" && return 0; done
	return 1
}
wait_for 20 any_carried
broken=0 total=0
for _n in $(fwpair_tcp_names); do
	total=$((total + 1))
	if carried "$_n"; then
		lab_log "  $_n carried on without syncd (recv $(fwpair_flow "$_n" recv))"
	else
		broken=$((broken + 1))
		lab_log "  $_n broken as expected (client: $(fwpair_flow "$_n" state)" \
		    "$(fwpair_flow "$_n" err), nothing through since the crash)"
	fi
done
lab_log "without syncd: $broken of $total TCP connections broken"
_why=$(fwpair_udp_survived u1 1) && lab_log "u1: UDP goes on (a new NAT state on fw2, same port)" ||
    lab_log "u1: $_why"

# a connection opened now goes through fw2 (its failure above is the
# missing state, nothing else)
fwpair_tcp n1 busy 4
wait_for 10 "[ \"\$(fwpair_flow n1 recv)\" -gt 20000 ]" ||
    fwpair_fail "a new connection through fw2 carries no data"
lab_log "a new connection through fw2 works"

[ "$broken" = "$total" ] ||
    fwpair_fail "only $broken of $total connections broke without syncd"
lab_log "PASS"
