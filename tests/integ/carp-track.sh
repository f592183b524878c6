#!/bin/sh
# Health tracking (carp.conf track blocks): a and b hold two carps, two
# VIPs, both in group "internal", preempt on. a watches a script and
# its default route, each raising internal's demote by 50 while failed.
#   - the script fails (a file it checks is made): both VIPs go to b;
#     it passes again: with preempt they come back to a;
#   - a's default route is removed: the same, and back when it returns;
#   - a non-carp link of a loses its carrier (its veth peer goes down):
#     the same;
#   - a reload that removes the failed route check while the route is
#     still gone releases its demotion (the VIPs come back), and the
#     unchanged script check keeps its state;
#   - carpctl track shows each check's state and the demote it holds;
#   - the kernel logged no system call carpd was denied.
. "$(dirname "$0")/lib/carp.sh"
integ_start
integ_lan a b
V1=192.0.2.254
V2=192.0.2.253
INTEG_VIPS="eth0:$V1 eth0:$V2"

cat >"$LAB_DIR/check.sh" <<EOF
#!/bin/sh
# healthy unless $LAB_DIR/fail exists
echo "checked \$CARP_TRACK"
[ ! -e "$LAB_DIR/fail" ]
EOF
chmod 755 "$LAB_DIR/check.sh"

carps() {
	carp_block carp1 1 eth0 "$1" lab-secret "address $V1/24" \
	    "group internal" "preempt yes"
	carp_block carp2 2 eth0 "$1" lab-secret "address $V2/24" \
	    "group internal" "preempt yes"
}
uplink_track() {
	printf 'track uplink {\n\tscript "%s"\n' "$LAB_DIR/check.sh"
	printf '\tinterval 500ms timeout 400ms fall 2 rise 2\n'
	printf '\tdemote 50 group internal\n}\n'
}
route_track() {
	printf 'track wan-route {\n\troute 0.0.0.0/0 interval 500ms fall 2\n'
	printf '\trise 2 demote 50 group internal\n}\n'
}
mgmt_track() {
	printf 'track mgmt { interface mgmt0 interval 500ms fall 2 rise 2\n'
	printf '\tdemote 50 group internal }\n'
}
{ carps 0; uplink_track; route_track; mgmt_track; } | carpd_conf a
carps 100 | carpd_conf b

lab_exec a ip route add default via 192.0.2.10
lab_exec a ip link add mgmt0 type veth peer name mgmt1
lab_exec a ip link set mgmt0 up
lab_exec a ip link set mgmt1 up
seccomp_mark
carpd_start a
carpd_start b

both_on() {
	sole_master carp1 eth0 $V1 $1 a b && sole_master carp2 eth0 $V2 $1 a b
}
# track_get NODE TRACK FIELD: a field of one check in carpctl -j track
track_get() { carpctl "$1" -j track | json_get "tracks.name=$2.$3"; }
track_is() { [ "$(track_get "$1" "$2" state 2>/dev/null)" = "$3" ]; }

wait_for 15 "both_on a" || lab_fail "a is not master of both carps"
wait_for 10 "track_is a uplink ok && track_is a wan-route ok &&
    track_is a mgmt ok" ||
	lab_fail "a's checks are not ok: $(carpctl a track)"
lab_log "a master of both, its checks ok"
carpctl a track

lab_log "the uplink script fails"
touch "$LAB_DIR/fail"
wait_for 10 "both_on b" || lab_fail "the VIPs did not move to b"
track_is a uplink failed ||
	lab_fail "uplink is $(track_get a uplink state), not failed"
[ "$(track_get a uplink demote_held)" = 50 ] ||
	lab_fail "uplink holds $(track_get a uplink demote_held), not 50"
[ "$(group_demote a internal)" = 50 ] ||
	lab_fail "a's group internal: $(carpctl a -j groups)"
carpctl a -j status | json_get tracks.name=uplink.state | grep -qx failed ||
	lab_fail "carpctl -j status does not show uplink failed"
carpctl a track
lab_log "both VIPs on b, a's uplink failed"

rm -f "$LAB_DIR/fail"
wait_for 10 "track_is a uplink ok" || lab_fail "uplink did not recover"
wait_for 10 "both_on a" || lab_fail "the VIPs did not come back to a"
[ "$(group_demote a internal)" = 0 ] ||
	lab_fail "a's group internal still demoted: $(carpctl a -j groups)"
lab_log "uplink recovered, both VIPs back on a (preempt)"

lab_log "a's default route removed"
lab_exec a ip route del default
wait_for 10 "both_on b" || lab_fail "the VIPs did not move to b"
track_is a wan-route failed ||
	lab_fail "wan-route is $(track_get a wan-route state), not failed"
carpctl a track
lab_exec a ip route add default via 192.0.2.10
wait_for 10 "both_on a" || lab_fail "the VIPs did not come back to a"
lab_log "route back, both VIPs back on a"

lab_log "a's mgmt0 loses its carrier"
lab_exec a ip link set mgmt1 down
wait_for 10 "both_on b" || lab_fail "the VIPs did not move to b"
track_is a mgmt failed ||
	lab_fail "mgmt is $(track_get a mgmt state), not failed"
lab_exec a ip link set mgmt1 up
wait_for 10 "both_on a" || lab_fail "the VIPs did not come back to a"
lab_log "mgmt0 has carrier again, both VIPs back on a"

lab_log "route gone again, then a reload without the route check"
lab_exec a ip route del default
wait_for 10 "both_on b" || lab_fail "the VIPs did not move to b"
since=$(track_get a uplink since)
{ carps 0; uplink_track; mgmt_track; } | carpd_conf a
carpctl a reload || lab_fail "reload failed"
wait_for 10 "both_on a" ||
	lab_fail "the removed check's demotion was not released"
! track_get a wan-route state >/dev/null 2>&1 ||
	lab_fail "wan-route is still there after the reload"
track_is a uplink ok && [ "$(track_get a uplink since)" = "$since" ] ||
	lab_fail "uplink lost its state in the reload: $(carpctl a track)"
[ "$(carpctl a -j stats | json_get stats.track_runs)" -gt 0 ] ||
	lab_fail "no track_runs counted"
lab_log "reload released the removed check; uplink kept its state"

integ_stop a b
denied=$(seccomp_denials "$(realpath "$LAB_BUILD")/carpd")
[ -z "$denied" ] || lab_fail "carpd was denied system calls: $denied"
lab_log "pass"
