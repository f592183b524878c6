# tests/lab/fwpair.sh: the two-firewall lab of the appliance (issue 4),
# on top of lab.sh. Sourced by POSIX sh scripts (dash):
#
#	. "$(dirname "$0")/../lab/fwpair.sh"
#	fwpair_up				# [--no-syncd] [--defer]
#	fwpair_wait_master fw1 || lab_fail "..."
#	fwpair_tcp b1 busy; fwpair_tcp i1 idle; fwpair_udp u1
#	fwpair_probe_start
#	fwpair_crash fw1
#	...
#
#  client 192.0.2.10, 2001:db8:1::10        server 198.51.100.10, 2001:db8:2::10
#      |                                        |
#  --- lan bridge ---                  --- wan bridge ---
#     |eth0       |eth0                    |eth1       |eth1
#    fw1 -eth2-- sync 203.0.113.1/.2 --eth2- fw2
#   LAN 192.0.2.1/.2 2001:db8:1::1/::2, VIP 192.0.2.254 2001:db8:1::254 (carp1)
#   WAN 198.51.100.1/.2 2001:db8:2::1/::2, VIP 198.51.100.254 2001:db8:2::254 (carp2)
#
# carp1 and carp2 are in group "internal", preempt on, advbase 0, fw1
# advskew 7 (preferred master), fw2 advskew 8: etc/carp.conf's timing,
# fw2 declares fw1 dead after 3 x 31.25 ms = 94 ms of silence. The
# environment may change it: FWPAIR_ADVBASE (default 0) and
# FWPAIR_ADVSKEW ("FW1 FW2"; default "7 8", or "0 100" with advbase 1,
# the conservative setting carp.conf(5) documents). Each firewall forwards
# with a stateful nftables ruleset (new connections only from the LAN,
# established/related back, everything else dropped, tcp_loose off) and
# source-NATs LAN traffic leaving the WAN to the WAN VIP. IPv6 is routed
# without NAT (the WAN carp has an IPv6 VIP so the server's return route
# follows the master too).
#
# Each firewall runs carpd and syncd from one carp.conf of its own
# ($LAB_DIR/fwN.conf; control sockets $LAB_DIR/fwN.sock and
# $LAB_DIR/fwN.syncd.sock; logs carpd-fwN.log, syncd-fwN.log).
#
# Traffic: a Python echo server on the server (TCP and UDP port 5001)
# logs every connection it accepts with the peer address and port
# ($LAB_DIR/server.log). Clients on the client never reconnect: a busy
# TCP flow streams 1000 bytes every 20 ms and checks the echo byte for
# byte; an idle one sends a line only when poked; a UDP flow sends a
# datagram every 50 ms. Each writes its state to $LAB_DIR/flows/NAME.st
# (state=up|error, local address, bytes, pongs, last receive time); a
# busy flow also logs every receive ("EPOCH BYTES") to
# $LAB_DIR/flows/NAME.rx, so a stall can be measured (fwpair_gap).

. "$(dirname "$0")/../lab/lab.sh"

SYNCD=${SYNCD:-$LAB_BUILD/syncd}
FWPAIR_PORT=5001
FWPAIR_SYNC_PORT=8372
FWPAIR_SNAT=198.51.100.254
FWPAIR_SRV4=198.51.100.10
FWPAIR_SRV6=2001:db8:2::10
FWPAIR_CLI6=2001:db8:1::10

FWPAIR_ADVBASE=${FWPAIR_ADVBASE:-0}
if [ -z "${FWPAIR_ADVSKEW:-}" ]; then
	if [ "$FWPAIR_ADVBASE" = 0 ]; then FWPAIR_ADVSKEW="7 8"
	else FWPAIR_ADVSKEW="0 100"; fi
fi

fwpair_now() { date +%s.%6N; }

# fwpair_advskew fwN: fwN's advskew (from FWPAIR_ADVSKEW).
fwpair_advskew() {
	set -- "$1" $FWPAIR_ADVSKEW
	if [ "$1" = fw1 ]; then echo "$2"; else echo "$3"; fi
}

# fwpair_masterdown_ms fwN: the master-down time of fwN as carpd
# computes it (docs/PROTOCOL.md, section 2.1): deadratio 3 times the
# interval, advbase s + advskew/256 s kept to the microsecond.
fwpair_masterdown_ms() {
	echo $(( 3 * (FWPAIR_ADVBASE * 1000000 + $(fwpair_advskew "$1") * 1000000 / 256) / 1000 ))
}

# fwpair_ms T0 T1: milliseconds from epoch T0 to epoch T1.
fwpair_ms() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%d\n", (b - a) * 1000 + 0.5 }'
}

fwpair_exec() { lab_exec "$@"; }

# fwpair_carpctl fwN args...: carpctl against fwN's carpd, or its syncd
# when the command is "sync ..." (e.g. fwpair_carpctl fw2 -j sync status).
fwpair_carpctl() {
	local _fw=$1 _sock _a
	shift
	_sock=$LAB_DIR/$_fw.sock
	for _a in "$@"; do
		case $_a in
		-*) continue;;
		sync) _sock=$LAB_DIR/$_fw.syncd.sock;;
		esac
		break
	done
	lab_exec "$_fw" "$CARPCTL" -s "$_sock" "$@"
}

# fwpair_sync_get fwN KEY: one key of `carpctl -j sync status` on fwN.
fwpair_sync_get() {
	fwpair_carpctl "$1" -j sync status | json_get "$2"
}

# fwpair_group_demote fwN GROUP: the demotion counter of GROUP on fwN.
fwpair_group_demote() {
	fwpair_carpctl "$1" -j groups | json_get "groups.name=$2.demote"
}

