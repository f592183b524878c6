# tests/bench/load.sh: the load of the side-by-side benchmarks (cases 3 to
# 5 of issue 9), on top of lab.sh, lib.sh and peers.sh (sourced first):
#
#	load_busy NODE [N]		N busy loops (default: one per CPU)
#	load_flood NODE RATE SECONDS	ctgen flood of new conntrack states
#	load_flood_report		the rate the kernel took, per flood
#	load_sync_link A B		a sync cable A:eth1 - B:eth1
#	load_repl SYS A B		the state replicator of SYS on that
#					cable: syncd for carpd, conntrackd
#					(FTFW) for keepalived and ucarp
#	load_echo_start NODE		a TCP echo server on port 5001
#	load_sessions_start NODE DST N	N TCP sessions from NODE to DST:5001
#	load_sessions_stop		"N broken STALL_MS" of those sessions
#	load_mark; load_stop_since MARK	stop what lab_bg started since MARK
#	load_sys_stop SYS NODE		sys_stop, every process signalled at once
#	load_watch SECONDS CMD		checks at which CMD failed
#	load_bench3 NAME UNIT [PREFIX]	min/median/max BENCH lines of stdin
#
# Everything runs through lab_bg, so lab_init's trap stops it.

LOAD_ECHO_PORT=5001

# load_mark: where lab_bg's list of processes ends now; load_stop_since
# MARK stops (TERM, bounded) those started after it, so one system's load
# ends before the next system's run.
load_mark() { wc -l <"$LAB_DIR/pids"; }
load_stop_since() {
	local pid
	for pid in $(awk -v m="$1" 'NR > m { print $1 }' "$LAB_DIR/pids"); do
		lab_kill "$pid" TERM
	done
}

# load_sys_stop SYS NODE: sys_stop, but every process signalled at once
# first (sys_stop stops them one by one, a minute for 255 ucarps), then
# a bounded wait for the node's cgroup to empty.
load_sys_stop() {
	local cg
	cg=$(sys_cg "$1" "$2")
	kill -TERM $(sys_pid "$1" "$2") 2>/dev/null
	wait_for 10 "[ -z \"\$(cg_pids $cg)\" ]"
	sys_stop "$1" "$2"
}

# load_bench3 NAME UNIT [PREFIX] < values: the BENCH lines NAME/PREFIXmin,
# NAME/PREFIXmedian, NAME/PREFIXmax of the numbers on stdin (lines that
# are not numbers skipped); prints nothing else.
load_bench3() {
	set -- "$1" "$2" "${3:-}" $(grep '^[0-9]' | stats)
	bench "$1/$3min" "$4" "$2"
	bench "$1/$3median" "$5" "$2"
	bench "$1/$3max" "$6" "$2"
}

# load_watch SECONDS CMD: run CMD (eval'ed) about every 200 ms for
# SECONDS; prints the number of checks at which it failed. Unlike
# lab_hold it goes on after a failure: the window keeps its length.
load_watch() {
	local end n=0 bad=0
	end=$(( $(date +%s%N) + $1 * 1000000000 ))
	while [ "$(date +%s%N)" -lt "$end" ] && [ "$n" -lt $(( $1 * 10 )) ]; do
		eval "$2" >/dev/null 2>&1 || bad=$((bad + 1))
		n=$((n + 1))
		sleep 0.2
	done
	echo "$bad"
}

# load_busy NODE [N]: N busy loops in NODE at normal priority. Namespaces
# do not confine CPU: they compete with every daemon of every node.
load_busy() {
	local n=${2:-$(nproc)} i=0
	while [ "$i" -lt "$n" ]; do
		lab_bg "$1" /dev/null sh -c 'while :; do :; done'
		i=$((i + 1))
	done
}

# load_flood NODE RATE SECONDS: in the background, RATE new conntrack
# states per second in NODE for SECONDS, each living 2 s (the table
# holds some 230,000 of them at 50,000/s, the kernel's collector being
# lazy: under nf_conntrack_max). Its line goes to $LAB_DIR/flood-NODE.log.
# A real flood arrives in softirq, ahead of every process; the generator
# runs at nice LOAD_FLOOD_NICE (default -10) so the busy loops do not
# starve it below the rate asked (it is no real-time task: it never
# preempts a daemon that asks for real-time priority).
load_flood() {
	lab_bg "$1" "$LAB_DIR/flood-$1.log" nice -n "${LOAD_FLOOD_NICE:--10}" \
	    "$CTGEN" -r "$2" -t 2 -n $(( $2 * $3 )) -T "$3"
	LOAD_FLOOD_PID=$LAB_PID
}

