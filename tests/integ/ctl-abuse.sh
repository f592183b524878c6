#!/bin/sh
# Hostile clients on the control sockets (hardening bug 8, issue 8's
# "Control socket" input): oversized, truncated and garbage frames, a
# client that connects and never sends, one that never reads its replies
# and a monitor that never reads its stream; a user holding connection
# after connection, and many users at once. Through all of it root's
# carpctl demote/promote works, syncd keeps its demote hold on carpd,
# and both daemons stay alive and answer. With control-group, a member
# reads (status, stats) and is refused what changes state; someone
# outside the group cannot connect at all. syncd's socket, the same
# server code, gets the per-uid limit, garbage and the read-only check.
. "$(dirname "$0")/lib/sync.sh"
lab_require "$SYNCD" "$CARPCTL" setpriv getent
lab_init
(umask 077; head -c 32 /dev/urandom >"$LAB_DIR/sync.key")

# the unprivileged user and its group: Debian's nobody:nogroup
NOBODY=65534
GID=$(getent passwd "$NOBODY" | cut -d: -f4)
GROUP=$(getent group "$GID" | cut -d: -f1)
[ -n "$GROUP" ] || { echo "skip: uid $NOBODY has no named group"; exit 77; }
# other unprivileged users of that group (no passwd entry needed)
UIDS="60001 60002 60003 60004 60005 60006 60007"

# seccomp denials of our daemons since the start (common/priv.c)
seccomp_mark

sync_alone a
# the lab directory is root's 0700: let others reach the sockets only
chmod 711 "$LAB_DIR"
INTEG_VIPS="eth0:192.0.2.254"

{ echo "control-group $GROUP"
  echo "group internal { demote 0 }"
  carp_block carp1 1 eth0 0 lab-secret "address 192.0.2.254/24" \
      "group internal"
} | carpd_conf a
chmod 600 "$LAB_DIR/a.conf"
carpd_start a
wait_for 10 "carp_is a carp1 MASTER" || lab_fail "carp1 never MASTER"
SYNC_GLOBAL="control-group $GROUP"
sync_conf a sync0 203.0.113.2 "bulk-timeout 5s"
syncd_start a
CARPD_PID=$(carpd_pid a)
SYNCD_PID=$(syncd_pid a)

[ "$(stat -c '%a %U %G' "$LAB_DIR/a.sock")" = "660 root $GROUP" ] ||
	lab_fail "carpd socket is $(stat -c '%a %U %G' "$LAB_DIR/a.sock")"
[ "$(stat -c '%a %U %G' "$LAB_DIR/a-sync.sock")" = "660 root $GROUP" ] ||
	lab_fail "syncd socket is $(stat -c '%a %U %G' "$LAB_DIR/a-sync.sock")"

# as USER [GID] cmd...: run cmd as another user with only that group
as() {
	local u=$1 g=$2
	shift 2
	setpriv --reuid "$u" --regid "$g" --clear-groups -- "$@"
}

# the abuse client: frames by hand, so that it can send what carpctl
# never would
cat >"$LAB_DIR/abuse.py" <<'EOF'
import os, select, socket, struct, sys, time

def varint(n):
    out = b""
    while True:
        b = n & 0x7f
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])

def request(cmd, group=None):
    body = b"\x08\x01\x10" + varint(cmd)
    if group:
        body += b"\x1a" + varint(len(group)) + group.encode()
    return struct.pack(">I", len(body)) + body

STATUS, DEMOTE, MONITOR = 1, 4, 8

def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s

def read_varint(buf, i):
    """the varint at buf[i] and the index after it"""
    v = 0; shift = 0
    while True:
        b = buf[i]; i += 1
        v |= (b & 0x7f) << shift; shift += 7
        if not b & 0x80:
            return v, i

def result(body):
    """the result field (2) of a reply; 0 (OK) when absent"""
    i = 0
    while i < len(body):
        key, i = read_varint(body, i)
        f, t = key >> 3, key & 7
        if t == 0:
            v, i = read_varint(body, i)
            if f == 2: return v
        elif t == 2:
            n, i = read_varint(body, i)
            i += n
        elif t == 1: i += 8
        elif t == 5: i += 4
        else: return -1
    return 0

def frames_then_eof(s, timeout):
    """results of every frame until EOF, or None past timeout"""
    s.settimeout(timeout)
    buf = b""
    try:
        while True:
            d = s.recv(65536)
            if not d: break
            buf += d
    except (socket.timeout, ConnectionResetError):
        return None
    out = []
    while len(buf) >= 4:
        n = struct.unpack(">I", buf[:4])[0]
        out.append(result(buf[4:4 + n]))
        buf = buf[4 + n:]
    return out

