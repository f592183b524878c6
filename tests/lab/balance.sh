# tests/lab/balance.sh: the active/active lab (issue 12), on top of
# fwpair.sh (its echo server and flows, its crash) and lab.sh. Sourced by
# POSIX sh scripts (dash):
#
#	. "$(dirname "$0")/../lab/balance.sh"
#	bal_up 2 arp				# N firewalls, balancing mode
#	bal_wait "fw1 fw2" || bal_fail "..."
#	bal_flows				# a TCP connection per client
#	fwpair_crash fw1; bal_wait fw2; bal_tcp_all 40
#
#  c1 .. c16: 192.0.2.101 .. .116                server 198.51.100.10
#      |                                            |
#  ------- lan bridge -------          ------- wan bridge -------
#     |eth0     |eth0     |eth0           |eth1     |eth1     |eth1
#    fw1       fw2       (fw3)   ...     fw1       fw2       (fw3)
#   LAN 192.0.2.1N, VIP 192.0.2.1 (carp1, vhids 1..N)
#   WAN 198.51.100.1N, VIP 198.51.100.1 (carp2, vhids 11..1N)
#   sync eth2 203.0.113.N: a cable and syncpeer for two nodes, a bridge
#   and multicast for three
#
# Each client has one address and its own MAC (02:00:00:00:02:<last
# byte of its address>, chosen so that the arp hash splits the 16 over 2
# nodes 9/7 and over 3 nodes 6/5/5) and routes everything via the LAN
# VIP; the server routes 192.0.2.0/24 via the WAN VIP. No NAT: the
# firewalls forward with a stateful ruleset (new connections only from
# the LAN, tcp_loose off), so a reply through a node that has no state
# for its connection is dropped unless syncd brought it there (arp mode:
# the server's replies all go to the node mastering the slot its MAC
# hashes to). A postrouting chain counts, per client, the packets each
# node forwarded for it (bal_counts); a named counter the forward chain's
# drops.
#
# Both carps are in group "internal" and list their vhids in the same
# order on every node; node K (1-based) has advskew ((i - K + 1) mod N) *
# 100 on slot i (0-based): carpnodes 1:0,2:100 on fw1 and 1:100,2:0 on
# fw2, and 1:0,2:100,3:200 / 1:200,2:0,3:100 / 1:100,2:200,3:0 for three,
# so fwK masters slot K-1 while all are up. advbase BAL_ADVBASE (default
# 1). BAL_MODE "none" writes plain vhid carps instead (fw1 master of
# everything), to debug the lab without the balancing engine.

# e2e.sh brings fwpair.sh and lab.sh, and e2e_soft/e2e_verdict
. "$(dirname "$0")/../e2e/lib/e2e.sh"

BAL_VIP_LAN=192.0.2.1
BAL_VIP_WAN=198.51.100.1
BAL_NCLIENTS=16
BAL_ADVBASE=${BAL_ADVBASE:-1}

# bal_fws: fw1 .. fwN.
bal_fws() { seq -f 'fw%g' 1 "$BAL_N"; }

# bal_clients: c1 .. c16.
bal_clients() { seq -f 'c%g' 1 "$BAL_NCLIENTS"; }

# bal_caddr cI: client I's address.
bal_caddr() { echo "192.0.2.$((100 + ${1#c}))"; }

# bal_skew K SLOT: node K's advskew on slot SLOT (0-based).
bal_skew() { echo $(( ((($2 - $1 + 1) % BAL_N + BAL_N) % BAL_N) * 100 )); }

# bal_nodes K BASE: node K's carpnodes list, vhids BASE+1 .. BASE+N.
bal_nodes() {
	local _i=0 _l=""
	while [ "$_i" -lt "$BAL_N" ]; do
		_l="$_l${_l:+, }$(($2 + _i + 1)):$(bal_skew "$1" "$_i")"
		_i=$((_i + 1))
	done
	echo "$_l"
}

