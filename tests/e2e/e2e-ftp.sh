#!/bin/sh
# e2e-ftp: FTP data connections and a SIP media flow opened after a
# failover (conntrack expectations replicated by syncd, docs/PROTOCOL.md
# section 6.16).
#
# The firewalls assign the ftp helper to the LAN's connections to tcp
# port 21 and forward nothing else as new: a data connection passes only
# as the related flow of an expectation (tests/lab/ftp.sh). Three clients
# log in through fw1 and announce their data channel, so fw1's helper
# makes an expectation for each: passive over IPv4 (source-NATed: the
# expectation carries the NAT's saved tuple and nat-follow-master),
# active over IPv6 (EPRT: the server connects back) and passive over
# IPv6 (EPSV). A SIP caller sets up a call with the callee through fw1
# (INVITE and 200 OK over UDP, SDP rewritten by the NAT helper), so
# fw1's sip helper expects the media flows. Once fw2 holds every
# expectation, its syncd is restarted with them flushed: its bulk must
# bring them back. fw1 then crashes; once fw2 holds both VIPs each FTP
# client opens its data connection and fetches a file, the caller sends
# its media and the callee its own to the caller's NATed SDP address:
# every transfer must complete, intact, the caller's media be echoed and
# the callee's reach the caller (translated by the expectation's saved
# NAT address), through fw2 (tests/lab/ftp.sh, sip.sh).
#
# The control case runs first, in a lab of its own (this script with
# --control): the same with `expectations no` on both firewalls, where
# every transfer and the media must fail. That is what shows the test
# can fail.
#
# Not covered: active mode over IPv4, where the NAT helper rewrites the
# PORT command to another length and the control connection depends on
# the sequence adjustment, which the wire does not carry.
# advbase 1 (carp.conf(5)'s conservative setting) unless told otherwise:
# what is tested is what passes after the failover, not how soon, and
# the lab's 31 ms adverts flap on a loaded machine. Exported: the
# control case runs in a child.
FWPAIR_ADVBASE=${FWPAIR_ADVBASE:-1}
export FWPAIR_ADVBASE
. "$(dirname "$0")/lib/e2e.sh"
. "$(dirname "$0")/../lab/ftp.sh"
. "$(dirname "$0")/../lab/sip.sh"

CASES="p4:pasv:4 a6:active:6 p6:pasv:6"
NCASES=4	# and the SIP call
MODE=${1:-main}

# run_case: the pair up, the clients announced through fw1, fw1 crashed,
# the transfers through fw2. Sets PASSED to the transfers that completed.
run_case() {
	local _c _n _m _f
	lab_require "$LAB_PY" conntrack
	ftp_require
	sip_require
	e2e_up
	ftp_up
	sip_up s4
	for _c in $CASES; do
		IFS=: read -r _n _m _f <<EOT
$_c
EOT
		ftp_client "$_n" "$_m" "$_f"
	done
	sip_call s4
	# the control connections' states are on fw2 in both cases
	wait_for 10 "[ \$(lab_exec fw2 conntrack -L -p tcp --dport 21 2>/dev/null | grep -c ESTABLISHED) -ge 3 ]" ||
	    fwpair_fail "fw2 lacks the FTP control connections' states"
	lab_log "expectations: fw1 $(ftp_expects fw1), fw2 $(ftp_expects fw2)"
	if [ "$MODE" = main ]; then
		_x=$(ftp_expects fw1)
		[ "$_x" -gt "$NCASES" ] ||
		    fwpair_fail "fw1 has $_x expectations, fewer than expected"
		wait_for 10 "[ \$(ftp_expects fw2) -ge $_x ]" ||
		    fwpair_fail "fw2 has $(ftp_expects fw2) expectations, not $_x"
		lab_log "fw2 holds $(ftp_expects fw2) expectations after ${WAIT_MS} ms;" \
		    "fw1 sent $(fwpair_sync_get fw1 expects_sent)," \
		    "fw2 applied $(fwpair_sync_get fw2 expects_applied)"
		{ lab_exec fw2 conntrack -L expect -f ipv4
		  lab_exec fw2 conntrack -L expect -f ipv6; } 2>/dev/null |
		    sed 's/^/  fw2: /'
		# a syncd that starts again gets them with its bulk
		fwpair_syncd_stop fw2
		lab_exec fw2 conntrack -F expect >/dev/null 2>&1
		[ "$(ftp_expects fw2)" = 0 ] ||
		    fwpair_fail "fw2's expectations not flushed"
		fwpair_syncd_start fw2
		wait_for 15 "[ \$(ftp_expects fw2) -ge $_x ] && fwpair_in_sync fw2" ||
		    fwpair_fail "fw2 has $(ftp_expects fw2) expectations after its bulk, not $_x"
		lab_log "syncd on fw2 restarted: its bulk brought the $_x back"
	else
		# what replication would have taken, and more
		sleep 2
	fi
	fwpair_crash fw1
	wait_for 20 "fwpair_holds fw2" ||
	    fwpair_fail "fw2 did not take both VIPs after the crash"
	lab_log "fw2 master of both"
	PASSED=0
	for _c in $CASES; do ftp_go "${_c%%:*}"; done
	sip_go s4
	for _c in $CASES; do
		ftp_done "${_c%%:*}" && PASSED=$((PASSED + 1))
	done
	sip_done s4 && PASSED=$((PASSED + 1))
}

if [ "$MODE" = --control ]; then
	FWPAIR_SYNC_EXTRA="expectations no"
	run_case
	lab_log "CONTROL: $PASSED of $NCASES transfers and calls completed"
	[ "$PASSED" = 0 ] || exit 1
	exit 0
fi

lab_log "control case (expectations no), in a lab of its own:"
sh "$0" --control >"${TMPDIR:-/tmp}/e2e-ftp-control.$$" 2>&1
rc=$?
sed 's/^/  control: /' "${TMPDIR:-/tmp}/e2e-ftp-control.$$"
ctl=$(grep -o 'CONTROL: [0-9]* of' "${TMPDIR:-/tmp}/e2e-ftp-control.$$")
rm -f "${TMPDIR:-/tmp}/e2e-ftp-control.$$"
[ "$rc" = 77 ] && { echo "skip: control case skipped"; exit 77; }
if [ "$rc" != 0 ] || [ "$ctl" != "CONTROL: 0 of" ]; then
	echo "FAIL: the control case (expectations no) did not fail every" \
	    "transfer and call (exit $rc, ${ctl:-no result}): the test cannot tell"
	exit 1
fi
lab_log "control case: every transfer failed without expectation sync"

run_case
lab_log "FTP after failover: $PASSED of $NCASES transfers and calls completed through fw2"
[ "$PASSED" = "$NCASES" ] ||
    fwpair_fail "only $PASSED of $NCASES FTP transfers and calls completed through fw2"
lab_log "PASS"
