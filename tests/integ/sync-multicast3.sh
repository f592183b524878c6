#!/bin/sh
# Three nodes on one sync bridge in multicast mode (no syncpeer): the
# states each node creates reach both others, and deletes too.
#   a: 1000 TCP states (ctgen), b: 1000 UDP states (ctgen),
#   c: 20 TCP states to 198.51.100.30:9999 (conntrack -I), one SNATed.
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab
lab_bridge sync
i=0
for h in a b c; do
	i=$((i + 1))
	lab_ns $h
	lab_port $h sync0 sync
	lab_addr $h sync0 203.0.113.$i/24
	sync_conf $h sync0 - "bulk-timeout 5s"
done
for h in a b c; do syncd_start $h; done
# each node hears two peers (peer_alive is "at least one")
heard_all() {
	for h in a b c; do
		[ "$(grep -c 'peer node .* heard' "$LAB_DIR/syncd-$h.log")" \
		    -ge 2 ] || return 1
	done
}
wait_for 20 "heard_all && sync_in_sync a && sync_in_sync b && sync_in_sync c" ||
	sync_fail "the three nodes did not all hear each other" a b c

ctgen a -n 1000 >/dev/null || lab_fail "ctgen on a"
ctgen b -p udp -n 1000 >/dev/null || lab_fail "ctgen on b"
for p in $(seq 20000 20019); do
	nat=""
	[ "$p" = 20000 ] && nat="--src-nat 198.51.100.31"
	lab_exec c conntrack -I -p tcp -s 192.0.2.200 -d 198.51.100.30 \
	    --sport $p --dport 9999 --state ESTABLISHED -t 3600 \
	    -u ASSURED,SEEN_REPLY $nat >/dev/null 2>&1 ||
		lab_fail "conntrack -I on c"
done
cstates() {
	lab_exec "$1" conntrack -L -p tcp -d 198.51.100.30 --dport 9999 \
	    2>/dev/null | wc -l
}
converged() {
	for h in a b c; do
		ct_has_n $h 1000 tcp && ct_has_n $h 1000 udp &&
		    [ "$(cstates $h)" = 20 ] || return 1
	done
}
wait_for 30 converged || {
	for h in a b c; do
		lab_log "$h: tcp $(ct_count $h tcp) udp $(ct_count $h udp) c's $(cstates $h)"
	done
	sync_fail "the three tables did not converge" a b c
}
lab_log "converged"
ct_list a >"$LAB_DIR/a.ct"
for h in b c; do
	ct_list $h >"$LAB_DIR/$h.ct"
	cmp -s "$LAB_DIR/a.ct" "$LAB_DIR/$h.ct" || {
		diff "$LAB_DIR/a.ct" "$LAB_DIR/$h.ct" | head
		sync_fail "a's and $h's tables differ" a b c
	}
done
grep -q 'dst=198.51.100.31 sport=9999 dport=20000' "$LAB_DIR/a.ct" ||
	lab_fail "c's SNAT binding did not reach a"

# deletes from each node reach the two others
ctgen a -n 1000 -d >/dev/null
ctgen b -p udp -n 1000 -d >/dev/null
lab_exec c conntrack -D -p tcp -d 198.51.100.30 --dport 9999 >/dev/null 2>&1
empty() {
	for h in a b c; do
		ct_has_n $h 0 tcp && ct_has_n $h 0 udp &&
		    [ "$(cstates $h)" = 0 ] || return 1
	done
}
wait_for 15 empty || {
	for h in a b c; do
		lab_log "$h: tcp $(ct_count $h tcp) udp $(ct_count $h udp) c's $(cstates $h)"
	done
	sync_fail "deletes did not reach every node" a b c
}
sync_dump_stats a b c
for h in a b c; do syncd_stop $h || lab_fail "syncd on $h exited $?"; done
lab_log "pass"
