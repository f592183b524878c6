# tests/bench/syncpair.sh: the replication lab of bench-sync and
# bench-loss, sourced after tests/lab/lab.sh, lib.sh and peers.sh (and
# after peers_init). Two namespaces joined by a sync cable (eth1,
# 203.0.113.1/24 - .2), each with its own kernel conntrack table; the
# daemons run each in a cgroup of its own (peers.sh), so everything a
# daemon forks (conntrackd's commit child) is counted with it.
#
#	sp_ctmax N          conntrack table room for N states (init netns,
#	                    restored by sp_cleanup; namespaces as allowed)
#	sp_pair A B         the two namespaces and the cable
#	sp_start SYS NODE PEERNO CG   syncd|conntrackd on NODE (203.0.113.ME,
#	                    peer .PEERNO) in cgroup CG; pid in SP_PID
#	sp_ready SYS A B    both up (syncd: peers alive), 1 if not
#	sp_create NODE N    make N states on NODE: CREATED (epoch of the
#	                    last ack), STARTED (of the first)
#	sp_count NODE       our states in NODE's kernel
#	sp_ext NODE         states in NODE's conntrackd external cache
#	sp_held SYS NODE    the states B holds: syncd its kernel, conntrackd
#	                    its external cache
#	sp_cleanup          restore what sp_ctmax changed (in the EXIT trap)

SP_CTMAX0=

sp_ctmax() {
	local _want=$(($1 * 2 + 65536)) _cur _ns
	_cur=$(sysctl -n net.netfilter.nf_conntrack_max)
	if [ "$_cur" -lt "$_want" ]; then
		[ -n "$SP_CTMAX0" ] || SP_CTMAX0=$_cur
		sysctl -qw net.netfilter.nf_conntrack_max="$_want" ||
			lab_fail "cannot raise nf_conntrack_max to $_want"
		lab_log "nf_conntrack_max $_cur -> $_want (restored at exit)"
	fi
	# a namespace's own value is read-only on most kernels (it follows
	# the init one); raise it where the kernel lets us
	for _ns in $(cat "$LAB_DIR/nslist"); do
		lab_exec "$_ns" sysctl -qw \
		    net.netfilter.nf_conntrack_max="$_want" 2>/dev/null || :
	done
}

sp_cleanup() {
	[ -z "$SP_CTMAX0" ] ||
		sysctl -qw net.netfilter.nf_conntrack_max="$SP_CTMAX0"
	SP_CTMAX0=
}

sp_pair() {
	lab_ns "$1"; lab_ns "$2"
	lab_link "$1" eth1 "$2" eth1
	lab_addr "$1" eth1 203.0.113.1/24
	lab_addr "$2" eth1 203.0.113.2/24
}

_sp_syncd_conf() {
	local _h=$1 _peer=$2
	[ -s "$LAB_DIR/sync.key" ] || ( umask 077
	    od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$LAB_DIR/sync.key" )
	cat >"$LAB_DIR/syncd-$_h.conf" <<EOT
sync {
	syncdev eth1
	syncpeer 203.0.113.$_peer
	key-file "$LAB_DIR/sync.key"
	control-socket "$LAB_DIR/syncd-$_h.sock"
	carpd-socket "$LAB_DIR/carpd-$_h.sock"
}
EOT
}

sp_start() {
	local _sys=$1 _n=$2 _peer=$3 _cg=$4 _me
	_me=$((3 - _peer))
	cg_del "$_cg"; cg_new "$_cg" || lab_fail "no cgroup $_cg"
	case $_sys in
	syncd)
		_sp_syncd_conf "$_n" "$_peer"
		rm -f "$LAB_DIR/syncd-$_n.sock"
		_peer_bg "$_n" "$_cg" "$LAB_DIR/syncd-$_n.log" \
		    "$SYNCD" -d -f "$LAB_DIR/syncd-$_n.conf";;
	conntrackd)
		ctd_conf "$_n" "$_me" "$_peer" "$SP_HASHLIMIT"
		rm -f "$LAB_DIR/ctd-$_n.ctl" "$LAB_DIR/ctd-$_n.lock"
		_peer_bg "$_n" "$_cg" "$LAB_DIR/ctd-$_n.out" \
		    conntrackd -C "$LAB_DIR/ctd-$_n.conf";;
	esac
	SP_PID=$LAB_PID
}

sync_stats() {
	lab_exec "$1" "$CARPCTL" -s "$LAB_DIR/syncd-$1.sock" -j sync stats
}

sp_ready() {
	case $1 in
	syncd)
		wait_for 10 "[ -S '$LAB_DIR/syncd-$2.sock' ] &&
		    [ -S '$LAB_DIR/syncd-$3.sock' ]" || return 1
		wait_for 15 "sync_stats $2 | json_get peer_alive | grep -qi true &&
		    sync_stats $3 | json_get peer_alive | grep -qi true" ||
		    echo "  (syncd peers not alive after 15 s; going on)";;
	conntrackd)
		wait_for 10 "[ -S '$LAB_DIR/ctd-$2.ctl' ] &&
		    [ -S '$LAB_DIR/ctd-$3.ctl' ]" || return 1;;
	esac
	sleep 1
}

sp_create() {
	local _out
	_out=$(lab_exec "$1" "$CTGEN" -n "$2") || lab_fail "ctgen on $1: $_out"
	echo "  $_out"
	CREATED=${_out##*done at }
	# when the first one was made: the end minus ctgen's duration
	STARTED=$(echo "$_out" | awk -v end="$CREATED" '{
		for (i = 1; i < NF; i++) if ($(i + 1) == "s") d = $i
		printf "%.6f\n", end - d }')
}

sp_count() { lab_exec "$1" "$CTGEN" -c 2>/dev/null | awk '{ print $1 + 0; exit }'; }

sp_ext() {
	lab_exec "$1" conntrackd -C "$LAB_DIR/ctd-$1.conf" -s 2>/dev/null |
	    awk '/cache external/ { e = 1 }
		e && /current active/ { print $4; exit }'
}

sp_held() {
	case $1 in
	syncd) sp_count "$2";;
	conntrackd) sp_ext "$2";;
	esac
}

# per100k MS N: CPU milliseconds scaled to 100,000 states.
per100k() { awk -v c="$1" -v n="$2" 'BEGIN { printf "%.1f\n", c * 100000 / n }'; }

# per_state KIB0 KIB1 N: bytes a state from the growth of the peak.
per_state() {
	awk -v a="$1" -v b="$2" -v n="$3" \
	    'BEGIN { printf "%.0f\n", (b - a) * 1024 / n }'
}

# cpu_since MS0 NAME: the cgroup's CPU milliseconds since MS0.
cpu_since() {
	awk -v a="$1" -v b="$(cg_cpu_ms "$2")" 'BEGIN { printf "%.1f\n", b - a }'
}

# sp_unpair A B: both namespaces deleted at once, so the next run does
# not share the machine with a million stale states.
sp_unpair() {
	local _n
	for _n in "$@"; do
		ip netns del "$LAB_PREFIX-$_n" 2>/dev/null
		sed -i "/^$_n\$/d" "$LAB_DIR/nslist"
	done
}