# --- topology --------------------------------------------------------------

# fwpair_rules fwN PEER_SYNC_ADDR: the firewall's nftables ruleset.
fwpair_rules() {
	cat <<EOT
table inet fw {
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		iifname { "eth0", "eth1" } meta l4proto 112 accept
		iifname "eth2" ip saddr $2 udp dport $FWPAIR_SYNC_PORT accept
		ct state established,related accept
		meta l4proto { icmp, ipv6-icmp } accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "eth0" oifname "eth1" ct state new accept
	}
	chain output {
		type filter hook output priority filter; policy accept;
	}
}
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "eth1" ip saddr 192.0.2.0/24 snat to $FWPAIR_SNAT
	}
}
EOT
}

# fwpair_conf fwN ADVSKEW PEER: write $LAB_DIR/fwN.conf, the whole
# carp.conf of that firewall (carpd's and syncd's parts).
fwpair_conf() {
	carpd_conf "$1" <<EOT
preempt yes
deadratio 3
group internal { demote 0 }

carp carp1 {
	vhid 1
	carpdev eth0
	password-file "$LAB_DIR/lan.pass"
	advbase $FWPAIR_ADVBASE
	advskew $2
	address 192.0.2.254/24
	address 2001:db8:1::254/64
	group internal
}

carp carp2 {
	vhid 2
	carpdev eth1
	password-file "$LAB_DIR/wan.pass"
	advbase $FWPAIR_ADVBASE
	advskew $2
	address $FWPAIR_SNAT/24
	address 2001:db8:2::254/64
	group internal
}

sync {
	syncdev eth2
	syncpeer $3
	port $FWPAIR_SYNC_PORT
	key-file "$LAB_DIR/sync.key"
	defer $FWPAIR_DEFER
	defer-timeout $FWPAIR_DEFER_TIMEOUT
	${FWPAIR_SYNC_EXTRA:-}
	bulk-timeout 30s
	bulk-demote 32
	link-demote 1
	control-socket "$LAB_DIR/$1.syncd.sock"
}
EOT
}

# fwpair_fw fwN N PEER_N ADVSKEW: one firewall namespace, cabled, with
# its ruleset and config.
fwpair_fw() {
	local _fw=$1 _n=$2 _p=$3
	lab_ns "$_fw" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	lab_port "$_fw" eth0 lan
	lab_port "$_fw" eth1 wan
	lab_addr "$_fw" eth0 "192.0.2.$_n/24"
	lab_addr "$_fw" eth0 "2001:db8:1::$_n/64"
	lab_addr "$_fw" eth1 "198.51.100.$_n/24"
	lab_addr "$_fw" eth1 "2001:db8:2::$_n/64"
	fwpair_rules "$_fw" "203.0.113.$_p" >"$LAB_DIR/$_fw.nft"
	lab_exec "$_fw" nft -f "$LAB_DIR/$_fw.nft" ||
	    lab_fail "nft ruleset on $_fw"
	# the conntrack sysctls exist once the ruleset loaded conntrack
	lab_exec "$_fw" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 ||
	    lab_fail "nf_conntrack_tcp_loose on $_fw"
	fwpair_conf "$_fw" "$4" "203.0.113.$_p"
}

# fwpair_up [--no-syncd] [--defer]: skip (77) unless we can run, make
# the lab, start the echo server and the daemons on both firewalls
# (carpd first, then syncd, as the rc scripts do). Does not wait for the
# election: see fwpair_wait_master.
fwpair_up() {
	FWPAIR_SYNCD=1 FWPAIR_DEFER=no FWPAIR_DEFER_TIMEOUT=20ms
	while [ $# -gt 0 ]; do
		case $1 in
		--no-syncd) FWPAIR_SYNCD=0;;
		--defer) FWPAIR_DEFER=yes
			# long enough that the hold ends by the peer's ack,
			# not by the timeout, on a loaded machine
			FWPAIR_DEFER_TIMEOUT=2s;;
		*) echo "fwpair_up: unknown option $1" >&2; exit 2;;
		esac
		shift
	done
	lab_require "$CARPD" "$CARPCTL" "$SYNCD" nft ping conntrack ss \
	    "$LAB_PY"
	fwpair_lab_init

	lab_bridge lan
	lab_bridge wan
	fwpair_fw fw1 1 2 "$(fwpair_advskew fw1)"
	fwpair_fw fw2 2 1 "$(fwpair_advskew fw2)"
	lab_link fw1 eth2 fw2 eth2
	lab_addr fw1 eth2 203.0.113.1/24
	lab_addr fw2 eth2 203.0.113.2/24

	lab_ns client
	lab_port client eth0 lan
	lab_addr client eth0 192.0.2.10/24
	lab_addr client eth0 "$FWPAIR_CLI6/64"
	lab_exec client ip route add default via 192.0.2.254
	lab_exec client ip -6 route add default via 2001:db8:1::254

	lab_ns server
	lab_port server eth1 wan
	lab_addr server eth1 "$FWPAIR_SRV4/24"
	lab_addr server eth1 "$FWPAIR_SRV6/64"
	lab_exec server ip route add 192.0.2.0/24 via "$FWPAIR_SNAT"
	lab_exec server ip -6 route add 2001:db8:1::/64 via 2001:db8:2::254

	for _fw in fw1 fw2; do fwpair_check_conf "$_fw"; done
	fwpair_server_start

	for _fw in fw1 fw2; do
		fwpair_carpd_start "$_fw"
		[ "$FWPAIR_SYNCD" = 1 ] && fwpair_syncd_start "$_fw"
	done
	lab_log "fwpair up (syncd: $FWPAIR_SYNCD, defer: $FWPAIR_DEFER," \
	    "advbase $FWPAIR_ADVBASE, advskew fw1 $(fwpair_advskew fw1)" \
	    "fw2 $(fwpair_advskew fw2))"
}

