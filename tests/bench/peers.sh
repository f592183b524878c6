# tests/bench/peers.sh: carpd and its baselines, keepalived (VRRPv3) and
# ucarp, run the same way in lab namespaces, so a benchmark compares them
# side by side on one bridge in one run. Sourced after tests/lab/lab.sh
# and tests/bench/lib.sh:
#
#	peers_init                      after lab_init: cleanup trap, cgroups
#	peers_require SYS...            exit 77 unless each system can run
#	sys_conf SYS NODE SETTING ROLE VIP...
#	        ROLE: master|backup. VIP: ADDR/PLEN[@IF] (IF default eth0);
#	        VIP number i is election i (carpd carp<i> vhid i, keepalived
#	        instance vi<i> vrid i, one ucarp process -v i)
#	sys_start SYS NODE              in namespace NODE, in cgroup SYS-NODE,
#	                                log(s) $LAB_DIR/SYS-NODE[-i].log
#	sys_stop SYS NODE               graceful stop (bow-out), VIPs removed
#	sys_is_master SYS NODE VIP      0 when NODE holds VIP (ADDR[/PLEN][@IF])
#	sys_planned SYS NODE            planned failover away from NODE:
#	                                carpctl demote / keepalived priority
#	                                below the backup's + reload / SIGUSR2
#	sys_unplanned SYS NODE          its undo (ucarp: none, it preempts back)
#	sys_masterdown_ms SYS SETTING   the backup's master-down, by the
#	                                system's own formula (ms, 1 decimal)
#	sys_setting SYS SETTING         the configuration in words, for logs
#	sys_transitions SYS NODE        transitions to MASTER since sys_start
#	sys_pid SYS NODE                the daemon's pid(s), one a line
#	sys_cg SYS NODE                 its cgroup name (for cg_cpu_ms ...)
#	node_cut NODE / node_restore NODE   every link of NODE (lab_cut)
#	pair_start SYS SETTING VIP...   a master, b backup, both running and
#	                                settled; 1 (reason in $PAIR_WHY, both
#	                                stopped) if b keeps taking over from a
#	                                live master (twice per VIP in
#	                                BENCH_HOLD s, default 3, in each of
#	                                3 watches): the setting is n/a
#	pair_settled SYS VIP...         a holds every VIP, b none
#	pair_on_b SYS VIP...            b holds every VIP
#	pair_stop SYS                   sys_stop a and b
#	advert_wait NODE IF SRC         returns just after NODE saw an advert
#	                                (IP protocol 112: CARP and VRRP) from
#	                                SRC on IF, its epoch in $ADVERT_AT
#	                                (1 without tcpdump)
#	bench_na PREFIX UNIT WHY METRIC...  "# note PREFIX: WHY" and an n/a
#	                                BENCH line PREFIX/METRIC per metric
#	cg_new NAME; cg_run NAME cmd...; cg_cpu_ms NAME; cg_mem_peak_kib NAME;
#	cg_del NAME                     cgroup v1 cpuacct + memory (v2
#	                                cpu.stat + memory.peak if v1 is absent)
#
# SYS: carpd, keepalived, ucarp. SETTING, with equal master-down where
# the systems allow it (master / backup):
#	base1  carpd advbase 1 advskew 0/1; keepalived advert_int 1
#	       priority 254/253; ucarp -b 1 -k 0/3: all 3012 ms
#	fast   carpd advbase 0 advskew 7/8 (etc/carp.conf's pair: the master
#	       advertises every 27 ms, near keepalived's 30, so the phase
#	       of the crash between two adverts weighs alike); keepalived
#	       advert_int 0.03 priority 254/224; ucarp -b 0 -k 7/24: all 94 ms
#	floor  carpd advbase 0 advskew 1/2 (23 ms); keepalived advert_int 0.01,
#	       its minimum, priority 254/253 (30 ms); ucarp -b 0 -k 1/6, its
#	       smallest interval (23 ms)
# Formulas: carpd (OpenBSD) 3 x (advbase + advskew/256); keepalived
# VRRPv3 3 x advert_int + (256 - priority) x advert_int / 256; ucarp
# deadratio (3) x advbase + advskew/256: its skew is not multiplied, so
# at advbase 0 the backup's skew alone is the master-down and -k 24
# matches carpd's 3 x 8. ucarp's backup only looks at its timer when
# poll() returns, every own interval when no packet comes, so its real
# master-down can be up to one interval later than the formula. Below
# advbase 1 ucarp flaps here (libpcap hands it the adverts in batches up
# to a second apart), so pair_start makes its fast and floor n/a.

