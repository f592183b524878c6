#!/bin/sh
# bench-sync: replicate N conntrack states from A to B, conntrackd (FTFW
# over UDP, the usual setup) against syncd, on the same lab
# (tests/bench/syncpair.sh), for each N in BENCH_STATES (default
# "100000 1000000"; run.sh's QUICK: 100000). The states are made on A by
# ctgen.
#
# conntrackd keeps the peer's states in a userspace cache (B's "external
# cache") and loads them into B's kernel only on `conntrackd -c`, so it
# gets two times: until B's cache has them all, and the commit until B's
# kernel has them all (what a failover adds); its to_peer_kernel is the
# sum. syncd writes straight into B's kernel: time until B's kernel has
# them all. Times run from the ack of A's last state (and, _from_first,
# from its first).
#
# CPU and memory come from each daemon's own cgroup (peers.sh: v1
# cpuacct.usage and memory.max_usage_in_bytes here, v2 cpu.stat and
# memory.peak where v1 is absent), which holds everything the daemon
# forks: conntrackd's commit child is counted. CPU is from just before
# the first creation to 2 s after B had everything (conntrackd's
# receiver: to 2 s after the commit, cpu_receiver; without the commit,
# cpu_receiver_nocommit), scaled to 100,000 states. mem_peak is the
# cgroup's peak at the end; bytes_state is that peak minus the peak
# before the load (the daemon started and idle), over N.
#
# lost: N minus the states in B's kernel at the end (conntrackd: after
# the commit). Waits are bounded: 30 s + 1 s per 10,000 states.
#
# BENCH_SYSTEMS: default "conntrackd syncd" (one of them for a quick look).
#
# BENCH sync/<N>/<syncd|conntrackd>/<metric>.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/peers.sh"
. "$(dirname "$0")/syncpair.sh"

SIZES=${BENCH_STATES:-100000 1000000}
SYSTEMS=${BENCH_SYSTEMS:-conntrackd syncd}

lab_require "$CTGEN"
lab_init
peers_init
bench_exit() { local _rc=$?; sp_cleanup; (exit $_rc); peers_cleanup; }
trap bench_exit EXIT

# wait_kernel NS N T: in the background, wait (up to T s) until NS's
# kernel table holds N states; ctgen's line goes to $LAB_DIR/wait-NS.out.
wait_kernel() {
	lab_bg "$1" "$LAB_DIR/wait-$1.out" "$CTGEN" -c -w "$2" -T "$3"
	WAITER=$LAB_PID
}

# reached NS: the epoch at which the waiter saw them all ("" if not).
reached() { sed -n 's/.* present at \([0-9.]*\) .*/\1/p' "$LAB_DIR/wait-$1.out"; }

# out N SYS METRIC VALUE UNIT
out() { bench "sync/$1/$2/$3" "$4" "$5"; }

# mem_figures N SYS A B PEAK0A PEAK0B: the peaks and bytes a state.
mem_figures() {
	local _pa _pb
	_pa=$(cg_mem_peak_kib "$2-$3") _pb=$(cg_mem_peak_kib "$2-$4")
	echo "  $2: memory peak A $_pa KiB (before the load $5), B $_pb KiB ($6)"
	out "$1" "$2" mem_peak_sender "$_pa" KiB
	out "$1" "$2" mem_peak_receiver "$_pb" KiB
	out "$1" "$2" bytes_state_sender "$(per_state "$5" "$_pa" "$1")" B
	out "$1" "$2" bytes_state_receiver "$(per_state "$6" "$_pb" "$1")" B
}

# --- (a) conntrackd ----------------------------------------------------

