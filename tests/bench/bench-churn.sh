#!/bin/sh
# bench-churn: sustained churn on master A (issue 10, benchmark 2).
# ctgen on A makes BENCH_CHURN_RATE (default 20,000) new TCP states a
# second for BENCH_CHURN_SECS (default 60; QUICK 10); 90% of them are
# deleted a random time within 1 s of their creation, 10% live on (the
# rule is by index, so a count on B tells them apart). A's replicator
# sends them to B over a sync cable:
#	delay0	syncd, sync-delay 0 (create+delete in one flush cancel)
#	delay2	syncd, sync-delay 2s (short-lived ones never sent)
#	ftfw	conntrackd FTFW (lib.sh ctd_conf); B's kernel gets the states
#		on `conntrackd -c`, run here after the churn, as a failover
#		would
# Then, settled (sync-delay + 3 s): long-lived states missing in B's
# kernel (must be 0), short-lived ones left over there (ought to be 0:
# each was deleted on A), lag p50/p99 from a long-lived state's creation
# on A (ctgen -o) to its arrival in B's kernel (ctgen -E on B, matched
# by index; one clock for all namespaces), and the CPU of each side's
# daemon from its own cgroup, children included. conntrackd has no lag:
# its states reach B's kernel only at the commit.
#	BENCH_CHURN_SETTINGS	default "delay0 delay2 ftfw"
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/peers.sh"
. "$(dirname "$0")/load.sh"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	SECS=${BENCH_CHURN_SECS:-10}
else
	SECS=${BENCH_CHURN_SECS:-60}
fi
RATE=${BENCH_CHURN_RATE:-20000}
SETTINGS=${BENCH_CHURN_SETTINGS:-delay0 delay2 ftfw}
SHORT=90

lab_require "$CTGEN" "$SYNCD" "$CARPCTL"
lab_init
peers_init

# churn_syncd NODE PEER DELAY: syncd in NODE (cgroup syncd-NODE) with
# sync-delay DELAY, unicast to 203.0.113.PEER, no carpd.
churn_syncd() {
	load_syncd_conf "$1" "$2" "$LAB_DIR/$1.none.sock" "sync-delay $3"
	cg_new "syncd-$1"
	_peer_bg "$1" "syncd-$1" "$LAB_DIR/syncd-$1.log" "$SYNCD" -d \
	    -f "$LAB_DIR/syncd-$1.conf"
	wait_for 10 "[ -S '$LAB_DIR/syncd-$1.sock' ]" ||
		lab_fail "syncd on $1 did not start: $(tail -n 3 "$LAB_DIR/syncd-$1.log")"
}

# churn_ctd NODE ME PEER: conntrackd in NODE (cgroup conntrackd-NODE).
churn_ctd() {
	ctd_conf "$1" "$2" "$3"
	cg_new "conntrackd-$1"
	_peer_bg "$1" "conntrackd-$1" "$LAB_DIR/ctd-$1.out" conntrackd \
	    -C "$LAB_DIR/ctd-$1.conf"
	wait_for 10 "[ -S '$LAB_DIR/ctd-$1.ctl' ]" ||
		lab_fail "conntrackd on $1 did not start"
}

# lag_pcts CREATED SEEN: "p50 p99 matched" in ms, of the states in both
# files ("index epoch" lines), the first sighting of each in SEEN.
lag_pcts() {
	awk 'NR == FNR { c[$1] = $2; next }
	    ($1 in c) && !($1 in s) { s[$1] = 1; print ($2 - c[$1]) * 1000 }' \
	    "$1" "$2" | sort -n | awk '{ v[NR] = $1 }
	    END {
		if (NR == 0) { print "n/a n/a 0"; exit }
		i50 = int(NR * 0.50); if (i50 < 1) i50 = 1
		i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
		printf "%.1f %.1f %d\n", v[i50], v[i99], NR
	    }'
}