# load_flood_wait: wait (bounded) for the flood to end; its rate achieved
# (states per second the kernel took) in $LOAD_FLOOD_RATE.
load_flood_wait() {
	wait_for 10 "! lab_alive $LOAD_FLOOD_PID" || lab_kill "$LOAD_FLOOD_PID"
	wait "$LOAD_FLOOD_PID" 2>/dev/null
	LOAD_FLOOD_RATE=$(sed -n 's/.*achieved \([0-9]*\)\/s.*/\1/p' \
	    "$LAB_DIR"/flood-*.log | tail -n 1)
	[ -n "$LOAD_FLOOD_RATE" ] || LOAD_FLOOD_RATE=0
}

# load_sync_link A B: the sync cable, A:eth1 203.0.113.1 - B:eth1 .2.
load_sync_link() {
	lab_link "$1" eth1 "$2" eth1
	lab_addr "$1" eth1 203.0.113.1/24
	lab_addr "$2" eth1 203.0.113.2/24
}

# load_repl SYS A B: start SYS's state replicator on A and B (after
# load_sync_link A B), and wait until both run.
load_repl() {
	case $1 in
	carpd) load_syncd "$2" 2; load_syncd "$3" 1
	       wait_for 15 "load_syncd_alive $2 && load_syncd_alive $3" ||
		   echo "  (syncd peers not alive after 15 s; going on)";;
	*)     load_ctd "$2" 1 2; load_ctd "$3" 2 1
	       wait_for 10 "[ -S '$LAB_DIR/ctd-$2.ctl' ] &&
		   [ -S '$LAB_DIR/ctd-$3.ctl' ]" ||
		   lab_fail "conntrackd did not start";;
	esac
}

# load_syncd_conf NODE PEER_INDEX CARPD_SOCKET [LINE]: the shared key
# and $LAB_DIR/syncd-NODE.conf, unicast on eth1 to 203.0.113.PEER, with
# LINE (a keyword and its value, e.g. "sync-delay 2s") in the block.
load_syncd_conf() {
	[ -f "$LAB_DIR/sync.key" ] || ( umask 077
	    od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$LAB_DIR/sync.key" )
	cat >"$LAB_DIR/syncd-$1.conf" <<EOT
sync {
	syncdev eth1
	syncpeer 203.0.113.$2
	${4:-}
	key-file "$LAB_DIR/sync.key"
	control-socket "$LAB_DIR/syncd-$1.sock"
	carpd-socket "$3"
}
EOT
	chmod 600 "$LAB_DIR/syncd-$1.conf"
}

# load_syncd NODE PEER_INDEX: syncd in NODE, unicast to 203.0.113.PEER;
# it talks to NODE's carpd (its demotion while out of sync is part of
# what is measured), unless LOAD_SYNC_CARPD=0: then its carpd socket
# leads nowhere, to tell carpd's own transitions from syncd's demotions.
# Log $LAB_DIR/syncd-NODE.log.
load_syncd() {
	local sock=$LAB_DIR/$1.sock
	[ "${LOAD_SYNC_CARPD:-1}" = 1 ] || sock=$LAB_DIR/$1.none.sock
	load_syncd_conf "$1" "$2" "$sock"
	rm -f "$LAB_DIR/syncd-$1.sock"
	lab_bg "$1" "$LAB_DIR/syncd-$1.log" "$SYNCD" -d \
	    -f "$LAB_DIR/syncd-$1.conf"
	wait_for 10 "[ -S '$LAB_DIR/syncd-$1.sock' ]" ||
		lab_fail "syncd on $1 did not start"
}

load_syncd_stats() {
	lab_exec "$1" "$CARPCTL" -s "$LAB_DIR/syncd-$1.sock" -j sync stats
}

load_syncd_alive() {
	load_syncd_stats "$1" | json_get peer_alive | grep -qi true
}

# load_ctd NODE ME PEER: conntrackd in NODE, FTFW over UDP on eth1
# (ctd_conf in lib.sh).
load_ctd() {
	ctd_conf "$1" "$2" "$3"
	lab_bg "$1" "$LAB_DIR/ctd-$1.out" conntrackd -C "$LAB_DIR/ctd-$1.conf"
}

# load_repl_report SYS A B: one context line on what the replicator did.
load_repl_report() {
	case $1 in
	carpd)
		echo "  syncd $2: $(load_syncd_stats "$2" 2>&1 | tr -d '\n ' |
		    cut -c1-300)"
		echo "  syncd $3: $(load_syncd_stats "$3" 2>&1 | tr -d '\n ' |
		    cut -c1-300)";;
	*)
		echo "  conntrackd $3 external cache: $(lab_exec "$3" \
		    conntrackd -C "$LAB_DIR/ctd-$3.conf" -s 2>/dev/null |
		    awk '/cache external/ { e = 1 }
			e && /current active/ { print $4; exit }') states";;
	esac
}