def check(what, got, want):
    print("%-28s %s" % (what, got))
    if got != want:
        sys.exit("%s: got %s, want %s" % (what, got, want))

def garbage(path):
    cases = [
        ("oversized frame", b"\x7f\xff\xff\xff" + b"x" * 64, [12]),
        ("zero length", b"\x00\x00\x00\x00", [12]),
        ("garbage body", b"\x00\x00\x00\x08" + b"\xff" * 8, [3]),
        ("wrong version", b"\x00\x00\x00\x04\x08\x07\x10\x01", None),
    ]
    for what, data, want in cases:
        s = connect(path)
        s.sendall(data)
        if want is None:    # answered, connection kept
            s.settimeout(5)
            got = s.recv(4096)
            check(what, result(got[4:]), 1)
        else:
            check(what, frames_then_eof(s, 5), want)
        s.close()
    # truncated: announced 100 bytes, sent 10, then gone
    s = connect(path)
    s.sendall(b"\x00\x00\x00\x64" + b"\x08" * 10)
    s.close()

def idle(path):
    """half a frame, then nothing: closed with ERR_LIMIT (11)"""
    s = connect(path)
    s.sendall(b"\x00\x00\x00\x20\x08\x01")
    t0 = time.time()
    check("half frame, then silence", frames_then_eof(s, 30), [11])
    print("closed after %.1f s" % (time.time() - t0))

def flood(path, n):
    """requests without ever reading a reply: dropped by the server"""
    s = connect(path)
    s.settimeout(30)
    chunk = request(STATUS) * 1000
    try:
        for _ in range(n // 1000):
            s.sendall(chunk)
    except (BrokenPipeError, ConnectionResetError):
        print("flood: dropped by the server")
        return
    except socket.timeout:
        sys.exit("flood: server neither read nor dropped us")
    sys.exit("flood: %d requests and the server did not drop us" % n)

def mute_monitor(path, run):
    """subscribes, never reads; until run is removed (60 s at most)"""
    s = connect(path)
    s.sendall(request(MONITOR))
    t_end = time.time() + 60
    while os.path.exists(run) and time.time() < t_end:
        time.sleep(0.2)

def hold(path, uids, gid, per, out, run):
    """per connections for each uid (a child each, as that uid), kept
    busy with a STATUS now and then so that only the limits, not the
    idle timeout, decide; one line "uid admitted refused" each"""
    r, w = os.pipe()
    kids = []
    for uid in uids:
        pid = os.fork()
        if pid:
            kids.append(pid)
            continue
        os.close(r)
        os.setgroups([]); os.setgid(gid); os.setuid(uid)
        socks = []
        for _ in range(per):
            try:
                socks.append(connect(path))
            except OSError:
                pass
        time.sleep(0.5)
        live = []
        for s in socks:
            rd, _, _ = select.select([s], [], [], 0)
            if rd:
                s.close()       # refused: its ERR_LIMIT and EOF
            else:
                live.append(s)
        os.write(w, b"%d %d %d\n" % (uid, len(live), per - len(live)))
        t_end = time.time() + 60
        while os.path.exists(run) and time.time() < t_end:
            for s in live:
                try:
                    s.sendall(request(STATUS))
                    s.settimeout(5)
                    s.recv(65536)
                except OSError:
                    pass
            time.sleep(2)
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        d = os.read(r, 4096)
        if not d: break
        data += d
        if data.count(b"\n") == len(uids):
            with open(out + ".tmp", "wb") as f:
                f.write(data)
            os.rename(out + ".tmp", out)
    for pid in kids:
        os.waitpid(pid, 0)

mode = sys.argv[1]
if mode == "garbage": garbage(sys.argv[2])
elif mode == "idle": idle(sys.argv[2])
elif mode == "flood": flood(sys.argv[2], int(sys.argv[3]))
elif mode == "mute-monitor": mute_monitor(sys.argv[2], sys.argv[3])
elif mode == "hold":
    hold(sys.argv[2], [int(u) for u in sys.argv[3].split(",")],
         int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7])
EOF
abuse() { "$LAB_PY" "$LAB_DIR/abuse.py" "$@"; }

# alive: both daemons run and answer
alive() {
	lab_alive "$CARPD_PID" || lab_fail "carpd died"
	lab_alive "$SYNCD_PID" || lab_fail "syncd died"
	carpctl a status >/dev/null || lab_fail "carpd does not answer"
	syncctl a sync status >/dev/null || lab_fail "syncd does not answer"
}

stat_of() { carpctl a -j stats | json_get "stats.$1" 2>/dev/null || echo 0; }