# fwpair_lab_init: lab_init, the flows' directory and tool, the carp
# passwords and the sync key (tests/lab/balance.sh shares it).
fwpair_lab_init() {
	lab_init
	mkdir -p "$LAB_DIR/flows"
	fwpair_pyfile >"$LAB_DIR/flow.py"
	( umask 077
	  printf %s lanpasswd >"$LAB_DIR/lan.pass"
	  printf %s wanpasswd >"$LAB_DIR/wan.pass"
	  od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$LAB_DIR/sync.key" )
}

# fwpair_check_conf fwN: carpd -n and syncd -n accept fwN's config.
fwpair_check_conf() {
	lab_exec "$1" "$CARPD" -n -f "$LAB_DIR/$1.conf" ||
	    lab_fail "carpd -n refuses $1.conf"
	lab_exec "$1" "$SYNCD" -n -f "$LAB_DIR/$1.conf" ||
	    lab_fail "syncd -n refuses $1.conf"
}

# fwpair_server_start: the echo server on the server, listening.
fwpair_server_start() {
	lab_bg server "$LAB_DIR/server.out.log" "$LAB_PY" -u "$LAB_DIR/flow.py" \
	    server "$FWPAIR_PORT" "$LAB_DIR/server.log"
	wait_for 10 "grep -q listening '$LAB_DIR/server.log'" ||
	    lab_fail "echo server did not start"
}

fwpair_carpd_start() { carpd_start "$1"; }
fwpair_carpd_stop() { carpd_stop "$1" "${2:-TERM}"; }

# fwpair_syncd_start fwN: run syncd -d on fwN, wait for its socket.
fwpair_syncd_start() {
	rm -f "$LAB_DIR/$1.syncd.sock"
	lab_bg "$1" "$LAB_DIR/syncd-$1.log" "$SYNCD" -d -f "$LAB_DIR/$1.conf"
	echo "$LAB_PID" >"$LAB_DIR/$1.syncd.pid"
	lab_log "syncd on $1: pid $LAB_PID"
	wait_for 10 "[ -S '$LAB_DIR/$1.syncd.sock' ]" ||
	    lab_fail "syncd on $1 did not open its control socket"
}

fwpair_syncd_stop() {
	lab_kill "$(cat "$LAB_DIR/$1.syncd.pid")" "${2:-TERM}"
}

# --- roles -------------------------------------------------------------------

fwpair_other() { if [ "$1" = fw1 ]; then echo fw2; else echo fw1; fi; }

# fwpair_holds fwN: both carps MASTER on fwN and their VIPs on it.
fwpair_holds() {
	carp_is "$1" carp1 MASTER && carp_is "$1" carp2 MASTER &&
	    lab_has_addr "$1" eth0 192.0.2.254 &&
	    lab_has_addr "$1" eth1 "$FWPAIR_SNAT"
}

# fwpair_backs fwN: both carps BACKUP on fwN, no VIP on it.
fwpair_backs() {
	carp_is "$1" carp1 BACKUP && carp_is "$1" carp2 BACKUP &&
	    ! lab_has_addr "$1" eth0 192.0.2.254 &&
	    ! lab_has_addr "$1" eth1 "$FWPAIR_SNAT"
}

fwpair_in_sync() {
	[ "$(fwpair_sync_get "$1" in_sync)" = true ] &&
	    [ "$(fwpair_sync_get "$1" peer_alive)" = true ]
}

# fwpair_settled fwN: fwN holds both VIPs, the other is backup, and
# with syncd both are in sync with a live peer. Without syncd, both
# carpds hold the demotion they take in its place (2 s after each one
# started, so at advbase 0 the first to take it hands over for a moment
# to the other, which has not yet).
fwpair_settled() {
	local _o; _o=$(fwpair_other "$1")
	fwpair_holds "$1" && fwpair_backs "$_o" || return 1
	if [ "$FWPAIR_SYNCD" = 0 ]; then
		[ "$(fwpair_group_demote "$1" carp)" -ge 1 ] &&
		    [ "$(fwpair_group_demote "$_o" carp)" -ge 1 ]
		return
	fi
	fwpair_in_sync "$1" && fwpair_in_sync "$_o"
}

# fwpair_wait_master fwN [SECONDS]: until fwpair_settled fwN (default 30 s).
fwpair_wait_master() {
	wait_for "${2:-30}" "fwpair_settled $1"
}

# fwpair_master_only fwN: fwN holds both VIPs, the other holds none
# (whatever its daemons may say: a crashed box is not asked).
fwpair_master_only() {
	local _o; _o=$(fwpair_other "$1")
	fwpair_holds "$1" &&
	    ! lab_has_addr "$_o" eth0 192.0.2.254 2>/dev/null &&
	    ! lab_has_addr "$_o" eth1 "$FWPAIR_SNAT" 2>/dev/null
}

# --- failures ----------------------------------------------------------------

# fwpair_cut fwN [IF...]: pull fwN's cables (default all three). The
# bridge ports go down; on the direct sync cable fwN's own end goes down,
# so the survivor's eth2 loses carrier as it would if fwN lost power.
fwpair_cut() { _fwpair_cable "$@" down; }
fwpair_plug() { _fwpair_cable "$@" up; }
_fwpair_cable() {
	local _fw=$1 _op _ifs
	shift
	eval "_op=\${$#}"
	_ifs=""
	while [ $# -gt 1 ]; do _ifs="$_ifs $1"; shift; done
	[ -n "$_ifs" ] || _ifs="eth0 eth1 eth2"
	for _if in $_ifs; do
		case $_if in
		eth2) ip -n "$LAB_PREFIX-$_fw" link set eth2 "$_op" ||
			lab_fail "link $_fw:eth2 $_op";;
		*) if [ "$_op" = down ]; then lab_cut "$_fw" "$_if"
		   else lab_restore "$_fw" "$_if"; fi;;
		esac
	done
}

