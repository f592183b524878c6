#!/bin/sh
# bench-outage: how long the VIP is unreachable when the master crashes,
# carpd against keepalived (VRRPv3) and ucarp at equal master-down.
#
# Two nodes a (the master by configuration, preempting) and b on one
# bridge, a client c pinging the VIP every 2 ms (ping -D -i 0.002). The
# crash: every link of a is cut at once (its bridge port goes down: a
# pulled cable, or a dead box as seen from the LAN). Outage = the longest
# gap between two consecutive replies from the cut on, i.e. from the old
# master's last reply to the new master's first, with 2 ms resolution.
# Then a's links come back, a takes the VIP back, and the next run starts.
# At base1 the cut comes just after one of a's adverts (seen by c), so
# the outage is master-down minus the cut's own latency, not spread over
# the whole second between adverts by chance; and takeover_median, from
# that last advert to b's first reply, is master-down plus the time the
# new master needs to answer, free of the cut's latency.
#
# Settings and the master-down formulas: tests/bench/peers.sh. Each
# system and setting runs BENCH_REPEAT times (default 5). Environment:
#	BENCH_SETTINGS	default "base1 fast floor"
#	BENCH_SYSTEMS	default "carpd keepalived ucarp" (a baseline that is
#			not installed gets n/a and a note)
#	BENCH_QUICK=1	settings "fast floor", 2 runs
# The probe's replies of the first run of each system and setting are
# kept in $BENCH_OUT/probe-SETTING-SYS.dat ("ms_from_cut icmp_seq"), for
# plot.sh.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/peers.sh"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	REPEAT=${BENCH_REPEAT:-2}
	SETTINGS=${BENCH_SETTINGS:-fast floor}
else
	REPEAT=${BENCH_REPEAT:-5}
	SETTINGS=${BENCH_SETTINGS:-base1 fast floor}
fi
SYSTEMS=${BENCH_SYSTEMS:-carpd keepalived ucarp}
OUT=${BENCH_OUT:-$LAB_BUILD/bench}
VIP=192.0.2.254

lab_require "$CARPD" "$CARPCTL" ping
mkdir -p "$OUT" && rm -f "$OUT"/probe-*.dat || exit 1
lab_init
peers_init
lab_bridge lan
for h in a:1 b:2 c:10; do
	lab_ns "${h%:*}"
	lab_port "${h%:*}" eth0 lan
	lab_addr "${h%:*}" eth0 "192.0.2.${h#*:}/24"
done

# probe_start LABEL: ping the VIP from c every 2 ms in the background.
probe_start() {
	PROBE_LOG=$LAB_DIR/ping-$1.log
	lab_bg c "$PROBE_LOG" ping -n -D -i 0.002 $VIP
	PROBE_PID=$LAB_PID
	sleep 0.3
}
probe_stop() { lab_kill "$PROBE_PID" INT; }

# keep_probe LOG T0 FILE: the replies as "ms_from_cut icmp_seq".
keep_probe() {
	awk -v t0="$2" '/bytes from/ && /icmp_seq=/ {
		t = substr($1, 2, length($1) - 2)
		s = $0; sub(/.*icmp_seq=/, "", s); sub(/[^0-9].*/, "", s)
		printf "%.3f %d\n", (t - t0) * 1000, s
	}' "$1" >"$3"
}

