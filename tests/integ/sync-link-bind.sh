#!/bin/sh
# A local unprivileged user cannot take the sync traffic (hardening bug
# 2: syncd bound the wildcard address with SO_REUSEADDR, and a process
# as nobody that bound the sync address and port got every datagram).
#  - unicast: nobody holds 203.0.113.2:8372 first -> syncd on b refuses
#    to start, with a clear message, exit status not 0; same with the
#    wildcard address;
#  - syncd running: nobody's bind of the sync address, of the wildcard,
#    with or without SO_REUSEADDR/SO_REUSEPORT, fails; every state a
#    creates reaches b, and only syncd holds the port;
#  - multicast: the same for the group address and the wildcard.
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab setpriv

# nobody ADDR [reuse]: as uid 65534 in b, bind UDP ADDR:8372 (with
# SO_REUSEADDR and SO_REUSEPORT if "reuse"); print "bound" and keep it
# for 30 s, printing the datagrams received, or print the error.
nobody() {
	lab_exec b setpriv --reuid 65534 --regid 65534 --clear-groups \
	    "$LAB_PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if len(sys.argv) > 2:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
try:
    s.bind((sys.argv[1], 8372))
except OSError as e:
    print("refused", e.strerror)
    sys.exit(1)
print("bound", flush=True)
s.settimeout(0.5)
n, end = 0, time.time() + 30
while time.time() < end:
    try:
        s.recv(65535)
        n += 1
        print("got", n, flush=True)
    except socket.timeout:
        pass
' "$@"
}

# refuses_start ADDR: with nobody on ADDR:8372, syncd on b exits non-zero
# within 10 s and says why.
refuses_start() {
	lab_bg b "$LAB_DIR/nobody.log" setpriv --reuid 65534 --regid 65534 \
	    --clear-groups "$LAB_PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("'"$1"'", 8372))
print("bound", flush=True)
time.sleep(30)
'
	holder=$LAB_PID
	wait_for 5 "grep -q bound '$LAB_DIR/nobody.log'" ||
		lab_fail "nobody could not bind $1:8372 first"
	rc=0
	lab_exec b timeout 10 "$SYNCD" -d -f "$LAB_DIR/b-sync.conf" \
	    >"$LAB_DIR/refused.log" 2>&1 || rc=$?
	lab_kill "$holder"
	cat "$LAB_DIR/refused.log" >>"$LAB_DIR/syncd-b.log"
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] ||
		lab_fail "syncd started (exit $rc) with $1:8372 taken"
	grep -q "already bound by another socket" "$LAB_DIR/refused.log" ||
		lab_fail "syncd gave no clear reason: $(cat "$LAB_DIR/refused.log")"
	lab_log "$1:8372 taken: syncd exit $rc: \
$(grep "already bound" "$LAB_DIR/refused.log")"
}

# cannot_bind ADDR [reuse]: nobody's bind of ADDR:8372 fails.
cannot_bind() {
	out=$(nobody "$@" 2>&1 | head -1)
	case $out in
	refused*) lab_log "nobody on $*: $out";;
	*) lab_fail "nobody bound $1:8372 next to syncd ($out)";;
	esac
}

# cannot_bind_any ADDR: nor ADDR nor the wildcard, with SO_REUSE* or not
cannot_bind_any() {
	for addr in "$1" 0.0.0.0; do
		cannot_bind $addr
		cannot_bind $addr reuse
	done
}

# pair_runs: both syncds started, in sync; counting from here, what a
# sent and what b took (heard_all)
pair_runs() {
	syncd_start a
	syncd_start b
	wait_for 15 "sync_in_sync a && sync_in_sync b && sync_peer_alive b" ||
		sync_fail "a and b never got in sync" a b
	sent0=$(sync_stat a messages_sent)
	got0=$(b_got)
}
b_got() { echo $(( $(sync_stat b messages_received) + $(sync_stat b stale) )); }

# heard_all: b's syncd took every datagram a sent since pair_runs
heard_all() {
	wait_for 5 '[ $(( $(sync_stat a messages_sent) - sent0 )) = \
	    $(( $(b_got) - got0 )) ]' || sync_fail "b's syncd took \
$(( $(b_got) - got0 )) of the $(( $(sync_stat a messages_sent) - sent0 )) \
datagrams a sent" a b
	lab_log "b's syncd took all $(( $(b_got) - got0 )) datagrams a sent"
}

sync_pair
sync_conf a sync0 203.0.113.2 "bulk-timeout 5s"
sync_conf b sync0 203.0.113.1 "bulk-timeout 5s"
refuses_start 203.0.113.2
refuses_start 0.0.0.0

pair_runs
cannot_bind_any 203.0.113.2
ctgen a -n 200 >/dev/null || lab_fail "ctgen on a"
ct_wait b 200 20 >/dev/null || sync_fail "b did not get a's 200 states" a b
heard_all
# the port is syncd's alone
users=$(lab_exec b ss -Hulpn "sport = :8372" | grep -c .)
[ "$users" = 1 ] && lab_exec b ss -Hulpn "sport = :8372" | grep -q syncd ||
	lab_fail "port 8372 on b: $(lab_exec b ss -Hulpn "sport = :8372")"
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"

# multicast: the group and the wildcard
sync_conf a sync0 - "bulk-timeout 5s"
sync_conf b sync0 - "bulk-timeout 5s"
refuses_start 224.0.0.240
refuses_start 0.0.0.0
pair_runs
cannot_bind_any 224.0.0.240
ctgen a -n 300 >/dev/null || lab_fail "ctgen on a"
ct_wait b 300 20 >/dev/null ||
	sync_fail "b did not get a's 300 states over multicast" a b
heard_all
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
lab_log "pass"
