#!/bin/sh
# bench-balance: active/active (issue 12) on the balance lab
# (tests/lab/balance.sh: fw1 and fw2 balancing one VIP per side, 16
# clients with their own addresses and MACs, a server; no NAT, syncd with
# defer). For each balancing mode:
#
#  tput-2nodes, cps-2nodes: forwarded throughput (an iperf3 upload from
#	every client at once to its own iperf3 server, the sum of what the
#	servers received, BENCH_SECONDS long) and new TCP connections per
#	second (every client connecting, sending a byte, reading it back and
#	closing, in a loop, for BENCH_SECONDS: the sum), with both nodes up,
#	each forwarding for its share of the clients;
#  takeover, stall-failed, stall-survivor: a busy TCP flow from every
#	client (a write every 20 ms, echoed), then fw2 crashes (cables
#	pulled, daemons killed): the time until fw1 masters every slot, and
#	the longest receive gap across the crash of the flows that went
#	through fw2 (out or back; median and max) and of the others (max);
#  tput-1node, cps-1node: the same loads with fw1 alone.
#
# After each connection-rate run a note gives syncd's defer counters on
# the nodes up (deferred, defer_timeouts): a first packet held for the
# whole defer-timeout (2 s here) slows or fails a new connection.
#
# The lab's CPU limit: every namespace shares this machine's CPUs (the
# BENCH note prints how many), so the second node brings no CPU of its
# own: two nodes cannot forward more than one here, and the figures show
# what balancing costs and that the split works, not a capacity gain
# (on two machines that comparison is the point). No timing is asserted;
# the run fails only if the thing measured did not happen (a node did
# not take its slots, or traffic did not pass).
#
# Environment: BENCH_BAL_MODES (default "arp ip"; QUICK: "ip"),
# BENCH_SECONDS (default 10; QUICK: 5), BAL_ADVBASE (default 1).
. "$(dirname "$0")/../lab/balance.sh"
. "$(dirname "$0")/lib.sh"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	MODES=${BENCH_BAL_MODES:-ip}
	SECS=${BENCH_SECONDS:-5}
else
	MODES=${BENCH_BAL_MODES:-arp ip}
	SECS=${BENCH_SECONDS:-10}
fi
IPERF_BASE=5200
CPS_PORT=5003

lab_require iperf3

# cps.py: a connection-rate server (accept, echo one byte, close) and
# client (connect, a byte there and back, close, again until the time is
# up; prints "ok failed").
cps_pyfile() {
	cat <<'EOF'
import selectors, socket, sys, time
def server(port):
    sel = selectors.DefaultSelector()
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port)); ls.listen(1024); ls.setblocking(False)
    sel.register(ls, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is ls:
                try:
                    c, _ = ls.accept()
                except OSError:
                    continue
                c.setblocking(False); sel.register(c, selectors.EVENT_READ)
                continue
            try:
                d = s.recv(16)
                if d:
                    s.send(d)
            except OSError:
                pass
            sel.unregister(s); s.close()
def client(host, port, secs):
    ok = bad = 0
    end = time.time() + secs
    while time.time() < end:
        try:
            s = socket.create_connection((host, port), timeout=2)
            s.sendall(b"x")
            if s.recv(1) == b"x":
                ok += 1
            else:
                bad += 1
            s.close()
        except OSError:
            bad += 1
    print(ok, bad)
if sys.argv[1] == "server":
    server(int(sys.argv[2]))
else:
    client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
EOF
}

