#!/bin/sh
# bench-tcp: what TCP users feel when the master crashes, carpd against
# keepalived (VRRPv3) and ucarp at equal master-down.
#
# The pair a, b routes between a client LAN (bridge lan, 192.0.2.0/24,
# client c) and a server LAN (bridge srv, 198.51.100.0/24, server s):
# plain IP forwarding, so every system can carry it. Each LAN has its VIP
# (192.0.2.254 on eth0, 198.51.100.254 on eth1, one election each), the
# client's and the server's default gateway, so both directions of a
# connection go through the master. Two connections from c to s run
# through it: a bulk transfer (4 MB/s from s) and an interactive session
# (a byte every 10 ms, echoed), both tests/tools/tcpgap. The crash: every
# link of a cut at once, a second into the connections (at base1: just
# after one of a's adverts, as in bench-outage). Stall = the
# longest time between two receipts on the client (last byte before,
# first byte after), and "moving again" = that first byte after, from
# the cut: TCP resends only on its retransmission timer, so this is the
# outage rounded up to the next retransmission.
#
# Environment: BENCH_REPEAT (default 5), BENCH_SETTINGS (default "base1
# fast floor"), BENCH_SYSTEMS (default "carpd keepalived ucarp");
# BENCH_QUICK=1: setting fast, 1 run.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/peers.sh"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	REPEAT=${BENCH_REPEAT:-1}
	SETTINGS=${BENCH_SETTINGS:-fast}
else
	REPEAT=${BENCH_REPEAT:-5}
	SETTINGS=${BENCH_SETTINGS:-base1 fast floor}
fi
SYSTEMS=${BENCH_SYSTEMS:-carpd keepalived ucarp}
TCPGAP=${TCPGAP:-$BENCH_TOOLS/tcpgap}
VIPS="192.0.2.254/24@eth0 198.51.100.254/24@eth1"
SERVER=198.51.100.10
PORT=5001

lab_require "$CARPD" "$CARPCTL" "$TCPGAP"
lab_init
peers_init
lab_bridge lan
lab_bridge srv
for h in a:1 b:2; do
	lab_ns "${h%:*}" net.ipv4.ip_forward=1
	lab_port "${h%:*}" eth0 lan
	lab_port "${h%:*}" eth1 srv
	lab_addr "${h%:*}" eth0 "192.0.2.${h#*:}/24"
	lab_addr "${h%:*}" eth1 "198.51.100.${h#*:}/24"
done
lab_ns c
lab_port c eth0 lan
lab_addr c eth0 192.0.2.10/24
lab_exec c ip route add default via 192.0.2.254
lab_ns s
lab_port s eth0 srv
lab_addr s eth0 $SERVER/24
lab_exec s ip route add default via 198.51.100.254
lab_bg s "$LAB_DIR/tcpgap-server.log" "$TCPGAP" -l $PORT

# client_wait PID: its exit status once it ended by itself (DUR s).
client_wait() {
	wait_for $((DUR + 10)) "! lab_alive $1" || lab_kill "$1"
	wait "$1"
}

# trial SETTING N: one crash of a under both connections; the stalls in
# $BULK_MS and $ECHO_MS.
trial() {
	local bulk=$LAB_DIR/bulk-$1-$2.out echo=$LAB_DIR/echo-$1-$2.out b e
	lab_bg c "$bulk" "$TCPGAP" -c $SERVER -p $PORT -m bulk -t "$DUR"
	b=$LAB_PID
	lab_bg c "$echo" "$TCPGAP" -c $SERVER -p $PORT -m echo -t "$DUR"
	e=$LAB_PID
	sleep 1
	[ "$1" != base1 ] || advert_wait c eth0 192.0.2.1 ||
		echo "  (no tcpdump or no advert seen: the crash is at a random phase)"
	t0=$(now)
	node_cut a
	wait_for 20 "pair_on_b $SYS $VIPS" ||
		lab_fail "$SYS: b did not take over ($1#$2)"
	took=$WAIT_MS
	client_wait "$b" || lab_fail "$SYS: bulk transfer broken ($1#$2): $(cat "$bulk")"
	client_wait "$e" || lab_fail "$SYS: echo session broken ($1#$2): $(cat "$echo")"
	set -- $(cat "$bulk") $(cat "$echo") "$1" "$2"
	[ $# -eq 10 ] || lab_fail "$SYS: no figures from tcpgap ($9#${10})"
	BULK_MS=$1 ECHO_MS=$5
	[ "$3" != 0.000000 ] && [ "$7" != 0.000000 ] ||
		echo "  warning: a stream was still stalled when the run" \
		    "ended ($DUR s): its stall is a lower bound"
	echo "  $SYS $9#${10}: bulk stalled $1 ms (moving again" \
	    "$(ms_between "$t0" "$3") ms after the cut), echo stalled $5 ms" \
	    "(again after $(ms_between "$t0" "$7") ms); b held both VIPs" \
	    "after $took ms"
	node_restore a
	# after the last crash the pair is stopped anyway
	[ "${10}" -lt "$REPEAT" ] || return 0
	wait_for 30 "pair_settled $SYS $VIPS" ||
		lab_fail "$SYS: a did not take the VIPs back ($9#${10})"
	sleep "$SETTLE"
}

na() {
	bench_na "tcp/$1/$SYS" ms "$2" bulk_min bulk_median bulk_max \
	    echo_min echo_median echo_max masterdown
}

# report SETTING WHAT LIST: min/median/max of one stream's stalls.
report() {
	set -- "$1" "$2" $(echo "$3" | tr ' ' '\n' | grep . | stats)
	echo "  $SYS $1: $2 stall min $3 median $4 max $5 ms over $6 runs"
	bench "tcp/$1/$SYS/$2_min" "$3" ms
	bench "tcp/$1/$SYS/$2_median" "$4" ms
	bench "tcp/$1/$SYS/$2_max" "$5" ms
}

series() {
	local set=$1 r=1 bl="" el="" md
	md=$(sys_masterdown_ms "$SYS" "$set")
	lab_log "$SYS $set: $(sys_setting "$SYS" "$set"), master-down $md ms, $REPEAT runs"
	# long enough for TCP's backoff after a 3 to 4 s outage (resends
	# at 0.2, 0.6, 1.4, 3.0, 6.2 s after the first loss)
	case $set in base1) DUR=11 SETTLE=2.5;; *) DUR=3 SETTLE=1;; esac
	pair_start "$SYS" "$set" $VIPS || { na "$set" "$PAIR_WHY"; return 0; }
	while [ $r -le "$REPEAT" ]; do
		trial "$set" "$r"
		bl="$bl $BULK_MS" el="$el $ECHO_MS"
		r=$((r + 1))
	done
	pair_stop "$SYS"
	report "$set" bulk "$bl"
	report "$set" echo "$el"
	bench "tcp/$set/$SYS/masterdown" "$md" ms
}

for SYS in $SYSTEMS; do
	for set in $SETTINGS; do
		if [ "$SYS" != carpd ] && ! command -v "$SYS" >/dev/null; then
			na "$set" "$SYS is not installed"
		else
			series "$set"
		fi
	done
done
lab_log "done"