# 1. garbage, as nobody, on both sockets
for s in a.sock a-sync.sock; do
	as $NOBODY "$GID" "$LAB_PY" "$LAB_DIR/abuse.py" garbage \
	    "$LAB_DIR/$s" | sed "s/^/	$s: /" ||
		lab_fail "garbage on $s not answered as it should be"
done
alive
[ "$(stat_of ctl_bad_frames)" -ge 3 ] ||
	lab_fail "carpd counted $(stat_of ctl_bad_frames) bad frames, not 3"
[ "$(sync_stat a ctl_bad_frames)" -ge 3 ] ||
	lab_fail "syncd counted $(sync_stat a ctl_bad_frames) bad frames"
lab_log "garbage answered and counted, both daemons alive"

# 2. read-only: a member of control-group reads, cannot change state
as $NOBODY "$GID" "$CARPCTL" -s "$LAB_DIR/a.sock" status >/dev/null ||
	lab_fail "$GROUP member cannot run carpctl status"
as $NOBODY "$GID" "$CARPCTL" -s "$LAB_DIR/a.sock" stats >/dev/null ||
	lab_fail "$GROUP member cannot run carpctl stats"
out=$(as $NOBODY "$GID" "$CARPCTL" -s "$LAB_DIR/a.sock" demote internal 2>&1)
rc=$?
echo "	nobody: carpctl demote: $out (exit $rc)"
[ "$rc" = 1 ] && echo "$out" | grep -q "permission denied" ||
	lab_fail "demote by a $GROUP member was not refused"
[ "$(group_demote a internal)" = 0 ] || lab_fail "nobody's demote counted"
as $NOBODY "$GID" "$CARPCTL" -s "$LAB_DIR/a-sync.sock" sync status \
    >/dev/null || lab_fail "$GROUP member cannot run carpctl sync status"
out=$(as $NOBODY "$GID" "$CARPCTL" -s "$LAB_DIR/a-sync.sock" sync resync 2>&1)
echo "$out" | grep -q "permission denied" ||
	lab_fail "sync resync by a $GROUP member: $out"
[ "$(stat_of ctl_denied)" = 1 ] || lab_fail "carpd denied $(stat_of ctl_denied)"
[ "$(sync_stat a ctl_denied)" = 1 ] || lab_fail "syncd's denials not counted"
# outside the group: the socket's mode keeps it out
as 60009 60009 "$CARPCTL" -s "$LAB_DIR/a.sock" status >/dev/null 2>&1 &&
	lab_fail "a user outside $GROUP got into carpd's socket"
lab_log "control-group: $GROUP reads, is refused demote and resync"
# a reload looks the group up again, now under carpd's seccomp filter
kill -HUP "$CARPD_PID"
wait_for 5 "grep -q 'reload: $LAB_DIR/a.conf' '$LAB_DIR/carpd-a.log'" ||
	lab_fail "reload with control-group failed"

# 3. clients that never read: a monitor while events flow, and a
#    request client whose replies pile up
# background clients run while $RUN exists: gone at the end, and with
# $LAB_DIR if the test fails
RUN=$LAB_DIR/abuse.run
touch "$RUN"
setpriv --reuid $NOBODY --regid "$GID" --clear-groups -- "$LAB_PY" \
    "$LAB_DIR/abuse.py" mute-monitor "$LAB_DIR/a.sock" "$RUN" \
    >"$LAB_DIR/mute.log" 2>&1 &
MUTE=$!
sleep 0.5
i=0
while [ $i -lt 10 ]; do
	carpctl a down carp1 >/dev/null || lab_fail "carpctl down failed"
	carpctl a up carp1 >/dev/null || lab_fail "carpctl up failed"
	i=$((i + 1))
done
as $NOBODY "$GID" "$LAB_PY" "$LAB_DIR/abuse.py" flood "$LAB_DIR/a.sock" \
    200000 | sed 's/^/	/' || lab_fail "the flood client was not dropped"
[ "$(stat_of ctl_closed_slow)" -ge 1 ] || lab_fail "slow client not counted"
alive
wait_for 10 "carp_is a carp1 MASTER" || lab_fail "carp1 not back to MASTER"
kill "$MUTE"
wait "$MUTE" 2>/dev/null
lab_log "a mute monitor and a non-reading client: carpd kept going"

# 4. one user holds connection after connection, then many users: root
#    and syncd still get in
abuse hold "$LAB_DIR/a.sock" "$NOBODY" "$GID" 70 "$LAB_DIR/hold1" "$RUN" \
    >"$LAB_DIR/hold1.log" 2>&1 &