# trial SETTING N: one crash of a; the outage in $OUT_MS.
trial() {
	probe_start "$SYS-$1-$2"
	# at base1, the crash just after one of a's adverts (peers.sh)
	ADVERT_AT=
	[ "$1" != base1 ] || advert_wait c eth0 192.0.2.1 ||
		echo "  (no tcpdump or no advert seen: the crash is at a random phase)"
	t0=$(now)
	node_cut a
	t1=$(now)
	wait_for 20 "sys_is_master $SYS b $VIP" ||
		{ probe_stop; lab_fail "$SYS: b did not take over ($1#$2)"; }
	took=$WAIT_MS
	sleep 0.3
	probe_stop
	jitter=$(ping_gap "$PROBE_LOG" 0 "$t0" | cut -d' ' -f1)
	set -- $(ping_gap "$PROBE_LOG" "$t0") "$1" "$2"
	[ "$1" != - ] || lab_fail "$SYS: no replies at all ($6#$7)"
	OUT_MS=$1 TAKE_MS=
	# at base1: from a's last advert (the one c saw just before the cut,
	# if the cut came before the next) to b's first reply
	if [ -n "$ADVERT_AT" ] && [ "$(ms_between "$ADVERT_AT" "$t1")" -lt 1000 ]; then
		TAKE_MS=$(ms_between "$ADVERT_AT" "$3")
		echo "  $SYS $6#$7: b answered $TAKE_MS ms after a's last advert"
	fi
	echo "  $SYS $6#$7: outage $1 ms (replies at $(ms_between "$t0" "$2")" \
	    "and $(ms_between "$t0" "$3") ms from the cut, which took" \
	    "$(ms_between "$t0" "$t1") ms; $4 lost; jitter" \
	    "before ${jitter} ms); b held the VIP after ${took} ms"
	[ "$7" = 1 ] && keep_probe "$PROBE_LOG" "$t0" "$OUT/probe-$6-$SYS.dat"
	[ -n "$BENCH_DEBUG" ] || rm -f "$PROBE_LOG"
	node_restore a
	# after the last crash the pair is stopped anyway
	[ "$7" -lt "$REPEAT" ] || return 0
	wait_for 30 "pair_settled $SYS $VIP" || lab_fail "$SYS: a did not take the VIP back ($6#$7)"
	# a steady cycle again: b has heard a few adverts from a
	sleep "$SETTLE"
}

# na SETTING WHY: SYS cannot do SETTING.
na() {
	bench_na "outage/$1/$SYS" ms "$2" min median max masterdown
	bench "outage/$1/$SYS/false" n/a transitions
}

# series SETTING: REPEAT crashes with SYS at SETTING.
series() {
	local set=$1 r=1 list="" takes="" md n
	md=$(sys_masterdown_ms "$SYS" "$set")
	lab_log "$SYS $set: $(sys_setting "$SYS" "$set"), master-down $md ms, $REPEAT runs"
	case $set in base1) SETTLE=2.5;; *) SETTLE=1;; esac
	pair_start "$SYS" "$set" "$VIP/24" || { na "$set" "$PAIR_WHY"; return 0; }
	n0=$(sys_transitions "$SYS" b)
	lab_exec c ping -c 1 -W 2 $VIP >/dev/null ||
	    lab_fail "$SYS: the client cannot reach the VIP"
	while [ $r -le "$REPEAT" ]; do
		trial "$set" "$r"
		list="$list $OUT_MS" takes="$takes $TAKE_MS"
		r=$((r + 1))
	done
	# b takes over once per crash; any more are false transitions
	n=$(($(sys_transitions "$SYS" b) - n0 - REPEAT))
	pair_stop "$SYS"
	set -- $(echo "$list" | tr ' ' '\n' | grep . | stats)
	echo "  $SYS $set: outage min $1 median $2 max $3 ms over $4 runs" \
	    "(master-down $md ms)"
	bench "outage/$set/$SYS/min" "$1" ms
	bench "outage/$set/$SYS/median" "$2" ms
	bench "outage/$set/$SYS/max" "$3" ms
	bench "outage/$set/$SYS/masterdown" "$md" ms
	bench "outage/$set/$SYS/false" "$n" transitions
	set -- $(echo "$takes" | tr ' ' '\n' | grep . | stats)
	[ "$4" = 0 ] || bench "outage/$set/$SYS/takeover_median" "$2" ms
}

for SYS in $SYSTEMS; do
	if [ "$SYS" != carpd ] && ! command -v "$SYS" >/dev/null; then
		for set in $SETTINGS; do
			na "$set" "$SYS is not installed"
		done
		continue
	fi
	for set in $SETTINGS; do
		series "$set"
	done
done
lab_log "done"
