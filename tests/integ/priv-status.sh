#!/bin/sh
# carpd and syncd give up what they do not need once they are set up:
# only CAP_NET_ADMIN and CAP_NET_RAW are left (effective, permitted and
# bounding; nothing inheritable or ambient), no_new_privs is set and a
# seccomp filter is installed (Seccomp: 2). carpd's script runner keeps
# the same two capabilities and no_new_privs but has no filter (scripts
# are arbitrary programs), and its scripts get exactly that. And they
# still work: carp becomes MASTER, an up-script runs, a reload adds a
# carp, a state replicates, both stop cleanly and the kernel logged no
# system call they were denied.
# Then again with "user nobody": both daemons run as nobody with the same
# two capabilities (nothing ambient; the runner stays root), and the
# election, syncd's connection to carpd, replication, carpctl and an
# up-script that needs CAP_NET_ADMIN still work.
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab ip
integ_lan a b
lab_link a sync0 b sync0
lab_addr a sync0 203.0.113.1/24
lab_addr b sync0 203.0.113.2/24
INTEG_VIPS="eth0:192.0.2.254"
# CAP_NET_ADMIN (12) and CAP_NET_RAW (13)
CAPS=0000000000003000

# priv_denials: seccomp denials of the daemons or the up-script's
# commands that the kernel logged since the start (the filter logs them;
# type=1326 is a seccomp audit record)
seccomp_mark
priv_denials() {
	seccomp_denials \
	    "([^\"]*/(dash|grep|tr|date|ip)|$(realpath "$LAB_BUILD")/(carpd|syncd))"
}

# priv_check NAME PID [SECCOMP]: PID's status shows the drop (Seccomp:
# 2, a filter, unless told); print its lines
priv_check() {
	local st
	st=$(grep -E '^(Cap|NoNewPrivs|Seccomp)' "/proc/$2/status") ||
		lab_fail "$1: no status for pid $2"
	echo "$st" | sed "s/^/	$1 /"
	for kv in CapEff:$CAPS CapPrm:$CAPS CapBnd:$CAPS \
	    CapInh:0000000000000000 CapAmb:0000000000000000 NoNewPrivs:1 \
	    Seccomp:${3:-2}; do
		echo "$st" | grep -qx "${kv%%:*}:[[:space:]]*${kv#*:}" ||
			lab_fail "$1: want ${kv%%:*} ${kv#*:}, got" \
			    "$(echo "$st" | grep "^${kv%%:*}:")"
	done
}

# the up-script does what scripts usually do: run ip, write a file,
# and it reports the privileges it inherited
cat >"$LAB_DIR/up.sh" <<EOF
#!/bin/sh
echo "up \$*"
grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status | tr '\t' ' '
ip -4 addr show dev "\$1" | grep -q "\$2" && echo "ip sees \$2"
printf '%s %s\n' "\$(date +%s)" "\$*" >>"$LAB_DIR/up.out"
EOF
chmod 755 "$LAB_DIR/up.sh"

for h in a b; do
	case $h in a) skew=0 peer=2;; b) skew=100 peer=1;; esac
	carp_block carp1 1 eth0 $skew lab-secret "address 192.0.2.254/24" \
	    "up-script \"$LAB_DIR/up.sh\"" | carpd_conf $h
	carpd_start $h
	sync_conf $h sync0 203.0.113.$peer "bulk-timeout 5s"
	syncd_start $h
done
wait_for 15 'sole_master carp1 eth0 192.0.2.254 a a b' ||
	lab_fail "a is not the sole master of carp1"
wait_for 15 "sync_in_sync a && sync_in_sync b && sync_peer_alive a" ||
	sync_fail "a and b never got in sync" a b
lab_log "a MASTER, syncds in sync"

for h in a b; do
	priv_check "carpd-$h" "$(carpd_pid $h)"
	priv_check "syncd-$h" "$(syncd_pid $h)"
	runner=$(pgrep -P "$(carpd_pid $h)" -x carpd-scripts) ||
		lab_fail "carpd on $h has no script runner"
	priv_check "carpd-scripts-$h" "$runner" 0
done

# the up-script ran with the runner's privileges and did its work
wait_for 5 "[ -s '$LAB_DIR/up.out' ]" || lab_fail "the up-script left no trace"
grep -q "ip sees 192.0.2.254" "$LAB_DIR/carpd-a.log" ||
	lab_fail "the up-script's ip command failed"
for kv in "CapEff: $CAPS" "NoNewPrivs: 1" "Seccomp: 0"; do
	grep -q "up-script 192.0.2.254: $kv" "$LAB_DIR/carpd-a.log" ||
		lab_fail "the up-script did not run with $kv"
done
grep 'up-script' "$LAB_DIR/carpd-a.log" | sed 's/^/	/'

# a reload that adds a carp: new sockets and an address under the
# filter; a strict one, so the reload also sets up the state file
carp_block carp2 2 eth0 0 lab-secret-of-16-bytes "address 192.0.2.253/24" \
    "auth strict" >>"$LAB_DIR/a.conf"
kill -HUP "$(carpd_pid a)"
wait_for 10 'carp_is a carp2 MASTER && lab_has_addr a eth0 192.0.2.253' ||
	lab_fail "the reload did not bring carp2 up"
lab_log "reload added carp2 after ${WAIT_MS} ms"
[ -s "$LAB_DIR/a.state" ] || lab_fail "no strict-mode state file after the reload"

