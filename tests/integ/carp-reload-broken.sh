#!/bin/sh
# SIGHUP with a broken configuration keeps the running one: a syntax
# error and a semantic error, each reported as "file:line: message";
# carpd keeps running, the carps keep their state and their timers
# (adverts go on, no transition on either node). Once the file is fixed,
# SIGHUP applies it. syncd does not reload (it says so on SIGHUP and
# reads nothing), so only carpd is tested here.
# Also: promote_secondaries is on for the carpdev (set through
# rtnetlink, so that it works with /proc/sys read-only under systemd).
. "$(dirname "$0")/lib/carp.sh"
integ_start
integ_lan a b
INTEG_VIPS="eth0:192.0.2.254 eth0:192.0.2.253"

integ_pair_elected
cp "$LAB_DIR/a.conf" "$LAB_DIR/a.good"
[ "$(lab_exec a cat /proc/sys/net/ipv4/conf/eth0/promote_secondaries)" = 1 ] ||
	lab_fail "promote_secondaries is not set on a's carpdev"

# snapshot: state, transitions of both nodes, a's adverts sent
snap() {
	echo "$(carp_state a carp1) $(counter a carp1 transitions)" \
	    "$(carp_state b carp1) $(counter b carp1 transitions)"
}
S0=$(snap)
lab_log "running: $S0"

# try_broken WHAT: a.conf is broken at line $LINE with message $MSG;
# SIGHUP must change nothing and log file:line: message.
try_broken() {
	local sent
	sent=$(counter a carp1 adverts_sent)
	kill -HUP "$(carpd_pid a)"
	wait_for 5 "grep -qF '$LAB_DIR/a.conf:$LINE: $MSG' '$LAB_DIR/carpd-a.log'" ||
		lab_fail "$1: no \"a.conf:$LINE: $MSG\" in the log"
	grep -q "reload: .*a.conf has errors, nothing changed" \
	    "$LAB_DIR/carpd-a.log" || lab_fail "$1: no 'nothing changed'"
	# adverts go on at the configured interval, nothing moves
	lab_hold 3 '[ "$(snap)" = "$S0" ]' ||
		lab_fail "$1: the election changed: $(snap), was $S0"
	lab_alive "$(carpd_pid a)" || lab_fail "$1: carpd died"
	[ "$(counter a carp1 adverts_sent)" -ge $((sent + 2)) ] ||
		lab_fail "$1: adverts stopped ($sent -> $(counter a carp1 adverts_sent))"
	[ "$(carp_get a carp1 advskew)" = 0 ] ||
		lab_fail "$1: advskew changed"
	lab_log "$1: kept the running configuration"
}

# a syntax error: a stray closing brace after the carp block
cat "$LAB_DIR/a.good" >"$LAB_DIR/a.conf"
echo "}" >>"$LAB_DIR/a.conf"
LINE=$(wc -l <"$LAB_DIR/a.conf") MSG='unexpected "}"'
try_broken "syntax error"

# a semantic error: an advskew out of range; the message is the one
# carpd -n gives for that line
sed 's/advskew 0/advskew 300/' "$LAB_DIR/a.good" >"$LAB_DIR/a.conf"
LINE=$(grep -n 'advskew 300' "$LAB_DIR/a.conf" | cut -d: -f1)
MSG=$(
	cd "$LAB_DIR" && "$CARPD" -n -f a.conf 2>&1 | grep "^a.conf:$LINE:" |
	    head -1 | sed "s/^a.conf:$LINE: //"
)
[ -n "$MSG" ] || lab_fail "carpd -n does not report line $LINE"
try_broken "semantic error"

# fixed: a second carp is added and comes up; carp1 is untouched
{ cat "$LAB_DIR/a.good"
  carp_block carp2 2 eth0 0 lab-secret "address 192.0.2.253/24"; } \
    >"$LAB_DIR/a.conf.new"
chmod 600 "$LAB_DIR/a.conf.new"		# it holds inline passwords
mv "$LAB_DIR/a.conf.new" "$LAB_DIR/a.conf"
kill -HUP "$(carpd_pid a)"
wait_for 10 'carp_is a carp2 MASTER && lab_has_addr a eth0 192.0.2.253' ||
	lab_fail "the fixed file was not applied"
[ "$(snap)" = "$S0" ] || lab_fail "carp1 changed on a good reload: $(snap)"
lab_log "fixed file applied after ${WAIT_MS} ms; carp1 untouched"

integ_stop a b
lab_log "pass"
