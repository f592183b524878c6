#!/bin/sh
# tests/lab/demo.sh: `make demo`: a live crash failover on the two-firewall
# lab (tests/lab/fwpair.sh), told as a short timeline.
#
# fw1 (preferred master) and fw2 (backup) run carpd and syncd. Through
# them, the client keeps a TCP transfer going to the server (a steady
# stream, echoed and checked byte for byte) and an SSH-like interactive
# session (socat: a line a second, echoed), both source-NATed to the WAN
# VIP, plus an ICMP probe every 10 ms. fw1 then loses power (every cable
# pulled, its daemons SIGKILLed). fw2 takes both VIPs; the transfer and
# the session must go on over the very same connections (one accept on
# the server, same NAT source address and port). Exits 0 only if they
# did, 1 with what broke.
#
# The pair runs etc/carp.conf's timing (advbase 0, advskew 7 and 8: fw2
# declares fw1 dead after 94 ms); FWPAIR_ADVBASE=1 shows the old one
# (see tests/lab/fwpair.sh). The end of the timeline gives the moments
# that matter, measured in ms from the crash: fw2 MASTER, the probe's
# last reply before and first after, the transfer's last byte before and
# first byte after.
#
# The timeline goes to the terminal; everything else (the lab's own
# log, and on failure the daemons' logs and tables) to a log file,
# kept and named only if something failed. The lab (namespaces,
# daemons, temp dir) is always torn down, on Ctrl-C too.
#
# Environment: DEMO_LOG (the log file; default a new /tmp/carp-demo.*).

# --- the outer part: run the demo, keep its log only if it failed ----------

if [ "$1" != --run ]; then
	. "$(dirname "$0")/lab.sh"
	lab_require "$CARPD" "$CARPCTL" "$LAB_BUILD/syncd" nft ping \
	    conntrack ss socat "$LAB_PY"
	DEMO_LOG=${DEMO_LOG:-$(mktemp /tmp/carp-demo.XXXXXX)} || exit 1
	export DEMO_LOG
	DEMO_T0=$(date +%s.%6N)
	export DEMO_T0
	# caught here, so the demo (a child) gets SIGINT by default and
	# cleans up; we only wait for it
	trap 'demo_int=1' INT TERM
	sh "$0" --run 3>&1 >>"$DEMO_LOG" 2>&1
	rc=$?
	# the lab is gone: its namespaces, processes and temp dir
	set -- $(sed -n 's/.* lab \(carplab-[0-9]*-[0-9a-f]*\) in \(.*\)$/\1 \2/p' \
	    "$DEMO_LOG" | head -n 1)
	if [ -n "$1" ]; then
		_left=""
		[ -z "$(ip netns list | grep "^$1-")" ] || _left="namespaces $1-*"
		[ -z "$(pgrep -f -- "$2")" ] || _left="${_left:+$_left, }processes"
		[ ! -e "$2" ] || [ "${LAB_KEEP:-0}" = 1 ] ||
		    _left="${_left:+$_left, }$2"
		_at=$(awk -v a="$DEMO_T0" -v b="$(date +%s.%6N)" \
		    'BEGIN { printf "%7s", sprintf("+%.1fs", b - a) }')
		if [ -z "$_left" ]; then
			echo "$_at  lab torn down: no namespace, daemon or temp dir left"
		else
			echo "$_at  FAIL: left behind: $_left"
			[ "$rc" != 0 ] || rc=1
		fi
	fi
	if [ "$rc" = 0 ]; then
		rm -f "$DEMO_LOG"
		exit 0
	fi
	if [ -n "$demo_int" ]; then
		rm -f "$DEMO_LOG"
		echo "demo: interrupted"
		exit 130
	fi
	# what broke, unless the timeline said it already
	if ! grep -q 'EVENT FAIL:' "$DEMO_LOG"; then
		_why=$(grep 'FAIL:' "$DEMO_LOG" | tail -n 1 | sed 's/.*FAIL: //')
		[ -n "$_why" ] && echo "demo: FAILED: $_why"
	fi
	echo "demo: details, with the daemons' logs: $DEMO_LOG"
	exit 1
