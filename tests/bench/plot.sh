#!/bin/sh
# tests/bench/plot.sh [DIR]: the two charts of BENCHMARKS.md from a run's
# files in DIR (default build/bench, or $LAB_BUILD/bench), as PNG in DIR:
#
#	outage-probe.png	the probe's replies around a crash, carpd,
#			keepalived and ucarp on one chart: for each reply the
#			time since the previous one, against the time from
#			the cut (bench-outage's probe-SETTING-SYS.dat; the
#			fast setting, or a system's first other one if fast
#			is n/a for it)
#	outage-settings.png	the crash outage against the setting, median
#			with min..max bars, one line per system
#			(results.txt)
#
# Exits 1 when there is nothing to plot or gnuplot fails.
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-${LAB_BUILD:-$top/${BUILD:-build}}/bench}
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot is not installed" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
SYSTEMS="carpd keepalived ucarp"
SETTINGS="base1 fast floor"

# chart NAME SIZE TITLE XLABEL YLABEL SETTINGS PLOT: $dir/NAME.png, log
# scale y (the settings span 20 ms to 4 s).
chart() {
	gnuplot <<EOT || exit 1
set terminal png size $2
set output '$dir/$1.png'
set title '$3'
set xlabel '$4'
set ylabel '$5'
set logscale y
set grid
$6
plot $7
EOT
}

# probe_file SYS: the probe data to draw for SYS ("" if none).
probe_file() {
	for s in fast $SETTINGS; do
		[ -s "$dir/probe-$s-$1.dat" ] && { echo "$s"; return; }
	done
}

# the probe chart: "seconds_from_cut ms_since_previous_reply" per system
plot=""
for y in $SYSTEMS; do
	s=$(probe_file "$y")
	[ -n "$s" ] || continue
	awk 'NR > 1 { printf "%.4f %.3f\n", $1 / 1000, $1 - p } { p = $1 }' \
	    "$dir/probe-$s-$y.dat" >"$tmp/probe-$y"
	plot="$plot${plot:+, }'$tmp/probe-$y' using 1:2 with fsteps title '$y ($s)'"
done
[ -n "$plot" ] || { echo "plot.sh: no probe-*.dat in $dir" >&2; exit 1; }
chart outage-probe 900,500 \
    'Crash of the master: 2 ms ICMP probes through the VIP' \
    'time from the cut (s)' 'time since the previous reply (ms)' \
    'set xrange [-0.3:*]; set key top left' "$plot"

# the settings chart: "index setting median min max" per system
res=$dir/results.txt
[ -r "$res" ] || { echo "plot.sh: no $res" >&2; exit 1; }
plot="" j=0
for y in $SYSTEMS; do
	i=0
	for s in $SETTINGS; do
		i=$((i + 1))
		awk -v i="$i" -v s="$s" -v y="$y" '
		{ n = ($1 == "BENCH") ? $2 : $1; v = ($1 == "BENCH") ? $3 : $2 }
		n == "outage/" s "/" y "/median" { m = v }
		n == "outage/" s "/" y "/min" { lo = v }
		n == "outage/" s "/" y "/max" { hi = v }
		END { if (m != "" && m != "n/a") print i, s, m, lo, hi }' "$res"
	done >"$tmp/set-$y"
	[ -s "$tmp/set-$y" ] || continue
	off=$(awk -v j="$j" 'BEGIN { print (j - 1) * 0.08 }')
	plot="$plot${plot:+, }'$tmp/set-$y' using (\$1+$off):3:4:5 with yerrorlines title '$y'"
	j=$((j + 1))
done
[ -n "$plot" ] || { echo "plot.sh: no outage figures in $res" >&2; exit 1; }
chart outage-settings 700,500 \
    'Crash outage by setting (median, min..max)' \
    'setting (equal master-down per setting)' 'outage (ms)' \
    "set xrange [0.5:3.5]; set xtics ('base1' 1, 'fast' 2, 'floor' 3); set key top right" \
    "$plot"
echo "plot.sh: $dir/outage-probe.png $dir/outage-settings.png"
