#!/bin/sh
# bench-false: false transitions at the floor setting under load, carpd
# against keepalived (VRRPv3) and ucarp (case 3 of issue 9).
#
# For each system a pair of its own: a (the master by configuration) and
# b on one bridge, a sync cable between them. Once a is master, for
# BENCH_SECONDS (default 60):
#	- both cores busy: one busy loop per CPU in each of a and b, at
#	  normal priority (so up to twice as many runnable loops as CPUs);
#	- a conntrack flood on a: BENCH_FLOOD (default 50,000) new states
#	  per second, each living 2 s (tests/tools/ctgen -r);
#	- the state replicator replicating them: syncd for carpd (talking
#	  to carpd, as deployed), conntrackd FTFW for keepalived and ucarp.
# Nothing fails: a false transition is any change of master while the
# master is healthy, counted as the transitions to MASTER that a and b
# log in the window (and one second after it). The rate the kernel took
# (the flood competes for the same cores) is reported beside it.
#
# Settings: tests/bench/peers.sh ("floor": carpd advbase 0 advskew 1/2,
# keepalived advert_int 0.01, ucarp -b 0 -k 1/6). Environment:
#	BENCH_SECONDS	window, default 60 (BENCH_QUICK=1: 3)
#	BENCH_FLOOD	states per second, default 50000
#	BENCH_SYSTEMS	default "carpd keepalived ucarp"
#	BENCH_SETTING	default floor
#	LOAD_SYNC_CARPD=0 syncd not connected to carpd (no demotion from it)
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/peers.sh"
. "$(dirname "$0")/load.sh"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	SECS=${BENCH_SECONDS:-3}
else
	SECS=${BENCH_SECONDS:-60}
fi
RATE=${BENCH_FLOOD:-50000}
SYSTEMS=${BENCH_SYSTEMS:-carpd keepalived ucarp}
SETTING=${BENCH_SETTING:-floor}
VIP=192.0.2.254/24

lab_require "$CARPD" "$CARPCTL" "$CTGEN" "$SYNCD"
lab_init
peers_init

# pair P: nodes Pa (192.0.2.1) and Pb (.2) on bridge lanP, with the sync
# cable; each system gets its own, so no conntrack table is shared.
pair() {
	lab_bridge "lan$1"
	lab_ns "$1a"; lab_ns "$1b"
	lab_port "$1a" eth0 "lan$1"; lab_port "$1b" eth0 "lan$1"
	lab_addr "$1a" eth0 192.0.2.1/24; lab_addr "$1b" eth0 192.0.2.2/24
	load_sync_link "$1a" "$1b"
}

# run SYS: one window; prints the figures.
run() {
	local sys=$1 p a b t0a t0b t1a t1b n lost mark repl
	p=$(echo "$sys" | cut -c1)
	a=${p}a b=${p}b
	case $sys in
	carpd) ;;
	*) if ! command -v "$sys" >/dev/null ||
	       ! command -v conntrackd >/dev/null; then
		bench_na "false/$SETTING/$sys" count \
		    "$sys or conntrackd is not installed" transitions
		return 0
	   fi;;
	esac
	lab_log "$sys: $(sys_setting "$sys" "$SETTING"), $SECS s under load"
	pair "$p"
	sys_conf "$sys" "$a" "$SETTING" master $VIP
	sys_conf "$sys" "$b" "$SETTING" backup $VIP
	sys_start "$sys" "$a"
	sys_start "$sys" "$b"
	wait_for 15 "sys_is_master $sys $a $VIP && ! sys_is_master $sys $b $VIP" ||
		lab_fail "$sys: $a did not become the sole master"
	repl=$(load_mark)
	load_repl "$sys" "$a" "$b"
	sleep 1
	t0a=$(sys_transitions "$sys" "$a"); t0b=$(sys_transitions "$sys" "$b")
	mark=$(load_mark)
	load_busy "$a"; load_busy "$b"
	load_flood "$a" "$RATE" "$SECS"
	# the master must hold all along: sample it while the load runs
	lost=$(load_watch "$SECS" "sys_is_master $sys $a $VIP")
	load_flood_wait
	load_stop_since "$mark"
	sleep 1
	t1a=$(sys_transitions "$sys" "$a"); t1b=$(sys_transitions "$sys" "$b")
	n=$(( t1a - t0a + t1b - t0b ))
	echo "  $sys: $n transitions to MASTER in $SECS s ($a $((t1a - t0a))," \
	    "$b $((t1b - t0b))); $a not master at $lost checks;" \
	    "flood $LOAD_FLOOD_RATE states/s achieved of $RATE"
	sed 's/^/  /' "$LAB_DIR/flood-$a.log"
	load_repl_report "$sys" "$a" "$b"
	bench "false/$SETTING/$sys/transitions" "$n" count
	bench "false/$SETTING/$sys/flood_rate" "$LOAD_FLOOD_RATE" states/s
	bench "false/$SETTING/$sys/masterdown" \
	    "$(sys_masterdown_ms "$sys" "$SETTING")" ms
	sys_stop "$sys" "$a"; sys_stop "$sys" "$b"
	load_stop_since "$repl"
}

for SYS in $SYSTEMS; do
	run "$SYS"
done
lab_log "done"