fi

# --- the demo itself: fd 3 is the terminal, stdout and stderr the log -----

. "$(dirname "$0")/fwpair.sh"

SSH_PORT=22

say() { printf '%s\n' "$*" >&3; }

# demo_at [EPOCH]: "+12.3s", the time since the start.
demo_at() {
	awk -v a="$DEMO_T0" -v b="${1:-$(fwpair_now)}" \
	    'BEGIN { printf "%7s", sprintf("+%.1fs", b - a) }'
}

# ev [-t EPOCH] TEXT: one line of the timeline.
ev() {
	local _t=""
	if [ "$1" = -t ]; then _t=$2; shift 2; fi
	say "$(demo_at "$_t")  $*"
	lab_log "EVENT $*"
}

# demo_block TITLE CMD...: a command's output, indented, on the terminal.
demo_block() {
	local _title=$1
	shift
	say "          \$ $_title"
	"$@" 2>&1 | sed 's/^/            /' >&3
}

# fail TEXT: what broke, the details to the log, exit 1.
fail() {
	ev "FAIL: $*"
	lab_log "FAIL: $*"
	fwpair_dump
	lab_dump
	exit 1
}

kb() { awk -v b="${1:-0}" 'BEGIN { printf "%d", b / 1000 }'; }

# --- the interactive session (socat) ------------------------------------------

# session_up: an echo service on the server (socat, one connection only,
# logging the peer it accepted) and a client sending a line a second,
# each echoed line timestamped on arrival in session.out:
#	RECV_EPOCH line N SENT_EPOCH
# and a last "RECV_EPOCH EXIT rc" if the client's socat ended.
session_up() {
	cat >"$LAB_DIR/session-srv.sh" <<EOF
echo "\$(date +%s.%6N) accept \$SOCAT_PEERADDR \$SOCAT_PEERPORT" >>"$LAB_DIR/session-srv.log"
exec cat
EOF
	cat >"$LAB_DIR/session-cli.sh" <<EOF
i=0
while [ \$i -lt 120 ]; do
	i=\$((i + 1))
	echo "line \$i \$(date +%s.%6N)"
	sleep 1
done | { socat - TCP:$FWPAIR_SRV4:$SSH_PORT,connect-timeout=5 \
    2>"$LAB_DIR/session.err"; echo "EXIT \$?"; } |
while IFS= read -r l; do echo "\$(date +%s.%6N) \$l"; done
EOF
	: >"$LAB_DIR/session-srv.log"
	lab_bg server "$LAB_DIR/session-srv.out" socat \
	    "TCP-LISTEN:$SSH_PORT,reuseaddr" "EXEC:sh $LAB_DIR/session-srv.sh"
	wait_for 5 "lab_exec server ss -Htln '( sport = :$SSH_PORT )' | grep -q ." ||
	    fail "the session's echo service did not start"
	lab_bg client "$LAB_DIR/session.out" sh "$LAB_DIR/session-cli.sh"
	wait_for 10 "[ \$(session_echoes) -ge 1 ]" ||
	    fail "the interactive session gets no echo"
	SESSION_LOCAL=$(lab_exec client ss -Htn state established \
	    "( dport = :$SSH_PORT )" | awk '{ print $3; exit }')
	SESSION_PEER=$(awk '$2 == "accept" { print $3, $4; exit }' \
	    "$LAB_DIR/session-srv.log")
}

session_echoes() { grep -c ' line ' "$LAB_DIR/session.out"; }

