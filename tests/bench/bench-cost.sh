#!/bin/sh
# bench-cost: what many virtual hosts cost, carpd against keepalived
# (VRRPv3) and ucarp (case 5 of issue 9).
#
# Two settings, a master node and a backup node of each system on a
# bridge of their own:
#	vhid255	255 virtual hosts on one interface at advbase 1 (setting
#		base1 of peers.sh: an advert a second each)
#	vhid20	20 virtual hosts at the floor (carpd advbase 0 advskew 1/2,
#		256 adverts a second each; keepalived advert_int 0.01, its
#		minimum, 100 a second: carpd's 23 ms master-down would need
#		0.0078, so keepalived runs at the closest it can, 30 ms;
#		ucarp -b 0 -k 1/6)
# keepalived runs one process (and its VRRP child) with all instances,
# ucarp one process per virtual host; each node's processes share one
# cgroup. The master starts alone and takes every VIP (/32 each), then
# the backup starts; once settled, over BENCH_SECONDS (default 60):
#	cpu_pct		CPU of the master's cgroup, % of one core
#	cpu_pct_backup	the same for the backup
#	mem_kib		peak memory of the master's cgroup since its start
#			(mem_kib_backup: the backup's)
#	adverts		adverts a second the master sent (its interface's
#			transmitted packets: nothing else runs on it)
#	cpu_ms_1k_adv	master CPU per 1,000 adverts (per carp per 1,000
#			adverts: the cost of one advert does not depend on
#			how many carps share the daemon)
#	transitions	transitions to MASTER on both nodes in the window
#			(every one is false: nothing fails)
# Environment: BENCH_SECONDS, BENCH_SYSTEMS (default "carpd keepalived
# ucarp"), BENCH_SETTINGS (default "vhid255 vhid20"); BENCH_QUICK=1:
# vhid20 only, 3 s.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/peers.sh"
. "$(dirname "$0")/load.sh"

SYSTEMS=${BENCH_SYSTEMS:-carpd keepalived ucarp}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	# 255 ucarp processes take a minute or two to start and stop
	SECS=${BENCH_SECONDS:-3}
	SETTINGS=${BENCH_SETTINGS:-vhid20}
else
	SECS=${BENCH_SECONDS:-60}
	SETTINGS=${BENCH_SETTINGS:-vhid255 vhid20}
fi

lab_require "$CARPD" "$CARPCTL"
lab_init
peers_init
[ "$CG_MODE" != none ] || { echo "skip: no cgroup accounting"; exit 77; }

# vips N: N VIPs, /32 each (so removing one never takes others with it):
# 198.51.100.1-200, then 203.0.113.1-55.
vips() {
	local i=1
	while [ "$i" -le "$1" ]; do
		if [ "$i" -le 200 ]; then
			echo "198.51.100.$i/32"
		else
			echo "203.0.113.$((i - 200))/32"
		fi
		i=$((i + 1))
	done
}

# held NODE: how many of the VIPs NODE holds.
held() {
	ip -n "$LAB_PREFIX-$1" -4 -o addr show dev eth0 |
	    grep -c -e ' 198\.51\.100\.[0-9]*/32' -e ' 203\.0\.113\.[0-9]*/32'
}

tx_packets() { lab_exec "$1" cat /sys/class/net/eth0/statistics/tx_packets; }

# pct MS: MS of CPU over the window as % of one core.
pct() { awk -v ms="$1" -v s="$SECS" 'BEGIN { printf "%.2f\n", ms / (s * 10) }'; }