# a state created on a reaches b
CT="-p tcp -s 192.0.2.50 -d 198.51.100.10 --sport 40000 --dport 80"
lab_exec a conntrack -I $CT --state ESTABLISHED -t 3600 \
    -u ASSURED,SEEN_REPLY >/dev/null 2>&1 || lab_fail "conntrack -I on a"
wait_for 10 "ct_present b $CT" || sync_fail "b did not get the state" a b
lab_log "the state replicated after ${WAIT_MS} ms"

# carpd first: it shuts the connections syncd holds to it as it stops
INTEG_VIPS="$INTEG_VIPS eth0:192.0.2.253"
integ_stop a b
for h in a b; do
	syncd_stop $h || lab_fail "syncd on $h exited $?"
done

# --- again as nobody ---------------------------------------------------
# nobody must reach the sockets and the script in the lab directory
chmod 711 "$LAB_DIR"
NOBODY=$(id -u nobody) || lab_fail "no user nobody"

# priv_check_user NAME PID AMBIENT: PID runs as nobody, with the drop
priv_check_user() {
	local st
	st=$(grep -E '^(Uid|Cap|NoNewPrivs|Seccomp)' "/proc/$2/status") ||
		lab_fail "$1: no status for pid $2"
	echo "$st" | sed "s/^/	$1 /"
	echo "$st" | grep -qE "^Uid:([[:space:]]+$NOBODY){4}\$" ||
		lab_fail "$1: not running as nobody: $(echo "$st" | grep ^Uid)"
	for kv in CapEff:$CAPS CapPrm:$CAPS CapBnd:$CAPS CapAmb:$3 \
	    NoNewPrivs:1 Seccomp:2; do
		echo "$st" | grep -qx "${kv%%:*}:[[:space:]]*${kv#*:}" ||
			lab_fail "$1: want ${kv%%:*} ${kv#*:}, got" \
			    "$(echo "$st" | grep "^${kv%%:*}:")"
	done
}

# an up-script that needs CAP_NET_ADMIN: it names the carpdev
cat >"$LAB_DIR/up-user.sh" <<EOF
#!/bin/sh
grep -E '^(Uid|CapEff):' /proc/self/status | tr '\t' ' '
ip link set dev "\$1" alias "carp-up-\$2"
EOF
chmod 755 "$LAB_DIR/up-user.sh"

for h in a b; do
	case $h in a) skew=0 peer=2;; b) skew=100 peer=1;; esac
	{ echo "user nobody"
	  carp_block carp1 1 eth0 $skew lab-secret "address 192.0.2.254/24" \
	    "up-script \"$LAB_DIR/up-user.sh\""; } | carpd_conf $h
	carpd_start $h
	SYNC_GLOBAL="user nobody" sync_conf $h sync0 203.0.113.$peer \
	    "bulk-timeout 5s"
	syncd_start $h
done
wait_for 15 'sole_master carp1 eth0 192.0.2.254 a a b' ||
	lab_fail "as nobody, a is not the sole master of carp1"
wait_for 15 "sync_in_sync a && sync_in_sync b && sync_peer_alive a" ||
	sync_fail "as nobody, a and b never got in sync" a b
for h in a b; do
	priv_check_user "carpd-$h" "$(carpd_pid $h)" 0000000000000000
	priv_check_user "syncd-$h" "$(syncd_pid $h)" 0000000000000000
	# the runner was forked before the drop: root, two caps, no filter
	runner=$(pgrep -P "$(carpd_pid $h)" -x carpd-scripts) ||
		lab_fail "carpd on $h (nobody) has no script runner"
	priv_check "carpd-scripts-$h" "$runner" 0
done
carpctl a status >/dev/null || lab_fail "carpctl status fails as nobody"
wait_for 5 "lab_exec a ip link show dev eth0 | grep -q 'alias carp-up-192.0.2.254'" ||
	lab_fail "the up-script could not use CAP_NET_ADMIN as nobody"
# syncd first connected to carpd as root; after a restart of carpd it
# reconnects as nobody, to the socket carpd gave to nobody
conns() { grep -c "control: connected to" "$LAB_DIR/syncd-a.log"; }
n0=$(conns)
carpd_stop a || lab_fail "carpd on a (nobody) exited $?"
carpd_start a
wait_for 10 '[ "$(conns)" -gt "$n0" ]' ||
	lab_fail "syncd (nobody) did not reconnect to carpd (nobody)"
lab_log "syncd reconnected to the restarted carpd as nobody"
CT="-p tcp -s 192.0.2.51 -d 198.51.100.10 --sport 40001 --dport 80"
lab_exec a conntrack -I $CT --state ESTABLISHED -t 3600 \
    -u ASSURED,SEEN_REPLY >/dev/null 2>&1 || lab_fail "conntrack -I on a"
wait_for 10 "ct_present b $CT" ||
	sync_fail "as nobody, b did not get the state" a b
lab_log "as nobody: MASTER, in sync, state replicated, script ran"
INTEG_VIPS="eth0:192.0.2.254"
integ_stop a b
for h in a b; do
	syncd_stop $h || lab_fail "syncd on $h (nobody) exited $?"
done
d=$(priv_denials)
[ -z "$d" ] || lab_fail "system calls denied: $d"
lab_log "pass"