# bal_master SLOT "fwA fwB ...": which of the live nodes masters SLOT:
# the one with the lowest advskew on it.
bal_master() {
	local _f _best="" _bs=100000 _s
	for _f in $2; do
		_s=$(bal_skew "${_f#fw}" "$1")
		[ "$_s" -lt "$_bs" ] && { _bs=$_s; _best=$_f; }
	done
	echo "$_best"
}

# --- topology --------------------------------------------------------------

# bal_rules: a firewall's nftables ruleset.
bal_rules() {
	local _c
	echo 'table inet fw {'
	echo '	counter dropped { }'
	cat <<EOT
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		iifname { "eth0", "eth1" } meta l4proto 112 accept
		iifname "eth2" ip saddr 203.0.113.0/24 udp dport $FWPAIR_SYNC_PORT accept
		ct state established,related accept
		meta l4proto { icmp, ipv6-icmp } accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "eth0" oifname "eth1" ct state new accept
		counter name "dropped"
	}
	chain count {
		type filter hook postrouting priority filter; policy accept;
EOT
	for _c in $(bal_clients); do
		echo "		iifname \"eth0\" ip saddr $(bal_caddr "$_c") counter"
		echo "		iifname \"eth1\" ip daddr $(bal_caddr "$_c") counter"
	done
	echo '	}'
	echo '}'
}

# bal_carp NAME K BASE DEV VIP PASSFILE: one carp block of node K.
bal_carp() {
	echo "carp $1 {"
	if [ "$BAL_MODE" = none ]; then
		echo "	vhid $(($3 + 1))"
		echo "	advskew $(bal_skew "$2" 0)"
	else
		echo "	carpnodes $(bal_nodes "$2" "$3")"
		echo "	balancing $BAL_MODE"
	fi
	cat <<EOT
	carpdev $4
	password-file "$6"
	advbase $BAL_ADVBASE
	address $5/24
	group internal
}
EOT
}