# run SETTING SYS: one window; the figures.
run() {
	local set=$1 sys=$2 n peer p a b c0a c0b c1a c1b x0 x1 t0 t1 tr
	case $set in
	vhid255) n=255 peer=base1;;
	vhid20) n=20 peer=floor;;
	*) lab_fail "no setting $set";;
	esac
	p=$(echo "$sys" | cut -c1)$n
	a=${p}a b=${p}b
	lab_log "$sys $set: $n x $(sys_setting "$sys" "$peer"), $SECS s"
	lab_bridge "lan$p"
	lab_ns "$a"; lab_ns "$b"
	lab_port "$a" eth0 "lan$p"; lab_port "$b" eth0 "lan$p"
	lab_addr "$a" eth0 192.0.2.1/24; lab_addr "$b" eth0 192.0.2.2/24
	set -- $(vips "$n")
	sys_conf "$sys" "$a" "$peer" master "$@"
	sys_conf "$sys" "$b" "$peer" backup "$@"
	sys_start "$sys" "$a"
	wait_for 30 "[ \$(held $a) -eq $n ]" ||
		lab_fail "$sys $set: $a holds $(held "$a") of $n VIPs alone"
	sys_start "$sys" "$b"
	# the backup's first master-down passes before the window opens
	sleep "$(awk -v m="$(sys_masterdown_ms "$sys" "$peer")" \
	    'BEGIN { printf "%.1f\n", m / 1000 * 2 + 1 }')"
	# a backup that cannot keep up takes VIPs: counted, not fatal
	wait_for 15 "[ \$(held $a) -eq $n ] && [ \$(held $b) -eq 0 ]" ||
		echo "  $sys $set: not settled before the window: $a holds" \
		    "$(held "$a"), $b $(held "$b") of $n VIPs"
	t0=$(( $(sys_transitions "$sys" "$a") + $(sys_transitions "$sys" "$b") ))
	c0a=$(cg_cpu_ms "$(sys_cg "$sys" "$a")")
	c0b=$(cg_cpu_ms "$(sys_cg "$sys" "$b")")
	x0=$(tx_packets "$a")
	sleep "$SECS"
	x1=$(tx_packets "$a")
	c1a=$(cg_cpu_ms "$(sys_cg "$sys" "$a")")
	c1b=$(cg_cpu_ms "$(sys_cg "$sys" "$b")")
	t1=$(( $(sys_transitions "$sys" "$a") + $(sys_transitions "$sys" "$b") ))
	tr=$((t1 - t0))
	c0a=$(awk -v a="$c0a" -v b="$c1a" 'BEGIN { printf "%.1f\n", b - a }')
	c0b=$(awk -v a="$c0b" -v b="$c1b" 'BEGIN { printf "%.1f\n", b - a }')
	x0=$((x1 - x0))
	set -- "$(pct "$c0a")" "$(pct "$c0b")" \
	    "$(cg_mem_peak_kib "$(sys_cg "$sys" "$a")")" \
	    "$(cg_mem_peak_kib "$(sys_cg "$sys" "$b")")" \
	    "$(awk -v x="$x0" -v s="$SECS" 'BEGIN { printf "%.0f\n", x / s }')" \
	    "$(awk -v c="$c0a" -v x="$x0" 'BEGIN { if (x) printf "%.2f\n", c * 1000 / x; else print "-" }')"
	echo "  $sys $set: master CPU $c0a ms ($1% of a core), backup" \
	    "$c0b ms ($2%); memory peak master $3 KiB, backup $4 KiB;" \
	    "$5 adverts/s from the master; $6 ms per 1,000 adverts;" \
	    "$tr transitions to MASTER ($((t0 - n)) before it but the master's first $n);" \
	    "$(held "$a") of $n VIPs on $a at the end, $(held "$b") on $b"
	bench "cost/$set/$sys/cpu_pct" "$1" %
	bench "cost/$set/$sys/cpu_pct_backup" "$2" %
	bench "cost/$set/$sys/mem_kib" "$3" KiB
	bench "cost/$set/$sys/mem_kib_backup" "$4" KiB
	bench "cost/$set/$sys/adverts" "$5" 1/s
	bench "cost/$set/$sys/cpu_ms_1k_adv" "$6" ms
	bench "cost/$set/$sys/transitions" "$tr" count
	load_sys_stop "$sys" "$a"; load_sys_stop "$sys" "$b"
}

for SET in $SETTINGS; do
	for SYS in $SYSTEMS; do
		if [ "$SYS" != carpd ] && ! command -v "$SYS" >/dev/null; then
			bench_na "cost/$SET/$SYS" % "not installed" cpu_pct
			continue
		fi
		run "$SET" "$SYS"
	done
done
lab_log "done"
