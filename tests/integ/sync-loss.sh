#!/bin/sh
# With nftables dropping 5% of the sync datagrams in each direction
# (numgen random), 20,000 states created on a all reach b, and a's
# retransmit counter shows loss happened and was repaired.
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab nft
sync_pair
for h in a b; do
	lab_exec $h nft -f - <<NFT || lab_fail "nft on $h"
table inet synclab {
	chain out {
		type filter hook output priority 0; policy accept;
		udp dport 8372 numgen random mod 100 < 5 counter drop
	}
}
NFT
done
sync_conf a sync0 203.0.113.2 "bulk-timeout 5s"
sync_conf b sync0 203.0.113.1 "bulk-timeout 5s"
syncd_start a
syncd_start b
wait_for 20 "sync_in_sync a && sync_in_sync b" ||
	sync_fail "a and b never got in sync" a b

N=20000
ctgen a -n $N || lab_fail "ctgen on a"
ct_wait b $N 45 || sync_fail "not every state reached b through the loss" a b
lab_log "all $N states on b"
dropped() {
	lab_exec "$1" nft list chain inet synclab out |
	    sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}
da=$(dropped a); db=$(dropped b)
lab_log "dropped: a->b $da, b->a $db datagrams"
[ "$da" -gt 0 ] || lab_fail "no datagram from a was dropped"
rt=$(sync_stat a retransmits)
[ "$rt" -gt 0 ] || sync_fail "a lost $da datagrams but retransmitted none" a b
lab_log "a retransmitted $rt"
# the repaired stream has no hole: the tables are equal
ct_list a >"$LAB_DIR/a.ct"
ct_list b >"$LAB_DIR/b.ct"
cmp -s "$LAB_DIR/a.ct" "$LAB_DIR/b.ct" || {
	diff "$LAB_DIR/a.ct" "$LAB_DIR/b.ct" | head
	sync_fail "tables differ" a b
}
# deletes through the same loss
ctgen a -n $N -d >/dev/null || lab_fail "delete on a"
wait_for 30 "ct_has_n b 0" ||
	sync_fail "b still has $(ct_count b) states after the deletes" a b
[ "$(sync_stat b auth_failures)" = 0 ] || lab_fail "auth failures on b"
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
lab_log "pass"