# bal_conf fwK: $LAB_DIR/fwK.conf, carpd's and syncd's parts.
bal_conf() {
	local _k=${1#fw} _peer=""
	[ "$BAL_N" = 2 ] && _peer="syncpeer 203.0.113.$((3 - _k))"
	{
		echo "preempt yes"
		echo "group internal { demote 0 }"
		bal_carp carp1 "$_k" 0 eth0 "$BAL_VIP_LAN" "$LAB_DIR/lan.pass"
		bal_carp carp2 "$_k" 10 eth1 "$BAL_VIP_WAN" "$LAB_DIR/wan.pass"
		cat <<EOT
sync {
	syncdev eth2
	$_peer
	port $FWPAIR_SYNC_PORT
	key-file "$LAB_DIR/sync.key"
	defer $BAL_DEFER
	defer-timeout 2s
	bulk-timeout 30s
	bulk-demote 32
	link-demote 1
	control-socket "$LAB_DIR/$1.syncd.sock"
}
EOT
	} | carpd_conf "$1"
}

# bal_fw fwK: one firewall, cabled, its ruleset loaded, its config.
bal_fw() {
	local _k=${1#fw}
	lab_ns "$1" net.ipv4.ip_forward=1
	lab_port "$1" eth0 lan
	lab_port "$1" eth1 wan
	lab_addr "$1" eth0 "192.0.2.1$_k/24"
	lab_addr "$1" eth1 "198.51.100.1$_k/24"
	if [ "$BAL_N" = 2 ]; then
		[ "$_k" = 2 ] && lab_link fw1 eth2 fw2 eth2
	else
		lab_port "$1" eth2 sync
	fi
	bal_rules >"$LAB_DIR/$1.nft"
	lab_exec "$1" nft -f "$LAB_DIR/$1.nft" || lab_fail "nft ruleset on $1"
	lab_exec "$1" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 ||
	    lab_fail "nf_conntrack_tcp_loose on $1"
	bal_conf "$1"
}

# bal_client cI: a client namespace on the LAN.
bal_client() {
	local _a; _a=$(bal_caddr "$1")
	lab_ns "$1"
	lab_port "$1" eth0 lan
	lab_exec "$1" ip link set eth0 address \
	    "02:00:00:00:02:$(printf %02x "${_a##*.}")"
	lab_addr "$1" eth0 "$_a/24"
	lab_exec "$1" ip route add default via "$BAL_VIP_LAN"
}

# bal_up N MODE [--no-defer]: skip (77) unless we can run; N firewalls
# (2 or 3) balancing MODE (arp, ip, or none: see above), 16 clients, the
# server with the echo server, carpd then syncd on every firewall. Does
# not wait for the elections (bal_wait).
bal_up() {
	BAL_N=$1 BAL_MODE=$2 BAL_DEFER=yes
	[ "${3:-}" = --no-defer ] && BAL_DEFER=no
	FWPAIR_SYNCD=1
	lab_require "$CARPD" "$CARPCTL" "$SYNCD" nft conntrack ss "$LAB_PY"
	fwpair_lab_init
	lab_bridge lan
	lab_bridge wan
	[ "$BAL_N" = 2 ] || lab_bridge sync
	for _f in $(bal_fws); do bal_fw "$_f"; done
	for _f in $(bal_fws); do
		lab_addr "$_f" eth2 "203.0.113.${_f#fw}/24"
	done
	for _c in $(bal_clients); do bal_client "$_c"; done
	lab_ns server
	lab_port server eth1 wan
	lab_exec server ip link set eth1 address 02:00:00:00:03:0a
	lab_addr server eth1 "$FWPAIR_SRV4/24"
	lab_exec server ip route add 192.0.2.0/24 via "$BAL_VIP_WAN"
	for _f in $(bal_fws); do fwpair_check_conf "$_f"; done
	fwpair_server_start
	for _f in $(bal_fws); do bal_start "$_f"; done
	lab_log "balance lab up: $BAL_N firewalls, balancing $BAL_MODE," \
	    "defer $BAL_DEFER, advbase $BAL_ADVBASE"
}

# bal_start fwK: carpd, then syncd, as the rc scripts do.
bal_start() {
	fwpair_carpd_start "$1"
	fwpair_syncd_start "$1"
}

# --- states ------------------------------------------------------------------

# bal_slots fwK CARP: the state of each slot of CARP on fwK, in carpnodes
# order, one word each (`carpctl -j status` has an entry per vhid of a
# balanced carp, with its "slot").
bal_slots() {
	if [ "$BAL_MODE" = none ]; then
		carp_state "$1" "$2"
		return
	fi
	carpctl "$1" -j status | "$LAB_PY" -c '
import json, sys
v = [c for c in json.load(sys.stdin)["carps"] if c["name"] == sys.argv[1]]
print(" ".join(c["state"] for c in sorted(v, key=lambda c: c["slot"])))
' "$2"
}

# bal_expect fwK "LIVE": the slot states fwK should show with the nodes
# LIVE up (bal_slots' format).
bal_expect() {
	local _i=0 _l=""
	if [ "$BAL_MODE" = none ]; then
		[ "$(bal_master 0 "$2")" = "$1" ] && echo MASTER || echo BACKUP
		return
	fi
	while [ "$_i" -lt "$BAL_N" ]; do
		if [ "$(bal_master "$_i" "$2")" = "$1" ]; then
			_l="$_l${_l:+ }MASTER"
		else
			_l="$_l${_l:+ }BACKUP"
		fi
		_i=$((_i + 1))
	done
	echo "$_l"
}

# bal_holds fwK "LIVE": fwK's slots are as they should be with LIVE up,
# and it has the VIPs (it masters a slot of each carp while up).
bal_holds() {
	local _e; _e=$(bal_expect "$1" "$2")
	[ "$(bal_slots "$1" carp1)" = "$_e" ] &&
	    [ "$(bal_slots "$1" carp2)" = "$_e" ] || return 1
	case $_e in
	*MASTER*) lab_has_addr "$1" eth0 "$BAL_VIP_LAN" &&
		lab_has_addr "$1" eth1 "$BAL_VIP_WAN";;
	*) ! lab_has_addr "$1" eth0 "$BAL_VIP_LAN" &&
		! lab_has_addr "$1" eth1 "$BAL_VIP_WAN";;
	esac
}

# bal_settled "LIVE": every node of LIVE holds its slots, and with more
# than one node every syncd is in sync with a live peer.
bal_settled() {
	local _f
	for _f in $1; do bal_holds "$_f" "$1" || return 1; done
	[ "$(echo $1 | wc -w)" -gt 1 ] || return 0
	for _f in $1; do fwpair_in_sync "$_f" || return 1; done
}

# bal_wait "LIVE" [SECONDS]: until bal_settled LIVE (default 30 s).
bal_wait() {
	wait_for "${2:-30}" "bal_settled '$1'" || return 1
	lab_log "settled: $(for _f in $1; do printf '%s [%s] ' "$_f" \
	    "$(bal_slots "$_f" carp1)"; done)"
}

# --- counters ----------------------------------------------------------------

# bal_counts fwK: per client, "ADDR OUT IN": the packets fwK forwarded
# from it to the WAN and back to it, since the ruleset loaded.
bal_counts() {
	lab_exec "$1" nft list chain inet fw count 2>/dev/null | awk '
	/saddr/ { o[$5] = $8 } /daddr/ { i[$5] = $8; a[++n] = $5 }
	END { for (k = 1; k <= n; k++) print a[k], o[a[k]] + 0, i[a[k]] + 0 }'
}

# bal_dropped fwK: packets fwK's forward chain dropped.
bal_dropped() {
	lab_exec "$1" nft list counter inet fw dropped 2>/dev/null |
	    awk '/packets/ { print $2 }'
}

# bal_snap TAG: save every node's counters as $LAB_DIR/cnt-TAG-fwK.
bal_snap() {
	for _f in $(bal_fws); do
		bal_counts "$_f" >"$LAB_DIR/cnt-$1-$_f"
	done
}

# bal_carriers A B: from two bal_snap tags, per client the nodes that
# forwarded its packets in between, each way: "ADDR OUT IN", OUT the
# nodes (fwK[,fwL]) that forwarded any of its packets to the WAN,
# IN those that forwarded any back to it, "-" for none. In arp
# mode they differ for some clients: the way back is the node of the
# server's slot.
bal_carriers() {
	for _f in $(bal_fws); do
		join "$LAB_DIR/cnt-$1-$_f" "$LAB_DIR/cnt-$2-$_f" |
		    awk -v f="$_f" '{ print $1, f, $4 - $2, $5 - $3 }'
	done | awk '
	function add(s, f) { return s (s == "" ? "" : ",") f }
	!($1 in seen) { seen[$1] = 1; a[++n] = $1 }
	$3 >= 1 { o[$1] = add(o[$1], $2) }
	$4 >= 1 { i[$1] = add(i[$1], $2) }
	END { for (k = 1; k <= n; k++) {
		c = a[k]; print c, (o[c] == "" ? "-" : o[c]), (i[c] == "" ? "-" : i[c])
	} }'
}

# bal_carried_by A B fwK: how many clients fwK forwarded to the WAN from
# snapshot A to B.
bal_carried_by() {
	bal_carriers "$1" "$2" | awk -v f="$3" '
	{ n += ("," $2 ",") ~ ("," f ",") } END { print n + 0 }'
}

# bal_split A B: for the log, how many clients each node (or set of
# nodes) carried from snapshot A to B, out and back: "out fw1 9 fw2 7,
# in fw2 16".
bal_split() {
	bal_carriers "$1" "$2" | awk '
	{ o[$2]++; i[$3]++ }
	END { printf "out"; for (k in o) printf " %s %d", k, o[k]
	      printf ", in"; for (k in i) printf " %s %d", k, i[k]; print "" }'
}

# bal_window TAG SECONDS: counters before and after SECONDS of traffic,
# every idle flow poked once (snapshots TAG-a and TAG-b); logs the split.
bal_window() {
	local _n
	bal_snap "$1-a"
	for _n in $(fwpair_tcp_names); do
		[ "$(fwpair_tcp_mode "$_n")" = idle ] && fwpair_poke "$_n"
	done
	sleep "$2"
	bal_snap "$1-b"
	lab_log "$1: clients carried: $(bal_split "$1-a" "$1-b")" \
	    "(drops: $(for _f in $(bal_fws); do
		printf '%s %s ' "$_f" "$(bal_dropped "$_f")"; done))"
}

