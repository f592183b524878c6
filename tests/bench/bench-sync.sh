#!/bin/sh
# bench-sync: replicate 100,000 conntrack states from A to B, conntrackd
# (FTFW over UDP, the usual setup) against syncd, on the same lab: two
# namespaces joined by a sync cable (203.0.113.1/24 - .2), each with its
# own kernel conntrack table, the states made on A by ctgen.
#
# conntrackd keeps the peer's states in a userspace cache (B's "external
# cache") and loads them into B's kernel only on `conntrackd -c`, so it
# gets two figures: time until B's cache has them all, and the commit
# time until B's kernel has them all (what a failover would add). syncd
# writes straight into B's kernel: time until B's kernel has them all.
# Times run from the moment ctgen on A got the ack of its last state.
# CPU = utime + stime of each daemon from just before the creation to
# 2 s after B had everything; RSS = VmRSS at that point.
#
# BENCH_STATES (default 100000) changes the count.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/lib.sh"

N=${BENCH_STATES:-100000}

lab_require "$CTGEN"
lab_init

# pair A B: two namespaces, eth1 cabled between them.
pair() {
	lab_ns "$1"; lab_ns "$2"
	lab_link "$1" eth1 "$2" eth1
	lab_addr "$1" eth1 203.0.113.1/24
	lab_addr "$2" eth1 203.0.113.2/24
}

# wait_kernel NS FILE: in the background, wait (up to 60 s) until NS's
# kernel table holds all N states; ctgen's line goes to FILE.
wait_kernel() {
	lab_bg "$1" "$2" "$CTGEN" -c -w "$N" -T 60
	WAITER=$LAB_PID
}

