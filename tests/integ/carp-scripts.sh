#!/bin/sh
# Scripts never hold up an advert or a state change (hardening issue,
# faults: scripts; bug 5). On a, carp1's up-script hangs (sleep 1000)
# and carp2's up- and down-scripts exit 1 at once; a forger e flaps a's
# carp2 about 100 times a second with alternately better and worse
# adverts (a has preempt on carp2), so about 100 scripts a second are
# asked for. Meanwhile carp1's adverts stay on time (b, its BACKUP,
# hears about one a second and never takes over), a demotion of carp1
# still hands it to b at once, the hung script is killed with its group
# at the timeout, and at the end no script holds a slot (carpctl stats).
. "$(dirname "$0")/lib/carp.sh"
integ_start
integ_lan a b e
V1=192.0.2.254
V2=192.0.2.253
INTEG_VIPS="eth0:$V1 eth0:$V2"
WINDOW=8

cat >"$LAB_DIR/hang.sh" <<EOF
#!/bin/sh
echo "hanging \$*"
exec sleep 1000
EOF
printf '#!/bin/sh\nexit 1\n' >"$LAB_DIR/fail.sh"
chmod 755 "$LAB_DIR/hang.sh" "$LAB_DIR/fail.sh"

{
	carp_block carp1 1 eth0 0 lab-secret "address $V1/24" "group g1" \
	    "up-script \"$LAB_DIR/hang.sh\""
	carp_block carp2 2 eth0 100 lab-secret "address $V2/24" \
	    "preempt yes" "up-script \"$LAB_DIR/fail.sh\"" \
	    "down-script \"$LAB_DIR/fail.sh\""
} | carpd_conf a
carp_block carp1 1 eth0 100 lab-secret "address $V1/24" | carpd_conf b
carpd_start a
carpd_start b
wait_for 15 "sole_master carp1 eth0 $V1 a a b && carp_is a carp2 MASTER" ||
	lab_fail "a is not the sole master of carp1 and master of carp2"
wait_for 5 "grep -q 'up-script $V1: hanging' '$LAB_DIR/carpd-a.log'" ||
	lab_fail "carp1's up-script did not start"
lab_log "a MASTER, its carp1 up-script hangs"

# stat NODE FIELD: a field of `carpctl -j stats`
stat() { carpctl "$1" -j stats | json_get "stats.$2"; }

forge() {
	lab_exec e "$LAB_PY" "$INTEG_LIB/carp_send.py" eth0 2 lab-secret $V2 \
	    --count $((WINDOW * 70)) --interval 0.02 "$@"
}
btr0=$(counter b carp1 transitions)
flips0=$(counter a carp2 transitions)
started0=$(stat a scripts_started)
forge --advskew 0 &
f1=$!
forge --advskew 200 &
f2=$!
lab_log "flapping carp2 on a for $WINDOW s"
sleep 1
t0=$(date +%s%N)
sent0=$(counter a carp1 adverts_sent)
heard0=$(counter b carp1 adverts_received)
sleep "$WINDOW"
sent=$(( $(counter a carp1 adverts_sent) - sent0 ))
heard=$(( $(counter b carp1 adverts_received) - heard0 ))
secs=$(( ($(date +%s%N) - t0) / 1000000000 ))
flips=$(( $(counter a carp2 transitions) - flips0 ))
started=$(( $(stat a scripts_started) - started0 ))
lab_log "in $secs s: carp1 sent $sent adverts, b heard $heard;" \
    "carp2 flipped $flips times, $started scripts started," \
    "$(stat a scripts_skipped) skipped, $(stat a scripts_running) running"

# one advert a second (advbase 1); a generous margin for a busy machine
[ "$sent" -ge $((secs - 3)) ] ||
	lab_fail "carp1 sent $sent adverts in $secs s, want about $secs"
[ "$heard" -ge $((secs - 3)) ] ||
	lab_fail "b heard $heard of carp1's adverts in $secs s"
[ "$(counter b carp1 transitions)" = "$btr0" ] && carp_is b carp1 BACKUP ||
	lab_fail "b took carp1 over while a's scripts were flooded"
[ "$flips" -ge $((WINDOW * 20)) ] ||
	lab_fail "carp2 flipped only $flips times: the flood did not work"
[ "$started" -ge $((WINDOW * 20)) ] ||
	lab_fail "only $started scripts started"

# a state change during the flood: demoting g1 hands carp1 to b at once
carpctl a demote g1 50 >/dev/null || lab_fail "carpctl demote failed"
wait_for 3 "carp_is b carp1 MASTER && carp_is a carp1 BACKUP" ||
	lab_fail "the demotion did not hand carp1 to b within 3 s"
lab_log "carp1 handed over ${WAIT_MS} ms after the demotion"
wait $f1 $f2

# no slot leak: the failing scripts end at once, the hung one at its
# 10 s timeout, with its process group
wait_for 15 "[ \$(stat a scripts_running) = 0 ]" ||
	lab_fail "$(stat a scripts_running) scripts still running"
lab_log "scripts_running 0 after ${WAIT_MS} ms"
[ "$(stat a scripts_timedout)" -ge 1 ] || lab_fail "the hung script was not killed"
[ "$(stat a scripts_lost)" = 0 ] || lab_fail "scripts lost"
grep -q "up-script $V1: still running after its timeout, its process group killed" \
    "$LAB_DIR/carpd-a.log" || lab_fail "no timeout line for the hung script"
[ "$(stat a scripts_failed)" -ge "$started" ] ||
	lab_fail "$(stat a scripts_failed) failures counted for $started scripts"
carpctl a -j stats | json_get stats | sed 's/^/	/'
integ_stop a b
lab_log "pass"