# session_check AFTER_EPOCH: the session is alive, the same connection
# (one accept, from the WAN VIP and the client's own port, still
# established on the server), every line echoed in order, at least two
# after AFTER_EPOCH. Says why not.
session_check() {
	local _n _p
	if grep -q ' EXIT ' "$LAB_DIR/session.out"; then
		echo "session: the client's socat ended" \
		    "($(tr '\n' ' ' <"$LAB_DIR/session.err"))"
		return 1
	fi
	_n=$(grep -c accept "$LAB_DIR/session-srv.log")
	[ "$_n" = 1 ] || { echo "session: the server accepted $_n connections"; return 1; }
	[ "${SESSION_PEER% *}" = "$FWPAIR_SNAT" ] &&
	    [ "${SESSION_PEER#* }" = "${SESSION_LOCAL##*:}" ] ||
	    { echo "session: server saw $SESSION_PEER, client is $SESSION_LOCAL"; return 1; }
	demo_server_has "$SSH_PORT" $SESSION_PEER ||
	    { echo "session: no established connection from $SESSION_PEER on the server"; return 1; }
	awk '$2 == "line" && $3 != NR { bad = 1 } END { exit bad }' \
	    "$LAB_DIR/session.out" ||
	    { echo "session: lines lost or out of order"; return 1; }
	_n=$(awk -v t="$1" '$2 == "line" && $1 > t { n++ } END { print n + 0 }' \
	    "$LAB_DIR/session.out")
	[ "$_n" -ge 2 ] || { echo "session: $_n echo(es) since the crash"; return 1; }
}

# demo_server_has PORT ADDR APORT: the server has an established
# connection to its PORT from ADDR APORT (fwpair_server_has, any port).
demo_server_has() {
	lab_exec server ss -Htn state established "( sport = :$1 )" |
	    awk -v a="$2" -v p="$3" '{
		n = split($NF, x, ":"); port = x[n]
		addr = substr($NF, 1, length($NF) - length(port) - 1)
		gsub(/[][]/, "", addr); sub(/^::ffff:/, "", addr)
		if (addr == a && port == p) f = 1
	    } END { exit !f }'
}

# --- the timeline ----------------------------------------------------------------

LAST_TICK=0 LAST_BYTES=0

# tick: every 0.5 s, the transfer's byte counter and the session's echoes.
tick() {
	local _now _b
	_now=$(fwpair_now)
	awk -v a="$LAST_TICK" -v b="$_now" 'BEGIN { exit !(b - a >= 0.5) }' ||
	    return 0
	LAST_TICK=$_now
	_b=$(fwpair_flow xfer recv)
	_b=${_b:-0}
	say "$(demo_at "$_now")      transfer $(printf '%5s' "$(kb "$_b")") kB" \
	    "$(printf '%-9s' "(+$(kb $((_b - LAST_BYTES))) kB)")" \
	    " session: $(session_echoes) echoes"
	LAST_BYTES=$_b
}

# ticks SECONDS: ticks for that long.
ticks() {
	local _end
	_end=$(awk -v s="$1" -v n="$(fwpair_now)" 'BEGIN { printf "%.3f", n + s }')
	while awk -v e="$_end" -v n="$(fwpair_now)" 'BEGIN { exit !(n < e) }'; do
		tick
		sleep 0.1
	done
}

# takeovers: print fw2's new BACKUP -> MASTER transitions (from its carpd
# log, past line $LOG_MARK), with their delay since the crash and why.
# Sets TAKEN to how many were seen, TAKEN_T to the time of the last.
takeovers() {
	local _line _hms _carp _why _t
	sed -n "$((LOG_MARK + 1)),\$p" "$LAB_DIR/carpd-fw2.log" |
	    grep -- '-> MASTER' >"$LAB_DIR/takeovers.new"
	while IFS= read -r _line; do
		grep -qxF "$_line" "$LAB_DIR/takeovers" 2>/dev/null && continue
		echo "$_line" >>"$LAB_DIR/takeovers"
		_hms=${_line%% *}
		_carp=$(echo "$_line" | sed -n 's/.* \(carp[0-9]*\): .*/\1/p')
		_why=$(echo "$_line" | sed -n 's/.*MASTER (\(.*\))$/\1/p')
		case $_why in
		*"master down"*) _why="fw1 silent for fw2's master-down time";;
		*demote*) _why="fw1's last advert had demote ${_why##*demote }: its links were going down";;
		esac
		_t=$(date -d "$_hms" +%s.%6N)
		TAKEN_T=$_t
		ev -t "$_t" "fw2 $_carp MASTER $(fwpair_ms "$FWPAIR_CRASH_T" "$_t") ms after the crash ($_why)"
	done <"$LAB_DIR/takeovers.new"
	TAKEN=$(grep -c . "$LAB_DIR/takeovers")
}