# create NS: make the N states, set CREATED to the epoch of the last ack.
create() {
	out=$(lab_exec "$1" "$CTGEN" -n "$N") || lab_fail "ctgen on $1: $out"
	echo "  $out"
	CREATED=${out##*done at }
	# when the first one was made: the end minus ctgen's duration
	STARTED=$(echo "$out" | awk -v end="$CREATED" '{
		for (i = 1; i < NF; i++) if ($(i + 1) == "s") d = $i
		printf "%.6f\n", end - d }')
}

# reached FILE: the epoch at which the waiter saw them all ("" if not).
reached() { sed -n 's/.* present at \([0-9.]*\) .*/\1/p' "$1"; }

# --- (a) conntrackd (ctd_conf: lib.sh) -----------------------------------

# ctd_ext NS: the number of states in that conntrackd's external cache.
ctd_ext() {
	lab_exec "$1" conntrackd -C "$LAB_DIR/ctd-$1.conf" -s 2>/dev/null |
	    awk '/cache external/ { e = 1 }
		e && /current active/ { print $4; exit }'
}

bench_conntrackd() {
	local a=ca b=cb pa pb c0a c0b c1a c1b
	if ! command -v conntrackd >/dev/null; then
		echo "conntrackd: not installed"
		return 0
	fi
	lab_log "conntrackd: $N states"
	pair $a $b
	ctd_conf $a 1 2; ctd_conf $b 2 1
	lab_bg $a "$LAB_DIR/ctd-$a.out" conntrackd -C "$LAB_DIR/ctd-$a.conf"
	pa=$LAB_PID
	lab_bg $b "$LAB_DIR/ctd-$b.out" conntrackd -C "$LAB_DIR/ctd-$b.conf"
	pb=$LAB_PID
	wait_for 10 "[ -S '$LAB_DIR/ctd-$a.ctl' ] && [ -S '$LAB_DIR/ctd-$b.ctl' ]" ||
	    lab_fail "conntrackd did not start"
	sleep 1
	# poll B's external cache from inside B, every 10 ms, up to 60 s
	lab_bg $b "$LAB_DIR/ctd-poll.out" sh -c '
	    i=0
	    while [ $i -lt 6000 ]; do
		n=$(conntrackd -C "$1" -s 2>/dev/null | awk "/cache external/ { e = 1 }
		    e && /current active/ { print \$4; exit }")
		if [ "${n:-0}" -ge "$2" ]; then date +%s.%6N; exit 0; fi
		i=$((i + 1)); sleep 0.01
	    done; exit 1' sh "$LAB_DIR/ctd-$b.conf" "$N"
	poller=$LAB_PID
	c0a=$(proc_cpu $pa); c0b=$(proc_cpu $pb)
	create $a
	wait "$poller" || lab_fail "conntrackd: B's external cache has" \
	    "$(ctd_ext $b) of $N states after 60 s"
	t_ext=$(cat "$LAB_DIR/ctd-poll.out")
	sleep 2
	c1a=$(proc_cpu $pa); c1b=$(proc_cpu $pb)
	CTD_EXT_MS=$(ms_between "$CREATED" "$t_ext")
	CTD_FIRST_MS=$(ms_between "$STARTED" "$t_ext")
	CTD_CPU_A=$(cpu_delta "$c0a" "$c1a"); CTD_CPU_B=$(cpu_delta "$c0b" "$c1b")
	CTD_RSS_A=$(proc_rss $pa); CTD_RSS_B=$(proc_rss $pb)
	echo "  conntrackd: B's external cache complete $CTD_EXT_MS ms after" \
	    "the last creation; CPU A $CTD_CPU_A s, B $CTD_CPU_B s;" \
	    "RSS A $CTD_RSS_A KiB, B $CTD_RSS_B KiB"

	# the failover step: commit the external cache into B's kernel
	wait_kernel $b "$LAB_DIR/ctd-commit.out"
	t0=$(now)
	lab_exec $b conntrackd -C "$LAB_DIR/ctd-$b.conf" -c >/dev/null 2>&1 ||
	    echo "  (conntrackd -c exited non-zero)"
	t1=$(now)
	wait "$WAITER" || lab_fail "conntrackd: commit did not load B's" \
	    "kernel: $(cat "$LAB_DIR/ctd-commit.out")"
	CTD_COMMIT_MS=$(ms_between "$t0" "$(reached "$LAB_DIR/ctd-commit.out")")
	echo "  conntrackd -c: returned after $(ms_between "$t0" "$t1") ms," \
	    "B's kernel complete after $CTD_COMMIT_MS ms"
	grep -i "overrun\|resync\|error" "$LAB_DIR/ctd-$a.file.log" \
	    "$LAB_DIR/ctd-$b.file.log" 2>/dev/null | sed 's/^/  log: /' |
	    head -n 5

	bench sync.conntrackd.to_peer_cache "$CTD_EXT_MS" ms
	bench sync.conntrackd.to_peer_cache_from_first "$CTD_FIRST_MS" ms
	bench sync.conntrackd.commit "$CTD_COMMIT_MS" ms
	bench sync.conntrackd.cpu_sender "$CTD_CPU_A" s
	bench sync.conntrackd.cpu_receiver "$CTD_CPU_B" s
	bench sync.conntrackd.rss_sender "$CTD_RSS_A" KiB
	bench sync.conntrackd.rss_receiver "$CTD_RSS_B" KiB
	lab_kill $pa; lab_kill $pb
}

# --- (b) syncd -----------------------------------------------------------

syncd_conf() {
	local h=$1 peer=$2
	cat >"$LAB_DIR/syncd-$h.conf" <<EOT
sync {
	syncdev eth1
	syncpeer 203.0.113.$peer
	key-file "$LAB_DIR/sync.key"
	control-socket "$LAB_DIR/syncd-$h.sock"
	carpd-socket "$LAB_DIR/carpd-$h.sock"
}
EOT
}

sync_stats() {
	lab_exec "$1" "$CARPCTL" -s "$LAB_DIR/syncd-$1.sock" -j sync stats
}

bench_syncd() {
	local a=sa b=sb pa pb c0a c0b c1a c1b
	if [ ! -x "$SYNCD" ]; then
		echo "syncd: not built"
		return 0
	fi
	lab_log "syncd: $N states"
	pair $a $b
	( umask 077; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' \
	    >"$LAB_DIR/sync.key" )
	syncd_conf $a 2; syncd_conf $b 1
	lab_bg $a "$LAB_DIR/syncd-$a.log" "$SYNCD" -d -f "$LAB_DIR/syncd-$a.conf"
	pa=$LAB_PID
	lab_bg $b "$LAB_DIR/syncd-$b.log" "$SYNCD" -d -f "$LAB_DIR/syncd-$b.conf"
	pb=$LAB_PID
	wait_for 10 "[ -S '$LAB_DIR/syncd-$a.sock' ] && [ -S '$LAB_DIR/syncd-$b.sock' ]" ||
	    lab_fail "syncd did not start"
	wait_for 15 "sync_stats $a | json_get peer_alive | grep -qi true &&
	    sync_stats $b | json_get peer_alive | grep -qi true" ||
	    echo "  (peers not alive after 15 s; going on)"
	sleep 1
	wait_kernel $b "$LAB_DIR/syncd-wait.out"
	c0a=$(proc_cpu $pa); c0b=$(proc_cpu $pb)
	create $a
	if ! wait "$WAITER"; then
		echo "  syncd: $(cat "$LAB_DIR/syncd-wait.out")"
		echo "  syncd: B has $(lab_exec $b "$CTGEN" -c) of ours, A has" \
		    "$(lab_exec $a "$CTGEN" -c)"
		echo "  syncd stats A: $(sync_stats $a | tr -d '\n')"
		echo "  syncd stats B: $(sync_stats $b | tr -d '\n')"
		lab_fail "syncd: B's kernel never got all $N states"
	fi
	t_k=$(reached "$LAB_DIR/syncd-wait.out")
	sleep 2
	c1a=$(proc_cpu $pa); c1b=$(proc_cpu $pb)
	SD_MS=$(ms_between "$CREATED" "$t_k")
	SD_FIRST_MS=$(ms_between "$STARTED" "$t_k")
	SD_CPU_A=$(cpu_delta "$c0a" "$c1a"); SD_CPU_B=$(cpu_delta "$c0b" "$c1b")
	SD_RSS_A=$(proc_rss $pa); SD_RSS_B=$(proc_rss $pb)
	echo "  syncd: B's kernel complete $SD_MS ms after the last" \
	    "creation ($(cat "$LAB_DIR/syncd-wait.out"))"
	echo "  syncd: CPU A $SD_CPU_A s, B $SD_CPU_B s; RSS A $SD_RSS_A KiB," \
	    "B $SD_RSS_B KiB"
	echo "  syncd stats A: $(sync_stats $a | tr -d '\n')"
	echo "  syncd stats B: $(sync_stats $b | tr -d '\n')"
	bench sync.syncd.to_peer_kernel "$SD_MS" ms
	bench sync.syncd.to_peer_kernel_from_first "$SD_FIRST_MS" ms
	bench sync.syncd.cpu_sender "$SD_CPU_A" s
	bench sync.syncd.cpu_receiver "$SD_CPU_B" s
	bench sync.syncd.rss_sender "$SD_RSS_A" KiB
	bench sync.syncd.rss_receiver "$SD_RSS_B" KiB
	lab_kill $pa; lab_kill $pb
}

bench_conntrackd
bench_syncd

# side by side
row() { printf '  %-34s %14s %14s\n' "$@"; }
echo
echo "  $N states, A -> B"
row "" conntrackd syncd
row "to B's cache (ms)" "${CTD_EXT_MS:--}" "n/a"
row "  same, from the first creation" "${CTD_FIRST_MS:--}" "n/a"
row "to B's kernel (ms)" \
    "${CTD_EXT_MS:+$CTD_EXT_MS + commit}" "${SD_MS:--}"
row "  same, from the first creation" "" "${SD_FIRST_MS:--}"
row "commit at failover (ms)" "${CTD_COMMIT_MS:--}" "0 (none)"
row "CPU sender (s)" "${CTD_CPU_A:--}" "${SD_CPU_A:--}"
row "CPU receiver (s)" "${CTD_CPU_B:--}" "${SD_CPU_B:--}"
row "RSS sender (KiB)" "${CTD_RSS_A:--}" "${SD_RSS_A:--}"
row "RSS receiver (KiB)" "${CTD_RSS_B:--}" "${SD_RSS_B:--}"
lab_log "done"