HOLD1=$!
wait_for 15 "[ -s '$LAB_DIR/hold1' ]" || lab_fail "holder 1 never settled"
sed 's/^/	uid admitted refused: /' "$LAB_DIR/hold1"
[ "$(cat "$LAB_DIR/hold1")" = "$NOBODY 8 62" ] ||
	lab_fail "uid $NOBODY: $(cat "$LAB_DIR/hold1"), want 8 of 70"
carpctl a demote internal 5 >/dev/null || lab_fail "root's demote failed"
[ "$(group_demote a internal)" = 5 ] || lab_fail "root's demote did not count"
carpctl a promote internal 5 >/dev/null || lab_fail "root's promote failed"
[ "$(stat_of ctl_refused_uid)" = 62 ] ||
	lab_fail "carpd counted $(stat_of ctl_refused_uid) refusals, not 62"
abuse hold "$LAB_DIR/a.sock" "$(echo $UIDS | tr ' ' ,)" "$GID" 8 \
    "$LAB_DIR/hold2" "$RUN" >"$LAB_DIR/hold2.log" 2>&1 &
HOLD2=$!
wait_for 15 "[ -s '$LAB_DIR/hold2' ]" || lab_fail "holder 2 never settled"
admitted=$(awk '{ n += $2 } END { print n }' "$LAB_DIR/hold2")
lab_log "7 more users: $admitted admitted, $(stat_of ctl_refused_full) refused as full"
[ $((admitted + 8)) = 48 ] ||
	lab_fail "unprivileged users hold $((admitted + 8)) slots, not 48"
[ "$(stat_of ctl_refused_full)" -ge 8 ] || lab_fail "full refusals not counted"
# root's commands and syncd's reconnect (a restart) with 48 taken
carpctl a demote internal 3 >/dev/null || lab_fail "root's demote failed (full)"
carpctl a promote internal 3 >/dev/null || lab_fail "root's promote failed (full)"
syncd_stop a
syncd_start a
SYNCD_PID=$(syncd_pid a)
wait_for 10 '[ "$(sync_stat a carpd_connected)" = true ]' ||
	lab_fail "restarted syncd did not get into carpd's full socket"
# a is master, so only a sync link without carrier makes syncd hold
lab_exec a ip link set sync0 down
wait_for 10 '[ "$(carpctl a -j groups | json_get groups.name=carp.held)" -gt 0 ]' ||
	lab_fail "syncd's demote hold is not on carpd: $(carpctl a groups)"
lab_log "root demoted and promoted, syncd holds $(carpctl a -j groups |
    json_get groups.name=carp.held) on carp, with every other slot taken"
lab_exec a ip link set sync0 up
# the same per-uid limit on syncd's socket
abuse hold "$LAB_DIR/a-sync.sock" "$NOBODY" "$GID" 10 "$LAB_DIR/hold3" \
    "$RUN" >"$LAB_DIR/hold3.log" 2>&1 &
HOLD3=$!
wait_for 15 "[ -s '$LAB_DIR/hold3' ]" || lab_fail "holder 3 never settled"
[ "$(cat "$LAB_DIR/hold3")" = "$NOBODY 8 2" ] ||
	lab_fail "syncd: uid $NOBODY: $(cat "$LAB_DIR/hold3"), want 8 of 10"
[ "$(sync_stat a ctl_refused_uid)" = 2 ] ||
	lab_fail "syncd counted $(sync_stat a ctl_refused_uid) refusals"
alive
rm -f "$RUN"
for p in $HOLD1 $HOLD2 $HOLD3; do
	wait_for 15 "! lab_alive $p" || lab_fail "a holder did not stop"
done
lab_log "syncd's socket: 8 of 10 for uid $NOBODY"

# 5. a client that sends half a frame and stops is closed after 10 s
as $NOBODY "$GID" "$LAB_PY" "$LAB_DIR/abuse.py" idle "$LAB_DIR/a.sock" |
    sed 's/^/	/' || lab_fail "the idle client was not closed"
[ "$(stat_of ctl_closed_idle)" -ge 1 ] || lab_fail "idle close not counted"
alive
carpctl a stats | grep '^control' | sed 's/^/	/'
grep -E 'control: ' "$LAB_DIR/carpd-a.log" | tail -n 8 | sed 's/^/	log: /'
[ "$(grep -c 'control: refused' "$LAB_DIR/carpd-a.log")" -le 5 ] ||
	lab_fail "refusals were not rate-limited in the log"
d=$(seccomp_denials "$(realpath "$LAB_BUILD")/(carpd|syncd)")
[ -z "$d" ] || lab_fail "seccomp denied the daemons a system call: $d"
syncd_stop a || lab_fail "syncd exited $? on SIGTERM"
integ_stop a
lab_log "pass"