# fwpair_cut_script fwN: the commands that pull all of fwN's cables, as
# a shell script file (for a client to run at an exact moment); prints
# its path. The two bridge ports go down in one ip -batch, a few
# microseconds apart, as on a power loss: no advert gets out on one
# while the other is already down. The epochs just before and just after
# that go to $LAB_DIR/cut-fwN.t (under load a command takes tens of ms
# to start: they bracket the cut, neither is its exact time).
fwpair_cut_script() {
	local _f=$LAB_DIR/cut-$1.sh _b1 _b2
	_b1=$(awk -v n="$1" '$1 == n && $2 == "eth0" { print $4 }' "$LAB_DIR/links")
	_b2=$(awk -v n="$1" '$1 == n && $2 == "eth1" { print $4 }' "$LAB_DIR/links")
	printf '%s\n' "t0=\$(date +%s.%6N)" \
	    "ip -n $LAB_PREFIX-sw -batch - <<EOF" \
	    "link set $_b1 down" "link set $_b2 down" "EOF" \
	    "echo \$t0 \$(date +%s.%6N) >$LAB_DIR/cut-$1.t" \
	    "ip -n $LAB_PREFIX-$1 link set eth2 down" >"$_f"
	echo "$_f"
}

# fwpair_kill fwN: kill -9 fwN's daemons (no bow-out, nothing cleaned).
fwpair_kill() {
	local _p
	for _p in "$LAB_DIR/$1.pid" "$LAB_DIR/$1.syncd.pid"; do
		[ -f "$_p" ] || continue
		lab_kill "$(cat "$_p")" KILL
	done
	return 0
}

# fwpair_crash fwN: simulated power loss: every cable of fwN pulled at
# once, then its daemons killed with SIGKILL so that it never comes back.
# FWPAIR_CRASH_T is the epoch by which the LAN and WAN cables are out,
# FWPAIR_CUT_T0 the one before they were pulled (fwpair_cut_script).
fwpair_crash() {
	local _cut; _cut=$(fwpair_cut_script "$1")
	sh "$_cut" || lab_fail "cutting $1's cables"
	read -r FWPAIR_CUT_T0 FWPAIR_CRASH_T <"$LAB_DIR/cut-$1.t"
	fwpair_kill "$1"
	lab_log "crashed $1 (all cables pulled, daemons killed)"
}

# fwpair_reboot_clean fwN: what a reboot forgets: the VIPs, the conntrack
# table, syncd's leftover tables. The ruleset (configuration) stays.
fwpair_reboot_clean() {
	lab_exec "$1" ip addr del 192.0.2.254/24 dev eth0 2>/dev/null
	lab_exec "$1" ip addr del 2001:db8:1::254/64 dev eth0 2>/dev/null
	lab_exec "$1" ip addr del "$FWPAIR_SNAT/24" dev eth1 2>/dev/null
	lab_exec "$1" ip addr del 2001:db8:2::254/64 dev eth1 2>/dev/null
	lab_exec "$1" nft delete table ip carp_syncd 2>/dev/null
	lab_exec "$1" nft delete table ip6 carp_syncd 2>/dev/null
	lab_exec "$1" conntrack -F >/dev/null 2>&1
	lab_exec "$1" ip neigh flush all
	return 0
}

# --- traffic -----------------------------------------------------------------

fwpair_st() { echo "$LAB_DIR/flows/$1.st"; }

# fwpair_flow NAME KEY: one field of a flow's status (state, local, sent,
# recv, pongs, last_rx, err, mode).
fwpair_flow() {
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$(fwpair_st "$1")" 2>/dev/null
}

# fwpair_tcp_start NAME busy|idle [4|6] [CMD]: start a TCP connection
# from the client to the server through the pair (IPv4: source-NATed),
# without waiting. CMD, a shell script file, is run by the client right
# after connect() returns, before any data.
fwpair_tcp_start() {
	local _name=$1 _mode=$2 _af=${3:-4} _dst
	if [ "$_af" = 6 ]; then _dst=$FWPAIR_SRV6; else _dst=$FWPAIR_SRV4; fi
	lab_bg client "$LAB_DIR/flow-$_name.log" "$LAB_PY" -u \
	    "$LAB_DIR/flow.py" tcp "$_dst" "$FWPAIR_PORT" "$_name" "$_mode" \
	    "$LAB_DIR/flows" ${4:+"$4"}
	echo "$_name $_mode $_af $LAB_PID" >>"$LAB_DIR/flows/tcp"
}

# fwpair_tcp_up NAME: the client is connected and the server logged it.
fwpair_tcp_up() {
	[ "$(fwpair_flow "$1" state)" = up ] &&
	    grep -q " accept $1 " "$LAB_DIR/server.log"
}

# fwpair_tcp NAME busy|idle [4|6]: fwpair_tcp_start and wait (10 s)
# until it is up.
fwpair_tcp() {
	fwpair_tcp_start "$@"
	wait_for 10 "fwpair_tcp_up $1" ||
	    fwpair_fail "TCP flow $1 did not come up"
	lab_log "tcp $1 ($2, IPv${3:-4}) up: client" \
	    "$(fwpair_flow "$1" local), server sees $(fwpair_peer "$1")"
}