# demo_interval fwN: fwN's advertisement interval in ms, as carpd has it.
demo_interval() { echo $(( $(fwpair_masterdown_ms "$1") / 3 )); }

# demo_ss PORT FIELD: a field of the client's TCP info (ss -ti) for its
# connection from PORT: rto (the retransmission timeout, ms) or retrans
# (segments retransmitted so far; ss leaves it out while 0); "?" if
# there is no such connection.
demo_ss() {
	local _i
	_i=$(lab_exec client ss -Htin state established "( sport = :$1 )")
	[ -n "$_i" ] || { echo "?"; return; }
	echo "$_i" | sed -n "s/.* $2:\([0-9.\/]*\).*/\1/p" | sed 's,.*/,,' |
	    head -n 1 | grep . || echo 0
}

# demo_moments: what the crash did, measured, in ms from the crash.
demo_moments() {
	local _m _p _x _t
	_m=""
	while IFS= read -r _t; do
		_m="${_m:+$_m, }$(echo "$_t" | sed -n 's/.* \(carp[0-9]*\): .*/\1/p')"
		_m="$_m +$(fwpair_ms "$FWPAIR_CRASH_T" "$(date -d "${_t%% *}" +%s.%6N)")"
	done <"$LAB_DIR/takeovers"
	# the gaps across the takeover: what began after it is not the crash's
	_p=$(fwpair_probe_times | fwpair_gap "$FWPAIR_CRASH_T" "$TAKEN_T")
	_x=$(fwpair_rx_times xfer | fwpair_gap "$FWPAIR_CRASH_T" "$TAKEN_T")
	say "          measured, in ms from the crash (0: fw1's LAN and WAN cables out;" \
	    "pulling them began at $(fwpair_ms "$FWPAIR_CRASH_T" "$FWPAIR_CUT_T0")):"
	say "            fw2 MASTER           ${_m:-never}"
	say "            probe (every 10 ms)  last reply before $(demo_signed "${_p% *}")," \
	    "first reply after $(demo_signed "${_p#* }")"
	say "            transfer             last byte before $(demo_signed "${_x% *}")," \
	    "first byte after $(demo_signed "${_x#* }")"
	_t=$(demo_ss "${XFER_LOCAL##*:}" retrans)
	case "$_t$XFER_RETRANS" in
	*[!0-9]*) _t="?";;
	*) _t=$((_t - XFER_RETRANS));;
	esac
	say "          fw2's master-down time is $(fwpair_masterdown_ms fw2) ms." \
	    "The transfer's TCP: retransmission"
	say "          timeout ${XFER_RTO} ms before the crash, $_t segment(s)" \
	    "retransmitted since (ss -ti"
	say "          on the client); $(demo_retrans "$_x")"
}

# demo_retrans "BEFORE AFTER": how the stall compares with the
# retransmission timeout (RTO): the first retransmission by timeout goes
# out one RTO after the first segment lost, the second two RTOs later.
demo_retrans() {
	local _s
	case "$1 $XFER_RTO" in *[!0-9.\ -]*|*-\ *) echo "stall not measured"; return;; esac
	_s=$(( ${1#* } - ${1% *} ))
	if awk -v s="$_s" -v r="$XFER_RTO" 'BEGIN { exit !(s < r) }'; then
		echo "it stalled $_s ms, less than one timeout"
	elif awk -v s="$_s" -v r="$XFER_RTO" 'BEGIN { exit !(s < 3 * r) }'; then
		echo "it stalled $_s ms: its first retransmission by timeout went through"
	else
		echo "it stalled $_s ms: more than one retransmission by timeout"
	fi
}

# demo_signed MS: "+12" or "-3".
demo_signed() { case $1 in -*|-) echo "$1";; *) echo "+$1";; esac; }