# servers: an iperf3 server per client, the connection-rate server.
servers() {
	local _c
	cps_pyfile >"$LAB_DIR/cps.py"
	for _c in $(bal_clients); do
		lab_bg server "$LAB_DIR/iperf3-s-$_c.log" iperf3 -s \
		    -p $((IPERF_BASE + ${_c#c}))
	done
	lab_bg server "$LAB_DIR/cps-server.log" "$LAB_PY" "$LAB_DIR/cps.py" \
	    server "$CPS_PORT"
	wait_for 10 "lab_exec server ss -Htln | grep -q ':$CPS_PORT '" ||
	    bal_fail "the connection-rate server did not start"
}

# wait_pids SECONDS PID...: every PID gone within SECONDS.
wait_pids() {
	local _t=$1 _p; shift
	for _p in "$@"; do
		wait_for "$_t" "! lab_alive $_p" || return 1
	done
}

# tput TAG: BENCH line for the throughput of every client at once.
tput() {
	local _c _pids="" _sum _t
	_t=$(echo "$1" | tr / -)
	bal_snap "$_t-a"
	for _c in $(bal_clients); do
		lab_bg "$_c" "$LAB_DIR/iperf3-$_t-$_c.json" iperf3 -J \
		    -c "$FWPAIR_SRV4" -p $((IPERF_BASE + ${_c#c})) -t "$SECS"
		_pids="$_pids $LAB_PID"
	done
	wait_pids $((SECS + 30)) $_pids || bal_fail "$1: iperf3 did not end"
	bal_snap "$_t-b"
	_sum=$(for _c in $(bal_clients); do
		"$LAB_PY" -c 'import json, sys
print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"])' \
		    "$LAB_DIR/iperf3-$_t-$_c.json" 2>/dev/null || echo 0
	done | awk '{ s += $1 } END { printf "%.0f\n", s / 1e6 }')
	[ "$_sum" -gt 0 ] || bal_fail "$1: no throughput"
	echo "# note $1: clients carried: $(bal_split "$_t-a" "$_t-b")"
	bench "$1" "$_sum" Mbit/s
}

# cps TAG: BENCH line for the new connections per second.
cps() {
	local _c _pids="" _t
	_t=$(echo "$1" | tr / -)
	for _c in $(bal_clients); do
		lab_bg "$_c" "$LAB_DIR/cps-$_t-$_c.out" "$LAB_PY" "$LAB_DIR/cps.py" \
		    client "$FWPAIR_SRV4" "$CPS_PORT" "$SECS"
		_pids="$_pids $LAB_PID"
	done
	wait_pids $((SECS + 30)) $_pids || bal_fail "$1: clients did not end"
	set -- "$1" $(cat "$LAB_DIR"/cps-"$_t"-c*.out | awk '
	    { o += $1; b += $2 } END { print o + 0, b + 0 }')
	[ "$2" -gt 0 ] || bal_fail "$1: no connection made"
	[ "$3" = 0 ] || echo "# note $1: $3 connections failed"
	for _c in $(bal_fws); do
		lab_alive "$(cat "$LAB_DIR/$_c.syncd.pid")" || continue
		echo "# note $1: $_c's syncd so far:" $(fwpair_carpctl "$_c" -j \
		    sync stats | grep -o '"\(deferred\|defer_timeouts\)":[0-9]*')
	done
	bench "$1" "$(awk -v n="$2" -v s="$SECS" 'BEGIN { printf "%.0f\n", n / s }')" conn/s
}

# crash MODE: busy flows from every client, fw2 crashes; the takeover
# and the stalls, split by whether a flow went through fw2.
crash() {
	local _n _c _a _g _via _held _t
	_t=$(echo "$1" | tr / -)
	BAL_IDLE=0 bal_flows
	bal_window "$_t-pre" 2
	bal_carriers "$_t-pre-a" "$_t-pre-b" >"$LAB_DIR/via"
	fwpair_crash fw2
	wait_for 30 "bal_settled fw1" || bal_fail "$1: fw1 did not take fw2's slots"
	_held=$(fwpair_now)
	bench "$1/takeover" "$(fwpair_ms "$FWPAIR_CRASH_T" "$_held")" ms
	fwpair_mark
	bal_tcp_all 40 ||
	    echo "# note $1: $((BAL_TOTAL - BAL_OK)) of $BAL_TOTAL flows lost:$BAL_LOST"
	: >"$LAB_DIR/stall-fw2"; : >"$LAB_DIR/stall-fw1"
	for _n in $(fwpair_tcp_names); do
		_c=$(bal_flow_client "$_n")
		_a=$(bal_caddr "$_c")
		_via=$(awk -v a="$_a" '$1 == a { print $2 "," $3 }' "$LAB_DIR/via")
		_g=$(fwpair_rx_times "$_n" | fwpair_gap "$FWPAIR_CRASH_T" "$_held")
		[ "$_g" != "- -" ] || continue
		_g=$(( ${_g#* } - ${_g% *} ))
		case ",$_via," in
		*,fw2,*) echo "$_g" >>"$LAB_DIR/stall-fw2";;
		*) echo "$_g" >>"$LAB_DIR/stall-fw1";;
		esac
	done
	set -- "$1" $(stats <"$LAB_DIR/stall-fw2")
	echo "# note $1: flows through fw2: $5, stall min $2 median $3 max $4 ms"
	[ "$5" = 0 ] || { bench "$1/stall-failed-median" "$3" ms
		bench "$1/stall-failed-max" "$4" ms; }
	set -- "$1" $(stats <"$LAB_DIR/stall-fw1")
	echo "# note $1: flows through fw1 only: $5, stall max $4 ms"
	[ "$5" = 0 ] || bench "$1/stall-survivor-max" "$4" ms
	for _n in $(fwpair_tcp_names); do
		lab_kill "$(awk -v n="$_n" '$1 == n { print $4 }' "$LAB_DIR/flows/tcp")"
	done
	: >"$LAB_DIR/flows/tcp"
}

# one MODE: the whole run in one lab.
one() {
	local _m=$1
	bal_up 2 "$_m"
	bal_wait "fw1 fw2" 40 || bal_fail "$_m: the slots did not settle"
	servers
	tput "balance/$_m/tput-2nodes"
	cps "balance/$_m/cps-2nodes"
	crash "balance/$_m"
	tput "balance/$_m/tput-1node"
	cps "balance/$_m/cps-1node"
}

# each mode in a lab of its own, run by a process of its own (lab.sh
# knows its processes by the pid of the shell: not a subshell)
if [ -n "${BENCH_BAL_ONE:-}" ]; then
	one "$BENCH_BAL_ONE"
	exit
fi
echo "# note balance: $(nproc) CPUs for the whole lab (2 firewalls, 16 clients," \
    "the server), shared with whatever else runs: a second node adds no CPU here"
for m in $MODES; do
	BENCH_BAL_ONE=$m sh "$0" || exit 1
done
