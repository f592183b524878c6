#!/bin/sh
# bench-fullfail: the master crashes with a full conntrack table (issue
# 10, benchmark 3): carpd+syncd against keepalived+conntrackd, at equal
# master-down (setting fast, tests/bench/peers.sh).
#
# The lab of bench-tcp (client c - firewalls a, b - server s, a VIP on
# each side, eth0 and eth2) with a sync cable a:eth1 - b:eth1 and a
# stateful ruleset on a and b (forwarding only new connections from the
# client side and established ones; tcp_loose off, so a connection the
# new master has no state for is dropped, as on a real firewall). Before
# the crashes ctgen fills a's table with SIZE established states, and
# the run waits until b has them (syncd: b's kernel; conntrackd: b's
# external cache). keepalived runs conntrackd's documented primary-backup
# steps on its MASTER transition (commit the external cache, flush and
# resync the internal one, bulk send). Each crash cuts every link of a
# under a ping of the client-side VIP every 2 ms and two TCP connections
# (tcpgap bulk and echo): outage = longest gap in the ping replies,
# tcp_stall = the echo connection's longest stall. Between conntrackd
# runs b's kernel is emptied again, so that every commit loads the full
# table, as the first failover does. Each connection runs 4 s, plus a
# second per 100,000 states (a stall that outlasts it is a lower bound:
# the run says so).
#	BENCH_FULLFAIL_SIZES	default "10 100000 1000000" (QUICK: "10 20000")
#	BENCH_REPEAT		default 3 (QUICK 1)
#	BENCH_SYSTEMS		default "carpd keepalived"
#	PEERS_KEEPALIVED_RT	default 10 (keepalived's vrrp_rt_priority)
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/peers.sh"
. "$(dirname "$0")/load.sh"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	REPEAT=${BENCH_REPEAT:-1}
	SIZES=${BENCH_FULLFAIL_SIZES:-10 20000}
else
	REPEAT=${BENCH_REPEAT:-3}
	SIZES=${BENCH_FULLFAIL_SIZES:-10 100000 1000000}
fi
SYSTEMS=${BENCH_SYSTEMS:-carpd keepalived}
# keepalived with the real-time priority and locked memory that carpd
# has by default (peers.sh): without them b's keepalived, starved while
# conntrackd filled a million states, flapped hundreds of times and no
# 1,000,000-state trial could run
PEERS_KEEPALIVED_RT=${PEERS_KEEPALIVED_RT:-10}
SET=fast
TCPGAP=${TCPGAP:-$BENCH_TOOLS/tcpgap}
VIP=192.0.2.254
VIPS="$VIP/24@eth0 198.51.100.254/24@eth2"
SERVER=198.51.100.10
PORT=5001
MAX=0
for n in $SIZES; do [ "$n" -le "$MAX" ] || MAX=$n; done
CTMAX=$((MAX + MAX / 2 + 65536))
# conntrackd's caches must hold the table
CTD_HASHLIMIT=$((MAX * 2 + 65536))

lab_require "$CARPD" "$CARPCTL" "$SYNCD" "$CTGEN" "$TCPGAP" nft ping
lab_init
peers_init
ct_max_raise "$CTMAX"
trap '_rc=$?; ct_max_restore; (exit $_rc); peers_cleanup' EXIT
lab_bridge lan
lab_bridge srv
for h in a:1 b:2; do
	lab_ns "${h%:*}" net.ipv4.ip_forward=1 \
	    net.netfilter.nf_conntrack_tcp_loose=0
	lab_exec "${h%:*}" sysctl -qw net.netfilter.nf_conntrack_max=$CTMAX \
	    2>/dev/null || [ "${h%:*}" = b ] ||
		echo "  (nf_conntrack_max is the init namespace's here)"
	lab_port "${h%:*}" eth0 lan
	lab_port "${h%:*}" eth2 srv
	lab_addr "${h%:*}" eth0 "192.0.2.${h#*:}/24"
	lab_addr "${h%:*}" eth2 "198.51.100.${h#*:}/24"
	cat >"$LAB_DIR/${h%:*}.nft" <<EOT