# fwpair_udp NAME: a UDP flow, one datagram every 50 ms, echoed.
fwpair_udp() {
	lab_bg client "$LAB_DIR/flow-$1.log" "$LAB_PY" -u "$LAB_DIR/flow.py" \
	    udp "$FWPAIR_SRV4" "$FWPAIR_PORT" "$1" - "$LAB_DIR/flows"
	echo "$1 $LAB_PID" >>"$LAB_DIR/flows/udp"
	wait_for 10 "[ \"\$(fwpair_flow $1 recv)\" -gt 0 ]" ||
	    fwpair_fail "UDP flow $1 got no echo"
	lab_log "udp $1 up: client $(fwpair_flow "$1" local)," \
	    "server sees $(fwpair_udp_peers "$1")"
}

fwpair_tcp_names() { awk '{ print $1 }' "$LAB_DIR/flows/tcp" 2>/dev/null; }
fwpair_udp_names() { awk '{ print $1 }' "$LAB_DIR/flows/udp" 2>/dev/null; }
fwpair_tcp_mode() { awk -v n="$1" '$1 == n { print $2 }' "$LAB_DIR/flows/tcp"; }
fwpair_tcp_af() { awk -v n="$1" '$1 == n { print $3 }' "$LAB_DIR/flows/tcp"; }

# fwpair_peer NAME: "addr port" the server saw at accept for NAME (the
# first, if there were several: see fwpair_accepts).
fwpair_peer() {
	awk -v n="$1" '$2 == "accept" && $3 == n { print $4, $5; exit }' \
	    "$LAB_DIR/server.log"
}

# fwpair_accepts NAME: how many connections the server accepted for NAME.
fwpair_accepts() {
	awk -v n="$1" '$2 == "accept" && $3 == n { c++ } END { print c + 0 }' \
	    "$LAB_DIR/server.log"
}

# fwpair_closed NAME: the server saw NAME's connection end (0) or not.
fwpair_closed() {
	awk -v n="$1" '$2 == "close" && $3 == n { f = 1 } END { exit !f }' \
	    "$LAB_DIR/server.log"
}

# fwpair_udp_peers NAME: every distinct "addr:port" the server saw NAME's
# datagrams come from.
fwpair_udp_peers() {
	awk -v n="$1" '$2 == "udp" && $3 == n { printf "%s%s:%s", s, $4, $5; s = " " }' \
	    "$LAB_DIR/server.log"
}

# fwpair_server_has ADDR PORT: the server has an established connection
# from ADDR PORT right now.
fwpair_server_has() {
	lab_exec server ss -Htn state established "( sport = :$FWPAIR_PORT )" |
	    awk -v a="$1" -v p="$2" '{
		n = split($NF, x, ":"); port = x[n]
		addr = substr($NF, 1, length($NF) - length(port) - 1)
		gsub(/[][]/, "", addr); sub(/^::ffff:/, "", addr)
		if (addr == a && port == p) f = 1
	    } END { exit !f }'
}

# fwpair_mark: remember every flow's counters (the baseline of the
# progress checks). Take it after the failure: what arrives later went
# through the survivor. The clients write their status at most every
# 100 ms, so the mark waits (up to 2 s) for a status written after it
# was called: bytes received before then are not counted as progress.
fwpair_mark() {
	local _n _t0
	_t0=$(fwpair_now)
	for _n in $(fwpair_tcp_names) $(fwpair_udp_names); do
		[ "$(fwpair_flow "$_n" mode)" = idle ] ||
		    wait_for 2 "_fwpair_fresh $_n $_t0"
		echo "$(fwpair_flow "$_n" recv) $(fwpair_flow "$_n" pongs)" \
		    >"$LAB_DIR/flows/$_n.mark"
	done
}

# _fwpair_fresh NAME EPOCH: NAME's status was written after EPOCH.
_fwpair_fresh() {
	awk -v t0="$2" '{ sub(/^t=/, "", $1); exit !($1 + 0 > t0 + 0) }' \
	    "$(fwpair_st "$1")"
}

# fwpair_progressed NAME BYTES: NAME received BYTES more than at the mark.
fwpair_progressed() {
	local _m _r
	_m=$(cut -d' ' -f1 "$LAB_DIR/flows/$1.mark")
	_r=$(fwpair_flow "$1" recv)
	[ "${_r:-0}" -ge $(( _m + $2 )) ]
}

# fwpair_poke NAME: make idle flow NAME send one line; sets FWPAIR_POKE
# to the pong count to wait for.
fwpair_poke() {
	local _f=$LAB_DIR/flows/$1.go _n
	_n=$(cat "$_f" 2>/dev/null || echo 0)
	FWPAIR_POKE=$((_n + 1))
	echo "$FWPAIR_POKE" >"$_f.tmp" && mv "$_f.tmp" "$_f"
}

fwpair_ponged() { [ "$(fwpair_flow "$1" pongs)" -ge "$2" ]; }

# fwpair_tcp_carried NAME [SECONDS]: the connection carries data again
# (busy: 20 kB echoed since the mark; idle: a poke answered) within
# SECONDS (default 30), without a reset or an error on the client.
fwpair_tcp_carried() {
	local _t=${2:-30}
	case $(fwpair_tcp_mode "$1") in
	busy) wait_for "$_t" "[ \"\$(fwpair_flow $1 state)\" != up ] ||
		fwpair_progressed $1 20000" || return 1;;
	idle) fwpair_poke "$1"
	      wait_for "$_t" "[ \"\$(fwpair_flow $1 state)\" != up ] ||
		fwpair_ponged $1 $FWPAIR_POKE" || return 1;;
	esac
	[ "$(fwpair_flow "$1" state)" = up ]
}

