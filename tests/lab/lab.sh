# tests/lab/lab.sh: network-namespace lab for the integration tests.
# Sourced by POSIX sh scripts (dash; uses only `local` beyond POSIX):
#
#	. "$(dirname "$0")/../lab/lab.sh"
#	lab_init
#	lab_ns a; lab_ns b; lab_bridge lan
#	lab_port a eth0 lan; lab_port b eth0 lan
#	lab_addr a eth0 192.0.2.1/24
#	lab_exec a ip addr
#
# Every host is a namespace named $LAB_PREFIX-NAME; bridges live in one
# switch namespace ($LAB_PREFIX-sw), so the root namespace is never
# touched. lab_init installs a trap that kills every process started
# through lab_bg/carpd_start, deletes the namespaces and removes the
# temp dir ($LAB_DIR) on any exit; a run killed outright is swept by the
# next lab_init (lab_reap). Tests use only documentation address
# ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32).
#
# Environment: LAB_BUILD (binaries, default <top>/build), LAB_KEEP=1
# keeps $LAB_DIR after the run (namespaces and processes still go).

LAB_TOP=${LAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LAB_BUILD=${LAB_BUILD:-$LAB_TOP/build}
CARPD=${CARPD:-$LAB_BUILD/carpd}
CARPCTL=${CARPCTL:-$LAB_BUILD/carpctl}
# Debian's python has scapy; the pyenv one on PATH may not.
if [ -x /usr/bin/python3 ]; then LAB_PY=/usr/bin/python3; else LAB_PY=python3; fi

if setpriv --help 2>/dev/null | grep -q pdeathsig; then
	LAB_PDEATH="setpriv --pdeathsig TERM --"
else
	LAB_PDEATH=""
fi

lab_log() { echo "[$(date +%T.%N | cut -c1-12)] $*"; }

# Exit 77 (skip) with a reason unless we are root with netns support.
lab_require() {
	[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
	command -v ip >/dev/null || { echo "skip: no iproute2"; exit 77; }
	for _b in "$@"; do
		case $_b in
		*/*) [ -x "$_b" ] || { echo "skip: $_b not built"; exit 77; };;
		*) command -v "$_b" >/dev/null ||
			{ echo "skip: $_b not installed"; exit 77; };;
		esac
	done
}

# lab_reap: remove what runs killed outright (SIGKILL) left behind:
# namespaces and temp dirs named after a shell that no longer exists,
# and only namespaces with no process left in them.
lab_reap() {
	local _n _pid
	for _n in $(ip netns list 2>/dev/null | awk '/^carplab-[0-9]+-/ { print $1 }'); do
		_pid=$(echo "$_n" | cut -d- -f2)
		kill -0 "$_pid" 2>/dev/null && continue
		[ -z "$(ip netns pids "$_n" 2>/dev/null)" ] || continue
		ip netns del "$_n" 2>/dev/null
	done
	for _n in /tmp/carplab-[0-9]*-*; do
		[ -d "$_n" ] || continue
		_pid=$(basename "$_n" | cut -d- -f2)
		kill -0 "$_pid" 2>/dev/null || rm -rf "$_n"
	done
}

lab_init() {
	local _r
	lab_reap
	_r=$(od -An -N2 -tx2 /dev/urandom | tr -d ' \n')
	LAB_PREFIX="carplab-$$-$_r"
	LAB_DIR=$(mktemp -d "/tmp/$LAB_PREFIX.XXXXXX") || exit 1
	: >"$LAB_DIR/pids"; : >"$LAB_DIR/nslist"; : >"$LAB_DIR/links"
	LAB_NPORT=0
	trap lab_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	ip netns add "$LAB_PREFIX-sw" || exit 1
	echo sw >>"$LAB_DIR/nslist"
	ip -n "$LAB_PREFIX-sw" link set lo up
	# the switch has no addresses: no IPv6 chatter from bridge ports
	ip netns exec "$LAB_PREFIX-sw" sysctl -qw \
	    net.ipv6.conf.default.disable_ipv6=1 \
	    net.ipv6.conf.all.disable_ipv6=1
	lab_log "lab $LAB_PREFIX in $LAB_DIR"
}

lab_nsname() { echo "$LAB_PREFIX-$1"; }

# lab_ns NAME [sysctl=value ...]: a host namespace, lo up, no IPv6 DAD
# (addresses usable at once). Extra sysctls, e.g. net.ipv4.ip_forward=1.
lab_ns() {
	local _ns=$1; shift
	ip netns add "$LAB_PREFIX-$_ns" || lab_fail "cannot create netns $_ns"
	echo "$_ns" >>"$LAB_DIR/nslist"
	ip -n "$LAB_PREFIX-$_ns" link set lo up
	for _s in net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 "$@"; do
		lab_exec "$_ns" sysctl -qw "$_s" ||
			lab_fail "sysctl $_s in $_ns"
	done
}

lab_exec() {
	local _ns=$1; shift
	ip netns exec "$LAB_PREFIX-$_ns" "$@"
}

# lab_bridge NAME: a bridge in the switch namespace. No STP, no
# multicast snooping (CARP adverts must reach every port at once).
lab_bridge() {
	ip -n "$LAB_PREFIX-sw" link add "$1" type bridge stp_state 0 \
	    forward_delay 0 mcast_snooping 0 || lab_fail "bridge $1"
	ip -n "$LAB_PREFIX-sw" link set "$1" up
}

# lab_port NS IF BRIDGE: a veth with IF in NS, its peer a port of BRIDGE.
lab_port() {
	LAB_NPORT=$((LAB_NPORT + 1))
	local _p="p$LAB_NPORT"
	ip -n "$LAB_PREFIX-sw" link add "$_p" type veth peer name "$2" \
	    netns "$LAB_PREFIX-$1" || lab_fail "veth $1:$2"
	ip -n "$LAB_PREFIX-sw" link set "$_p" master "$3" up
	ip -n "$LAB_PREFIX-$1" link set "$2" up
	echo "$1 $2 sw $_p" >>"$LAB_DIR/links"
}

# lab_link NS1 IF1 NS2 IF2: a direct veth cable between two hosts.
lab_link() {
	ip -n "$LAB_PREFIX-$1" link add "$2" type veth peer name "$4" \
	    netns "$LAB_PREFIX-$3" || lab_fail "veth $1:$2-$3:$4"
	ip -n "$LAB_PREFIX-$1" link set "$2" up
	ip -n "$LAB_PREFIX-$3" link set "$4" up
	echo "$1 $2 $3 $4" >>"$LAB_DIR/links"
	echo "$3 $4 $1 $2" >>"$LAB_DIR/links"
}

# lab_addr NS IF ADDR/PLEN (IPv6 without DAD)
lab_addr() {
	case $3 in
	*:*) ip -n "$LAB_PREFIX-$1" addr add "$3" dev "$2" nodad;;
	*)   ip -n "$LAB_PREFIX-$1" addr add "$3" dev "$2";;
	esac || lab_fail "address $3 on $1:$2"
}

# lab_mac NS IF: the interface's MAC address.
lab_mac() {
	ip -n "$LAB_PREFIX-$1" -o link show dev "$2" |
	    sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# lab_has_addr NS IF ADDR (without prefix length): 0 if configured.
lab_has_addr() {
	ip -n "$LAB_PREFIX-$1" -o addr show dev "$2" |
	    awk -v a="$3" '{ split($4, x, "/"); if (x[1] == a) f = 1 }
		END { exit !f }'
}

# lab_cut NS IF: pull the cable. The far end (bridge port or the peer
# veth) goes down, so IF loses carrier like a real link failure; IF
# itself stays administratively up. lab_restore NS IF plugs it back.
lab_cut() { _lab_far "$1" "$2" down; }
lab_restore() { _lab_far "$1" "$2" up; }
_lab_far() {
	local _far; _far=$(awk -v n="$1" -v i="$2" '$1 == n && $2 == i { print $3, $4 }' \
	    "$LAB_DIR/links")
	[ -n "$_far" ] || lab_fail "no link $1:$2"
	set -- $_far "$3"
	ip -n "$LAB_PREFIX-$1" link set "$2" "$3" || lab_fail "link $1:$2 $3"
}

# lab_bg NS LOGFILE cmd...: start cmd in NS in the background, output to
# LOGFILE; the pid is in $LAB_PID and killed at cleanup. Should the test
# itself be killed (SIGKILL, no cleanup), cmd gets SIGTERM all the same
# (parent-death signal), so no daemon outlives its test.
lab_bg() {
	local _ns=$1 _log=$2; shift 2
	ip netns exec "$LAB_PREFIX-$_ns" $LAB_PDEATH "$@" >"$_log" 2>&1 &
	LAB_PID=$!
	echo "$LAB_PID $_ns $_log" >>"$LAB_DIR/pids"
}

# lab_alive PID: running (a zombie, exited but not yet reaped, is not).
lab_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) in
	Z*|X*|"") return 1;;
	esac
}

# lab_ours PID: alive and a child of this shell (lab_bg's processes are),
# so a recycled pid is never signalled.
lab_ours() {
	lab_alive "$1" &&
	[ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f2)" = $$ ]
}

# lab_kill PID [SIGNAL]: signal one of our processes, wait (bounded) for
# it to go; SIGKILL after 5 s. Returns its exit status (also when it had
# already died by itself).
lab_kill() {
	if ! lab_ours "$1"; then
		wait "$1" 2>/dev/null
		return
	fi
	kill "-${2:-TERM}" "$1" 2>/dev/null
	if wait_for 5 "! lab_alive $1"; then
		wait "$1" 2>/dev/null
		return
	fi
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 137
}

# wait_for TIMEOUT CMD: run CMD (a string, eval'ed) every 50 ms until it
# succeeds (0) or TIMEOUT seconds ("10" or "10s") pass (1). Bounded both
# by wall clock and by the number of tries.
wait_for() {
	local _t=${1%s} _cmd=$2 _end _n _t0
	_end=$(( $(date +%s) + _t + 1 ))
	_n=$(( _t * 20 + 1 ))
	_t0=$(date +%s%N)
	while [ "$_n" -gt 0 ]; do
		if eval "$_cmd" >/dev/null 2>&1; then
			# milliseconds it took, for the logs
			WAIT_MS=$(( ($(date +%s%N) - _t0) / 1000000 ))
			return 0
		fi
		[ "$(date +%s)" -lt "$_end" ] || break
		# stop early past the exact deadline (ns resolution)
		[ $(( $(date +%s%N) - _t0 )) -lt $(( _t * 1000000000 )) ] ||
			break
		_n=$((_n - 1))
		sleep 0.05
	done
	WAIT_MS=$(( ($(date +%s%N) - _t0) / 1000000 ))
	return 1
}

# lab_hold SECONDS CMD: CMD must succeed at every check (about every
# 200 ms) until SECONDS have passed; 1 at the first failure. For
# "nothing changes" checks. Bounded by wall clock and by tries.
lab_hold() {
	local _t=${1%s} _cmd=$2 _n _t0
	_n=$(( _t * 5 + 1 ))
	_t0=$(date +%s%N)
	while [ "$_n" -gt 0 ]; do
		eval "$_cmd" >/dev/null 2>&1 || return 1
		[ $(( $(date +%s%N) - _t0 )) -lt $(( _t * 1000000000 )) ] ||
			return 0
		_n=$((_n - 1))
		sleep 0.2
	done
	return 0
}

# --- carpd -----------------------------------------------------------

# carpd_conf NS < body: write $LAB_DIR/NS.conf: the control socket
# ($LAB_DIR/NS.sock) and state file of that node, then the body.
carpd_conf() {
	{
		echo "control-socket \"$LAB_DIR/$1.sock\""
		echo "state-file \"$LAB_DIR/$1.state\""
		cat
	} >"$LAB_DIR/$1.conf"
	# carpd refuses an inline password in a file others can read
	chmod 600 "$LAB_DIR/$1.conf"
}

# carpd_start NS [CONF]: run carpd -d in NS (log $LAB_DIR/carpd-NS.log),
# wait for its control socket. The pid is in $LAB_DIR/NS.pid.
carpd_start() {
	local _conf=${2:-$LAB_DIR/$1.conf}
	rm -f "$LAB_DIR/$1.sock"
	lab_bg "$1" "$LAB_DIR/carpd-$1.log" "$CARPD" -d -f "$_conf"
	echo "$LAB_PID" >"$LAB_DIR/$1.pid"
	lab_log "carpd on $1: pid $LAB_PID"
	wait_for 10 "[ -S '$LAB_DIR/$1.sock' ]" ||
		lab_fail "carpd on $1 did not open $LAB_DIR/$1.sock"
}

carpd_pid() { cat "$LAB_DIR/$1.pid"; }

# carpd_stop NS [SIGNAL]: stop that node's carpd, return its exit status.
carpd_stop() {
	lab_kill "$(carpd_pid "$1")" "${2:-TERM}"
}

# carpctl NS args...: carpctl against that node's carpd (its socket is
# $LAB_DIR/NS.sock, as carpd_conf configures it).
carpctl() {
	local _ns=$1; shift
	lab_exec "$_ns" "$CARPCTL" -s "$LAB_DIR/$_ns.sock" "$@"
}

# json_get PATH < json: print one value. PATH is dot-separated: keys,
# list indexes, and key=value to pick the list element whose key has
# that value, e.g. carps.name=carp1.counters.bad_hmac (so no value
# with a dot in it). Lists and objects print as JSON, null as "null",
# strings bare. Fails if the path is missing.
json_get() {
	"$LAB_PY" -c '
import json, sys
v = json.load(sys.stdin)
for p in sys.argv[1].split("."):
    if isinstance(v, list) and "=" in p:
        k, want = p.split("=", 1)
        v = next(e for e in v if str(e.get(k)) == want)
    elif isinstance(v, list):
        v = v[int(p)]
    else:
        v = v[p]
print(v if isinstance(v, str) else json.dumps(v))
' "$1"
}

# carp_get NS CARP FIELD: a field of one carp in `carpctl -j status`
# (FIELD may be a path, e.g. counters.bad_ttl).
carp_get() {
	carpctl "$1" -j status | json_get "carps.name=$2.$3"
}

carp_state() { carp_get "$1" "$2" state; }

# carp_is NS CARP STATE: for wait_for.
carp_is() { [ "$(carp_state "$1" "$2" 2>/dev/null)" = "$3" ]; }

# --- diagnostics and cleanup --------------------------------------------

lab_dump() {
	echo "=== diagnostics ($LAB_PREFIX)"
	while read -r _ns; do
		echo "--- $_ns: ip addr"
		ip -n "$LAB_PREFIX-$_ns" -br addr 2>&1
		[ -S "$LAB_DIR/$_ns.sock" ] || continue
		echo "--- $_ns: carpctl -j status"
		carpctl "$_ns" -j status </dev/null 2>&1
	done <"$LAB_DIR/nslist"
	for _f in "$LAB_DIR"/*.log; do
		[ -f "$_f" ] || continue
		echo "--- $(basename "$_f") (last 60 lines)"
		tail -n 60 "$_f"
	done
}

# lab_fail MSG: say why, dump the lab, exit 1 (cleanup runs on exit).
lab_fail() {
	lab_log "FAIL: $*"
	[ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ] && lab_dump
	exit 1
}

lab_cleanup() {
	local _rc=$?
	trap - EXIT INT TERM
	[ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ] || exit "$_rc"
	# our own processes first, politely, then anything else still
	# running inside our namespaces (e.g. scripts they started)
	while read -r _pid _ns _log; do
		lab_ours "$_pid" && kill -TERM "$_pid" 2>/dev/null
	done <"$LAB_DIR/pids"
	while read -r _pid _ns _log; do
		wait_for 3 "! lab_alive $_pid" ||
			{ lab_ours "$_pid" && kill -KILL "$_pid" 2>/dev/null; }
	done <"$LAB_DIR/pids"
	while read -r _ns; do
		for _pid in $(ip netns pids "$LAB_PREFIX-$_ns" 2>/dev/null); do
			kill -KILL "$_pid" 2>/dev/null
		done
	done <"$LAB_DIR/nslist"
	while read -r _ns; do
		ip netns del "$LAB_PREFIX-$_ns" 2>/dev/null
	done <"$LAB_DIR/nslist"
	if [ "${LAB_KEEP:-0}" = 1 ]; then
		echo "lab: kept $LAB_DIR"
	else
		rm -rf "$LAB_DIR"
	fi
	exit "$_rc"
}
