#!/bin/sh
# carpd and syncd under a Type=notify unit (common/notify.c): each runs
# with NOTIFY_SOCKET naming a datagram socket the test reads
# (lib/notify_listen.py) and WATCHDOG_USEC=1000000, as systemd starts
# them.
#  1. carpd: READY=1 once its control socket answers, STATUS= saying
#     "carp1 MASTER" once it is, WATCHDOG=1 again and again; SIGHUP:
#     RELOADING=1, then READY=1 again;
#  2. syncd with a peer that is not there (bulk-timeout 10s): STATUS=
#     "bulk from 203.0.113.2"; no READY=1 while syncd says its bulk is
#     in progress; READY=1 once it is given up, and not before the log
#     line saying so; WATCHDOG=1 again and again;
#     then the peer comes: "in sync"; it goes again: "peer lost";
#  3. STOPPING=1 from each at SIGTERM, no send failed (a seccomp denial
#     makes sd_notify fail, and the daemons log that) and the kernel
#     logged no denial;
#  4. carpd without -d forks: its READY=1 names the child (MAINPID=),
#     which is the carpd that then stops on SIGTERM.
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab
sync_pair
lab_bridge lan
lab_port a lan0 lan
lab_addr a lan0 192.0.2.1/24
SYNC_GLOBAL=$(carp_block carp1 1 lan0 0 lab-secret \
    "address 192.0.2.254/24")
sync_conf a sync0 203.0.113.2 "bulk-timeout 10s"
SYNC_GLOBAL=
seccomp_mark

# notify_listen NAME: NAME's socket $LAB_DIR/NAME.notify; what it is
# sent, one message a line, in $LAB_DIR/NAME.msgs
notify_listen() {
	: >"$LAB_DIR/$1.msgs"
	lab_bg a "$LAB_DIR/listen-$1.log" "$LAB_PY" \
	    "$INTEG_LIB/notify_listen.py" "$LAB_DIR/$1.notify" \
	    "$LAB_DIR/$1.msgs" 180
	wait_for 5 "[ -S '$LAB_DIR/$1.notify' ]" ||
		lab_fail "no notify socket for $1"
}
# notify_count NAME KEY=VALUE: messages to NAME with that line
notify_count() {
	grep -c -E "(^| )$2( |\$)" "$LAB_DIR/$1.msgs"
}
notify_has() { [ "$(notify_count "$1" "$2")" -ge "${3:-1}" ]; }
# notify_line NAME REGEX: number of the first message matching, or 0
notify_line() {
	grep -n -E "$2" "$LAB_DIR/$1.msgs" | head -1 | cut -d: -f1 |
	    grep . || echo 0
}
notify_fail() {
	lab_log "messages to $1:"
	sed 's/^/	/' "$LAB_DIR/$1.msgs"
	shift
	lab_fail "$@"
}
# notify_run NAME CMD...: CMD as systemd would run it, with a watchdog
notify_run() {
	local n=$1
	shift
	export NOTIFY_SOCKET="$LAB_DIR/$n.notify" WATCHDOG_USEC=1000000
	"$@"
	unset NOTIFY_SOCKET WATCHDOG_USEC
}

# --- 1. carpd
notify_listen carpd
notify_run carpd carpd_start a "$LAB_DIR/a-sync.conf"
wait_for 10 "notify_has carpd READY=1" || notify_fail carpd "no READY=1"
carpctl a status >/dev/null || lab_fail "carpd ready but carpctl fails"
wait_for 15 "notify_has carpd 'STATUS=carp1 MASTER[^|]*'" ||
	notify_fail carpd "no STATUS= with carp1 MASTER"
wait_for 10 "notify_has carpd WATCHDOG=1 3" ||
	notify_fail carpd "fewer than 3 WATCHDOG=1"
lab_log "carpd: $(notify_count carpd READY=1) READY=1," \
    "$(notify_count carpd WATCHDOG=1) WATCHDOG=1," \
    "$(grep -o 'STATUS=[^|]*' "$LAB_DIR/carpd.msgs" | tail -1)"
kill -HUP "$(carpd_pid a)"
wait_for 10 "notify_has carpd READY=1 2" ||
	notify_fail carpd "no READY=1 after the reload"
r=$(notify_line carpd 'RELOADING=1')
[ "$r" -gt 0 ] || notify_fail carpd "no RELOADING=1 on SIGHUP"
[ "$(grep -n -E '(^| )READY=1( |$)' "$LAB_DIR/carpd.msgs" | sed -n 2p |
    cut -d: -f1)" -gt "$r" ] ||
	notify_fail carpd "READY=1 of the reload before its RELOADING=1"
lab_log "carpd: RELOADING=1, then READY=1 on SIGHUP"

