#!/bin/sh
# bench-loss: replication under loss. While BENCH_LOSS_STATES (default
# 100,000) states are made on A (the lab of tests/bench/syncpair.sh),
# PCT% (BENCH_LOSS, default "5 30") of the datagrams on the sync cable
# are dropped at random in both directions: an nft table of our own in
# A's namespace (`numgen random mod 100 < PCT drop`, UDP on eth1, in
# output and input), set up once both daemons are up and left in place
# until the end. syncd against conntrackd (FTFW).
#
# missing: N minus the states B holds 5 s after A's last creation (syncd:
# in B's kernel; conntrackd: in B's external cache, as its states reach
# B's kernel only on a commit). complete_ms: from A's last creation until
# B holds all N, or n/a if not within BENCH_LOSS_BOUND s (default 60).
#
# BENCH loss/<PCT>/<syncd|conntrackd>/<metric>.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/peers.sh"
. "$(dirname "$0")/syncpair.sh"

N=${BENCH_LOSS_STATES:-100000}
PCTS=${BENCH_LOSS:-5 30}
BOUND=${BENCH_LOSS_BOUND:-60}

lab_require "$CTGEN" nft
lab_init
peers_init
bench_exit() { local _rc=$?; sp_cleanup; (exit $_rc); peers_cleanup; }
trap bench_exit EXIT

# loss_on NODE PCT: drop PCT% of the UDP datagrams on NODE's eth1.
loss_on() {
	lab_exec "$1" nft -f - <<EOT || lab_fail "nft on $1"
table inet carpbench_loss {
	chain out {
		type filter hook output priority -300;
		oifname "eth1" meta l4proto udp numgen random mod 100 < $2 counter drop
	}
	chain in {
		type filter hook input priority -300;
		iifname "eth1" meta l4proto udp numgen random mod 100 < $2 counter drop
	}
}
EOT
}

# loss_count NODE: the packets dropped so far, both directions.
loss_count() {
	lab_exec "$1" nft list table inet carpbench_loss |
	    awk '/counter packets/ { for (i = 1; i < NF; i++)
		if ($i == "packets") s += $(i + 1) } END { print s + 0 }'
}

bench_loss() {
	local sys=$1 pct=$2 a=${1%"${1#?}"}a$2 b=${1%"${1#?}"}b$2 n n5 el t_c i
	lab_log "$sys: $N states, $pct% of the sync datagrams dropped"
	sp_pair $a $b
	sp_ctmax "$N"
	SP_HASHLIMIT=$((N * 2))
	sp_start "$sys" $a 2 "$sys-$a"
	sp_start "$sys" $b 1 "$sys-$b"
	sp_ready "$sys" $a $b || lab_fail "$sys did not start"
	loss_on $a "$pct"
	sp_create $a "$N"
	# every 100 ms from the last creation: the first time B holds all
	# N, and what it holds at 5 s; up to BOUND s
	t_c= n5= i=0
	while [ $i -lt $((BOUND * 20)) ]; do
		n=$(sp_held "$sys" $b)
		el=$(awk -v c="$CREATED" -v t="$(now)" 'BEGIN { printf "%.3f\n", t - c }')
		if [ -z "$t_c" ] && [ "${n:-0}" -ge "$N" ]; then
			t_c=$(ms_between 0 "$el")
		fi
		if [ -z "$n5" ] && awk -v e="$el" 'BEGIN { exit !(e >= 5) }'; then
			n5=${n:-0}
		fi
		[ -z "$t_c" ] || [ -z "$n5" ] || break
		awk -v e="$el" -v b="$BOUND" 'BEGIN { exit !(e < b) }' || break
		i=$((i + 1)); sleep 0.1
	done
	bench "loss/$pct/$sys/missing" $((N - ${n5:-0})) states
	echo "  $sys: B held ${n5:-0} of $N 5 s after the last creation"
	if [ -n "$t_c" ]; then
		bench "loss/$pct/$sys/complete_ms" "$t_c" ms
	else
		echo "# note loss/$pct/$sys: B held ${n:-0} of $N after $BOUND s"
		bench "loss/$pct/$sys/complete_ms" n/a ms
	fi
	echo "  $sys: $(loss_count $a) datagrams dropped by the nft table"
	case $sys in
	syncd)
		echo "  syncd stats A: $(sync_stats $a | tr -d '\n\t' | cut -c1-500)"
		echo "  syncd stats B: $(sync_stats $b | tr -d '\n\t' | cut -c1-500)";;
	conntrackd)
		grep -i "overrun\|resync\|error" "$LAB_DIR/ctd-$a.file.log" \
		    "$LAB_DIR/ctd-$b.file.log" 2>/dev/null |
		    sed 's/^/  log: /' | head -n 5;;
	esac
	for n in $a $b; do
		for i in $(cg_pids "$sys-$n"); do lab_kill "$i"; done
		cg_del "$sys-$n" 2>/dev/null
	done
	sp_unpair $a $b
}

echo "# note loss: missing = conntrackd's external cache on B, syncd's B kernel"
for pct in $PCTS; do
	if command -v conntrackd >/dev/null; then
		bench_loss conntrackd "$pct"
	else
		bench_na "loss/$pct/conntrackd" states "conntrackd not installed" missing
	fi
	if [ -x "$SYNCD" ]; then
		bench_loss syncd "$pct"
	else
		bench_na "loss/$pct/syncd" states "syncd not built" missing
	fi
done
lab_log "done"
