#!/bin/sh
# bench-planned: planned failover, carpd against keepalived (VRRPv3) and
# ucarp (case 4 of issue 9), at the fast setting (master-down 94 ms).
#
# Two routers a (the master by configuration, preempting) and b, a client
# c and a server s, all on one bridge. The VIP 192.0.2.254 is the
# gateway of both ends: c (192.0.2.10/24) reaches 198.51.100.0/24 through
# it, and s (198.51.100.10/24) has its default route on it (on-link), so
# both directions of every packet go through the VIP's holder, which
# forwards it (a and b have an address in each subnet). No firewall
# rules: a connection survives as long as packets get through.
#
# Two ways to hand the VIP from a to b on purpose (peers.sh):
#	demote	carpd: carpctl demote (the group); keepalived: the priority
#		below the backup's in the configuration, reloaded (SIGHUP);
#		ucarp: SIGUSR2 (it drops to BACKUP, takes 3 s off, and
#		preempts back afterwards)
#	stop	the daemon stops (SIGTERM): carpd and keepalived bow out
#		(an advert saying they leave), ucarp (-z) runs its down
#		script and exits without a word, so b waits its master-down
# For each: the largest gap in a 2 ms ping from c to s (through the VIP
# both ways) from the action on; beside it (vip_*) the same for a 2 ms
# ping of the VIP itself. They differ: the old master, alive, still
# forwards what comes to its MAC address until the new master's
# gratuitous ARP moves the neighbours, so the forwarded stream shows only
# the move, while the VIP's own replies stop as soon as the old master
# drops the address and resume when the new one has it and is known
# (keepalived and ucarp, like carpd without vmac, use the interface's
# own MAC). And the TCP sessions lost: BENCH_SESSIONS
# (default 4) interactive sessions from c to an echo server on s, 64
# bytes every 20 ms, that must survive (load.sh). Then the undo (promote,
# the priority back, or the daemon started again) and a back as master.
# Min/median/max over BENCH_REPEAT runs (default 5).
#
# Environment: BENCH_REPEAT, BENCH_SYSTEMS (default "carpd keepalived
# ucarp"), BENCH_SETTING (default fast), BENCH_KINDS (default "demote
# stop"), BENCH_SESSIONS; BENCH_QUICK=1: 1 run, demote only.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/peers.sh"
. "$(dirname "$0")/load.sh"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	REPEAT=${BENCH_REPEAT:-1}
	KINDS=${BENCH_KINDS:-demote}
else
	REPEAT=${BENCH_REPEAT:-5}
	KINDS=${BENCH_KINDS:-demote stop}
fi
SYSTEMS=${BENCH_SYSTEMS:-carpd keepalived ucarp}
SETTING=${BENCH_SETTING:-fast}
SESSIONS=${BENCH_SESSIONS:-4}
VIP=192.0.2.254/24
SRV=198.51.100.10
NA_METRICS="min median max vip_min vip_median vip_max lost_min lost_median
    lost_max"

lab_require "$CARPD" "$CARPCTL" ping
lab_init
peers_init
lab_bridge lan
for h in a:1 b:2; do
	lab_ns "${h%:*}" net.ipv4.ip_forward=1 \
	    net.ipv4.conf.all.send_redirects=0 \
	    net.ipv4.conf.default.send_redirects=0
	lab_port "${h%:*}" eth0 lan
	lab_addr "${h%:*}" eth0 "192.0.2.${h#*:}/24"
	lab_addr "${h%:*}" eth0 "198.51.100.${h#*:}/24"
done
for h in c s; do
	lab_ns $h net.ipv4.conf.all.accept_redirects=0 \
	    net.ipv4.conf.default.accept_redirects=0
	lab_port $h eth0 lan
done
lab_addr c eth0 192.0.2.10/24
lab_exec c ip route add 198.51.100.0/24 via 192.0.2.254 ||
	lab_fail "route on c"
lab_addr s eth0 $SRV/24
lab_exec s ip route add default via 192.0.2.254 dev eth0 onlink ||
	lab_fail "route on s"
load_echo_start s

settled() {
	sys_is_master "$SYS" a $VIP && ! sys_is_master "$SYS" b $VIP
}