# --- TCP sessions --------------------------------------------------------

# load_echo_start NODE: a TCP echo server on port 5001 of NODE.
load_echo_start() {
	lab_bg "$1" "$LAB_DIR/echo-$1.log" "$LAB_PY" -c '
import socket, sys, threading
def serve(c):
    try:
        while True:
            d = c.recv(4096)
            if not d:
                break
            c.sendall(d)
    except OSError:
        pass
    c.close()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(64)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$LOAD_ECHO_PORT"
	wait_for 10 "grep -q listening '$LAB_DIR/echo-$1.log'" ||
		lab_fail "echo server on $1 did not start"
}

# load_sessions_start NODE DST N: N TCP sessions from NODE to DST:5001,
# each an interactive exchange: 64 bytes every 20 ms, echo checked byte
# for byte. A session breaks on an error, a wrong echo, or no echo for
# 10 s (long past any failover measured here). On SIGTERM it prints
# "N BROKEN STALL_MS", STALL_MS the longest wait of any session for an
# echo. Waits until all are connected.
load_sessions_start() {
	LOAD_SESS_LOG=$LAB_DIR/sessions.$$.$(date +%s%N).log
	lab_bg "$1" "$LOAD_SESS_LOG" "$LAB_PY" -c '
import signal, socket, sys, threading, time
dst, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
stop = threading.Event()
broken, stall = [0], [0.0]
lock = threading.Lock()
def session(i):
    msg = bytes([65 + i % 26]) * 64
    try:
        c = socket.create_connection((dst, port), timeout=10)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError as e:
        with lock: broken[0] += 1
        return
    with lock: ready[0] += 1
    last = time.monotonic()
    try:
        while not stop.is_set():
            c.sendall(msg)
            got = b""
            while len(got) < len(msg):
                d = c.recv(len(msg) - len(got))
                if not d:
                    raise OSError("closed")
                got += d
            if got != msg:
                raise OSError("bad echo")
            t = time.monotonic()
            with lock: stall[0] = max(stall[0], t - last)
            last = t
            time.sleep(0.02)
    except OSError:
        with lock: broken[0] += 1
    c.close()
ready = [0]
signal.signal(signal.SIGTERM, lambda *a: stop.set())
ts = [threading.Thread(target=session, args=(i,)) for i in range(n)]
for t in ts: t.start()
while ready[0] + broken[0] < n and not stop.is_set():
    time.sleep(0.01)
print("connected", ready[0], flush=True)
while not stop.is_set():
    stop.wait(0.1)
end = time.monotonic() + 3
for t in ts: t.join(max(0.0, end - time.monotonic()))
print("result %d %d %d" % (n, broken[0], stall[0] * 1000 + 0.5), flush=True)
sys.stdout.flush()
import os; os._exit(0)
' "$2" "$LOAD_ECHO_PORT" "$3"
	LOAD_SESS_PID=$LAB_PID
	wait_for 15 "grep -q connected '$LOAD_SESS_LOG'" ||
		lab_fail "TCP sessions to $2 did not connect"
}

# load_sessions_stop: end the sessions; prints "N BROKEN STALL_MS".
load_sessions_stop() {
	lab_kill "$LOAD_SESS_PID" TERM
	sed -n 's/^result //p' "$LOAD_SESS_LOG" | tail -n 1 | grep . ||
		echo "- - -"
}
