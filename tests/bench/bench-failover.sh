#!/bin/sh
# bench-failover: how long the VIP is unreachable when the master fails.
#
# Two carpd nodes a (preferred master, preempt on) and b on one bridge,
# a client c probing the VIP with ICMP echo every 10 ms (ping -D -i 0.01).
# Outage = the largest gap between two consecutive replies, i.e. from the
# last reply of the old master to the first reply of the new one, with
# 10 ms resolution. Unplanned: the master's cable is pulled (its bridge
# port goes down, so it loses carrier). Planned: `carpctl demote carp 1`
# on the master. Each case is repeated BENCH_REPEAT times (default 5;
# BENCH_ONLY=pattern runs only the matching series);
# between runs the link is restored and a takes the VIP back (preempt).
#
# Theory (OpenBSD semantics, deadratio 3): the backup declares the master
# dead 3 x its own interval after the last advert it heard, and the last
# advert came up to one master interval before the cut, so the outage
# lies in [3 Ib - Ia, 3 Ib] plus the time for the gratuitous ARP.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/lib.sh"

REPEAT=${BENCH_REPEAT:-5}
VIP=192.0.2.254

lab_require "$CARPD" "$CARPCTL" ping
lab_init
lab_bridge lan
i=0
for h in a b c; do
	i=$((i + 1)); [ $h = c ] && i=10
	lab_ns $h
	lab_port $h eth0 lan
	lab_addr $h eth0 192.0.2.$i/24
done

# conf NODE ADVBASE ADVSKEW
conf() {
	carpd_conf "$1" <<EOT
carp carp1 {
	vhid 1
	carpdev eth0
	password "bench-secret"
	advbase $2
	advskew $3
	preempt yes
	address $VIP/24
}
EOT
}

# is_master NODE: MASTER and holds the VIP.
is_master() { carp_is "$1" carp1 MASTER && lab_has_addr "$1" eth0 $VIP; }
settled() {
	is_master a && carp_is b carp1 BACKUP && ! lab_has_addr b eth0 $VIP
}

# start_pair BASE SKEW_A SKEW_B
start_pair() {
	conf a "$1" "$2"; conf b "$1" "$3"
	carpd_start a; carpd_start b
	wait_for 15 settled || lab_fail "a did not become the sole master"
	lab_exec c ping -c 1 -W 2 $VIP >/dev/null ||
	    lab_fail "client cannot reach the VIP"
}

stop_pair() {
	carpd_stop a; carpd_stop b
}

# probe_start: ping the VIP from c every 10 ms in the background.
probe_start() {
	PROBE_LOG=$LAB_DIR/ping.$$.$1.log
	lab_bg c "$PROBE_LOG" ping -n -D -i 0.01 $VIP
	PROBE_PID=$LAB_PID
	sleep 0.5
}

probe_stop() { lab_kill "$PROBE_PID" INT; }

# trial KIND LABEL: one failover of a to b, the outage in $OUT_MS.
trial() {
	probe_start "$2"
	sleep 0.5
	t0=$(now)
	case $1 in
	cut) lab_cut a eth0;;
	demote) carpctl a demote carp 1 >/dev/null ||
		lab_fail "carpctl demote failed";;
	esac
	wait_for 10 "is_master b" || { probe_stop; lab_fail "b did not take over ($2)"; }
	took=$WAIT_MS
	# replies from b well established before we stop probing
	sleep 0.5
	probe_stop
	# the probe's own jitter: the largest gap in the second before t0
	jitter=$(ping_gap "$PROBE_LOG" 0 "$t0" | cut -d' ' -f1)
	set -- $(ping_gap "$PROBE_LOG" "$t0") "$1" "$2"
	[ "$1" != - ] || lab_fail "no replies at all ($7)"
	OUT_MS=$1 LOST=$4
	echo "  $7: outage ${1} ms (replies at $(ms_between "$t0" "$2") and" \
	    "$(ms_between "$t0" "$3") ms from the $6; $4 probes lost, $5" \
	    "duplicated; jitter before ${jitter} ms); b MASTER in carpctl" \
	    "after ${took} ms"
	# give a the VIP back
	case $6 in
	cut) lab_restore a eth0;;
	demote) carpctl a promote carp 1 >/dev/null ||
		lab_fail "carpctl promote failed";;
	esac
	wait_for 15 settled || lab_fail "a did not take the VIP back ($7)"
	# let b's master-down timer run a full steady cycle again
	sleep 1.5
}

# series KIND NAME BASE SKEW_A SKEW_B (only the names matching the
# shell pattern BENCH_ONLY, if set)
series() {
	local kind=$1 name=$2 base=$3 sa=$4 sb=$5 r=1 list="" lost=""
	case $name in ${BENCH_ONLY:-*}) ;; *) return 0;; esac
	lab_log "$name: advbase $base, advskew a $sa b $sb, $kind x $REPEAT"
	start_pair "$base" "$sa" "$sb"
	while [ $r -le "$REPEAT" ]; do
		trial "$kind" "$name#$r"
		list="$list $OUT_MS"
		lost="$lost $LOST"
		r=$((r + 1))
	done
	stop_pair
	set -- $(echo "$list" | tr ' ' '\n' | grep . | stats)
	ia=$(awk -v b="$base" -v s="$sa" 'BEGIN { print (b + s / 256) * 1000 }')
	ib=$(awk -v b="$base" -v s="$sb" 'BEGIN { print (b + s / 256) * 1000 }')
	md=$(awk -v i="$ib" 'BEGIN { printf "%d", 3 * i + 0.5 }')
	lo=$(awk -v i="$ib" -v a="$ia" 'BEGIN { printf "%d", 3 * i - a + 0.5 }')
	if [ "$kind" = cut ]; then
		echo "  $name: outage min $1 median $2 max $3 ms over $4 runs" \
		    "(b's master-down $md ms: expected $lo..$md ms)"
	else
		echo "  $name: largest reply gap min $1 median $2 max $3 ms" \
		    "over $4 runs (10 ms probes: 10-20 ms is no outage)"
	fi
	bench "failover.$name.min" "$1" ms
	bench "failover.$name.median" "$2" ms
	bench "failover.$name.max" "$3" ms
	set -- $(echo "$lost" | tr ' ' '\n' | grep . | stats)
	bench "failover.$name.lost.max" "$3" probes
	[ "$kind" = cut ] && bench "failover.$name.masterdown" "$md" ms
	return 0
}

series cut advbase1 1 0 100
series cut advbase0 0 20 40
series demote planned-advbase1 1 0 100
series demote planned-advbase0 0 20 40
lab_log "done"