PEERS_PASS=bench-secret
CG_PREFIX=

# peers_init: after lab_init. Removes the cgroups of runs killed
# outright, and makes the exit trap stop our daemons and remove our
# cgroups before lab_cleanup.
peers_init() {
	cg_reap
	CG_PREFIX=$LAB_PREFIX
	: >"$LAB_DIR/cgroups"
	trap peers_cleanup EXIT
}

peers_require() {
	for _s in "$@"; do
		case $_s in
		carpd) lab_require "$CARPD" "$CARPCTL";;
		*) lab_require "$_s";;
		esac
	done
}

peers_cleanup() {
	local _rc=$? _cg _p
	trap - EXIT
	for _p in "$LAB_DIR"/peer-*.pids; do
		[ -f "$_p" ] || continue
		while read -r _pid; do
			lab_ours "$_pid" && kill -TERM "$_pid" 2>/dev/null
		done <"$_p"
	done
	while read -r _cg; do
		wait_for 3 "[ -z \"\$(cg_pids $_cg)\" ]" ||
			for _p in $(cg_pids "$_cg"); do kill -KILL "$_p"; done
		wait_for 2 "[ -z \"\$(cg_pids $_cg)\" ]"
		cg_del "$_cg"
	done <"$LAB_DIR/cgroups"
	(exit "$_rc")
	lab_cleanup
}

# --- settings ----------------------------------------------------------

# _sys_param SYS SETTING ROLE: "interval skew" for that role:
# carpd/ucarp advbase and advskew, keepalived advert_int and priority.
_sys_param() {
	case $1/$2/$3 in
	carpd/base1/master) echo 1 0;;		carpd/base1/backup) echo 1 1;;
	carpd/fast/master) echo 0 7;;		carpd/fast/backup) echo 0 8;;
	carpd/floor/master) echo 0 1;;		carpd/floor/backup) echo 0 2;;
	keepalived/base1/master) echo 1 254;;	keepalived/base1/backup) echo 1 253;;
	keepalived/fast/master) echo 0.03 254;;	keepalived/fast/backup) echo 0.03 224;;
	keepalived/floor/master) echo 0.01 254;; keepalived/floor/backup) echo 0.01 253;;
	ucarp/base1/master) echo 1 0;;		ucarp/base1/backup) echo 1 3;;
	ucarp/fast/master) echo 0 7;;		ucarp/fast/backup) echo 0 24;;
	ucarp/floor/master) echo 0 1;;		ucarp/floor/backup) echo 0 6;;
	*) lab_fail "no setting $2 for $1 ($3)";;
	esac
}

sys_masterdown_ms() {
	set -- "$1" $(_sys_param "$1" "$2" backup)
	case $1 in
	carpd) awk -v b="$2" -v s="$3" 'BEGIN { printf "%.1f\n", 3000 * (b + s / 256) }';;
	keepalived) awk -v i="$2" -v p="$3" \
	    'BEGIN { printf "%.1f\n", 3000 * i + (256 - p) * i * 1000 / 256 }';;
	ucarp) awk -v b="$2" -v s="$3" 'BEGIN { printf "%.1f\n", 3000 * b + s * 1000 / 256 }';;
	esac
}

sys_setting() {
	local _m _b
	_m=$(_sys_param "$1" "$2" master) _b=$(_sys_param "$1" "$2" backup)
	set -- "$1" ${_m% *} ${_m#* } ${_b#* }
	case $1 in
	carpd) echo "carpd advbase $2 advskew $3/$4";;
	keepalived) echo "keepalived advert_int $2 priority $3/$4";;
	ucarp) echo "ucarp -b $2 -k $3/$4";;
	esac
}