table inet fullfail {
	chain forward {
		type filter hook forward priority 0; policy drop;
		ct state established,related accept
		iifname "eth0" ct state new tcp flags & (syn | ack) == syn accept
		iifname "eth0" ip protocol icmp accept
	}
}
EOT
	lab_exec "${h%:*}" nft -f "$LAB_DIR/${h%:*}.nft" || lab_fail "nft on ${h%:*}"
done
load_sync_link a b
lab_ns c
lab_port c eth0 lan
lab_addr c eth0 192.0.2.10/24
lab_exec c ip route add default via $VIP
lab_ns s
lab_port s eth0 srv
lab_addr s eth0 $SERVER/24
lab_exec s ip route add default via 198.51.100.254
lab_bg s "$LAB_DIR/tcpgap-server.log" "$TCPGAP" -l $PORT

# ctd_failover_script NODE: conntrackd's primary-backup steps for a new
# master, run by keepalived's notify_master on its first instance.
ctd_failover_script() {
	local c="conntrackd -C $LAB_DIR/ctd-$1.conf"
	printf '#!/bin/sh\n%s -c\n%s -f internal\n%s -R\n%s -B\n' \
	    "$c" "$c" "$c" "$c" >"$LAB_DIR/ctd-$1-master.sh"
	chmod 755 "$LAB_DIR/ctd-$1-master.sh"
	awk -v s="$LAB_DIR/ctd-$1-master.sh" '{ print }
	    /state BACKUP/ && !done { print "\tnotify_master \"" s "\""; done = 1 }' \
	    "$LAB_DIR/keepalived-$1.conf" >"$LAB_DIR/keepalived-$1.tmp" &&
	    mv "$LAB_DIR/keepalived-$1.tmp" "$LAB_DIR/keepalived-$1.conf"
}

# start SYS: the pair (a master) with its replicator running.
start() {
	sys_conf "$1" a $SET master $VIPS
	sys_conf "$1" b $SET backup $VIPS
	load_repl "$1" a b
	if [ "$1" = keepalived ]; then
		ctd_failover_script a; ctd_failover_script b
	fi
	sys_start "$1" a
	wait_for 15 "pair_on_a $1 $VIPS" || lab_fail "$1: a never master"
	sys_start "$1" b
	wait_for 15 "pair_settled $1 $VIPS" || lab_fail "$1: a is not the sole master"
	sleep 2
}

# ctd_fill_wait N: until b's external cache has N states, or has not
# grown in 30 s (conntrackd loses states at a million: bench-sync), at
# most 600 s. Short of N, the trials run on what b has, and a note says
# how many: a commit of fewer states is a lower bound of its cost.
ctd_fill_wait() {
	local i=0 have last=-1 still=0
	while [ $i -lt 120 ]; do
		have=$(ctd_ext b); have=${have:-0}
		[ "$have" -ge "$1" ] && return 0
		if [ "$have" = "$last" ]; then
			still=$((still + 1))
			[ $still -ge 6 ] && break
		else
			still=0
		fi
		last=$have
		sleep 5
		i=$((i + 1))
	done
	echo "# note fullfail/$1/keepalived: b's external cache has $have of" \
	    "$1 states ($((i * 5)) s, no growth in the last 30 s or 600 s" \
	    "passed); the trials run with those"
}

# fill SYS N: N states on a, until b has them; "" or why not in $FILL_WHY.
fill() {
	local t0 out
	t0=$(now)
	out=$(lab_exec a "$CTGEN" -n "$2") || lab_fail "ctgen on a: $out"
	echo "  $out"
	FILL_WHY=
	if [ "$1" = carpd ]; then
		lab_exec b "$CTGEN" -c -w "$2" -T 600 | sed 's/^/  b: /'
		[ "$(lab_exec b "$CTGEN" -c)" -ge "$2" ] ||
			FILL_WHY="b's kernel did not get all $2 states in 600 s"
	else
		ctd_fill_wait "$2"
	fi
	echo "  filled and replicated in $(ms_between "$t0" "$(now)") ms ${FILL_WHY:+($FILL_WHY)}"
}

# synced: both syncd in sync, no bulk under way.
synced() {
	local n
	for n in a b; do
		load_syncd_stats $n | json_get in_sync | grep -qi true &&
		    load_syncd_stats $n | json_get bulk_in_progress |
		    grep -qi false || return 1
	done
}

