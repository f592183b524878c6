#!/bin/sh
# Kernel pressure (issue 8, "Faults: Kernel pressure"): 200,000 new
# states in about a second on a, whose syncd reads conntrack events with
# a small buffer (event-buffer 65536). The kernel drops events (ENOBUFS):
# a's syncd counts the overruns, dumps its table and sends it again, and
# at the end b's table holds every one of a's states, equal in
# everything but the timeout (b is polled for up to 30 s after the load).
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab
N=${PRESSURE_N:-200000}
# 200,000 states in each namespace: the limit is global (init ns), each
# namespace counts its own; namespaces cannot change it (read-only)
max=$(sysctl -n net.netfilter.nf_conntrack_max 2>/dev/null || echo 0)
[ "$max" -ge $((N * 2)) ] ||
	sysctl -qw net.netfilter.nf_conntrack_max=$((N * 2)) ||
	lab_fail "cannot raise nf_conntrack_max to $((N * 2))"
sync_pair_up "event-buffer 65536"

t0=$(date +%s%N)
ctgen a -n "$N" >"$LAB_DIR/ctgen.log" 2>&1 ||
	lab_fail "ctgen could not create $N states on a: $(cat "$LAB_DIR/ctgen.log")"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
lab_log "a: $N new states in $ms ms"

wait_for 10 "sync_stat_ge a overruns 1" ||
	sync_fail "a's syncd counted no overrun with a 64 KB event buffer" a b
lab_log "a: $(sync_stat a overruns) overruns, $(sync_stat a resyncs) resyncs"
ct_wait b "$N" 30 >/dev/null ||
	sync_fail "b has $(ct_count b) of a's $N states after 30 s" a b
lab_log "b has all $N states ($((($(date +%s%N) - t0) / 1000000)) ms after the load began)"
# nothing missing, nothing different: the whole tables compared
if ! wait_for 20 "ct_same a b"; then
	diff "$LAB_DIR/a.ct" "$LAB_DIR/b.ct" | head -n 20
	sync_fail "a's and b's tables differ ($(wc -l <"$LAB_DIR/a.ct") vs \
$(wc -l <"$LAB_DIR/b.ct") lines)" a b
fi
[ "$(wc -l <"$LAB_DIR/a.ct")" -ge "$N" ] || lab_fail "only $(wc -l \
<"$LAB_DIR/a.ct") states compared"
[ "$(sync_stat a resyncs)" -ge 1 ] ||
	sync_fail "a did not resync after its overruns" a b
grep -q "event overrun" "$LAB_DIR/syncd-a.log" ||
	lab_fail "a's overrun is not in its log"
sync_peer_alive a && sync_peer_alive b || sync_fail "a peer died" a b
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
lab_log "pass"
