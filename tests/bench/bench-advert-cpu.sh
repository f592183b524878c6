#!/bin/sh
# tests/bench/bench-advert-cpu.sh: carpd's CPU time as the lone MASTER of
# one carp at advbase 0 advskew 1 (an advert every ~4 ms), over SECONDS
# (default 60). Shows what the advert path costs, kernel requests
# included. Needs root; runs in its own network namespace.
#
#	sh tests/bench/bench-advert-cpu.sh [SECONDS]
#	BASE=/path/to/old/build sh tests/bench/bench-advert-cpu.sh [SECONDS]
#
# With BASE (a build directory holding another carpd and carpctl, e.g.
# one built from an older commit), both run at the same time, each in
# its own namespace, and both figures are printed: on a shared, noisy
# machine only figures from the same run compare.
# REALTIME=no writes "realtime no" into the configuration of CARPD (the
# default is the daemon's own; BASE's is left alone).
#
# With tcpdump installed, the gaps between adverts on the wire are
# printed too (median, 99th percentile, largest, and how many exceed 9
# ms, three intervals at advskew 1, the master-down time deadratio 3
# gives a backup that fast; the floor's backup, advskew 2, waits 21). BUSY=N runs N busy loops during the measurement, to see them
# under CPU load.
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${LAB_BUILD:-$TOP/build}
CARPD=${CARPD:-$BUILD/carpd}
CARPCTL=${CARPCTL:-$BUILD/carpctl}
BASE=${BASE:-}
SECS=${1:-${SECONDS_RUN:-60}}
RUN=carpcpu-$$
DIR=$(mktemp -d /tmp/carpcpu.XXXXXX)
NAMES=
BUSY=${BUSY:-0}
BUSYPIDS=
CAPPIDS=

cleanup() {
	for p in $BUSYPIDS; do
		kill "$p" 2>/dev/null
	done
	for n in $NAMES; do
		p=$(cat "$DIR/$n/pid" 2>/dev/null) || continue
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for n in $NAMES; do
		ip netns del "$RUN-$n" 2>/dev/null || true
	done
	rm -rf "$DIR"
}
trap cleanup EXIT

# A run killed outright (SIGKILL: no trap) leaves its namespaces and
# directory behind: remove those of runs whose shell is gone.
reap() {
	for n in $(ip netns list 2>/dev/null | awk '/^carpcpu-[0-9]+-/ { print $1 }'); do
		p=$(echo "$n" | cut -d- -f2)
		kill -0 "$p" 2>/dev/null && continue
		[ -z "$(ip netns pids "$n" 2>/dev/null)" ] || continue
		ip netns del "$n" 2>/dev/null || true
	done
}
trap 'exit 1' INT TERM

[ "$(id -u)" = 0 ] || { echo "bench-advert-cpu: needs root" >&2; exit 77; }
[ -x "$CARPD" ] || { echo "bench-advert-cpu: no $CARPD (make)" >&2; exit 77; }
reap
if [ -n "$BASE" ] && [ ! -x "$BASE/carpd" ]; then
	echo "bench-advert-cpu: no $BASE/carpd" >&2
	exit 77
fi

# start NAME CARPD: a namespace with a veth pair (eth0 runs once both
# ends are up, nothing listens on the other end) and a carpd in it.
start() {
	d=$DIR/$1
	ns=$RUN-$1
	mkdir -p "$d"
	NAMES="$NAMES $1"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link add eth0 type veth peer name eth0p
	ip -n "$ns" link set eth0p up
	ip -n "$ns" link set eth0 up
	ip -n "$ns" addr add 192.0.2.1/24 dev eth0
	{
		echo "control-socket \"$d/carpd.sock\""
		echo "state-file \"$d/carpd.state\""
		[ "$1" = new ] && [ "${REALTIME:-}" = no ] &&
		    echo "realtime no"
		cat <<EOF
carp carp1 {
	vhid 1
	carpdev eth0
	password "bench"
	advbase 0
	advskew 1
	address 192.0.2.100/24
}
EOF
	} >"$d/carp.conf"
	chmod 600 "$d/carp.conf"
	ip netns exec "$ns" "$2" -d -f "$d/carp.conf" >"$d/carpd.log" 2>&1 &
	echo $! >"$d/pid"
}

# ctl NAME CARPCTL ARGS...
ctl() {
	n=$1 c=$2
	shift 2
	ip netns exec "$RUN-$n" "$c" -s "$DIR/$n/carpd.sock" "$@"
}