# run SETTING: one churn; its BENCH lines.
run() {
	local set=$1 a=$1a b=$1b sys delay=0s settle c0a c0b out kept got listener
	case $set in
	delay0) sys=syncd;;
	delay2) sys=syncd delay=2s settle=2;;
	ftfw)   sys=conntrackd
		if ! command -v conntrackd >/dev/null; then
			bench_na "churn/$set/$sys" - "conntrackd is not installed" \
			    long_missing short_left lag_p50_ms lag_p99_ms \
			    cpu_s_sender cpu_s_receiver
			return 0
		fi;;
	esac
	lab_log "$set: $sys, $RATE/s for $SECS s, $SHORT% deleted within 1 s"
	lab_ns $a; lab_ns $b
	load_sync_link $a $b
	if [ $sys = syncd ]; then
		churn_syncd $a 2 $delay; churn_syncd $b 1 $delay
		wait_for 15 "load_syncd_alive $a && load_syncd_alive $b" ||
			echo "  (syncd peers not alive after 15 s; going on)"
		lab_bg $b "$LAB_DIR/seen-$set.txt" "$CTGEN" -x $SHORT -E \
		    -T $((SECS + ${settle:-0} + 8))
		listener=$LAB_PID
	else
		churn_ctd $a 1 2; churn_ctd $b 2 1
		sleep 1
	fi
	c0a=$(cg_cpu_ms "$sys-$a"); c0b=$(cg_cpu_ms "$sys-$b")
	sleep 0.5
	out=$(lab_exec $a nice -n "${LOAD_FLOOD_NICE:--10}" "$CTGEN" \
	    -r "$RATE" -x $SHORT -L 1000 -n $((RATE * SECS)) -T "$SECS" \
	    -o "$LAB_DIR/created-$set.txt") || lab_fail "ctgen on $a: $out"
	echo "$out" | sed 's/^/  /'
	kept=$(echo "$out" | sed -n 's/.* \([0-9]*\) long-lived kept.*/\1/p')
	sleep $((${settle:-0} + 3))
	if [ $sys = conntrackd ]; then
		lab_exec $b conntrackd -C "$LAB_DIR/ctd-$b.conf" -c \
		    >/dev/null 2>&1 || echo "  (conntrackd -c exited non-zero)"
		sleep 2
	fi
	CPU_A=$(awk -v a="$c0a" -v b="$(cg_cpu_ms "$sys-$a")" \
	    'BEGIN { printf "%.2f\n", (b - a) / 1000 }')
	CPU_B=$(awk -v a="$c0b" -v b="$(cg_cpu_ms "$sys-$b")" \
	    'BEGIN { printf "%.2f\n", (b - a) / 1000 }')
	got=$(lab_exec $a "$CTGEN" -x $SHORT -c) || lab_fail "count on $a: $got"
	set -- $got
	a_short=$4
	got=$(lab_exec $b "$CTGEN" -x $SHORT -c) || lab_fail "count on $b: $got"
	set -- $got
	echo "  B's kernel: $2 long-lived of $kept, $4 short-lived left" \
	    "(A's kernel: $a_short); CPU sender $CPU_A s, receiver $CPU_B s"
	bench "churn/$set/$sys/long_missing" $((kept - $2)) states
	bench "churn/$set/$sys/short_left" "$4" states
	if [ $sys = syncd ]; then
		wait_for $((${settle:-0} + 10)) "! lab_alive $listener"
		set -- $(lag_pcts "$LAB_DIR/created-$set.txt" "$LAB_DIR/seen-$set.txt")
		echo "  lag of $3 long-lived states: p50 $1 ms, p99 $2 ms" \
		    "($(grep -o "listened.*" "$LAB_DIR/seen-$set.txt"))"
		bench "churn/$set/$sys/lag_p50_ms" "$1" ms
		bench "churn/$set/$sys/lag_p99_ms" "$2" ms
		load_syncd_stats $b 2>/dev/null | tr -d '\n ' | cut -c1-300 |
		    sed 's/^/  syncd B: /'; echo
		# what A's walks skipped (PROTOCOL.md 6.10) and cancelled
		load_syncd_stats $a 2>/dev/null | tr -d '\n ' |
		    grep -o '"\(walk_skipped\|cancelled\|refreshed\)":[0-9]*' |
		    tr '\n' ' ' | sed 's/^/  syncd A: /'; echo
	else
		echo "# note churn/$set/$sys: no lag: B's kernel gets the states only at conntrackd -c"
		bench "churn/$set/$sys/lag_p50_ms" n/a ms
		bench "churn/$set/$sys/lag_p99_ms" n/a ms
	fi
	bench "churn/$set/$sys/cpu_s_sender" "$CPU_A" s
	bench "churn/$set/$sys/cpu_s_receiver" "$CPU_B" s
	for n in $a $b; do
		for p in $(cg_pids "$sys-$n"); do kill -TERM "$p" 2>/dev/null; done
	done
	wait_for 10 "[ -z \"\$(cg_pids $sys-$a)\$(cg_pids $sys-$b)\" ]"
}

for s in $SETTINGS; do
	run "$s"
done
lab_log "done"
