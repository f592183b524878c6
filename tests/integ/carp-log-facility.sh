#!/bin/sh
# log-facility: carpd in the background (no -d) logs to syslog with the
# configured facility. There is no syslog daemon here: carpd runs in its
# own mount and pid namespaces, where /dev/log is the test's datagram
# socket (a tmpfs on /dev holding it and the null and random devices),
# and the namespace's end takes carpd, daemonized, with it. The lines
# must carry <PRI> = local3 * 8 + severity, never daemon's.
. "$(dirname "$0")/lib/carp.sh"
integ_start unshare
integ_lan a
SOCK=$LAB_DIR/log.sock
GOT=$LAB_DIR/syslog.txt

lab_bg a "$LAB_DIR/listener.log" "$LAB_PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode(errors="replace") + "\n")
        out.flush()
' "$SOCK" "$GOT"
wait_for 5 "[ -S '$SOCK' ]" || lab_fail "no listener on $SOCK"

{
	echo "log-facility local3"
	carp_block carp1 1 eth0 0 lab-secret "address 192.0.2.254/24"
} | carpd_conf a
"$CARPD" -nv -f "$LAB_DIR/a.conf" | grep -qx "log-facility local3" ||
	lab_fail "carpd -nv does not print log-facility local3"

lab_bg a "$LAB_DIR/carpd-a.log" unshare -m -p -f --kill-child sh -c '
	mount -t tmpfs dev /dev &&
	mknod -m 666 /dev/null c 1 3 &&
	mknod -m 444 /dev/urandom c 1 9 &&
	touch /dev/log && mount --bind "$1" /dev/log &&
	"$2" -f "$3" || exit 1
	while sleep 1; do :; done' sh "$SOCK" "$CARPD" "$LAB_DIR/a.conf"
lab_log "carpd in the background, in its namespaces: pid $LAB_PID"
wait_for 15 "carp_is a carp1 MASTER" || lab_fail "carp1 did not become MASTER"
wait_for 5 "grep -q 'carpd\[[0-9]*\]: carp1: BACKUP -> MASTER' '$GOT'" ||
	lab_fail "no syslog line for the transition: $(cat "$GOT")"
sed 's/^/	/' "$GOT"
# local3 is 19: info <158>, notice <157>, warning <156>, err <155>
grep 'carpd\[' "$GOT" | grep -qv '^<15[2-9]>' &&
	lab_fail "a line with another facility than local3"
grep -q '^<158>.*carpd\[[0-9]*\]: starting' "$GOT" ||
	lab_fail "the start line is not local3.info"
lab_kill "$LAB_PID" TERM >/dev/null
lab_log "pass"