# --- configuration -------------------------------------------------------

# _vip_addr VIP / _vip_plen VIP / _vip_if VIP: parts of ADDR/PLEN@IF.
_vip_addr() { local _v=${1%@*}; echo "${_v%/*}"; }
_vip_plen() { local _v=${1%@*}; case $_v in */*) echo "${_v#*/}";; *) echo 32;; esac; }
_vip_if() { case $1 in *@*) echo "${1#*@}";; *) echo eth0;; esac; }

sys_conf() {
	local _sys=$1 _n=$2 _set=$3 _role=$4
	shift 4
	_sys_param "$_sys" "$_set" "$_role" >/dev/null
	echo "$_sys $_set $_role $*" >"$LAB_DIR/peer-$_n.setting"
	"_${_sys}_conf" "$_n" $(_sys_param "$_sys" "$_set" "$_role") "$@"
}

# _carpd_conf NODE ADVBASE ADVSKEW VIP...
_carpd_conf() {
	local _n=$1 _b=$2 _s=$3 _i=0 _v
	shift 3
	for _v in "$@"; do
		_i=$((_i + 1))
		cat <<EOT
carp carp$_i {
	vhid $_i
	carpdev $(_vip_if "$_v")
	password "$PEERS_PASS"
	advbase $_b
	advskew $_s
	preempt yes
	address $(_vip_addr "$_v")/$(_vip_plen "$_v")
}
EOT
	done | carpd_conf "$_n"
}

# _keepalived_conf NODE ADVERT_INT PRIORITY VIP...: VRRPv3, one instance
# per VIP, preempt (keepalived's default), no delays. PEERS_KEEPALIVED_RT
# (a priority, 1-99) gives its VRRP process what carpd's default
# "realtime yes" gives carpd: that real-time priority and memory locked
# (vrrp_rt_priority, vrrp_no_swap); unset, keepalived's defaults.
_keepalived_conf() {
	local _n=$1 _a=$2 _p=$3 _i=0 _v _if
	shift 3
	{
		printf 'global_defs {\n\trouter_id %s\n\tvrrp_version 3\n' "$_n"
		[ -z "${PEERS_KEEPALIVED_RT:-}" ] || printf \
		    '\tvrrp_rt_priority %s\n\tvrrp_no_swap\n' "$PEERS_KEEPALIVED_RT"
		printf '}\n'
		for _v in "$@"; do
			_i=$((_i + 1)) _if=$(_vip_if "$_v")
			cat <<EOT
vrrp_instance vi$_i {
	state BACKUP
	interface $_if
	virtual_router_id $_i
	priority $_p
	advert_int $_a
	virtual_ipaddress {
		$(_vip_addr "$_v")/$(_vip_plen "$_v") dev $_if
	}
}
EOT
		done
	} >"$LAB_DIR/keepalived-$_n.conf"
}

# _ucarp_conf NODE ADVBASE ADVSKEW VIP...: one line of ucarp arguments
# per VIP; its source address is the node's first one on that link.
# The up/down scripts get (interface, VIP, prefix length as -x).
_ucarp_conf() {
	local _n=$1 _b=$2 _s=$3 _i=0 _v _if _src
	shift 3
	printf '#!/bin/sh\nexec ip addr add "$2/$3" dev "$1"\n' >"$LAB_DIR/ucarp-up.sh"
	printf '#!/bin/sh\nexec ip addr del "$2/$3" dev "$1"\n' >"$LAB_DIR/ucarp-down.sh"
	chmod 755 "$LAB_DIR/ucarp-up.sh" "$LAB_DIR/ucarp-down.sh"
	for _v in "$@"; do
		_i=$((_i + 1)) _if=$(_vip_if "$_v")
		_src=$(ip -n "$LAB_PREFIX-$_n" -4 -o addr show dev "$_if" |
		    awk '{ split($4, a, "/"); print a[1]; exit }')
		[ -n "$_src" ] || lab_fail "ucarp: no address on $_n:$_if"
		echo "-i $_if -s $_src -v $_i -p $PEERS_PASS" \
		    "-a $(_vip_addr "$_v") -x $(_vip_plen "$_v") -b $_b -k $_s -P -z" \
		    "-u $LAB_DIR/ucarp-up.sh -d $LAB_DIR/ucarp-down.sh"
	done >"$LAB_DIR/ucarp-$_n.args"
}