# trial SYS SIZE N: one crash; $OUT_MS and $STALL_MS. syncd's pair must
# be in sync first: after a failback a and b exchange the whole table
# again, and a connection opened during that bulk reaches b only after
# it (measured: stalls of 6 to 13 s at 1,000,000 states), which is the
# cost of a second crash within a minute, not of a full table.
trial() {
	local bulk=$LAB_DIR/bulk-$1-$2-$3.out echo=$LAB_DIR/echo-$1-$2-$3.out
	local b e t0 probe=$LAB_DIR/ping-$1-$2-$3.log
	[ "$1" = carpd ] || [ "$3" = 1 ] ||
		lab_exec b conntrack -F >/dev/null 2>&1
	if [ "$1" = carpd ]; then
		wait_for 300 synced ||
			echo "  (syncd not in sync after 300 s; crashing anyway)"
		echo "  $1 $2#$3: syncd in sync after $WAIT_MS ms"
	fi
	ping_probe c $VIP "$probe"
	lab_bg c "$bulk" "$TCPGAP" -c $SERVER -p $PORT -m bulk -t $DUR
	b=$LAB_PID
	lab_bg c "$echo" "$TCPGAP" -c $SERVER -p $PORT -m echo -t $DUR
	e=$LAB_PID
	sleep 1
	t0=$(now)
	node_cut a
	wait_for 20 "pair_on_b $1 $VIPS" || lab_fail "$1: b did not take over ($2#$3)"
	wait_for $((DUR + 30)) "! lab_alive $b && ! lab_alive $e" ||
		{ lab_kill "$b"; lab_kill "$e"; }
	wait "$b"; wait "$e"
	lab_kill "$PROBE_PID" INT
	OUT_MS=$(ping_gap "$probe" "$t0" | cut -d' ' -f1)
	set -- "$@" $(cat "$echo") $(cat "$bulk")
	STALL_MS=${4:-n/a}
	echo "  $1 $2#$3: outage $OUT_MS ms, echo stalled ${4:-?} ms," \
	    "bulk ${8:-?} ms; b held both VIPs after $WAIT_MS ms"
	node_restore a
	[ "$3" -lt "$REPEAT" ] || return 0
	wait_for 30 "pair_settled $1 $VIPS" || lab_fail "$1: a did not take the VIPs back"
	sleep 2
}

for SYS in $SYSTEMS; do
	if [ "$SYS" != carpd ] && ! command -v "$SYS" >/dev/null; then
		for n in $SIZES; do
			bench_na "fullfail/$n/$SYS" ms "$SYS is not installed" \
			    outage_ms tcp_stall_ms
		done
		continue
	fi
	lab_log "$SYS: $(sys_setting "$SYS" $SET), sizes $SIZES, $REPEAT runs"
	mark=$(load_mark)
	start "$SYS"
	have=0
	for n in $SIZES; do
		lab_log "$SYS: $n states"
		# the table grows: the states of the smaller size stay
		fill "$SYS" "$n"
		if [ -n "$FILL_WHY" ]; then
			bench_na "fullfail/$n/$SYS" ms "$FILL_WHY" outage_ms tcp_stall_ms
			continue
		fi
		# TCP backs off while b has no state: long enough runs
		DUR=$((4 + n / 100000))
		r=1 ol="" sl=""
		while [ $r -le "$REPEAT" ]; do
			trial "$SYS" "$n" "$r"
			ol="$ol $OUT_MS" sl="$sl $STALL_MS"
			r=$((r + 1))
		done
		bench "fullfail/$n/$SYS/outage_ms" \
		    "$(echo "$ol" | tr ' ' '\n' | grep '^[0-9]' | stats | cut -d' ' -f2)" ms
		bench "fullfail/$n/$SYS/tcp_stall_ms" \
		    "$(echo "$sl" | tr ' ' '\n' | grep '^[0-9]' | stats | cut -d' ' -f2)" ms
		wait_for 30 "pair_settled $SYS $VIPS" ||
			lab_fail "$SYS: a did not take the VIPs back"
		sleep 2
	done
	pair_stop "$SYS"
	load_stop_since "$mark"
	lab_exec a conntrack -F >/dev/null 2>&1
	lab_exec b conntrack -F >/dev/null 2>&1
done
lab_log "done"