# --- the show --------------------------------------------------------------------

say "carp demo: two firewalls, one of them loses power"
say "  client 192.0.2.10 -> VIP 192.0.2.254 [fw1 | fw2] VIP 198.51.100.254 (SNAT) -> server 198.51.100.10"

fwpair_up
ev "lab up: namespaces, nftables, carpd + syncd on fw1 and fw2"
say "                 advbase $FWPAIR_ADVBASE, advskew $(fwpair_advskew fw1) on fw1 and $(fwpair_advskew fw2) on fw2: fw2 declares fw1"
say "                 dead after $(fwpair_masterdown_ms fw2) ms without an advert (3 x $(demo_interval fw2) ms, its master-down time)"
fwpair_wait_master fw1 30 ||
    fail "fw1 did not become master of both VIPs with fw2 backup in sync"
ev "fw1 MASTER of carp1 + carp2, fw2 BACKUP, syncd in sync both ways"

fwpair_tcp xfer busy 4
wait_for 10 "[ \"\$(fwpair_flow xfer recv)\" -gt 20000 ]" ||
    fail "the transfer carries no data"
XFER_LOCAL=$(fwpair_flow xfer local)
XFER_PEER=$(fwpair_peer xfer)
session_up
fwpair_probe_start 0.01
ev "flows open: transfer $XFER_LOCAL, session $SESSION_LOCAL, ping every 10 ms"
say "                 the server sees them from ${XFER_PEER% *}:${XFER_PEER#* } and ${SESSION_PEER% *}:${SESSION_PEER#* } (SNAT to the VIP)"
for _p in "${XFER_LOCAL##*:}" "${SESSION_LOCAL##*:}"; do
	wait_for 5 "lab_exec fw2 conntrack -L -p tcp --orig-port-src $_p 2>/dev/null |
	    grep -q ESTABLISHED" ||
	    fail "syncd did not replicate the connection from port $_p to fw2"
done
ev "both connections' states (NAT included) are in fw2's kernel table, put there by syncd"

demo_block "carpctl status                (fw1)" fwpair_carpctl fw1 status
demo_block "carpctl status                (fw2)" fwpair_carpctl fw2 status
demo_block "carpctl sync status           (fw2)" fwpair_carpctl fw2 sync status

LAST_BYTES=$(fwpair_flow xfer recv)
ticks 2
XFER_RTO=$(demo_ss "${XFER_LOCAL##*:}" rto)
XFER_RETRANS=$(demo_ss "${XFER_LOCAL##*:}" retrans)

# nothing moved while we watched (a syncd that lost its peer, say,
# would have demoted fw1 already)
fwpair_settled fw1 || fail "before the crash, fw1 is no longer master with" \
    "fw2 backup and both in sync: fw1 $(carp_state fw1 carp1)/$(carp_state fw1 carp2)," \
    "fw2 $(carp_state fw2 carp1)/$(carp_state fw2 carp2)," \
    "fw1 demote $(fwpair_group_demote fw1 carp), fw2 demote $(fwpair_group_demote fw2 carp)"
LOG_MARK=$(wc -l <"$LAB_DIR/carpd-fw2.log")
: >"$LAB_DIR/takeovers"
fwpair_crash fw1
ev -t "$FWPAIR_CRASH_T" "CRASH: fw1 loses power (all cables pulled, carpd and syncd SIGKILLed)"
fwpair_mark		# from here on, what the client receives went through fw2