# --- running ---------------------------------------------------------------

# _peer_bg NODE CGROUP LOG cmd...: like lab_bg, but the process joins
# CGROUP before it enters the namespace (ip netns exec remounts /sys, so
# the cgroup tree is out of sight inside).
_peer_bg() {
	local _n=$1 _cg=$2 _log=$3
	shift 3
	sh -c 'for f in $0; do echo $$ >"$f" || exit 1; done; exec "$@"' \
	    "$(cg_procs_files "$_cg")" \
	    ip netns exec "$LAB_PREFIX-$_n" $LAB_PDEATH "$@" >"$_log" 2>&1 &
	LAB_PID=$!
	echo "$LAB_PID $_n $_log" >>"$LAB_DIR/pids"
}

sys_cg() { echo "$1-$2"; }

sys_start() {
	local _sys=$1 _n=$2 _cg
	_cg=$(sys_cg "$1" "$2")
	cg_del "$_cg"
	cg_new "$_cg"
	: >"$LAB_DIR/peer-$_sys-$_n.pids"
	"_${_sys}_start" "$_n" "$_cg"
	lab_log "$_sys on $_n: pid $(sys_pid "$_sys" "$_n" | tr '\n' ' ')"
}

_peer_pid() { echo "$LAB_PID" >>"$LAB_DIR/peer-$1-$2.pids"; }

_carpd_start() {
	rm -f "$LAB_DIR/$1.sock"
	_peer_bg "$1" "$2" "$LAB_DIR/carpd-$1.log" "$CARPD" -d \
	    -f "$LAB_DIR/$1.conf"
	echo "$LAB_PID" >"$LAB_DIR/$1.pid"
	_peer_pid carpd "$1"
	wait_for 10 "[ -S '$LAB_DIR/$1.sock' ]" ||
		lab_fail "carpd on $1 did not open $LAB_DIR/$1.sock"
}

_keepalived_start() {
	local _d=$LAB_DIR/keepalived-$1
	_peer_bg "$1" "$2" "$_d.log" keepalived -n -l -D -G --vrrp \
	    -f "$_d.conf" -p "$_d.pid" -r "$_d-vrrp.pid" -c "$_d-chk.pid"
	_peer_pid keepalived "$1"
	wait_for 10 "[ -s '$_d-vrrp.pid' ]" ||
		lab_fail "keepalived on $1 did not start its VRRP process"
}

_ucarp_start() {
	local _i=0 _args
	while read -r _args; do
		_i=$((_i + 1))
		_peer_bg "$1" "$2" "$LAB_DIR/ucarp-$1-$_i.log" ucarp $_args
		_peer_pid ucarp "$1"
	done <"$LAB_DIR/ucarp-$1.args"
}

sys_pid() { cat "$LAB_DIR/peer-$1-$2.pids"; }

sys_stop() {
	local _pid _rc=0
	for _pid in $(sys_pid "$1" "$2"); do
		lab_kill "$_pid" TERM || _rc=$?
	done
	: >"$LAB_DIR/peer-$1-$2.pids"
	return $_rc
}

sys_is_master() {
	local _a
	_a=$(_vip_addr "$3")
	ip -n "$LAB_PREFIX-$2" -o addr show 2>/dev/null |
	    awk -v a="$_a" '{ split($4, x, "/"); if (x[1] == a) f = 1 }
		END { exit !f }' || return 1
	[ "$1" != carpd ] || carpctl "$2" -j status 2>/dev/null |
	    grep -q '"state": *"MASTER"'
}

# sys_transitions SYS NODE: from the daemon's own log lines.
sys_transitions() {
	case $1 in
	carpd) cat "$LAB_DIR/carpd-$2.log";;
	keepalived) cat "$LAB_DIR/keepalived-$2.log";;
	ucarp) cat "$LAB_DIR/ucarp-$2"-*.log;;
	esac 2>/dev/null | grep -c -e ' -> MASTER' -e 'Entering MASTER STATE' \
	    -e 'Switching to state: MASTER'
}

