#!/bin/sh
# Two sync cables between a and b (sync0 203.0.113.0/25, sync1
# 203.0.113.128/25: syncd never replicates flows of its links' networks,
# and ctgen's states are in 192.0.2.0/24 and 198.51.100.0/24; syncdev
# and syncpeer given twice). During a load of
# states on a, three faults on the link in use:
#  1. sync0 pulled (no carrier): the datagrams move to sync1;
#  2. sync0 back (the datagrams return to it after the failback time),
#     then nft silently drops all sync traffic on it (carrier stays up):
#     they move to sync1 again;
#  3. sync0 back, the tcp states deleted (b follows), then only a's
#     datagrams on sync0 dropped: a still hears b there but leaves it
#     on b's word that b no longer hears a (one-way loss).
# Each time b gets every state (count exact), neither side resyncs, b's
# syncd never demotes carpd (link-demote only when no link has carrier),
# `carpctl sync status` shows the faulty link down, link_switches > 0.
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab nft
sync_ct_room 100000
N=${SYNC_STATES:-8000}
RATE=${SYNC_RATE:-2000}

lab_ns a
lab_ns b
lab_link a sync0 b sync0
lab_link a sync1 b sync1
lab_addr a sync0 203.0.113.1/25
lab_addr b sync0 203.0.113.2/25
lab_addr a sync1 203.0.113.129/25
lab_addr b sync1 203.0.113.130/25
sync_conf a sync0 203.0.113.2 "bulk-timeout 10s" \
    "syncdev sync1" "syncpeer 203.0.113.130"
sync_fault_b sync0 203.0.113.1 "bulk-timeout 10s" \
    "syncdev sync1" "syncpeer 203.0.113.129"

# link NODE DEV FIELD: FIELD of DEV's entry in NODE's link table (JSON;
# protobuf leaves false and 0 out: printed as false and 0).
link() {
	syncctl "$1" -j sync status | "$LAB_PY" -c '
import json, sys
for l in json.load(sys.stdin).get("links", []):
    if l.get("syncdev") == sys.argv[1]:
        v = l.get(sys.argv[2], 0)
        print(str(v).lower() if isinstance(v, bool) else v)
' "$2" "$3"
}
link_is() { [ "$(link "$1" "$2" "$3")" = "$4" ]; }
[ "$(syncctl a -j sync status | "$LAB_PY" -c \
    'import json, sys; print(len(json.load(sys.stdin).get("links", [])))')" \
    = 2 ] || sync_fail "a does not show two links" a
wait_for 5 "link_is a sync0 active true && link_is a sync1 up true" ||
	sync_fail "a: sync0 not in use or sync1 not up" a b
rs_a=$(sync_stat a resyncs); rs_b=$(sync_stat b resyncs)
sync_sampler_start b 90

# load PROTO: N states of PROTO created on a at RATE a second, in the
# background (ctgen's time bound 60 s); load_wait waits for its end.
load() {
	lab_bg a "$LAB_DIR/ctgen-$1.log" "$CTGEN" -p "$1" -r "$RATE" -n "$N" \
	    -T 60
	LOAD=$LAB_PID
	wait_for 10 "[ \$(ct_count a $1) -ge $((N / 5)) ]" ||
		lab_fail "load of $1 states did not start on a"
}
load_wait() {
	wait_for 70 "! lab_alive $LOAD" || lab_fail "ctgen on a did not end"
	wait "$LOAD" || lab_fail "ctgen on a failed: $(cat "$LAB_DIR"/ctgen-*.log)"
}
# converged PROTO: b holds exactly a's N states of PROTO
converged() {
	ct_wait b "$N" 30 "$1" >/dev/null ||
		sync_fail "b has $(ct_count b "$1") of a's $N $1 states" a b
	[ "$(ct_count b "$1")" = "$N" ] ||
		sync_fail "b has $(ct_count b "$1") $1 states, not $N" a b
}

# drop_sync0 TABLE in|out...: nft table TABLE on a drops syncd's
# datagrams on sync0 in the hooks given (the carrier stays up)
drop_sync0() {
	local t=$1 c h m
	shift
	{
		echo "table inet $t {"
		for c in "$@"; do
			case $c in
			in)	h=input m=iifname;;
			*)	h=output m=oifname;;
			esac
			printf '\tchain %s {\n\t\ttype filter hook %s priority 0; policy accept;\n\t\t%s "sync0" udp dport 8372 counter drop\n\t}\n' "$c" "$h" "$m"
		done
		echo "}"
	} | lab_exec a nft -f - || lab_fail "nft on a"
}

