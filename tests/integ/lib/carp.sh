# tests/integ/lib/carp.sh: shared setup for the carpd integration tests.
# Sourced by each test (run from any directory) with:
#	. "$(dirname "$0")/lib/carp.sh"
. "${LAB_TOP:-$(dirname "$0")/../..}/tests/lab/lab.sh"
INTEG_LIB=${INTEG_LIB:-$(dirname "$0")/lib}

# integ_start: skip unless we can run, then make the lab.
integ_start() {
	lab_require "$CARPD" "$CARPCTL" "$@"
	lab_init
}

# integ_lan NODE...: hosts on one bridge "lan", each with eth0 holding
# 192.0.2.N/24 and 2001:db8:1::N/64, N = 1, 2, ... in argument order.
# The client "c" always gets .10 / ::10 (add it last or anywhere).
integ_lan() {
	local n=0
	lab_bridge lan
	for h in "$@"; do
		lab_ns "$h"
		lab_port "$h" eth0 lan
		if [ "$h" = c ]; then i=10; else n=$((n + 1)); i=$n; fi
		lab_addr "$h" eth0 "192.0.2.$i/24"
		lab_addr "$h" eth0 "2001:db8:1::$i/64"
	done
}

# carp_block NAME VHID CARPDEV ADVSKEW PASSWORD [line...]: one carp block
# with advbase 1; every extra argument is one more line inside it.
carp_block() {
	local name=$1 vhid=$2 dev=$3 skew=$4 pass=$5
	shift 5
	echo "carp $name {"
	echo "	vhid $vhid"
	echo "	carpdev $dev"
	echo "	password \"$pass\""
	echo "	advbase 1"
	echo "	advskew $skew"
	for l in "$@"; do echo "	$l"; done
	echo "}"
}

# integ_pair_elected: carpd on a (advskew 0) and b (advskew 100) with
# carp1, vhid 1, 192.0.2.254/24 on eth0; returns once a is its sole
# master (WAIT_MS says after how long).
integ_pair_elected() {
	local h skew
	for h in a b; do
		case $h in a) skew=0;; b) skew=100;; esac
		carp_block carp1 1 eth0 $skew lab-secret \
		    "address 192.0.2.254/24" | carpd_conf $h
		carpd_start $h
	done
	wait_for 15 'sole_master carp1 eth0 192.0.2.254 a a b' ||
		lab_fail "a is not the sole master of carp1"
}

# masters CARP NODE...: the nodes where CARP is MASTER, space separated.
masters() {
	local carp=$1 m=""
	shift
	for h in "$@"; do
		carp_is "$h" "$carp" MASTER && m="$m $h"
	done
	echo "${m# }"
}

# vip_holders IF ADDR NODE...: the nodes that have ADDR on IF.
vip_holders() {
	local dev=$1 addr=$2 m=""
	shift 2
	for h in "$@"; do
		lab_has_addr "$h" "$dev" "$addr" && m="$m $h"
	done
	echo "${m# }"
}

# sole_master CARP IF VIP MASTER NODE...: MASTER is the only master of
# CARP and holds VIP, every other node is BACKUP and does not hold it.
sole_master() {
	local carp=$1 dev=$2 vip=$3 want=$4
	shift 4
	for h in "$@"; do
		if [ "$h" = "$want" ]; then
			carp_is "$h" "$carp" MASTER || return 1
			lab_has_addr "$h" "$dev" "$vip" || return 1
		else
			carp_is "$h" "$carp" BACKUP || return 1
			! lab_has_addr "$h" "$dev" "$vip" || return 1
		fi
	done
}

# counter NODE CARP NAME: one of the carp's counters.
counter() { carp_get "$1" "$2" "counters.$3"; }

# neigh_mac NODE ADDR: the MAC in NODE's neighbour entry for ADDR, if any.
neigh_mac() {
	lab_exec "$1" ip neigh show "$2" |
	    sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p'
}

# integ_stop NODE...: SIGTERM each carpd; it must exit 0. Then no node
# may still hold any of $INTEG_VIPS (IF:ADDR words).
integ_stop() {
	local rc
	for h in "$@"; do
		carpd_stop "$h"; rc=$?
		[ "$rc" = 0 ] || lab_fail "carpd on $h exited $rc on SIGTERM"
	done
	for h in "$@"; do
		for v in $INTEG_VIPS; do
			! lab_has_addr "$h" "${v%%:*}" "${v#*:}" ||
				lab_fail "$h still has ${v#*:} after carpd stopped"
		done
	done
}

# group_demote NODE GROUP: the group's counter from `carpctl -j groups`
# (a list of {name, demote, members}, bare or under "groups").
group_demote() {
	carpctl "$1" -j groups | "$LAB_PY" -c '
import json, sys
j = json.load(sys.stdin)
if isinstance(j, dict):
    j = j["groups"]
print(next(g["demote"] for g in j if g["name"] == sys.argv[1]))
' "$2"
}

# ucarp_start NODE SRCIP VHID PASSWORD VIP ADVSKEW [ucarp options...]:
# Debian's ucarp with advbase 1 and up/down scripts that add/remove
# VIP/24 on eth0; it runs the down script when it exits (-z).
ucarp_start() {
	local h=$1 src=$2 vhid=$3 pass=$4 vip=$5 skew=$6
	shift 6
	printf '#!/bin/sh\nexec ip addr add "$2"/24 dev "$1"\n' \
	    >"$LAB_DIR/ucarp-up.sh"
	printf '#!/bin/sh\nexec ip addr del "$2"/24 dev "$1"\n' \
	    >"$LAB_DIR/ucarp-down.sh"
	chmod 755 "$LAB_DIR/ucarp-up.sh" "$LAB_DIR/ucarp-down.sh"
	lab_bg "$h" "$LAB_DIR/ucarp-$h.log" ucarp -i eth0 -s "$src" \
	    -v "$vhid" -p "$pass" -a "$vip" -b 1 -k "$skew" -z \
	    -u "$LAB_DIR/ucarp-up.sh" -d "$LAB_DIR/ucarp-down.sh" "$@"
	echo "$LAB_PID" >"$LAB_DIR/ucarp-$h.pid"
	lab_log "ucarp on $h: pid $LAB_PID"
}

# seccomp_mark; seccomp_denials EXE_RE: the seccomp audit records
# (type=1326) logged since the mark for executables matching EXE_RE.
# By the record's serial, not a line count: once the kernel's ring buffer
# is full its line count stops growing and a count would hide new lines.
seccomp_mark() {
	SECCOMP_MARK=$(dmesg 2>/dev/null | sed -n 's/.*audit([0-9.]*:\([0-9]*\)).*/\1/p' |
	    tail -1)
	SECCOMP_MARK=${SECCOMP_MARK:-0}
}
seccomp_denials() {
	dmesg 2>/dev/null | grep 'type=1326' | grep -E "exe=\"$1\"" |
	    awk -v m="$SECCOMP_MARK" '{
		if (match($0, /audit\([0-9.]+:[0-9]+\)/)) {
			s = substr($0, RSTART, RLENGTH); sub(/.*:/, "", s)
			sub(/\)/, "", s); if (s + 0 > m + 0) print
		} }'
}
