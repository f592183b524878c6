# tests/integ/lib/sync.sh: shared setup for the syncd integration tests.
# Sourced by each tests/integ/sync-*.sh with:
#	. "$(dirname "$0")/lib/sync.sh"
#
# Conventions: node N's sync link address is 203.0.113.<index>/24 on
# sync0; its syncd config is $LAB_DIR/N-sync.conf, its control socket
# $LAB_DIR/N-sync.sock, its log $LAB_DIR/syncd-N.log, its pid in
# $LAB_DIR/syncd-N.pid; carpd's socket (if any) is $LAB_DIR/N.sock as in
# lab.sh. All nodes share one key, $LAB_DIR/sync.key.
. "$(dirname "$0")/lib/carp.sh"
SYNCD=${SYNCD:-$LAB_BUILD/syncd}
CTGEN=${CTGEN:-$LAB_BUILD/tools/ctgen}

# sync_start_lab [tools...]: skip unless syncd, ctgen, conntrack and
# the given tools are there, then make the lab and the shared key.
sync_start_lab() {
	lab_require "$SYNCD" "$CARPCTL" "$CTGEN" conntrack "$@"
	lab_init
	(umask 077; head -c 32 /dev/urandom >"$LAB_DIR/sync.key")
}

# sync_pair: nodes a and b, a direct cable a:sync0 <-> b:sync0,
# 203.0.113.1 and .2.
sync_pair() {
	lab_ns a
	lab_ns b
	lab_link a sync0 b sync0
	lab_addr a sync0 203.0.113.1/24
	lab_addr b sync0 203.0.113.2/24
}

# sync_alone NODE: NODE alone on the lan (integ_lan), with a sync link
# to nowhere: sync0 (203.0.113.1/24) is one end of a veth whose other
# end, sync1, stays in NODE. For a syncd that needs a link and no peer.
sync_alone() {
	integ_lan "$1"
	lab_exec "$1" ip link add sync0 type veth peer name sync1 ||
		lab_fail "no veth sync0"
	lab_exec "$1" ip link set sync1 up
	lab_exec "$1" ip link set sync0 up
	lab_addr "$1" sync0 203.0.113.1/24
}

# sync_pair_up [line...]: sync_pair, both nodes configured as unicast
# peers with "bulk-timeout 5s" and the given sync lines, both syncds
# started and in sync.
sync_pair_up() {
	sync_pair
	sync_conf a sync0 203.0.113.2 "bulk-timeout 5s" "$@"
	sync_conf b sync0 203.0.113.1 "bulk-timeout 5s" "$@"
	syncd_start a
	syncd_start b
	wait_for 15 "sync_in_sync a && sync_in_sync b && sync_peer_alive a" ||
		sync_fail "a and b never got in sync" a b
}

# sync_conf NODE DEV PEER|- [line...]: write NODE's syncd config; "-"
# for PEER means multicast on DEV. Extra arguments are lines inside the
# sync block (they come after the defaults, and a later line wins for
# single-valued keywords only if the parser allows it: pass what you
# need instead of overriding). SYNC_GLOBAL, if set, is printed before
# the sync block (e.g. carp blocks for the demote test).
sync_conf() {
	local n=$1 dev=$2 peer=$3
	shift 3
	{
		echo "control-socket \"$LAB_DIR/$n.sock\""
		[ -n "$SYNC_GLOBAL" ] && printf '%s\n' "$SYNC_GLOBAL"
		echo "sync {"
		echo "	syncdev $dev"
		[ "$peer" = - ] || echo "	syncpeer $peer"
		echo "	key-file \"$LAB_DIR/sync.key\""
		echo "	control-socket \"$LAB_DIR/$n-sync.sock\""
		for l in "$@"; do echo "	$l"; done
		echo "}"
	} >"$LAB_DIR/$n-sync.conf"
	# SYNC_GLOBAL may hold a carp block with an inline password
	chmod 600 "$LAB_DIR/$n-sync.conf"
	"$SYNCD" -n -f "$LAB_DIR/$n-sync.conf" ||
		lab_fail "syncd -n refuses $LAB_DIR/$n-sync.conf"
}