bench_conntrackd() {
	local N=$1 T=$2 a=ca$1 b=cb$1 c0a c0b m0a m0b t_ext cb1 n t0 t1
	if ! command -v conntrackd >/dev/null; then
		bench_na "sync/$N/conntrackd" ms "conntrackd not installed" \
		    to_peer_cache commit to_peer_kernel
		return 0
	fi
	lab_log "conntrackd: $N states"
	sp_pair $a $b
	sp_ctmax "$N"
	SP_HASHLIMIT=$((N * 2))
	sp_start conntrackd $a 2 conntrackd-$a
	sp_start conntrackd $b 1 conntrackd-$b
	sp_ready conntrackd $a $b || lab_fail "conntrackd did not start"
	# poll B's external cache from inside B, every 10 ms, up to T s
	lab_bg $b "$LAB_DIR/ctd-poll.out" sh -c '
	    end=$(($(date +%s) + $3)); i=0
	    while [ $i -lt $(($3 * 100)) ] && [ $(date +%s) -lt $end ]; do
		n=$(conntrackd -C "$1" -s 2>/dev/null | awk "/cache external/ { e = 1 }
		    e && /current active/ { print \$4; exit }")
		if [ "${n:-0}" -ge "$2" ]; then date +%s.%6N; exit 0; fi
		i=$((i + 1)); sleep 0.01
	    done; exit 1' sh "$LAB_DIR/ctd-$b.conf" "$N" "$T"
	poller=$LAB_PID
	c0a=$(cg_cpu_ms conntrackd-$a); c0b=$(cg_cpu_ms conntrackd-$b)
	m0a=$(cg_mem_peak_kib conntrackd-$a); m0b=$(cg_mem_peak_kib conntrackd-$b)
	sp_create $a "$N"
	if wait "$poller"; then
		t_ext=$(cat "$LAB_DIR/ctd-poll.out")
		out "$N" conntrackd to_peer_cache "$(ms_between "$CREATED" "$t_ext")" ms
		out "$N" conntrackd to_peer_cache_from_first \
		    "$(ms_between "$STARTED" "$t_ext")" ms
	else
		echo "# note sync/$N/conntrackd: B's external cache had" \
		    "$(sp_ext $b) of $N states after $T s"
		out "$N" conntrackd to_peer_cache n/a ms
	fi
	sleep 2
	out "$N" conntrackd cpu_sender \
	    "$(per100k "$(cpu_since "$c0a" conntrackd-$a)" "$N")" ms/100k
	out "$N" conntrackd cpu_receiver_nocommit \
	    "$(per100k "$(cpu_since "$c0b" conntrackd-$b)" "$N")" ms/100k
	cb1=$(sp_ext $b)

	# the failover step: commit the external cache into B's kernel (in
	# a child conntrackd forks: in B's cgroup)
	wait_kernel $b "$cb1" "$T"
	t0=$(now)
	lab_exec $b conntrackd -C "$LAB_DIR/ctd-$b.conf" -c >/dev/null 2>&1 ||
	    echo "  (conntrackd -c exited non-zero)"
	t1=$(now)
	if wait "$WAITER"; then
		n=$(ms_between "$t0" "$(reached $b)")
		out "$N" conntrackd commit "$n" ms
		[ -z "$t_ext" ] || out "$N" conntrackd to_peer_kernel \
		    "$(ms_between "$CREATED" "$t_ext" | awk -v c="$n" '{ print $1 + c }')" ms
	else
		echo "# note sync/$N/conntrackd: the commit did not load B's" \
		    "kernel in $T s: $(cat "$LAB_DIR/wait-$b.out")"
		out "$N" conntrackd commit n/a ms
	fi
	echo "  conntrackd -c: returned after $(ms_between "$t0" "$t1") ms"
	# the commit child may still be exiting: give it the same 2 s
	sleep 2
	out "$N" conntrackd cpu_receiver \
	    "$(per100k "$(cpu_since "$c0b" conntrackd-$b)" "$N")" ms/100k
	mem_figures "$N" conntrackd $a $b "$m0a" "$m0b"
	n=$(sp_count $b)
	out "$N" conntrackd lost $((N - n)) states
	echo "  conntrackd: B's cache $cb1, B's kernel after the commit $n of $N"
	grep -i "overrun\|resync\|error" "$LAB_DIR/ctd-$a.file.log" \
	    "$LAB_DIR/ctd-$b.file.log" 2>/dev/null | sed 's/^/  log: /' |
	    head -n 5
	sys_kill conntrackd $a $b
}

# sys_kill SYS A B: stop both daemons and remove the namespaces.
sys_kill() {
	local _n _p
	for _n in $2 $3; do
		for _p in $(cg_pids "$1-$_n"); do lab_kill "$_p"; done
		cg_del "$1-$_n" 2>/dev/null
	done
	sp_unpair $2 $3
}

# --- (b) syncd ---------------------------------------------------------

bench_syncd() {
	local N=$1 T=$2 a=sa$1 b=sb$1 c0a c0b m0a m0b t_k n
	if [ ! -x "$SYNCD" ]; then
		bench_na "sync/$N/syncd" ms "syncd not built" to_peer_kernel
		return 0
	fi
	lab_log "syncd: $N states"
	sp_pair $a $b
	sp_ctmax "$N"
	sp_start syncd $a 2 syncd-$a
	sp_start syncd $b 1 syncd-$b
	sp_ready syncd $a $b || lab_fail "syncd did not start"
	wait_kernel $b "$N" "$T"
	c0a=$(cg_cpu_ms syncd-$a); c0b=$(cg_cpu_ms syncd-$b)
	m0a=$(cg_mem_peak_kib syncd-$a); m0b=$(cg_mem_peak_kib syncd-$b)
	sp_create $a "$N"
	if wait "$WAITER"; then
		t_k=$(reached $b)
		out "$N" syncd to_peer_kernel "$(ms_between "$CREATED" "$t_k")" ms
		out "$N" syncd to_peer_kernel_from_first \
		    "$(ms_between "$STARTED" "$t_k")" ms
		echo "  syncd: $(cat "$LAB_DIR/wait-$b.out")"
	else
		echo "# note sync/$N/syncd: B's kernel had $(sp_count $b) of" \
		    "$N states after $T s"
		out "$N" syncd to_peer_kernel n/a ms
	fi
	sleep 2
	out "$N" syncd cpu_sender \
	    "$(per100k "$(cpu_since "$c0a" syncd-$a)" "$N")" ms/100k
	out "$N" syncd cpu_receiver \
	    "$(per100k "$(cpu_since "$c0b" syncd-$b)" "$N")" ms/100k
	mem_figures "$N" syncd $a $b "$m0a" "$m0b"
	n=$(sp_count $b)
	out "$N" syncd lost $((N - n)) states
	echo "  syncd stats A: $(sync_stats $a | tr -d '\n\t' | cut -c1-600)"
	echo "  syncd stats B: $(sync_stats $b | tr -d '\n\t' | cut -c1-600)"
	sys_kill syncd $a $b
}

echo "# note sync: CPU and memory from each daemon's cgroup ($CG_MODE)"
for N in $SIZES; do
	T=$((30 + N / 10000))
	for S in $SYSTEMS; do
		"bench_$S" "$N" "$T"
	done
done
lab_log "done"
