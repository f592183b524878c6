#!/bin/sh
# Sync link loss during a load: nftables drops SYNC_LOSS percent (default
# 30; also run with 5) of the sync datagrams in each direction (numgen
# random) while 100,000 states are created on a. Once the load ends b
# must hold every state of a, tuple for tuple, within 5 s, with the loss
# still there; and b, out of sync meanwhile, holds its demotion on carpd.
. "$(dirname "$0")/lib/sync.sh"
LOSS=${SYNC_LOSS:-30}
N=${SYNC_STATES:-100000}
sync_start_lab nft
sync_ct_room $((3 * N))
sync_fault_pair
for h in a b; do
	lab_exec $h nft -f - <<NFT || lab_fail "nft on $h"
table inet synclab {
	chain out {
		type filter hook output priority 0; policy accept;
		udp dport 8372 numgen random mod 100 < $LOSS counter drop
	}
}
NFT
done
sync_sampler_start b 50
lab_log "$LOSS% loss on the sync link, $N states on a"
t0=$(sync_now_ms)
ctgen a -n $N >/dev/null || lab_fail "ctgen on a"
t1=$(sync_now_ms)
lab_log "load done in $((t1 - t0)) ms; b has $(ct_count b) states"
sync_converge a b $N 30 "$t1"
lab_log "b converged $CONVERGE_MS ms after the load ended ($LOSS% loss)"
sync_sampler_stop
dropped() {
	lab_exec "$1" nft list chain inet synclab out |
	    sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}
lab_log "dropped: a->b $(dropped a), b->a $(dropped b) datagrams; a" \
    "retransmitted $(sync_stat a retransmits)"
sync_dump_stats a b
cat "$LAB_DIR/b.demote" | awk '{print $2}' | uniq -c | tr '\n' ' '; echo
[ "$CONVERGE_MS" -le 5000 ] ||
	lab_fail "b converged $CONVERGE_MS ms after the load, not within 5 s"
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
lab_log "pass"
