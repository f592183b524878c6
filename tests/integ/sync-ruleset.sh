#!/bin/sh
# Same ruleset on both boxes (docs/PROTOCOL.md 6.18): each syncd sends
# a digest of its nftables ruleset in its heartbeats and compares the
# peer's with its own.
#  1. the same ruleset, loaded in another order and with other handles
#     (b's tables made, dropped and made again), and counters that
#     differ: "same as peer" on both;
#  2. a rule added on b: "differs from <b>" on a within a few
#     heartbeats (bounded wait), the change counted and logged on both,
#     and a's ruleset-demote 20 held on its carpd;
#  3. b's ruleset loaded again as it was (new handles): same again, the
#     change counted, the demotion released.
. "$(dirname "$0")/lib/sync.sh"
sync_start_lab nft
sync_pair
lab_bridge lan
lab_port a lan0 lan
lab_addr a lan0 192.0.2.1/24

# the ruleset, as two files that say the same in another order
cat >"$LAB_DIR/rules-a.nft" <<'NFT'
table inet filter {
	set trusted {
		type ipv4_addr
		elements = { 192.0.2.10, 192.0.2.11, 198.51.100.7 }
	}
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr @trusted counter accept
		tcp dport { 22, 443, 8372 } counter accept
		udp dport 8372 counter accept
		counter
	}
	chain forward {
		type filter hook forward priority 0; policy accept;
		ct state established,related accept
	}
}
table ip nat {
	chain post {
		type nat hook postrouting priority 100; policy accept;
		oifname "lan0" masquerade
	}
}
NFT
cat >"$LAB_DIR/rules-b.nft" <<'NFT'
table ip nat {
	chain post {
		type nat hook postrouting priority 100; policy accept;
		oifname "lan0" masquerade
	}
}
table inet filter {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ct state established,related accept
	}
	set trusted {
		type ipv4_addr
		elements = { 198.51.100.7, 192.0.2.11, 192.0.2.10 }
	}
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr @trusted counter accept
		tcp dport { 443, 8372, 22 } counter accept
		udp dport 8372 counter accept
		counter
	}
}
NFT
# b: other handles and another anonymous set number than a's
lab_exec b nft -f "$LAB_DIR/rules-a.nft" || lab_fail "nft on b"
lab_exec b nft add table ip scratch || lab_fail "nft on b"
lab_exec b nft flush ruleset || lab_fail "nft on b"
lab_exec a nft -f "$LAB_DIR/rules-a.nft" || lab_fail "nft on a"
lab_exec b nft -f "$LAB_DIR/rules-b.nft" || lab_fail "nft on b"

SYNC_GLOBAL="$(carp_block carp1 1 lan0 0 lab-secret "address 192.0.2.254/24")"
sync_conf a sync0 203.0.113.2 "bulk-timeout 5s" "ruleset-demote 20"
SYNC_GLOBAL=
sync_conf b sync0 203.0.113.1 "bulk-timeout 5s"
carpd_start a "$LAB_DIR/a-sync.conf"
syncd_start a
syncd_start b
wait_for 15 "sync_in_sync a && sync_in_sync b && sync_peer_alive a" ||
	sync_fail "a and b never got in sync" a b

ruleset_is() { sync_stat "$1" ruleset | grep -q "^$2"; }
demote_is() { [ "$(group_demote a carp)" = "$1" ]; }
demote_ge() { [ "$(group_demote a carp)" -ge "$1" ]; }

# --- 1. the same ruleset
wait_for 10 "ruleset_is a 'same as peer' && ruleset_is b 'same as peer'" ||
	sync_fail "not the same: a: $(sync_stat a ruleset), b: $(sync_stat b ruleset)" a b
syncctl a sync status | grep -q '^ruleset  *same as peer$' ||
	lab_fail "carpctl sync status: $(syncctl a sync status)"
da=$(sync_stat a ruleset_digest)
db=$(sync_stat b ruleset_digest)
[ -n "$da" ] && [ "$da" = "$db" ] || lab_fail "digests: a $da, b $db"
# the counters differ (a's input chain counts b's datagrams) and stay out
lab_exec a ping -c 2 -i 0.2 -W 1 203.0.113.2 >/dev/null 2>&1
lab_hold 2 "ruleset_is a 'same as peer'" || lab_fail "counters made a differ"
c0=$(sync_stat a ruleset_changes)
wait_for 10 "demote_is 0" ||
	sync_fail "demote $(group_demote a carp) with the same ruleset" a
lab_log "same ruleset: digest $da on both, demote 0"

# --- 2. a rule more on b
lab_exec b nft add rule inet filter input tcp dport 2222 accept ||
	lab_fail "nft add rule on b"
wait_for 10 "ruleset_is a 'differs from 203.0.113.2 since' && ruleset_is b 'differs from 203.0.113.1 since'" ||
	sync_fail "no difference seen: a: $(sync_stat a ruleset), b: $(sync_stat b ruleset)" a b
syncctl a sync status | grep -q '^ruleset  *differs from 203.0.113.2 since ' ||
	lab_fail "carpctl sync status: $(syncctl a sync status)"
[ "$(sync_stat a ruleset_changes)" -gt "$c0" ] || lab_fail "not counted on a"
[ "$(sync_stat b ruleset_changes)" -ge 1 ] || lab_fail "not counted on b"
[ "$(sync_stat a ruleset_differs)" = true ] || lab_fail "ruleset_differs"
grep -q 'ruleset: differs from 203.0.113.2' "$LAB_DIR/syncd-a.log" ||
	lab_fail "no log line on a"
wait_for 5 "demote_ge 20" ||
	sync_fail "ruleset-demote not held: demote $(group_demote a carp)" a
lab_log "rule added on b: differs, a holds demote $(group_demote a carp)"

# --- 3. b as it was, with new handles
c1=$(sync_stat a ruleset_changes)
lab_exec b nft flush ruleset || lab_fail "nft flush on b"
lab_exec b nft -f "$LAB_DIR/rules-b.nft" || lab_fail "nft on b"
wait_for 10 "ruleset_is a 'same as peer' && ruleset_is b 'same as peer'" ||
	sync_fail "not the same again: a: $(sync_stat a ruleset), b: $(sync_stat b ruleset)" a b
[ "$(sync_stat a ruleset_changes)" -gt "$c1" ] || lab_fail "not counted"
grep -q 'ruleset: same as peer' "$LAB_DIR/syncd-a.log" ||
	lab_fail "no log line on a"
wait_for 5 "demote_is 0" ||
	sync_fail "demote $(group_demote a carp) after the rulesets agree" a
lab_log "same again: changes $c0 -> $(sync_stat a ruleset_changes), demote 0"

syncd_stop a || lab_fail "syncd on a exited $?"
syncd_stop b || lab_fail "syncd on b exited $?"
carpd_stop a || lab_fail "carpd on a exited $?"
lab_log "pass"