sys_planned() { "_${1}_planned" "$2"; }
sys_unplanned() { "_${1}_unplanned" "$2"; }

# every carp is in the group "carp" (as on OpenBSD): one demotion
# counter for all of a node's carps
_carpd_planned() { carpctl "$1" demote carp 1 >/dev/null; }
_carpd_unplanned() { carpctl "$1" promote carp 1 >/dev/null; }

# keepalived has no demote: its priority goes below the backup's and the
# configuration is reloaded (SIGHUP), the way an operator does it.
_keepalived_prio() {
	local _f=$LAB_DIR/keepalived-$1.conf
	sed "s/^\(	priority \).*/\1$2/" "$_f" >"$_f.new" && mv "$_f.new" "$_f" &&
	    kill -HUP "$(cat "$LAB_DIR/keepalived-$1.pid")"
}
_keepalived_planned() { _keepalived_prio "$1" 100; }
_keepalived_unplanned() {
	set -- "$1" $(cat "$LAB_DIR/peer-$1.setting")
	_keepalived_prio "$1" "$(_sys_param keepalived "$3" "$4" | cut -d' ' -f2)"
}

# ucarp: SIGUSR2 drops to BACKUP, listens again after 3 s and, with -P,
# takes the VIP back by itself.
_ucarp_planned() {
	local _pid
	for _pid in $(sys_pid ucarp "$1"); do kill -USR2 "$_pid" || return 1; done
}
_ucarp_unplanned() { :; }

# node_cut NODE / node_restore NODE: every link of NODE.
node_cut() { _node_links "$1" lab_cut; }
node_restore() { _node_links "$1" lab_restore; }
_node_links() {
	local _if
	for _if in $(awk -v n="$1" '$1 == n { print $2 }' "$LAB_DIR/links"); do
		"$2" "$1" "$_if"
	done
}

# --- pairs -------------------------------------------------------------

pair_settled() {
	local _s=$1 _v
	shift
	for _v in "$@"; do
		sys_is_master "$_s" a "$_v" && ! sys_is_master "$_s" b "$_v" ||
			return 1
	done
}

pair_on_b() {
	local _s=$1 _v
	shift
	for _v in "$@"; do sys_is_master "$_s" b "$_v" || return 1; done
}