# --- 1. the first cable pulled during the load
load tcp
lab_exec a ip link set sync0 down || lab_fail "cannot pull sync0"
lab_log "sync0 pulled, $(ct_count a tcp) states on a so far"
wait_for 10 "link_is a sync1 active true && link_is b sync1 active true" ||
	sync_fail "the datagrams did not move to sync1" a b
link_is b sync0 up false && link_is b sync0 carrier false ||
	sync_fail "b does not show sync0 down without carrier" a b
syncctl b sync status | sed 's/^/    /'
load_wait
converged tcp
lab_log "1. all $N tcp states on b with sync0 pulled"
[ "$(sync_stat a link_switches)" -gt 0 ] ||
	sync_fail "a counted no link switch" a b

# --- 2. sync0 back; then everything on it dropped, carrier up
lab_exec a ip link set sync0 up || lab_fail "cannot restore sync0"
wait_for 15 "link_is a sync0 active true && link_is b sync0 active true" ||
	sync_fail "the datagrams did not go back to sync0" a b
sw=$(sync_stat a link_switches)
load udp
drop_sync0 twolinks in out
lab_log "sync0 silenced by nft, $(ct_count a udp) udp states on a so far"
wait_for 10 "link_is a sync1 active true && link_is b sync1 active true" ||
	sync_fail "the datagrams did not leave the silent sync0" a b
link_is b sync0 up false && link_is b sync0 carrier true ||
	sync_fail "b does not show sync0 down with carrier" a b
syncctl b sync status | sed 's/^/    /'
load_wait
converged udp
converged tcp
lab_log "2. all $N udp states on b with sync0 silent"
[ "$(sync_stat a link_switches)" -gt "$sw" ] ||
	sync_fail "a counted no switch off the silent link" a b
dropped=$(lab_exec a nft list table inet twolinks |
    sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
[ "$dropped" -gt 0 ] || lab_fail "nft dropped nothing on sync0"
lab_log "nft dropped $dropped datagrams on sync0"

# --- 3. sync0 back; then only a's datagrams on it lost (one way: a
# still hears b there, and leaves it on b's word, link_health.c)
lab_exec a nft delete table inet twolinks || lab_fail "nft on a"
wait_for 15 "link_is a sync0 active true && link_is b sync0 active true" ||
	sync_fail "the datagrams did not go back to sync0 after nft" a b
lab_exec a "$CTGEN" -p tcp -n "$N" -d >/dev/null || lab_fail "ctgen -d on a"
wait_for 30 "[ \$(ct_count b tcp) = 0 ]" ||
	sync_fail "b kept $(ct_count b tcp) of the deleted tcp states" a b
sw=$(sync_stat a link_switches)
load tcp
drop_sync0 oneway out
lab_log "a's datagrams on sync0 dropped, $(ct_count a tcp) tcp states on a so far"
wait_for 10 "link_is a sync1 active true" ||
	sync_fail "a did not leave sync0, which b no longer hears" a b
link_is a sync0 carrier true ||
	sync_fail "a's sync0 lost its carrier: not the one-way case" a b
load_wait
converged tcp
lab_log "3. all $N tcp states on b with sync0 lost one way"
[ "$(sync_stat a link_switches)" -gt "$sw" ] ||
	sync_fail "a counted no switch off the one-way link" a b

# --- neither resync nor demotion through the three faults
sync_sampler_stop
[ "$(sync_stat a resyncs)" = "$rs_a" ] && [ "$(sync_stat b resyncs)" = "$rs_b" ] ||
	sync_fail "a resync happened (a $rs_a -> $(sync_stat a resyncs), b $rs_b -> $(sync_stat b resyncs))" a b
bad=$(awk '$2 != 0' "$LAB_DIR/b.demote" | wc -l)
samples=$(wc -l <"$LAB_DIR/b.demote")
[ "$samples" -gt 0 ] && [ "$bad" = 0 ] ||
	sync_fail "b demoted carpd in $bad of $samples samples" a b
lab_log "b's demotion 0 in all $samples samples"
grep -q 'sync link sync0 is down' "$LAB_DIR/syncd-b.log" ||
	lab_fail "b did not log sync0 down"
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
carpd_stop b || lab_fail "carpd on b exited $?"
lab_log "pass"