# fwpair_same_peer NAME: the connection is the one it was: one accept
# only on the server (no reconnect), not closed, the server still has an
# established connection from the very address and port it accepted
# (the NAT binding: 198.51.100.254 for IPv4), and for IPv6 that is the
# client's own address and port.
fwpair_same_peer() {
	local _peer _want
	[ "$(fwpair_accepts "$1")" = 1 ] || { echo "$1: reconnected"; return 1; }
	! fwpair_closed "$1" || { echo "$1: closed on the server"; return 1; }
	_peer=$(fwpair_peer "$1")
	if [ "$(fwpair_tcp_af "$1")" = 6 ]; then
		_want="$FWPAIR_CLI6 ${_peer#* }"
		[ "[$FWPAIR_CLI6]:${_peer#* }" = "$(fwpair_flow "$1" local)" ] ||
		    { echo "$1: server saw $_peer, client is $(fwpair_flow "$1" local)"; return 1; }
	else
		_want="$FWPAIR_SNAT ${_peer#* }"
	fi
	[ "$_peer" = "$_want" ] ||
	    { echo "$1: server saw $_peer, not $_want"; return 1; }
	fwpair_server_has $_peer ||
	    { echo "$1: no established connection from $_peer on the server"; return 1; }
}

# fwpair_ct_binding fwN NAME: the reply port of NAME's NATed state in
# fwN's conntrack table ("" if fwN has no such state).
fwpair_ct_binding() {
	local _lp
	_lp=$(fwpair_flow "$2" local); _lp=${_lp##*:}
	lab_exec "$1" conntrack -L -p tcp --orig-src 192.0.2.10 \
	    --orig-port-src "$_lp" 2>/dev/null |
	    sed -n 's/.*src=[0-9.]* dst=[0-9.]* sport=[0-9]* dport=\([0-9]*\).*/\1/p' |
	    head -n 1
}

# fwpair_tcp_survived NAME [SECONDS] [fwN]: NAME carried on (see
# fwpair_tcp_carried) and is the same connection with the same NAT
# binding (fwpair_same_peer; with fwN, the NAT state on fwN maps to the
# port the server saw). Says why not.
fwpair_tcp_survived() {
	local _why _b
	if ! fwpair_tcp_carried "$1" "${2:-30}"; then
		echo "$1: did not carry on (state $(fwpair_flow "$1" state)" \
		    "$(fwpair_flow "$1" err), recv $(fwpair_flow "$1" recv)," \
		    "pongs $(fwpair_flow "$1" pongs))"
		return 1
	fi
	_why=$(fwpair_same_peer "$1") || { echo "$_why"; return 1; }
	if [ -n "$3" ] && [ "$(fwpair_tcp_af "$1")" = 4 ]; then
		_b=$(fwpair_ct_binding "$3" "$1")
		[ "$_b" = "$(fwpair_peer "$1" | cut -d' ' -f2)" ] || {
			echo "$1: NAT state on $3 maps to port '${_b}'," \
			    "server saw $(fwpair_peer "$1")"
			return 1; }
	fi
	return 0
}

# fwpair_tcp_all [SECONDS] [fwN]: fwpair_tcp_survived for every TCP flow
# (checked in parallel time: the deadline runs once). Sets FWPAIR_OK
# and FWPAIR_TOTAL; returns 0 if all survived. The names of those that
# did not are added to $LAB_DIR/flows/failed (see fwpair_retire).
fwpair_tcp_all() {
	local _n _t=${1:-30} _end
	FWPAIR_OK=0 FWPAIR_TOTAL=0
	_end=$(( $(date +%s) + _t ))
	for _n in $(fwpair_tcp_names); do
		FWPAIR_TOTAL=$((FWPAIR_TOTAL + 1))
		_t=$(( _end - $(date +%s) )); [ "$_t" -ge 5 ] || _t=5
		if fwpair_tcp_survived "$_n" "$_t" "$2"; then
			FWPAIR_OK=$((FWPAIR_OK + 1))
			lab_log "  $_n survived (recv $(fwpair_flow "$_n" recv)," \
			    "pongs $(fwpair_flow "$_n" pongs))"
		else
			echo "$_n" >>"$LAB_DIR/flows/failed"
		fi
	done
	lab_log "TCP: $FWPAIR_OK of $FWPAIR_TOTAL connections survived"
	[ "$FWPAIR_OK" = "$FWPAIR_TOTAL" ]
}

# fwpair_retire: forget the TCP flows listed in $LAB_DIR/flows/failed
# (their clients are stopped), so that a test can go on checking the
# others after reporting them.
fwpair_retire() {
	local _n _pid
	[ -s "$LAB_DIR/flows/failed" ] || return 0
	for _n in $(cat "$LAB_DIR/flows/failed"); do
		_pid=$(awk -v n="$_n" '$1 == n { print $4 }' "$LAB_DIR/flows/tcp")
		[ -n "$_pid" ] && lab_kill "$_pid"
		awk -v n="$_n" '$1 != n' "$LAB_DIR/flows/tcp" >"$LAB_DIR/flows/tcp.new"
		mv "$LAB_DIR/flows/tcp.new" "$LAB_DIR/flows/tcp"
	done
	: >"$LAB_DIR/flows/failed"
}

# fwpair_tcp_broken NAME [SECONDS]: NAME did NOT carry on within SECONDS
# (default 15): reset, closed, or no data through at all.
fwpair_tcp_broken() { ! fwpair_tcp_carried "$1" "${2:-15}"; }

# fwpair_udp_survived NAME [SECONDS]: NAME got 20 echoes since the mark,
# and the server saw its datagrams from one address and port only.
fwpair_udp_survived() {
	local _m _p
	_m=$(cut -d' ' -f1 "$LAB_DIR/flows/$1.mark")
	wait_for "${2:-30}" "[ \"\$(fwpair_flow $1 recv)\" -ge $((_m + 20)) ]" || {
		echo "$1: no UDP echo since the mark (recv $(fwpair_flow "$1" recv))"
		return 1; }
	_p=$(fwpair_udp_peers "$1")
	case $_p in
	*" "*) echo "$1: NAT binding changed: the server saw $_p"; return 1;;
	"$FWPAIR_SNAT":*) return 0;;
	*) echo "$1: the server saw UDP from '$_p'"; return 1;;
	esac
}