# sent NAME CARPCTL: the carp's adverts_sent from carpctl's JSON status.
sent() {
	ctl "$1" "$2" -j status 2>/dev/null | tr ',{}' '\n\n\n' |
	    sed -n 's/.*"adverts_sent": *\([0-9]*\).*/\1/p' | head -1
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$(cat "$DIR/$1/pid")/stat"; }

wait_master() {
	i=0
	until ctl "$1" "$2" status 2>/dev/null | grep -q MASTER; do
		i=$((i + 1))
		if [ "$i" -gt 100 ] ||
		    ! kill -0 "$(cat "$DIR/$1/pid")" 2>/dev/null; then
			echo "bench-advert-cpu: carpd ($1) did not become" \
			    "MASTER" >&2
			cat "$DIR/$1/carpd.log" >&2
			exit 1
		fi
		sleep 0.1
	done
}

start new "$CARPD"
[ -n "$BASE" ] && start base "$BASE/carpd"
wait_master new "$CARPCTL"
[ -n "$BASE" ] && wait_master base "$BASE/carpctl"

# capture NAME: the adverts leaving NAME's eth0, for the measurement
capture() {
	command -v tcpdump >/dev/null 2>&1 || return 0
	ip netns exec "$RUN-$1" timeout "$SECS" tcpdump -i eth0p -n -tt \
	    -c 100000 ip proto 112 >"$DIR/$1/cap" 2>/dev/null &
	CAPPIDS="$CAPPIDS $!"
}

# gaps NAME SUFFIX: the BENCH lines of the gaps between adverts, in ms
gaps() {
	[ -s "$DIR/$1/cap" ] || return 0
	awk '{ t = $1; if (p) printf "%.3f\n", (t - p) * 1000; p = t }' \
	    "$DIR/$1/cap" | sort -n >"$DIR/$1/gaps"
	awk -v sfx="$2" '{ g[NR] = $1; if ($1 > 9) late++ }
	END {
		if (NR == 0)
			exit
		printf "BENCH carpd_advert_gap_median%s %.2f ms\n", sfx,
		    g[int((NR + 1) / 2)]
		i = int(NR * 0.99)
		if (i < 1)
			i = 1
		printf "BENCH carpd_advert_gap_p99%s %.2f ms\n", sfx, g[i]
		printf "BENCH carpd_advert_gap_max%s %.2f ms\n", sfx, g[NR]
		printf "BENCH carpd_advert_gaps_over_9ms%s %d gaps\n", sfx,
		    late
	}' "$DIR/$1/gaps"
}

i=0
while [ "$i" -lt "$BUSY" ]; do
	timeout "$((SECS + 5))" sh -c 'while :; do :; done' &
	BUSYPIDS="$BUSYPIDS $!"
	i=$((i + 1))
done

hz=$(getconf CLK_TCK)
capture new
[ -n "$BASE" ] && capture base
s0=$(sent new "$CARPCTL"); t0=$(cpu_ticks new)
if [ -n "$BASE" ]; then b0=$(sent base "$BASE/carpctl"); u0=$(cpu_ticks base); fi
sleep "$SECS"
t1=$(cpu_ticks new); s1=$(sent new "$CARPCTL")
if [ -n "$BASE" ]; then u1=$(cpu_ticks base); b1=$(sent base "$BASE/carpctl"); fi

# report LABEL SUFFIX T0 T1 SENT: one human line, the BENCH lines.
report() {
	awk -v l="$1" -v sfx="$2" -v t0="$3" -v t1="$4" -v hz="$hz" \
	    -v s="$SECS" -v n="$5" 'BEGIN {
		ms = (t1 - t0) * 1000 / hz
		fmt = "%s CPU: %d ms in %d s (%.2f%% of a core), "
		fmt = fmt "adverts sent %d (%.1f ms per 1000)\n"
		per = n > 0 ? ms * 1000 / n : 0
		printf fmt, l, ms, s, ms / (s * 10), n, per
		printf "BENCH carpd_advert_cpu_ms%s %d ms\n", sfx, ms
		printf "BENCH carpd_advert_cpu_pct%s %.2f %%\n", sfx,
		    ms / (s * 10)
		if (n > 0)
			printf "BENCH carpd_advert_cpu_ms_per_1000%s %.1f ms\n",
			    sfx, per
	}'
}

for p in $CAPPIDS; do
	wait "$p" || true
done
report carpd "" "$t0" "$t1" "$(( ${s1:-0} - ${s0:-0} ))"
gaps new ""
if [ -n "$BASE" ]; then
	report "carpd ($BASE)" _base "$u0" "$u1" "$(( ${b1:-0} - ${b0:-0} ))"
	gaps base _base
fi