# trial KIND N: one planned failover of a to b; sets GAP_MS, VGAP_MS,
# LOST.
trial() {
	local t0 took jitter res vgap
	PROBE_LOG=$LAB_DIR/ping-$SYS-$1-$2.log
	lab_bg c "$PROBE_LOG" ping -n -D -i 0.002 $SRV
	PROBE_PID=$LAB_PID
	lab_bg c "$PROBE_LOG.vip" ping -n -D -i 0.002 ${VIP%/*}
	VPROBE_PID=$LAB_PID
	load_sessions_start c $SRV "$SESSIONS"
	sleep 0.3
	t0=$(now)
	case $1 in
	demote) sys_planned "$SYS" a || lab_fail "$SYS: planned failover";;
	stop) sys_stop "$SYS" a;;
	esac
	wait_for 10 "sys_is_master $SYS b $VIP" ||
		lab_fail "$SYS: b did not take over ($1#$2)"
	took=$WAIT_MS
	# the new master's replies well established (ucarp's old master
	# comes back after 3 s: end before that)
	sleep 0.5
	lab_kill "$PROBE_PID" INT
	lab_kill "$VPROBE_PID" INT
	res=$(load_sessions_stop)
	jitter=$(ping_gap "$PROBE_LOG" 0 "$t0" | cut -d' ' -f1)
	vgap=$(ping_gap "$PROBE_LOG.vip" "$t0" | cut -d' ' -f1)
	set -- $(ping_gap "$PROBE_LOG" "$t0") "$1" "$2" $res
	[ "$1" != - ] || lab_fail "$SYS: no replies at all ($6#$7)"
	GAP_MS=$1 LOST=${9:--} VGAP_MS=$vgap
	echo "  $SYS $6#$7: largest gap $1 ms through, $vgap ms to the VIP" \
	    "(replies through at" \
	    "$(ms_between "$t0" "$2") and $(ms_between "$t0" "$3") ms from" \
	    "the action; $4 probes lost; jitter before $jitter ms); b master" \
	    "after $took ms; TCP: $9 of $8 sessions lost, longest echo" \
	    "wait ${10} ms"
	case $6 in
	demote) sys_unplanned "$SYS" a || lab_fail "$SYS: undo";;
	stop) sys_start "$SYS" a;;
	esac
	wait_for 15 settled || lab_fail "$SYS: a did not take the VIP back ($6#$7)"
	sleep 1
}

# series SYS KIND: REPEAT trials, the figures.
series() {
	local r=1 gaps="" lost="" vgaps="" k=$2
	lab_log "$SYS $2: $(sys_setting "$SYS" "$SETTING") x $REPEAT"
	while [ "$r" -le "$REPEAT" ]; do
		trial "$2" "$r"
		gaps="$gaps $GAP_MS" lost="$lost $LOST" vgaps="$vgaps $VGAP_MS"
		r=$((r + 1))
	done
	echo "$gaps" | tr ' ' '\n' | load_bench3 "planned/$k/$SYS" ms
	echo "$vgaps" | tr ' ' '\n' | load_bench3 "planned/$k/$SYS" ms vip_
	echo "$lost" | tr ' ' '\n' | load_bench3 "planned/$k/$SYS" sessions lost_
}

for SYS in $SYSTEMS; do
	if [ "$SYS" != carpd ] && ! command -v "$SYS" >/dev/null; then
		for k in $KINDS; do
			bench_na "planned/$k/$SYS" ms "not installed" $NA_METRICS
		done
		continue
	fi
	if ! pair_start "$SYS" "$SETTING" $VIP; then
		for k in $KINDS; do
			bench_na "planned/$k/$SYS" ms "$PAIR_WHY" $NA_METRICS
		done
		continue
	fi
	lab_exec c ping -c 1 -W 2 $SRV >/dev/null ||
		lab_fail "$SYS: c cannot reach s through the VIP"
	for k in $KINDS; do
		series "$SYS" "$k"
	done
	echo "  $SYS: b's master-down $(sys_masterdown_ms "$SYS" "$SETTING") ms" \
	    "($(sys_setting "$SYS" "$SETTING"))"
	pair_stop "$SYS"
done
lab_log "done"