# --- 2. syncd: READY=1 only once the first bulk is given up
notify_listen syncd
notify_run syncd syncd_start a
wait_for 5 "notify_has syncd 'STATUS=bulk from 203\.0\.113\.2[^|]*'" ||
	notify_fail syncd "no STATUS= bulk from 203.0.113.2"
# READY=1 there, then the bulk still in progress: READY=1 came too early
# (read in that order: a READY=1 after the bulk ended is no fault)
ready_early() {
	notify_has syncd READY=1 &&
	    [ "$(sync_stat a bulk_in_progress)" = true ]
}
lab_hold 3 "! ready_early" ||
	notify_fail syncd "READY=1 while the first bulk is in progress"
wait_for 20 "notify_has syncd READY=1" ||
	notify_fail syncd "no READY=1 after bulk-timeout"
gave_up=$(grep -m1 'no bulk end from any peer.*giving up' \
    "$LAB_DIR/syncd-a.log" | cut -c1-12)
[ -n "$gave_up" ] ||
	notify_fail syncd "READY=1 but syncd's log has no bulk given up"
ready=$(grep -m1 -E ' READY=1( |$)' "$LAB_DIR/syncd.msgs" | cut -c1-12)
# both HH:MM:SS.mmm of one clock; not across midnight
[ "$ready" \> "$gave_up" ] || [ "$ready" = "$gave_up" ] ||
	[ "${gave_up%%:*}" = 23 ] ||
	notify_fail syncd "READY=1 at $ready, before the bulk was given up" \
	    "at $gave_up"
notify_has syncd 'STATUS=no peer, bulk given up[^|]*' ||
	notify_fail syncd "READY=1 without a status saying the bulk was given up"
wait_for 10 "notify_has syncd WATCHDOG=1 3" ||
	notify_fail syncd "fewer than 3 WATCHDOG=1"
lab_log "syncd: READY=1 after the bulk was given up," \
    "$(notify_count syncd WATCHDOG=1) WATCHDOG=1," \
    "$(grep -o 'STATUS=[^|]*' "$LAB_DIR/syncd.msgs" | tail -1)"

# the peer comes, and goes
sync_conf b sync0 203.0.113.1 "bulk-timeout 5s"
syncd_start b
wait_for 20 "notify_has syncd 'STATUS=in sync, [0-9]+ states?'" ||
	notify_fail syncd "no STATUS= in sync once the peer came"
syncd_stop b || lab_fail "syncd on b exited $?"
wait_for 15 "notify_has syncd 'STATUS=peer lost, [0-9]+ states?[^|]*'" ||
	notify_fail syncd "no STATUS= peer lost once the peer went"
lab_log "syncd: $(grep -o 'STATUS=in sync[^|]*' "$LAB_DIR/syncd.msgs" |
    head -1), then $(grep -o 'STATUS=peer lost[^|]*' "$LAB_DIR/syncd.msgs" |
    head -1)"

# --- 3. STOPPING=1, and nothing was refused
syncd_stop a || lab_fail "syncd exited $?"
notify_has syncd STOPPING=1 || notify_fail syncd "no STOPPING=1"
carpd_stop a || lab_fail "carpd exited $?"
notify_has carpd STOPPING=1 || notify_fail carpd "no STOPPING=1"
grep -h 'cannot notify systemd' "$LAB_DIR/carpd-a.log" \
    "$LAB_DIR/syncd-a.log" && lab_fail "a notification failed"
d=$(seccomp_denials "$(realpath "$LAB_BUILD")/(carpd|syncd)")
[ -z "$d" ] || lab_fail "seccomp denials: $d"
lab_log "STOPPING=1 from both, no failed send, no seccomp denial"

# --- 4. carpd forks without -d: MAINPID= names the child
carp_block carp2 2 sync0 0 lab-secret "address 203.0.113.254/24" |
    carpd_conf b
notify_listen fork
notify_run fork lab_exec b "$CARPD" -f "$LAB_DIR/b.conf" ||
	lab_fail "carpd without -d exited $?"
wait_for 10 "notify_has fork READY=1" || notify_fail fork "no READY=1"
pid=$(grep -o 'MAINPID=[0-9]*' "$LAB_DIR/fork.msgs" | head -1 | cut -d= -f2)
[ -n "$pid" ] || notify_fail fork "READY=1 without MAINPID="
[ "$(readlink "/proc/$pid/exe")" = "$(realpath "$CARPD")" ] ||
	notify_fail fork "MAINPID=$pid is not carpd"
kill -TERM "$pid"
wait_for 10 "notify_has fork STOPPING=1 && ! kill -0 $pid" ||
	notify_fail fork "carpd $pid did not stop with STOPPING=1"
lab_log "carpd without -d: READY=1 with MAINPID=$pid, its child"
lab_log "pass"
