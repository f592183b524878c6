#!/bin/sh
# ucarp's operator knobs (carp.conf(5)), on node a:
#   carp1, carp2  backups on eth0 (b is their master): carp1 runs its
#                 down-script as it starts, carp2 (neutral yes) does not;
#   carp3 on eth1 ignore-link-state yes, shutdown-scripts no;
#   carp4 on eth2 neither: the carrier of eth1 and eth2 goes (the far end
#                 of each cable down): carp4 goes INIT, carp3 stays MASTER;
#                 at carpd's exit carp4's down-script runs, carp3's not.
# Every script appends "name state address" to one file.
. "$(dirname "$0")/lib/carp.sh"
integ_start
integ_lan a b
lab_link a eth1 b eth1
lab_link a eth2 b eth2
lab_addr a eth1 198.51.100.1/24
lab_addr a eth2 203.0.113.1/24
V1=192.0.2.254
V2=192.0.2.253
V3=198.51.100.254
V4=203.0.113.254
INTEG_VIPS="eth0:$V1 eth0:$V2 eth1:$V3 eth2:$V4"
RUNS=$LAB_DIR/scripts.log
: >"$RUNS"

cat >"$LAB_DIR/note.sh" <<EOF2
#!/bin/sh
echo "\$CARP_NAME \$CARP_STATE \$2" >>"$RUNS"
EOF2
chmod 755 "$LAB_DIR/note.sh"
DOWN="down-script \"$LAB_DIR/note.sh\""

# runs NAME: how many scripts NAME has run
runs() { grep -c "^$1 " "$RUNS"; }

{
	carp_block carp1 1 eth0 0 lab-secret "address $V1/24"
	carp_block carp2 2 eth0 0 lab-secret "address $V2/24"
} | carpd_conf b
carpd_start b
wait_for 10 "carp_is b carp1 MASTER && carp_is b carp2 MASTER" ||
	lab_fail "b is not the master of carp1 and carp2"
{
	carp_block carp1 1 eth0 100 lab-secret "address $V1/24" "$DOWN"
	carp_block carp2 2 eth0 100 lab-secret "address $V2/24" "$DOWN" \
	    "neutral yes"
	carp_block carp3 3 eth1 0 lab-secret "address $V3/24" "$DOWN" \
	    "neutral yes" "ignore-link-state yes" "shutdown-scripts no"
	carp_block carp4 4 eth2 0 lab-secret "address $V4/24" "$DOWN" \
	    "neutral yes"
} | carpd_conf a
carpd_start a

# neutral: the start's down-script for carp1 only
wait_for 5 "[ \$(runs carp1) = 1 ]" ||
	lab_fail "carp1 (neutral no) did not run its down-script at start"
grep -q "^carp1 BACKUP $V1\$" "$RUNS" || lab_fail "carp1's start script: $(cat "$RUNS")"
wait_for 10 "carp_is a carp3 MASTER && carp_is a carp4 MASTER" ||
	lab_fail "a is not the master of carp3 and carp4"
carp_is a carp1 BACKUP && carp_is a carp2 BACKUP ||
	lab_fail "a took carp1 or carp2 from b"
[ "$(runs carp2)" = 0 ] || lab_fail "carp2 (neutral yes) ran a down-script"
[ "$(runs carp3)$(runs carp4)" = 00 ] || lab_fail "carp3/carp4 ran scripts: $(cat "$RUNS")"
[ "$(carp_get a carp2 neutral)" = true ] && [ "$(carp_get a carp1 neutral)" = false ] ||
	lab_fail "carpctl status: neutral not shown"
lab_log "a started: carp1's down-script ran, carp2's (neutral) did not"

# ignore-link-state: both carpdevs lose their carrier
lab_cut a eth1
lab_cut a eth2
wait_for 5 "carp_is a carp4 INIT" ||
	lab_fail "carp4 did not go INIT without carrier"
lab_hold 3 "carp_is a carp3 MASTER" ||
	lab_fail "carp3 (ignore-link-state) left MASTER: $(carp_state a carp3)"
[ "$(carp_get a carp3 link_up)" = true ] &&
    [ "$(carp_get a carp3 ignore_link_state)" = true ] ||
	lab_fail "carpctl status: carp3's link not shown as ignored"
lab_has_addr a eth1 "$V3" || lab_fail "carp3 lost its address"
lab_log "no carrier: carp4 INIT, carp3 still MASTER"
lab_restore a eth1
lab_restore a eth2
wait_for 10 "carp_is a carp4 MASTER" || lab_fail "carp4 did not come back"
c3=$(runs carp3)
c4=$(runs carp4)

# shutdown-scripts: stopping a runs carp4's down-script, not carp3's
integ_stop a
wait_for 5 "[ \$(runs carp4) = $((c4 + 1)) ]" ||
	lab_fail "carp4 did not run its down-script at exit"
sleep 1		# a script of carp3 would have been asked for first
[ "$(runs carp3)" = "$c3" ] ||
	lab_fail "carp3 (shutdown-scripts no) ran its down-script at exit"
lab_log "carpd stopped: carp4's down-script ran, carp3's did not"
sed 's/^/	/' "$RUNS"
integ_stop b
lab_log "pass"