# syncd_start NODE: run syncd -d in NODE with its config, wait for its
# control socket. Appends to the node's log (restarts keep history).
syncd_start() {
	local n=$1 pid
	rm -f "$LAB_DIR/$n-sync.sock"
	echo "--- syncd start $(date +%T.%N)" >>"$LAB_DIR/syncd-$n.log"
	ip netns exec "$LAB_PREFIX-$n" "$SYNCD" -d -f "$LAB_DIR/$n-sync.conf" \
	    >>"$LAB_DIR/syncd-$n.log" 2>&1 &
	pid=$!
	echo "$pid $n $LAB_DIR/syncd-$n.log" >>"$LAB_DIR/pids"
	echo "$pid" >"$LAB_DIR/syncd-$n.pid"
	lab_log "syncd on $n: pid $pid"
	wait_for 10 "[ -S '$LAB_DIR/$n-sync.sock' ]" ||
		lab_fail "syncd on $n did not open its control socket"
}

syncd_pid() { cat "$LAB_DIR/syncd-$1.pid"; }

# syncd_stop NODE [SIGNAL]: stop NODE's syncd; its exit status.
syncd_stop() {
	lab_kill "$(syncd_pid "$1")" "${2:-TERM}"
}

# syncd_alive NODE: NODE's syncd still runs.
syncd_alive() { lab_alive "$(syncd_pid "$1")"; }

# syncctl NODE args...: carpctl against NODE's syncd.
syncctl() {
	local n=$1; shift
	lab_exec "$n" "$CARPCTL" -s "$LAB_DIR/$n-sync.sock" "$@"
}

# sync_stat NODE KEY: one value of `carpctl -j sync stats` (absent
# counters are 0: protobuf leaves zero values out).
sync_stat() {
	syncctl "$1" -j sync stats | "$LAB_PY" -c '
import json, sys
v = json.load(sys.stdin).get(sys.argv[1], 0)
print(str(v).lower() if isinstance(v, bool) else v)
' "$2"
}

# sync_peer_alive NODE: NODE's syncd hears a peer (for wait_for).
sync_peer_alive() { [ "$(sync_stat "$1" peer_alive)" = true ]; }
sync_in_sync() { [ "$(sync_stat "$1" in_sync)" = true ]; }

# sync_stat_ge NODE KEY N: the counter is at least N.
sync_stat_ge() { [ "$(sync_stat "$1" "$2")" -ge "$3" ]; }

# ctgen NODE args...: the state generator in NODE.
ctgen() {
	local n=$1; shift
	lab_exec "$n" "$CTGEN" "$@"
}

# ct_count NODE [proto]: how many ctgen states NODE's table holds.
ct_count() { ctgen "$1" -p "${2:-tcp}" -c; }

# ct_has NODE N [proto]: NODE holds at least N ctgen states.
ct_has() { [ "$(ct_count "$1" "${3:-tcp}")" -ge "$2" ] 2>/dev/null; }

# ct_has_n NODE N [proto]: exactly N ctgen states.
ct_has_n() { [ "$(ct_count "$1" "${3:-tcp}")" = "$2" ]; }

# ct_wait NODE N SECONDS [proto]: wait (ctgen polls) until NODE holds
# at least N ctgen states.
ct_wait() {
	ctgen "$1" -p "${4:-tcp}" -c -w "$2" -T "$3"
}

# ct_list NODE [conntrack filter args...]: NODE's table (both families)
# in a canonical form for comparison: one line per state, extended
# output without the timeout and the use count, and without the sync
# link's own flows (203.0.113.0/24, never replicated) and link-local
# IPv6 chatter; sorted.
ct_list() {
	local n=$1; shift
	lab_exec "$n" conntrack -L -o extended "$@" 2>/dev/null |
	    awk '{
		# ipv4 2 tcp 6 TIMEOUT [STATE] ...: drop field 5
		$5 = ""
		for (i = 1; i <= NF; i++)
			if ($i ~ /^use=/) $i = ""
		if ($0 ~ /src=(203\.0\.113\.|fe80:|ff02:)/) next
		gsub(/ +/, " ")
		print
	    }' | sort
}