# --- the ICMP probe ----------------------------------------------------------

# fwpair_probe_start [SECONDS]: ping the server from the client every
# 50 ms (or SECONDS) with timestamps (through the pair, NATed).
fwpair_probe_start() {
	FWPAIR_PROBE_LOG=$LAB_DIR/probe.$(date +%s%N).ping
	lab_bg client "$FWPAIR_PROBE_LOG" ping -n -D -i "${1:-0.05}" \
	    "$FWPAIR_SRV4"
	FWPAIR_PROBE_PID=$LAB_PID
	wait_for 5 "grep -q 'bytes from' '$FWPAIR_PROBE_LOG'" ||
	    lab_fail "ICMP probe gets no reply"
}

fwpair_probe_stop() { lab_kill "$FWPAIR_PROBE_PID" INT; }

# fwpair_outage [FROM]: from the probe's replies after epoch FROM, the
# largest gap between two consecutive replies in ms (FWPAIR_OUTAGE_MS)
# and the probes never answered (FWPAIR_LOST, over the whole run).
fwpair_outage() {
	set -- $(awk -v from="${1:-0}" '
	/bytes from/ && /icmp_seq=/ {
		t = substr($1, 2, length($1) - 2) + 0
		s = $0; sub(/.*icmp_seq=/, "", s); sub(/[^0-9].*/, "", s)
		if (s in seen) next
		seen[s] = 1; n++
		if (lo == "" || s + 0 < lo) lo = s + 0
		if (s + 0 > hi) hi = s + 0
		if (t >= from && prev != "" && t - prev > gap) gap = t - prev
		prev = t
	}
	END { printf "%d %d %d\n", gap * 1000 + 0.5, hi - lo + 1 - n, n }' \
	    "$FWPAIR_PROBE_LOG")
	FWPAIR_OUTAGE_MS=$1 FWPAIR_LOST=$2 FWPAIR_REPLIES=$3
}

# fwpair_gap FROM [UNTIL]: of the epochs on stdin (one a line,
# ascending), the largest gap between two consecutive ones that ends
# after epoch FROM (and begins before epoch UNTIL, if given), as "BEFORE
# AFTER": the ms from FROM to its two ends (BEFORE is negative when the
# gap began before FROM). "- -" without such a gap.
fwpair_gap() {
	awk -v from="$1" -v until="${2:-}" '
	{ t = $1 + 0
	  if (prev != "" && t > from && (until == "" || prev < until + 0) &&
	      t - prev > gap) { gap = t - prev; a = prev; b = t }
	  prev = t }
	END { if (gap == "") print "- -"
	      else printf "%d %d\n", (a - from) * 1000 + (a < from ? -0.5 : 0.5),
		  (b - from) * 1000 + 0.5 }'
}

# fwpair_probe_times: the epoch of every probe reply, one a line.
fwpair_probe_times() {
	awk '/bytes from/ && /icmp_seq=/ { print substr($1, 2, length($1) - 2) }' \
	    "$FWPAIR_PROBE_LOG"
}

# fwpair_rx_times NAME: the epoch of every receive of busy flow NAME.
fwpair_rx_times() { cut -d' ' -f1 "$LAB_DIR/flows/$1.rx"; }

# --- diagnostics -------------------------------------------------------------

# fwpair_dump: flows, tables and sync state, then lab_fail's dump.
fwpair_dump() {
	echo "=== fwpair"
	for _f in "$LAB_DIR"/flows/*.st; do
		[ -f "$_f" ] && echo "flow $(cat "$_f")"
	done
	echo "--- server.log"; cat "$LAB_DIR/server.log" 2>/dev/null
	for _fw in fw1 fw2; do
		echo "--- $_fw: conntrack"
		lab_exec "$_fw" conntrack -L 2>/dev/null | grep -v "dport=$FWPAIR_SYNC_PORT" | head -n 30
		[ -S "$LAB_DIR/$_fw.syncd.sock" ] || continue
		echo "--- $_fw: sync stats"
		fwpair_carpctl "$_fw" -j sync stats 2>&1
		echo "--- $_fw: groups"
		fwpair_carpctl "$_fw" groups 2>&1
	done
}

# fwpair_fail MSG: fwpair_dump, then lab_fail.
fwpair_fail() {
	lab_log "FAIL: $*"
	fwpair_dump
	lab_fail "$*"
}

# --- the traffic tool ----------------------------------------------------------

fwpair_pyfile() {
	cat <<'EOF'
# flow.py: echo server and never-reconnecting clients for the fwpair lab.
#   flow.py server PORT LOG
#   flow.py tcp HOST PORT NAME busy|idle STATUSDIR [AFTER_CONNECT_SCRIPT]
#   flow.py udp HOST PORT NAME - STATUSDIR
import os, select, signal, socket, subprocess, sys, threading, time

def stamp():
    return "%.6f" % time.time()

def unmap(addr):
    ip = addr[0]
    return ip[7:] if ip.startswith("::ffff:") else ip

def server(port, logpath):
    log = open(logpath, "a", buffering=1)
    lock = threading.Lock()
    def L(*a):
        with lock:
            log.write(stamp() + " " + " ".join(str(x) for x in a) + "\n")
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("::", port)); ls.listen(64)
    us = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    us.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    us.bind(("::", port))
    def conn(c, addr):
        ip, p, name = unmap(addr), addr[1], "?"
        buf = b""
        try:
            while b"\n" not in buf:
                d = c.recv(4096)
                if not d:
                    L("close", name, ip, p, "eof-before-hello"); return
                buf += d
            line, rest = buf.split(b"\n", 1)
            name = line.split()[1].decode()
            L("accept", name, ip, p)
            if rest:
                c.sendall(rest)
            while True:
                d = c.recv(65536)
                if not d:
                    L("close", name, ip, p, "eof"); return
                c.sendall(d)
        except OSError as e:
            L("close", name, ip, p, "error", str(e).replace(" ", "_"))
    def udp():
        seen = set()
        while True:
            d, addr = us.recvfrom(2048)
            ip, p = unmap(addr), addr[1]
            name = d.split()[0].decode()
            if (name, ip, p) not in seen:
                seen.add((name, ip, p)); L("udp", name, ip, p)
            us.sendto(d, addr)
    threading.Thread(target=udp, daemon=True).start()
    L("listening", port)
    while True:
        c, addr = ls.accept()
        threading.Thread(target=conn, args=(c, addr), daemon=True).start()

class Status:
    def __init__(self, sdir, name, mode):
        self.path = os.path.join(sdir, name + ".st")
        self.f = dict(state="connecting", mode=mode, local="-", sent=0,
                      recv=0, pongs=0, last_rx=0, err="-")
        self.t = 0
        self.write()
    def write(self, force=True):
        now = time.time()
        if not force and now - self.t < 0.1:
            return
        self.t = now
        txt = "t=%s " % stamp() + " ".join("%s=%s" % kv for kv in self.f.items())
        with open(self.path + ".tmp", "w") as fh:
            fh.write(txt + " \n")
        os.rename(self.path + ".tmp", self.path)
    def fail(self, why):
        self.f["state"] = "error"; self.f["err"] = why.replace(" ", "_")
        self.write(); sys.exit(1)

PAT = bytes(range(251)) * 12

def tcp(host, port, name, mode, sdir, after=None):
    st = Status(sdir, name, mode)
    try:
        s = socket.create_connection((host, port), timeout=10)
    except OSError as e:
        st.fail("connect:" + str(e))
    if after:
        subprocess.run(["sh", after])
    s.settimeout(None)
    la = s.getsockname()
    st.f["local"] = ("[%s]:%d" if ":" in la[0] else "%s:%d") % (la[0], la[1])
    st.f["state"] = "up"
    try:
        s.sendall(("HELLO %s %s\n" % (name, mode)).encode())
        if mode == "busy":
            busy(s, st, open(os.path.join(sdir, name + ".rx"), "a",
                             buffering=1))
        else:
            idle(s, st, os.path.join(sdir, name + ".go"))
    except OSError as e:
        st.fail(type(e).__name__ + ":" + str(e))

def busy(s, st, rx):
    s.setblocking(False)
    pending = bytearray()
    sent = 0
    nxt = time.time()
    while True:
        now = time.time()
        if now >= nxt:
            nxt = now + 0.02
            if len(pending) < 262144:
                o = sent % 251
                try:
                    n = s.send(PAT[o:o + 1000])
                    pending += PAT[o:o + n]; sent += n
                    st.f["sent"] = sent
                except BlockingIOError:
                    pass
        r, _, _ = select.select([s], [], [], max(0, nxt - time.time()))
        if r:
            d = s.recv(65536)
            if not d:
                st.fail("eof")
            if pending[:len(d)] != d:
                st.fail("corrupt-echo")
            del pending[:len(d)]
            st.f["recv"] += len(d); st.f["last_rx"] = stamp()
            rx.write("%s %d\n" % (st.f["last_rx"], len(d)))
        st.write(False)

def idle(s, st, gopath):
    done = 0
    st.write()
    while True:
        r, _, _ = select.select([s], [], [], 0.1)
        if r:
            d = s.recv(4096)
            st.fail("eof" if not d else "unexpected-data")
        try:
            want = int(open(gopath).read().strip() or 0)
        except (OSError, ValueError):
            want = 0
        if want <= done:
            continue
        line = ("ping %d\n" % want).encode()
        s.sendall(line)
        got = b""
        while len(got) < len(line):
            d = s.recv(4096)
            if not d:
                st.fail("eof")
            got += d
        if got != line:
            st.fail("bad-pong")
        done = want
        st.f["pongs"] = done; st.f["recv"] += len(got)
        st.f["sent"] += len(line); st.f["last_rx"] = stamp()
        st.write()

def udp(host, port, name, sdir):
    st = Status(sdir, name, "udp")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    la = s.getsockname()
    st.f["local"] = "%s:%d" % la
    st.f["state"] = "up"
    seq = 0
    nxt = time.time()
    while True:
        now = time.time()
        if now >= nxt:
            nxt = now + 0.05
            seq += 1
            try:
                s.send(("%s %d" % (name, seq)).encode()); st.f["sent"] = seq
            except OSError:
                pass
        r, _, _ = select.select([s], [], [], max(0, nxt - time.time()))
        if r:
            try:
                s.recv(2048)
                st.f["recv"] += 1; st.f["last_rx"] = stamp()
            except OSError:
                pass
        st.write(False)

signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
a = sys.argv[1:]
if a[0] == "server":
    server(int(a[1]), a[2])
elif a[0] == "tcp":
    tcp(a[1], int(a[2]), a[3], a[4], a[5], a[6] if len(a) > 6 else None)
elif a[0] == "udp":
    udp(a[1], int(a[2]), a[3], a[5])
EOF
}
