#!/bin/sh
# tests/bench/bench-advert-cpu.sh: carpd's CPU time as the lone MASTER of
# one carp at advbase 0 advskew 1 (an advert every ~4 ms), over SECONDS
# (default 60). Shows what the advert path costs, kernel requests
# included. Needs root; runs in its own network namespace.
#
#	sh tests/bench/bench-advert-cpu.sh [SECONDS]
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${LAB_BUILD:-$TOP/build}
CARPD=${CARPD:-$BUILD/carpd}
CARPCTL=${CARPCTL:-$BUILD/carpctl}
SECS=${1:-${SECONDS_RUN:-60}}
NS=carpcpu-$$
DIR=$(mktemp -d /tmp/carpcpu.XXXXXX)
PID=

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ "$(id -u)" = 0 ] || { echo "bench-advert-cpu: needs root" >&2; exit 77; }
[ -x "$CARPD" ] || { echo "bench-advert-cpu: no $CARPD (make)" >&2; exit 77; }

# A veth pair inside the namespace: eth0 runs once both ends are up,
# and nothing listens on the other end.
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add eth0 type veth peer name eth0p
ip -n "$NS" link set eth0p up
ip -n "$NS" link set eth0 up
ip -n "$NS" addr add 192.0.2.1/24 dev eth0

cat >"$DIR/carp.conf" <<EOF
control-socket "$DIR/carpd.sock"
state-file "$DIR/carpd.state"
carp carp1 {
	vhid 1
	carpdev eth0
	password "bench"
	advbase 0
	advskew 1
	address 192.0.2.100/24
}
EOF
chmod 600 "$DIR/carp.conf"

ip netns exec "$NS" "$CARPD" -d -f "$DIR/carp.conf" >"$DIR/carpd.log" 2>&1 &
PID=$!

ctl() { ip netns exec "$NS" "$CARPCTL" -s "$DIR/carpd.sock" "$@"; }
# sent: the carp's adverts_sent counter from carpctl's JSON status.
sent() {
	ctl -j status 2>/dev/null | tr ',{}' '\n\n\n' |
	    sed -n 's/.*"adverts_sent": *\([0-9]*\).*/\1/p' | head -1
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }

i=0
until ctl status 2>/dev/null | grep -q MASTER; do
	i=$((i + 1))
	if [ "$i" -gt 100 ] || ! kill -0 "$PID" 2>/dev/null; then
		echo "bench-advert-cpu: carpd did not become MASTER" >&2
		cat "$DIR/carpd.log" >&2
		exit 1
	fi
	sleep 0.1
done

hz=$(getconf CLK_TCK)
s0=$(sent); t0=$(cpu_ticks)
sleep "$SECS"
t1=$(cpu_ticks); s1=$(sent)
awk -v t0="$t0" -v t1="$t1" -v hz="$hz" -v s="$SECS" \
    -v n="$(( ${s1:-0} - ${s0:-0} ))" 'BEGIN {
	ms = (t1 - t0) * 1000 / hz
	printf "carpd CPU: %d ms in %d s (%.2f%% of a core), adverts sent %d\n",
	    ms, s, ms / (s * 10), n
	printf "BENCH carpd_advert_cpu_ms %d ms\n", ms
}'
