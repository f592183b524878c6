#!/bin/sh
# realtime (carp.conf(5)): carpd on a, with the default "realtime yes",
# runs SCHED_FIFO at priority 10 with its memory locked (VmLck above 0)
# and says so in carpctl status, text and JSON; its script runner,
# forked before, keeps SCHED_OTHER and locks nothing. carpd on b, with
# "realtime no", keeps SCHED_OTHER and locks nothing. Both become
# MASTER of their own carp and keep answering after a reload (memory
# allocated after the privilege drop is locked too and must not fail).
. "$(dirname "$0")/lib/carp.sh"
integ_start
integ_lan a b

# sched PID: "policy rt_priority" from /proc/PID/stat (fields 41 and 40,
# counted after the command name, which may hold spaces).
sched() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $39, $38 }'
}

# vmlck PID: locked memory in kB.
vmlck() {
	awk '/^VmLck:/ { print $2 }' "/proc/$1/status"
}

carp_block carp1 1 eth0 0 lab-secret "address 192.0.2.101/24" |
    carpd_conf a
{
	echo "realtime no"
	carp_block carp2 2 eth0 0 lab-secret "address 192.0.2.102/24"
} | carpd_conf b
for h in a b; do
	carpd_start $h
done
wait_for 15 "carp_is a carp1 MASTER && carp_is b carp2 MASTER" ||
	lab_fail "carp1 on a and carp2 on b are not both MASTER"

pa=$(carpd_pid a)
pb=$(carpd_pid b)
ra=$(pgrep -P "$pa" -x carpd-scripts) || lab_fail "a has no script runner"
rb=$(pgrep -P "$pb" -x carpd-scripts) || lab_fail "b has no script runner"
lab_log "a: carpd $pa: $(sched "$pa"), VmLck $(vmlck "$pa") kB;" \
    "runner $ra: $(sched "$ra"), VmLck $(vmlck "$ra") kB"
lab_log "b: carpd $pb: $(sched "$pb"), VmLck $(vmlck "$pb") kB;" \
    "runner $rb: $(sched "$rb"), VmLck $(vmlck "$rb") kB"

# policy 1 is SCHED_FIFO, 0 SCHED_OTHER (SCHED_RESET_ON_FORK is not shown)
[ "$(sched "$pa")" = "1 10" ] ||
	lab_fail "carpd on a is not SCHED_FIFO 10: $(sched "$pa")"
[ "$(vmlck "$pa")" -gt 0 ] || lab_fail "carpd on a locked no memory"
[ "$(sched "$ra")" = "0 0" ] ||
	lab_fail "a's script runner is not SCHED_OTHER: $(sched "$ra")"
[ "$(vmlck "$ra")" = 0 ] || lab_fail "a's script runner locked memory"
[ "$(sched "$pb")" = "0 0" ] ||
	lab_fail "carpd on b (realtime no) is not SCHED_OTHER: $(sched "$pb")"
[ "$(vmlck "$pb")" = 0 ] || lab_fail "carpd on b (realtime no) locked memory"

# "memory locked", or "memory locked at start only (RLIMIT_MEMLOCK)"
# where the lab cannot lift the limit (a container without
# CAP_SYS_RESOURCE): carpd said why in its log then
carpctl a status | grep -q "^realtime: SCHED_FIFO 10, memory locked" ||
	lab_fail "carpctl status on a: no realtime line: $(carpctl a status)"
carpctl b status | grep -qx "realtime: off" ||
	lab_fail "carpctl status on b: no realtime line: $(carpctl b status)"
carpctl a -j status | json_get realtime |
    grep -q "^SCHED_FIFO 10, memory locked" ||
	lab_fail "carpctl -j status on a: $(carpctl a -j status)"
grep -q "realtime: SCHED_FIFO 10, memory locked" "$LAB_DIR/carpd-a.log" ||
	lab_fail "carpd on a did not log what it got"

# a reload allocates after the drop: still answering, still realtime
for h in a b; do
	carpctl $h reload >/dev/null || lab_fail "reload on $h failed"
done
wait_for 5 "carp_is a carp1 MASTER && carp_is b carp2 MASTER" ||
	lab_fail "not MASTER after the reload"
[ "$(sched "$pa")" = "1 10" ] || lab_fail "a not SCHED_FIFO after reload"
! grep -q "realtime changes" "$LAB_DIR/carpd-a.log" ||
	lab_fail "a reload without a change warned"
integ_stop a b
lab_log "pass"
