#!/bin/sh
# Hostile input at a receiver's sync port (issue 8, "Hostile input: Sync").
# A real pair a <-> b; from a's address (a compromised or spoofing node on
# the link: syncd accepts datagrams from the syncpeer's address only) b
# gets garbage, short datagrams, genuine datagrams with a wrong tag or
# none, datagrams sealed with another key, sealed truncated protobuf,
# sealed datagrams of unknown fields only, a's datagrams replayed, a's
# live session with sequence numbers far ahead (sealed with the real key:
# a compromised peer), and sealed states with absurd values (zero tuple,
# unknown protocol, reply tuple of the other family, absurd timeouts...);
# and from another address on the link, genuine datagrams (not the peer).
# Every one is dropped and counted by reason, b's kernel table is
# unchanged (conntrack -L before and after), and the real session goes on:
# a state made on a after the barrage reaches b, b's peer stays alive.
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab tcpdump
FORGE=$INTEG_LIB/sync_forge.py
N=${HOSTILE_N:-200}
sync_pair_up
ctgen a -n 100 >/dev/null || lab_fail "ctgen on a"
ct_wait b 100 20 >/dev/null || sync_fail "b did not get the states" a b

# a's genuine datagrams to b, for their sessions and for replaying
PCAP=$LAB_DIR/sync.pcap
sync_capture_start b "$PCAP"
for p in 33301 33302 33303 33304 33305; do
	lab_exec a conntrack -I -p tcp -s 192.0.2.253 -d 198.51.100.97 \
	    --sport $p --dport 443 --state ESTABLISHED -t 3600 \
	    -u ASSURED,SEEN_REPLY >/dev/null 2>&1 || lab_fail "conntrack -I on a"
	sleep 0.3	# one datagram each
done
wait_for 5 "ct_present b -p tcp -s 192.0.2.253 --sport 33305" ||
	sync_fail "b did not get the states made during the capture" a b
sleep 2		# heartbeats too
sync_capture_stop b "$PCAP"
sleep 1		# let the pair settle: nothing in flight while we compare

ct_list b >"$LAB_DIR/b.before"
ST="auth_failures malformed invalid replays stale seq_jumps foreign \
states_applied deletes_applied"
for k in $ST; do eval "before_$k=\$(sync_stat b $k)"; done
# delta KEY: how much KEY grew on b since the barrage started
delta() { echo $(( $(sync_stat b "$1") - $(eval echo "\$before_$1") )); }

# forge KIND,... [N]: send from a's sync address; the number sent of each
forge() {
	lab_exec a "$LAB_PY" "$FORGE" "$1" "$LAB_DIR/sync.key" "$PCAP" \
	    203.0.113.2 "${2:-$N}" || lab_fail "sync_forge.py $1"
}
# one process (scapy loads slowly): the counts in the order asked
set -- $(forge \
    garbage,short,unsealed,wrongkey,truncated,unknown,unknownhdr,replay,absurd)
[ $# = 9 ] || lab_fail "sync_forge.py sent $*"
sent_auth=$(($1 + $2 + $3 + $4)) sent_mal=$(($5 + $6)) sent_stale=$7
sent_replay=$8 sent_absurd=$9
sent_jump=$(forge jump 50)
# genuine datagrams, from an address on the link that is not the peer's
lab_addr a sync0 203.0.113.9/24
sent_foreign=$(lab_exec a "$LAB_PY" -c '
import socket, sys
sys.path.insert(0, sys.argv[1])
from sync_forge import captured
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.9", 0))
d = captured(sys.argv[2])
for x in d:
    s.sendto(x, ("203.0.113.2", 8372))
print(len(d))
' "$INTEG_LIB" "$PCAP") || lab_fail "foreign sender"
total=$((sent_auth + sent_mal + sent_stale + sent_replay + sent_jump + \
    sent_absurd + sent_foreign))
lab_log "sent $total: $sent_auth unauthenticated, $sent_mal malformed," \
    "$sent_stale of another node not acking b, $sent_replay replayed," \
    "$sent_jump far ahead, $sent_absurd absurd, $sent_foreign foreign"

counted() {
	[ "$(delta auth_failures)" -ge "$sent_auth" ] &&
	[ "$(delta malformed)" -ge "$sent_mal" ] &&
	[ "$(delta invalid)" -ge "$sent_absurd" ] &&
	[ $(( $(delta replays) + $(delta stale) )) -ge \
	    $((sent_replay + sent_stale)) ] &&
	[ "$(delta seq_jumps)" -ge "$sent_jump" ] &&
	[ "$(delta foreign)" -ge "$sent_foreign" ]
}
wait_for 10 counted || sync_fail "not every datagram counted: auth \
$(delta auth_failures)/$sent_auth malformed $(delta malformed)/$sent_mal \
invalid $(delta invalid)/$sent_absurd replays+stale \
$(( $(delta replays) + $(delta stale) ))/$((sent_replay + sent_stale)) seq_jumps \
$(delta seq_jumps)/$sent_jump foreign $(delta foreign)/$sent_foreign" a b
lab_log "counted: auth_failures +$(delta auth_failures)" \
    "malformed +$(delta malformed) invalid +$(delta invalid)" \
    "replays +$(delta replays) stale +$(delta stale)" \
    "seq_jumps +$(delta seq_jumps) foreign +$(delta foreign)"

# nothing reached the kernel
[ "$(delta states_applied)" = 0 ] && [ "$(delta deletes_applied)" = 0 ] ||
	sync_fail "b applied $(delta states_applied) states and \
$(delta deletes_applied) deletes from the barrage" a b
ct_list b >"$LAB_DIR/b.after"
cmp -s "$LAB_DIR/b.before" "$LAB_DIR/b.after" || {
	diff "$LAB_DIR/b.before" "$LAB_DIR/b.after" | head
	sync_fail "b's conntrack table changed" a b; }
ct_absent b -p tcp -s 192.0.2.77 -d 198.51.100.77 || sync_fail "a forged state is on b" a b
syncd_alive b || lab_fail "syncd on b died"

# the real session is unaffected
X="-p tcp -s 192.0.2.252 -d 198.51.100.98 --sport 33334 --dport 443"
lab_exec a conntrack -I $X --state ESTABLISHED -t 3600 \
    -u ASSURED,SEEN_REPLY >/dev/null 2>&1 || lab_fail "conntrack -I on a"
wait_for 5 "ct_present b $X" ||
	sync_fail "a state made after the barrage did not reach b" a b
lab_exec a conntrack -D $X >/dev/null 2>&1 || lab_fail "delete X on a"
wait_for 5 "ct_absent b $X" || sync_fail "X's delete did not reach b" a b
sync_peer_alive b && sync_in_sync b && sync_peer_alive a ||
	sync_fail "the pair lost each other" a b
[ "$(grep -c 'peer node .* restarted' "$LAB_DIR/syncd-b.log")" = 0 ] ||
	sync_fail "b took a forged datagram for a restart of a" a b
lab_log "the real session still replicates ($total hostile datagrams)"
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
lab_log "pass"
