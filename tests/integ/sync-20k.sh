#!/bin/sh
# 20,000 TCP states created on a reach b's kernel table with equal
# tuples, NAT bindings (reply tuple), protocol state, status and mark;
# plus a handful of hand-made states: SNAT, DNAT, port-mapped SNAT, UDP,
# ICMP, IPv6, a marked one. The whole tables are compared after
# normalising timeouts.
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab
sync_pair_up "defer no"

N=20000
ct() { lab_exec a conntrack -I "$@" >/dev/null 2>&1 || lab_fail "conntrack -I $*"; }
ct -p tcp -s 192.0.2.50 -d 198.51.100.10 --sport 40000 --dport 80 \
    --state ESTABLISHED -t 3600 -u ASSURED,SEEN_REPLY \
    --src-nat 198.51.100.77 -m 7
ct -p tcp -s 192.0.2.51 -d 198.51.100.10 --sport 40001 --dport 80 \
    --state ESTABLISHED -t 3600 -u SEEN_REPLY --dst-nat 192.0.2.99:8080
ct -p udp -s 192.0.2.52 -d 198.51.100.11 --sport 5353 --dport 53 -t 600 \
    --src-nat 198.51.100.78:61000
ct -p tcp -s 192.0.2.54 -d 198.51.100.13 --sport 40003 --dport 22 \
    -r 198.51.100.13 -q 198.51.100.79 --reply-port-src 22 \
    --reply-port-dst 50000 --state TIME_WAIT -t 3600 -u ASSURED,SEEN_REPLY
ct -p icmp -s 192.0.2.53 -d 198.51.100.12 --icmp-type 8 --icmp-code 0 \
    --icmp-id 77 -t 600
ct -p tcp -s 2001:db8:1::5 -d 2001:db8:2::6 --sport 40002 --dport 443 \
    --state ESTABLISHED -t 3600 -u ASSURED,SEEN_REPLY -m 0x2a
ct -p udp -s 2001:db8:1::5 -d 2001:db8:2::6 --sport 40002 --dport 53 \
    -t 600 -u ASSURED,SEEN_REPLY
ctgen a -n $N || lab_fail "ctgen could not create $N states on a"

ct_wait b $N 40 || sync_fail "b did not get all $N states" a b
lab_log "b has all $N ctgen states (${WAIT_MS} ms of polling)"

# every state of a (ctgen's and the hand-made ones) is on b, equal in
# everything but the timeout; nothing else is on b
if ! wait_for 20 "ct_same a b"; then
	diff "$LAB_DIR/a.ct" "$LAB_DIR/b.ct" | head -n 20
	sync_fail "a's and b's tables differ ($(wc -l <"$LAB_DIR/a.ct") vs \
$(wc -l <"$LAB_DIR/b.ct") lines)" a b
fi
lines=$(wc -l <"$LAB_DIR/a.ct")
[ "$lines" -ge $((N + 7)) ] || lab_fail "only $lines states compared"
for pat in 'dst=198.51.100.77 sport=80 dport=40000 \[ASSURED\] mark=7' \
    'src=192.0.2.99 dst=192.0.2.51 sport=8080' \
    'dst=198.51.100.78 sport=53 dport=61000' \
    'TIME_WAIT src=192.0.2.54' 'type=8 code=0 id=77' \
    'dport=40002 \[ASSURED\] mark=42'; do
	grep -q "$pat" "$LAB_DIR/b.ct" || lab_fail "b lacks a state like: $pat"
done
lab_log "$lines states equal on a and b"

# the copies on b are b's peer states, not b's own: b must not echo them
sent_b=$(sync_stat b states_sent)
[ "$sent_b" -lt 100 ] || sync_fail "b sent $sent_b states back" a b
applied=$(sync_stat b states_applied)
[ "$applied" -ge $((N + 7)) ] ||
	sync_fail "b applied $applied states, fewer than $((N + 7))" a b
[ "$(sync_stat b apply_errors)" = 0 ] || sync_fail "apply errors on b" a b
sync_dump_stats a b
syncd_stop a || lab_fail "syncd on a exited $? on SIGTERM"
syncd_stop b || lab_fail "syncd on b exited $? on SIGTERM"
lab_log "pass"