# --- traffic -----------------------------------------------------------------

# bal_tcp cI NAME busy|idle: a TCP connection from client cI to the echo
# server (fwpair's flow.py), registered as fwpair's flows are; not waited.
bal_tcp() {
	lab_bg "$1" "$LAB_DIR/flow-$2.log" "$LAB_PY" -u "$LAB_DIR/flow.py" \
	    tcp "$FWPAIR_SRV4" "$FWPAIR_PORT" "$2" "$3" "$LAB_DIR/flows"
	echo "$2 $3 4 $LAB_PID $1" >>"$LAB_DIR/flows/tcp"
}

# bal_flows: one connection from every client, busy from the odd ones,
# idle from the even ones (busy from all with BAL_IDLE=0), all up and
# carrying data (30 s at most).
bal_flows() {
	local _c _m
	for _c in $(bal_clients); do
		_m=busy
		[ "${BAL_IDLE:-1}" = 1 ] && [ $((${_c#c} % 2)) = 0 ] && _m=idle
		bal_tcp "$_c" "t${_c#c}" "$_m"
	done
	wait_for 30 "bal_all_up" || bal_fail "TCP flows not up: $(bal_not_up)"
	fwpair_mark
	bal_tcp_all 20 || bal_fail "flows carry no data from the start"
	lab_log "$(fwpair_tcp_names | wc -l) TCP connections up"
}

bal_not_up() {
	for _n in $(fwpair_tcp_names); do
		fwpair_tcp_up "$_n" || printf '%s ' "$_n"
	done
}
bal_all_up() { [ -z "$(bal_not_up)" ]; }

# bal_same_peer NAME: the server accepted NAME once, from the client's
# very address and port (no NAT here), and still has it established.
bal_same_peer() {
	local _peer _l
	[ "$(fwpair_accepts "$1")" = 1 ] || { echo "$1: reconnected"; return 1; }
	! fwpair_closed "$1" || { echo "$1: closed on the server"; return 1; }
	_peer=$(fwpair_peer "$1") _l=$(fwpair_flow "$1" local)
	[ "${_peer% *}:${_peer#* }" = "$_l" ] ||
	    { echo "$1: server saw $_peer, client is $_l"; return 1; }
	fwpair_server_has $_peer ||
	    { echo "$1: not established on the server"; return 1; }
}

# bal_tcp_all [SECONDS]: every TCP flow carries data since fwpair_mark
# (fwpair_tcp_carried) and is the connection it was; the deadline runs
# once for all. Sets BAL_OK, BAL_TOTAL, BAL_LOST (the names lost); 0 if
# all survived.
bal_tcp_all() {
	local _n _t=${1:-30} _end _why
	BAL_OK=0 BAL_TOTAL=0 BAL_LOST=""
	_end=$(( $(date +%s) + _t ))
	for _n in $(fwpair_tcp_names); do
		BAL_TOTAL=$((BAL_TOTAL + 1))
		_t=$(( _end - $(date +%s) )); [ "$_t" -ge 3 ] || _t=3
		if ! fwpair_tcp_carried "$_n" "$_t"; then
			_why="$_n: did not carry on (state $(fwpair_flow "$_n" state)"
			_why="$_why $(fwpair_flow "$_n" err), via $(bal_flow_client "$_n"))"
		elif _why=$(bal_same_peer "$_n"); then
			BAL_OK=$((BAL_OK + 1))
			continue
		fi
		lab_log "  $_why"
		BAL_LOST="$BAL_LOST $_n"
	done
	lab_log "TCP: $BAL_OK of $BAL_TOTAL connections carry on"
	[ "$BAL_OK" = "$BAL_TOTAL" ]
}

# bal_flow_client NAME: the client NAME runs on.
bal_flow_client() { awk -v n="$1" '$1 == n { print $5 }' "$LAB_DIR/flows/tcp"; }

# --- failures ----------------------------------------------------------------

# bal_reboot fwK: after fwpair_crash, fwK boots: what a reboot forgets is
# gone (the VIPs, conntrack, the daemons' nft tables, neighbours), its
# daemons start with its cables still out, then the cables go in.
bal_reboot() {
	local _t
	lab_exec "$1" ip addr del "$BAL_VIP_LAN/24" dev eth0 2>/dev/null
	lab_exec "$1" ip addr del "$BAL_VIP_WAN/24" dev eth1 2>/dev/null
	for _t in $(lab_exec "$1" nft list tables | awk '$3 ~ /^carp/ { print $2 ":" $3 }'); do
		lab_exec "$1" nft delete table "${_t%:*}" "${_t#*:}"
	done
	lab_exec "$1" conntrack -F >/dev/null 2>&1
	lab_exec "$1" ip neigh flush all
	bal_start "$1"
	fwpair_plug "$1"
	lab_log "$1 rebooted, cables in"
}

# --- test steps --------------------------------------------------------------

# bal_check_window TAG "LIVE": a window of traffic (bal_window);
# every client with a flow went out and came back through nodes of LIVE
# only, and every one of them was carried. e2e_soft for what is not so.
bal_check_window() {
	local _bad _n
	bal_window "$1" 2
	_n=$(awk '{ print $5 }' "$LAB_DIR/flows/tcp" | sort -u | wc -l)
	_bad=$(bal_carriers "$1-a" "$1-b" | awk -v live=" $2 " '
	    { split($2 "," $3, f, ",")
	      for (k in f) if (f[k] != "-" && index(live, " " f[k] " ") == 0)
		print $1 " via " f[k] }')
	[ -z "$_bad" ] || e2e_soft "$1: forwarded by a node not up: $_bad"
	_bad=$(bal_carriers "$1-a" "$1-b" | awk '$2 != "-" && $3 != "-"' | wc -l)
	[ "$_bad" -ge "$_n" ] ||
	    e2e_soft "$1: only $_bad clients went out and back, $_n flows"
}

# bal_crash_step fwK "LIVE": fwK crashes (fwpair_crash), the nodes LIVE
# take over its slots, every connection carries on; those that do not
# are reported and retired.
bal_crash_step() {
	lab_log "crash $1, $2 carry on"
	fwpair_crash "$1"
	fwpair_mark
	bal_wait "$2" 30 || e2e_soft "crash $1: $2 did not take every slot" \
	    "($(for _f in $2; do printf '%s [%s] ' "$_f" "$(bal_slots "$_f" carp1)"; done))"
	lab_log "$2 hold every slot $(fwpair_ms "$FWPAIR_CRASH_T" "$(fwpair_now)") ms after the crash"
	bal_conns "crash $1"
	bal_new "new-$1"
	bal_check_window "after-crash-$1" "$2"
}

# bal_new NAME: a new connection (busy, from c1) through the nodes left
# comes up (15 s at most; how long it took goes to the log).
bal_new() {
	local _t0
	_t0=$(fwpair_now)
	bal_tcp c1 "$1" busy
	if wait_for 15 "fwpair_tcp_up $1"; then
		lab_log "new connection $1 up in $(fwpair_ms "$_t0" "$(fwpair_now)") ms"
	else
		e2e_soft "$1: a new connection did not come up"
		echo "$1" >>"$LAB_DIR/flows/failed"
		fwpair_retire
	fi
}

# bal_conns STEP: bal_tcp_all; the lost flows are reported (e2e_soft)
# and retired.
bal_conns() {
	bal_tcp_all 40 && return 0
	e2e_soft "$1: lost$BAL_LOST ($BAL_OK of $BAL_TOTAL carry on)"
	for _n in $BAL_LOST; do echo "$_n" >>"$LAB_DIR/flows/failed"; done
	fwpair_retire
}

# bal_return_step fwK "LIVE": fwK reboots and takes its slots back
# (preempt, once its bulk sync is done) with LIVE (fwK among them) up;
# no connection is lost, and fwK forwards again.
bal_return_step() {
	local _t0
	lab_log "$1 comes back"
	_t0=$(fwpair_now)
	bal_reboot "$1"
	bal_wait "$2" 60 || e2e_soft "return $1: the slots did not settle"
	lab_log "$1 holds its slots again $(fwpair_ms "$_t0" "$(fwpair_now)") ms after its reboot"
	fwpair_mark
	bal_conns "return $1"
	bal_check_window "after-return-$1" "$2"
	[ "$(bal_carried_by "after-return-$1-a" "after-return-$1-b" "$1")" -ge 1 ] ||
	    e2e_soft "return $1: it forwards for no client"
}

# bal_replicated fwK: fwK's conntrack table has an established state
# for every TCP flow (by the client's address and port); else prints the
# flows it lacks.
bal_replicated() {
	local _n _l _miss=""
	lab_exec "$1" conntrack -L -p tcp --dport "$FWPAIR_PORT" 2>/dev/null |
	    awk '/ESTABLISHED/ { match($0, /src=[^ ]+/); s = substr($0, RSTART + 4, RLENGTH - 4)
		match($0, /sport=[^ ]+/); print s ":" substr($0, RSTART + 6, RLENGTH - 6) }' \
	    >"$LAB_DIR/ct-$1"
	for _n in $(fwpair_tcp_names); do
		_l=$(fwpair_flow "$_n" local)
		grep -qx "$_l" "$LAB_DIR/ct-$1" || _miss="$_miss $_n"
	done
	[ -z "$_miss" ] || { echo "$_miss"; return 1; }
}

# bal_start_step "LIVE": the lab settled, the flows up, every node of
# LIVE carries some clients and has every connection's state.
bal_start_step() {
	local _f _m
	bal_wait "$1" 40 || bal_fail "the nodes did not settle on their slots"
	bal_flows
	bal_check_window start "$1"
	for _f in $1; do
		[ "$(bal_carried_by start-a start-b "$_f")" -ge 1 ] ||
		    e2e_soft "start: $_f forwards for no client"
		wait_for 5 "bal_replicated $_f" ||
		    e2e_soft "start: $_f lacks the state of$(bal_replicated "$_f")"
	done
}

# --- diagnostics -------------------------------------------------------------

bal_dump() {
	echo "=== balance lab"
	for _f in "$LAB_DIR"/flows/*.st; do
		[ -f "$_f" ] && echo "flow $(cat "$_f")"
	done
	for _f in $(bal_fws); do
		echo "--- $_f: counters (addr out in), dropped $(bal_dropped "$_f")"
		bal_counts "$_f" | tr '\n' ';'; echo
		echo "--- $_f: conntrack"
		lab_exec "$_f" conntrack -L -p tcp --dport "$FWPAIR_PORT" 2>/dev/null | head -n 20
		[ -S "$LAB_DIR/$_f.syncd.sock" ] || continue
		echo "--- $_f: sync stats"
		fwpair_carpctl "$_f" -j sync stats 2>&1
	done
}

bal_fail() {
	lab_log "FAIL: $*"
	bal_dump
	lab_fail "$*"
}