# until fw2 holds both VIPs, the transfer has moved 20 kB through fw2,
# the session echoed 2 lines since the crash, then 2 s more (bounded: 20 s)
TAKEN=0 TAKEN_T="" HELD="" RESUMED="" ECHOED="" DONE_T=""
_end=$(( $(date +%s) + 20 ))
while [ "$(date +%s)" -lt "$_end" ]; do
	tick
	if [ -z "$HELD" ]; then
		takeovers
		if fwpair_holds fw2; then
			HELD=1
			takeovers	# one that came in since
			# the later transition in fw2's log, or now
			[ "$TAKEN" -ge 2 ] || TAKEN_T=$(fwpair_now)
			ev -t "$TAKEN_T" "fw2 MASTER of both VIPs," \
			    "$(fwpair_ms "$FWPAIR_CRASH_T" "$TAKEN_T") ms after the crash"
		fi
	fi
	if [ -z "$RESUMED" ] && fwpair_progressed xfer 20000; then
		RESUMED=1
		ev "transfer going on through fw2: 20 kB since the crash, same connection"
	fi
	if [ -z "$ECHOED" ] && [ "$(awk -v t="$FWPAIR_CRASH_T" \
	    '$2 == "line" && $1 > t { n++ } END { print n + 0 }' \
	    "$LAB_DIR/session.out")" -ge 2 ]; then
		ECHOED=1
		ev "session echoing through fw2"
	fi
	if [ -n "$HELD" ] && [ -n "$RESUMED" ] && [ -n "$ECHOED" ]; then
		[ -n "$DONE_T" ] || DONE_T=$(( $(date +%s) + 2 ))
		[ "$(date +%s)" -lt "$DONE_T" ] || break
	fi
	sleep 0.1
done

demo_block "carpctl status                (fw2)" fwpair_carpctl fw2 status

# --- the verdict -------------------------------------------------------------------

BROKE=""
broke() { BROKE="${BROKE:+$BROKE; }$*"; }
fwpair_probe_stop
fwpair_outage "$FWPAIR_CRASH_T"
fwpair_master_only fw2 || broke "fw2 does not hold both VIPs"
XFER_WHY=$(fwpair_tcp_survived xfer 5 fw2) || broke "transfer: $XFER_WHY"
SESSION_WHY=$(session_check "$FWPAIR_CRASH_T") || broke "$SESSION_WHY"

XFER_BYTES=$(fwpair_flow xfer recv)
XFER_AFTER=$(( XFER_BYTES - $(cut -d' ' -f1 "$LAB_DIR/flows/xfer.mark") ))
SESSION_WAIT=$(awk '$2 == "line" {
	w = ($1 - $4) * 1000; if (w > m) m = w } END { printf "%d", m + 0.5 }' \
    "$LAB_DIR/session.out")
say "          outage: ${FWPAIR_OUTAGE_MS} ms without ping replies" \
    "($FWPAIR_LOST of $((FWPAIR_LOST + FWPAIR_REPLIES)) lost)"
if [ -z "$XFER_WHY" ]; then
	say "          transfer: $(kb "$XFER_BYTES") kB echoed byte for byte," \
	    "$(kb "$XFER_AFTER") kB of it after the crash; one connection, the" \
	    "server still sees ${XFER_PEER% *}:${XFER_PEER#* }"
else
	say "          transfer: BROKEN: ${XFER_WHY#xfer: }"
fi
if [ -z "$SESSION_WHY" ]; then
	say "          session: $(session_echoes) lines echoed, none lost, longest" \
	    "wait ${SESSION_WAIT} ms; one connection, the server still sees" \
	    "${SESSION_PEER% *}:${SESSION_PEER#* }"
else
	say "          session: BROKEN: ${SESSION_WHY#session: }"
fi
demo_moments
[ -z "$BROKE" ] || fail "connections did not survive the crash: $BROKE"
ev "PASS: both connections survived the crash of the master"