# ct_present NODE conntrack-filter...: one state matching is in NODE.
ct_present() {
	local n=$1; shift
	[ -n "$(lab_exec "$n" conntrack -L "$@" 2>/dev/null)" ]
}

# ct_absent NODE conntrack-filter...: none is.
ct_absent() { ! ct_present "$@"; }

# ct_same A B: A's and B's tables are equal but for timeouts (ct_list),
# left in $LAB_DIR/A.ct and B.ct for a diff.
ct_same() {
	ct_list "$1" >"$LAB_DIR/$1.ct"
	ct_list "$2" >"$LAB_DIR/$2.ct"
	cmp -s "$LAB_DIR/$1.ct" "$LAB_DIR/$2.ct"
}

# sync_capture_start NODE PCAP: capture in NODE the datagrams to its sync
# port from the other node of sync_pair (203.0.113.1 -> .2, or back);
# sync_capture_stop NODE PCAP ends it and says how many it has.
sync_capture_start() {
	local src=203.0.113.1
	[ "$1" = a ] && src=203.0.113.2
	lab_bg "$1" "$LAB_DIR/tcpdump.log" tcpdump -i sync0 -n -U -w "$2" \
	    "udp dst port 8372 and src host $src"
	SYNC_CAPTURE=$LAB_PID
	wait_for 5 "grep -q listening '$LAB_DIR/tcpdump.log'" ||
		lab_fail "tcpdump did not start"
}
sync_capture_stop() {
	local n
	lab_kill "$SYNC_CAPTURE" INT
	n=$(lab_exec "$1" tcpdump -n -r "$2" 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || lab_fail "nothing captured"
	lab_log "captured $n datagrams to $1"
}

# sync_dump_stats NODE...: log each node's sync stats (diagnostics).
sync_dump_stats() {
	for h in "$@"; do
		lab_log "$h: $(syncctl "$h" -j sync stats 2>&1 | tr -d '\n')"
	done
}

# sync_fail MSG NODE...: stats of the nodes, then lab_fail.
sync_fail() {
	local msg=$1; shift
	sync_dump_stats "$@"
	lab_fail "$msg"
}

# sync_inject NODE MODE PCAP|COUNT DST: from NODE, send datagrams to
# DST port 8372. MODE replay: the UDP payloads to port 8372 in PCAP as
# they were; flip: the same with one byte of each flipped; random: COUNT
# datagrams of random bytes; grep: send nothing, print how many in PCAP
# contain the bytes given in hex as DST. Prints how many it sent.
sync_inject() {
	lab_exec "$1" "$LAB_PY" -c '
import os, socket, sys
mode, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "random":
    dgs = [os.urandom(64 + 37 * i) for i in range(int(src))]
else:
    from scapy.all import rdpcap, UDP
    dgs = [bytes(p[UDP].payload) for p in rdpcap(src)
           if UDP in p and p[UDP].dport == 8372]
    if mode == "grep":
        print(sum(1 for d in dgs if bytes.fromhex(dst) in d))
        sys.exit(0)
    if mode == "flip":
        dgs = [d[:len(d) // 2] + bytes([d[len(d) // 2] ^ 0x40]) +
               d[len(d) // 2 + 1:] for d in dgs]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for d in dgs:
    s.sendto(d, (dst, 8372))
print(len(dgs))
' "$2" "$3" "$4" 2>/dev/null
}

# --- sync link faults (tests/integ/sync-fault-*.sh) ----------------------

# sync_ct_room N: room for N states in each namespace. nf_conntrack_max
# is global (set in the initial namespace, read-only in the others);
# raise it, never lower it.
sync_ct_room() {
	local max
	max=$(sysctl -n net.netfilter.nf_conntrack_max 2>/dev/null) || return 0
	[ "$max" -ge "$1" ] ||
		sysctl -qw net.netfilter.nf_conntrack_max="$1" ||
		lab_fail "cannot raise nf_conntrack_max to $1"
}

# sync_fault_pair [line...]: a sends, b receives. b runs carpd with carp1
# held down (BACKUP, so not master) and its syncd holds its demotion on
# it while out of sync (bulk-demote 32, link-demote 1). Both syncds in
# sync before it returns, b's demotion 0.
sync_fault_pair() {
	sync_pair
	sync_conf a sync0 203.0.113.2 "bulk-timeout 10s" "$@"
	sync_fault_b sync0 203.0.113.1 "bulk-timeout 10s" "$@"
}

# sync_fault_b DEV PEER [line...]: the rest of sync_fault_pair, for any
# sync links (a's config written already): b's lan and config (sync_conf
# DEV PEER line..., bulk-demote 32, link-demote 1, carp1 on lan0), carpd
# with carp1 held down, both syncds in sync, b's demotion 0.
sync_fault_b() {
	local dev=$1 peer=$2
	shift 2
	lab_bridge lan
	lab_port b lan0 lan
	lab_addr b lan0 192.0.2.2/24
	SYNC_GLOBAL="state-file \"$LAB_DIR/b.state\"
$(carp_block carp1 1 lan0 100 lab-secret "address 192.0.2.254/24")"
	sync_conf b "$dev" "$peer" "$@" "bulk-demote 32" "link-demote 1"
	SYNC_GLOBAL=
	carpd_start b "$LAB_DIR/b-sync.conf"
	carpctl b down carp1 >/dev/null || lab_fail "carpctl down on b"
	wait_for 5 "carp_is b carp1 BACKUP" || lab_fail "carp1 on b not BACKUP"
	syncd_start a
	syncd_start b
	wait_for 15 "sync_in_sync a && sync_in_sync b && sync_peer_alive a" ||
		sync_fail "a and b never got in sync" a b
	wait_for 5 "[ \"\$(sync_demote b)\" = 0 ]" ||
		sync_fail "b in sync but demoted $(sync_demote b)" a b
}

# sync_demote NODE: the demote counter of NODE's carpd group "carp"
# (what syncd holds on it), from the text output (no JSON parsing: the
# sampler calls it often).
sync_demote() {
	carpctl "$1" groups 2>/dev/null | awk '$1 == "carp" { print $2 }'
}

# sync_sampler_start NODE SECONDS: in the background, every 100 ms
# (SECONDS at most), append "MS DEMOTE" to $LAB_DIR/NODE.demote, MS the
# wall clock in milliseconds. Stopped by sync_sampler_stop or cleanup.
sync_sampler_start() {
	local n=$1 end=$(( $(date +%s) + $2 )) i=$(( $2 * 10 ))
	: >"$LAB_DIR/$n.demote"
	(
		while [ "$i" -gt 0 ] && [ "$(date +%s)" -lt "$end" ]; do
			echo "$(( $(date +%s%N) / 1000000 )) $(sync_demote "$n")"
			i=$((i - 1))
			sleep 0.1
		done >>"$LAB_DIR/$n.demote"
	) &
	SAMPLER_PID=$!
	echo "$SAMPLER_PID - $LAB_DIR/$n.demote" >>"$LAB_DIR/pids"
}

sync_sampler_stop() { lab_kill "$SAMPLER_PID" >/dev/null 2>&1; :; }

sync_now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# sync_held NODE FROM TO: every sample of NODE's demotion taken between
# FROM and TO (ms, as sync_now_ms) was above 0, and there was at least
# one. Prints the number of samples.
sync_held() {
	awk -v from="$2" -v to="$3" '
	    $1 >= from && $1 <= to { n++; if ($2 == "" || $2 + 0 < 1) bad++ }
	    END { print n + 0; exit (n == 0 || bad > 0) }' "$LAB_DIR/$1.demote"
}

# sync_same A B: A's and B's tables are equal, state for state (tuples,
# NAT, protocol state, status, mark; not the timeouts). The listings
# stay in $LAB_DIR/A.ct and B.ct.
sync_same() {
	ct_list "$1" >"$LAB_DIR/$1.ct"
	ct_list "$2" >"$LAB_DIR/$2.ct"
	cmp -s "$LAB_DIR/$1.ct" "$LAB_DIR/$2.ct"
}

# sync_converge A B N SECONDS [T0 [PROTO]]: poll (SECONDS at most) until
# B holds N ctgen states (of PROTO, default tcp), then until the tables
# are equal. Sets CONVERGE_MS, from T0 (ms, as sync_now_ms; default
# now) until B's kernel first held the N states (a listing of 100,000
# states takes seconds: the comparison that follows is not timed); on
# failure reports how many of A's states B lacks.
sync_converge() {
	local t0=${5:-$(sync_now_ms)} missing out at
	out=$(ct_wait "$2" "$3" "$4" "${6:-tcp}") ||
		sync_fail "$2 has $(ct_count "$2" "${6:-tcp}") of $3 states" \
		    "after $4 s" "$1" "$2"
	# from when the kernel's count first reached N (ctgen looks every
	# 2 ms), not from when the confirming dump returned: on a busy
	# machine that came up to a second later, past b's own "in sync"
	at=$(echo "$out" |
	    sed -n 's/.* present at \([0-9]*\)\.\([0-9]\{3\}\).*/\1\2/p')
	CONVERGE_MS=$(( ${at:-$(sync_now_ms)} - t0 ))
	wait_for "$4" "sync_same $1 $2" || {
		missing=$(comm -23 "$LAB_DIR/$1.ct" "$LAB_DIR/$2.ct" | wc -l)
		comm -3 "$LAB_DIR/$1.ct" "$LAB_DIR/$2.ct" | head -n 5
		sync_fail "tables differ: $2 lacks $missing of $1's states" \
		    "$1" "$2"
	}
}

# sync_fault_check A B N T_FAULT T_RECOVERY: after a fault on the pair
# of sync_fault_pair (A sends N ctgen states, B receives): B converges to
# A's table (SYNC_BOUND seconds at most, default 20; the issue's target
# is 5 s after recovery, logged), B held its demotion from the time the
# fault was detectable (T_FAULT + 5 s: a silent peer is dead after
# 3.5 s) until it held every state, and releases it afterwards.
sync_fault_check() {
	local a=$1 b=$2 n=$3 tf=$4 tr=$5 samples
	sync_converge "$a" "$b" "$n" "${SYNC_BOUND:-20}" "$tr"
	lab_log "$b converged $CONVERGE_MS ms after recovery (target 5000)"
	samples=$(sync_held "$b" $((tf + 5000)) $((tr + CONVERGE_MS - 500))) ||
		sync_fail "$b's demotion was not held while out of sync:
$(awk '{ print $1 - '"$tf"', $2 }' "$LAB_DIR/$b.demote" | tr '\n' ' ')" \
		    "$a" "$b"
	lab_log "$b held its demotion in all $samples samples while out of sync"
	wait_for 5 "[ \"\$(sync_demote $b)\" = 0 ]" ||
		sync_fail "$b in sync but still demoted $(sync_demote "$b")" \
		    "$a" "$b"
	sync_sampler_stop
}

# sync_fault_outage WHAT CUT RESTORE: on the pair of sync_fault_pair, a
# tenth of a 100,000-state (SYNC_STATES) load on a, then CUT (eval'ed),
# the whole load, 10 s, RESTORE; then sync_fault_check from the cut and
# the restore. WHAT names the fault in the log.
sync_fault_outage() {
	local n=${SYNC_STATES:-100000} tf tr
	sync_sampler_start b 55
	ctgen a -n $((n / 10)) >/dev/null || lab_fail "ctgen on a"
	tf=$(sync_now_ms)
	eval "$2" || lab_fail "$1: cannot cut"
	lab_log "$1 from now, $((n / 10)) states sent, $n more on a"
	ctgen a -n $n >/dev/null || lab_fail "ctgen on a"
	sleep 10
	eval "$3" || lab_fail "$1: cannot restore"
	tr=$(sync_now_ms)
	lab_log "$1 over after $((tr - tf)) ms; b has $(ct_count b) states"
	sync_fault_check a b $n "$tf" "$tr"
	sync_dump_stats a b
	syncd_stop a || lab_fail "syncd on a exited $?"
	syncd_stop b || lab_fail "syncd on b exited $?"
}