pair_start() {
	local _s=$1 _set=$2 _n
	shift 2
	sys_conf "$_s" a "$_set" master "$@"
	sys_conf "$_s" b "$_set" backup "$@"
	sys_start "$_s" a
	wait_for 15 "pair_on_a $_s $*" || lab_fail "$_s: a never master"
	sys_start "$_s" b
	wait_for 15 "pair_settled $_s $*" || lab_fail "$_s: a is not the sole master"
	# a backup that keeps taking over from a live master makes any
	# failover figure meaningless (ucarp below 1 s: libpcap hands it the
	# adverts in batches). A burst of load on a shared machine can do
	# it once too: up to 3 watches of BENCH_HOLD s (default 3), and n/a
	# only if b takes over twice per VIP in each.
	for _w in 1 2 3; do
		_n=$(sys_transitions "$_s" b)
		sleep "${BENCH_HOLD:-3}"
		_n=$(($(sys_transitions "$_s" b) - _n))
		[ "$_n" -eq 0 ] ||
			lab_log "$_s $_set: b took over $_n times in ${BENCH_HOLD:-3} s with a alive"
		if [ "$_n" -lt $((2 * $#)) ]; then
			wait_for 15 "pair_settled $_s $*" && return 0
		fi
	done
	PAIR_WHY="b took over $_n times in ${BENCH_HOLD:-3} s with the master alive, in 3 watches ($(sys_setting "$_s" "$_set"))"
	pair_stop "$_s"
	return 1
}
pair_on_a() {
	local _s=$1 _v
	shift
	for _v in "$@"; do sys_is_master "$_s" a "$_v" || return 1; done
}

pair_stop() { sys_stop "$1" a; sys_stop "$1" b; }

# advert_wait: at base1 the phase of a crash against the master's
# adverts spreads the outage over a whole second (master-down minus the
# time since the last advert); a crash just after an advert leaves
# master-down minus the cut's own latency, comparable across systems.
# Immediate mode: tcpdump returns on the packet, not on a buffer timeout.
advert_wait() {
	ADVERT_AT=
	command -v tcpdump >/dev/null || return 1
	ADVERT_AT=$(lab_exec "$1" timeout 5 tcpdump -p -q -n -tt -c 1 \
	    --immediate-mode -i "$2" "ip proto 112 and src host $3" \
	    2>/dev/null | awk '{ print $1; exit }')
	[ -n "$ADVERT_AT" ]
}

bench_na() {
	local _p=$1 _u=$2 _m
	echo "# note $_p: $3"
	shift 3
	for _m in "$@"; do bench "$_p/$_m" n/a "$_u"; done
}

# --- cgroups -----------------------------------------------------------

CG_V1=/sys/fs/cgroup
CG_V2=/sys/fs/cgroup
if [ -d /sys/fs/cgroup/cpuacct ] && [ -d /sys/fs/cgroup/memory ]; then
	CG_MODE=v1
elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	CG_MODE=v2
else
	CG_MODE=none
fi

# _cg_dirs NAME: its directories (v1: one per controller).
_cg_dirs() {
	case $CG_MODE in
	v1) echo "$CG_V1/cpuacct/$CG_PREFIX-$1 $CG_V1/memory/$CG_PREFIX-$1";;
	v2) echo "$CG_V2/$CG_PREFIX-$1";;
	esac
}

cg_procs_files() {
	local _d _f=""
	for _d in $(_cg_dirs "$1"); do _f="$_f $_d/cgroup.procs"; done
	echo $_f
}

cg_new() {
	local _d
	for _d in $(_cg_dirs "$1"); do mkdir -p "$_d" || return 1; done
	grep -qx "$1" "$LAB_DIR/cgroups" || echo "$1" >>"$LAB_DIR/cgroups"
}

cg_del() {
	local _d
	for _d in $(_cg_dirs "$1"); do [ ! -d "$_d" ] || rmdir "$_d"; done
}

cg_pids() {
	local _d
	for _d in $(_cg_dirs "$1"); do cat "$_d/cgroup.procs" 2>/dev/null; done |
	    sort -u
}

# cg_run NAME cmd...: cmd in the cgroup, in the foreground.
cg_run() {
	local _cg=$1
	shift
	sh -c 'for f in $0; do echo $$ >"$f" || exit 1; done; exec "$@"' \
	    "$(cg_procs_files "$_cg")" "$@"
}

# cg_cpu_ms NAME: CPU time (user + system) of everything that ran in it.
cg_cpu_ms() {
	case $CG_MODE in
	v1) awk '{ printf "%.1f\n", $1 / 1e6 }' "$CG_V1/cpuacct/$CG_PREFIX-$1/cpuacct.usage";;
	v2) awk '$1 == "usage_usec" { printf "%.1f\n", $2 / 1e3 }' \
	    "$CG_V2/$CG_PREFIX-$1/cpu.stat";;
	*) echo -;;
	esac
}

# cg_mem_peak_kib NAME: the peak memory charged to it (pages it touched,
# page cache included).
cg_mem_peak_kib() {
	case $CG_MODE in
	v1) awk '{ printf "%d\n", $1 / 1024 }' \
	    "$CG_V1/memory/$CG_PREFIX-$1/memory.max_usage_in_bytes";;
	v2) awk '{ printf "%d\n", $1 / 1024 }' "$CG_V2/$CG_PREFIX-$1/memory.peak";;
	*) echo -;;
	esac
}

# cg_reap: remove the cgroups of lab runs whose shell is gone.
cg_reap() {
	local _d _pid
	for _d in $CG_V1/cpuacct/carplab-* $CG_V1/memory/carplab-* \
	    $CG_V2/carplab-*; do
		[ -d "$_d" ] || continue
		_pid=$(basename "$_d" | cut -d- -f2)
		kill -0 "$_pid" 2>/dev/null || rmdir "$_d" 2>/dev/null
	done
}
