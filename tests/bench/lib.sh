# tests/bench/lib.sh: helpers shared by the benchmarks, on top of
# tests/lab/lab.sh (sourced first). Benchmarks print figures as
#	BENCH name value unit
# lines (run.sh collects them) plus free-form context; they never
# assert timings.

BENCH_TOOLS=${BENCH_TOOLS:-$LAB_BUILD/tools}
CTGEN=${CTGEN:-$BENCH_TOOLS/ctgen}
SYNCD=${SYNCD:-$LAB_BUILD/syncd}

# bench NAME VALUE UNIT: one figure.
bench() { echo "BENCH $1 $2 $3"; }

# now: wall clock, seconds with 6 decimals (comparable across namespaces).
now() { date +%s.%6N; }

# ms_between T0 T1: milliseconds from T0 to T1 (epoch seconds), integer.
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d\n", (b - a) * 1000 + 0.5 }'; }

# stats < numbers: "min median max n" (median of an even count: the
# mean of the two middle values).
stats() {
	sort -n | awk '{ v[NR] = $1 }
	    END {
		if (NR == 0) { print "- - - 0"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%g %g %g %d\n", v[1], m, v[NR], NR
	    }'
}

# ping_gap LOG FROM [TO]: from the replies of `ping -D -n` in LOG received
# between epochs FROM and TO (default: the end), the largest gap between two consecutive replies:
# prints "gap_ms last_before first_after lost dups" (last_before and
# first_after are epochs around that gap; lost counts the probes that
# never got a reply over the whole log, dups the duplicated replies).
ping_gap() {
	awk -v from="$2" -v to="${3:-0}" '
	/bytes from/ && /icmp_seq=/ {
		t = substr($1, 2, length($1) - 2) + 0
		s = $0; sub(/.*icmp_seq=/, "", s); sub(/[^0-9].*/, "", s)
		if (s in seen) { dups++; next }
		seen[s] = 1; n++
		if (lo == "" || s + 0 < lo) lo = s + 0
		if (s + 0 > hi) hi = s + 0
		if (t >= from && (to == 0 || t <= to) && prev != "" &&
		    t - prev > gap) {
			gap = t - prev; before = prev; after = t
		}
		prev = t
	}
	END {
		if (n == 0) { print "- - - - -"; exit }
		printf "%d %.6f %.6f %d %d\n", gap * 1000 + 0.5, before, after,
		    hi - lo + 1 - n, dups + 0
	}' "$1"
}

# proc_cpu PID: user+system CPU seconds of a process (from /proc).
proc_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{
		sub(/.*\) /, "")	# fields after the command name: state is $1
		printf "%.2f\n", ($12 + $13) / hz
	}' "/proc/$1/stat"
}

# proc_rss PID: resident memory in KiB.
proc_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# cpu_delta A B: B - A with two decimals.
cpu_delta() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", b - a }'; }

# ctd_conf NODE ME PEER [HASHLIMIT]: $LAB_DIR/ctd-NODE.conf, conntrackd
# FTFW over UDP on eth1 between 203.0.113.ME and .PEER, the usual setup
# (bench-sync, bench-loss, and the baselines' replicator in load.sh).
# HASHLIMIT (default $CTD_HASHLIMIT, else 524288) caps each of its
# caches: above it states are dropped, so a bigger table needs more.
ctd_conf() {
	local h=$1 me=$2 peer=$3 limit=${4:-${CTD_HASHLIMIT:-524288}}
	cat >"$LAB_DIR/ctd-$h.conf" <<EOT
Sync {
	Mode FTFW {
		DisableExternalCache Off
	}
	UDP {
		IPv4_address 203.0.113.$me
		IPv4_Destination_Address 203.0.113.$peer
		Port 3780
		Interface eth1
		SndSocketBuffer 8388608
		RcvSocketBuffer 8388608
		Checksum on
	}
}
General {
	HashSize 65536
	HashLimit $limit
	LogFile $LAB_DIR/ctd-$h.file.log
	Syslog off
	LockFile $LAB_DIR/ctd-$h.lock
	UNIX {
		Path $LAB_DIR/ctd-$h.ctl
	}
	NetlinkBufferSize 2097152
	NetlinkBufferSizeMaxGrowth 8388608
	NetlinkOverrunResync On
	NetlinkEventsReliable Off
}
EOT
}

# ping_probe NODE DST LOG: ping DST from NODE every 2 ms in the
# background (`ping -D`, for ping_gap), its pid in $PROBE_PID.
ping_probe() {
	lab_bg "$1" "$3" ping -n -D -i 0.002 "$2"
	PROBE_PID=$LAB_PID
	sleep 0.3
}

# ctd_ext NODE: the states in NODE's conntrackd external cache.
ctd_ext() {
	lab_exec "$1" conntrackd -C "$LAB_DIR/ctd-$1.conf" -s 2>/dev/null |
	    awk '/cache external/ { e = 1 }
		e && /current active/ { print $4; exit }'
}

# ct_max_raise N: nf_conntrack_max of the init namespace at least N (the
# old value in $CT_MAX_OLD, for ct_max_restore); a namespace takes its
# own with lab_ns NODE net.netfilter.nf_conntrack_max=N.
ct_max_raise() {
	CT_MAX_OLD=$(cat /proc/sys/net/netfilter/nf_conntrack_max)
	[ "$CT_MAX_OLD" -ge "$1" ] ||
		sysctl -qw net.netfilter.nf_conntrack_max="$1"
}
ct_max_restore() {
	[ -z "$CT_MAX_OLD" ] ||
		sysctl -qw net.netfilter.nf_conntrack_max="$CT_MAX_OLD"
}
