# tests/e2e/lib/e2e.sh: what the end-to-end tests share, on top of
# tests/lab/fwpair.sh. Sourced by each test with
#	. "$(dirname "$0")/lib/e2e.sh"
. "$(dirname "$0")/../lab/fwpair.sh"

# e2e_up [fwpair_up options]: the pair, fw1 settled as master.
e2e_up() {
	fwpair_up "$@"
	fwpair_wait_master fw1 30 ||
	    fwpair_fail "fw1 did not become master of both VIPs with fw2 backup"
	lab_log "fw1 master of carp1 and carp2, fw2 backup${FWPAIR_SYNCD:+}"
}

# e2e_flows: the standard traffic: three busy and two idle IPv4 TCP
# connections (NATed), one busy and one idle IPv6 one, a UDP flow, and
# the ICMP probe. Then lets it run a little and marks the counters.
e2e_flows() {
	for _n in b1 b2 b3; do fwpair_tcp "$_n" busy 4; done
	fwpair_tcp b6 busy 6
	for _n in i1 i2; do fwpair_tcp "$_n" idle 4; done
	fwpair_tcp i6 idle 6
	fwpair_udp u1
	fwpair_probe_start
	# every flow has carried data through the master
	for _n in b1 b2 b3 b6; do
		wait_for 10 "[ \"\$(fwpair_flow $_n recv)\" -gt 20000 ]" ||
		    fwpair_fail "$_n carries no data"
	done
	for _n in i1 i2 i6; do
		fwpair_poke "$_n"
		wait_for 10 "fwpair_ponged $_n $FWPAIR_POKE" ||
		    fwpair_fail "$_n gets no answer"
	done
}

# e2e_up_replicated: e2e_up and e2e_flows, every TCP flow's state in
# fw2's table, and a second of traffic: the start of a failover test.
e2e_up_replicated() {
	e2e_up
	e2e_flows
	e2e_replicated fw2 >/dev/null ||
	    fwpair_fail "fw2's conntrack table lacks $(e2e_replicated fw2)"
	sleep 1
}

# e2e_replicated fwN: every TCP flow's state is in fwN's conntrack table
# (by the client's port), within 5 s.
e2e_replicated() {
	local _lp
	for _n in $(fwpair_tcp_names); do
		_lp=$(fwpair_flow "$_n" local); _lp=${_lp##*:}
		wait_for 5 "lab_exec $1 conntrack -L -p tcp --orig-port-src $_lp 2>/dev/null |
		    grep -q ESTABLISHED" || { echo "$_n (port $_lp)"; return 1; }
	done
}

# e2e_soft MSG: record a failure and go on (the test fails at the end,
# e2e_verdict), so one run reports every step that went wrong.
e2e_soft() {
	lab_log "FAILED: $*"
	echo "$*" >>"$LAB_DIR/failures"
}

# e2e_verdict: PASS, or fail with every recorded failure.
e2e_verdict() {
	if [ -s "$LAB_DIR/failures" ]; then
		fwpair_fail "$(wc -l <"$LAB_DIR/failures") step(s) failed:" \
		    "$(tr '\n' ';' <"$LAB_DIR/failures")"
	fi
	lab_log "PASS"
}

# e2e_transitions fwN: the sum of both carps' transition counters.
e2e_transitions() {
	echo $(( $(carp_get "$1" carp1 counters.transitions) +
	    $(carp_get "$1" carp2 counters.transitions) ))
}

# e2e_stall UNTIL: the longest gap (ms) across the crash in any busy TCP
# flow's receive log, from its last byte before the crash to its first
# after, of the gaps that began before epoch UNTIL (the takeover seen:
# a later stall is not the crash's). Each flow's gap goes to the log.
e2e_stall() {
	local _n _g _max=0
	for _n in $(fwpair_tcp_names); do
		[ "$(fwpair_tcp_mode "$_n")" = busy ] || continue
		_g=$(fwpair_rx_times "$_n" | fwpair_gap "$FWPAIR_CRASH_T" "$1")
		[ "$_g" != "- -" ] || continue
		lab_log "  $_n: last byte ${_g% *} ms, first byte after +${_g#* } ms" >&2
		_g=$(( ${_g#* } - ${_g% *} ))
		[ "$_g" -le "$_max" ] || _max=$_g
	done
	echo "$_max"
}
