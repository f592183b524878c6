# tests/lab/ftp.sh: FTP through the two-firewall lab (tests/lab/fwpair.sh),
# for the expectation tests. Sourced after fwpair.sh (or e2e.sh):
#
#	ftp_require			# skip (77) without the ftp helper or
#					# pyftpdlib
#	fwpair_up; fwpair_wait_master fw1
#	ftp_up				# helper ruleset on both, servers
#	ftp_client NAME pasv|active 4|6	# logs in, PASV/EPSV or PORT/EPRT,
#					# then waits for ftp_go NAME
#	ftp_go NAME; ftp_done NAME	# RETR through whoever is master
#
# Ruleset added on each firewall (table inet ftplab, beside fwpair's):
# the ftp helper is assigned to new connections from the LAN to tcp port
# 21, and forwarding accepts only those (and SIP signalling, udp port
# 5060, for tests/lab/sip.sh) as new connections, every other flow in
# either direction only as established or related (one forward chain:
# every base chain must accept a packet). So a data
# connection passes only as the RELATED flow of an expectation: in
# passive mode the client's connection to the server's data port, in
# active mode the server's connection back to the client.
#
# Server: pyftpdlib (Debian's python3-pyftpdlib) on 198.51.100.10 and
# 2001:db8:2::10 port 21, anonymous, one file of FTP_SIZE random bytes,
# passive ports 60000-60099. Client: python3's ftplib.

FTP_SIZE=${FTP_SIZE:-1048576}

ftp_require() {
	[ -d /sys/module/nf_conntrack_ftp ] ||
	    modprobe nf_conntrack_ftp 2>/dev/null ||
	    { echo "skip: no nf_conntrack_ftp (kernel module)"; exit 77; }
	"$LAB_PY" -c 'import pyftpdlib' 2>/dev/null ||
	    { echo "skip: pyftpdlib not installed (python3-pyftpdlib)"; exit 77; }
}

ftp_rules() {
	cat <<'EOT'
table inet ftplab {
	ct helper ftp-std {
		type "ftp" protocol tcp;
		l3proto inet;
	}
	chain pre {
		type filter hook prerouting priority filter; policy accept;
		iifname "eth0" tcp dport 21 ct helper set "ftp-std"
	}
	chain forward {
		type filter hook forward priority filter + 1; policy accept;
		ct state established,related accept
		iifname "eth0" oifname "eth1" tcp dport 21 ct state new accept
		iifname "eth0" oifname "eth1" udp dport 5060 ct state new accept
		drop
	}
}
EOT
}

ftp_pyfile() {
	cat <<'EOT'
import hashlib, os, socket, sys, time
from ftplib import FTP

def server(addr, root):
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    class Handler(FTPHandler):
        """Active mode connects at the transfer, not at PORT/EPRT as
        pyftpdlib does, so that the data connection can come after
        the failover (as with servers that connect on RETR)."""
        deferred = None

        def _make_eport(self, ip, port):
            self.deferred = (ip, port)
            self.respond("200 Active data connection at transfer.")

        def ftp_RETR(self, file):
            if self.deferred is not None:
                ip, port = self.deferred
                self.deferred = None
                FTPHandler._make_eport(self, ip, port)
            return FTPHandler.ftp_RETR(self, file)

    a = DummyAuthorizer()
    a.add_anonymous(root)
    Handler.authorizer = a
    Handler.passive_ports = range(60000, 60100)
    s = FTPServer((addr, 21), Handler)
    print("listening", addr, flush=True)
    s.serve_forever()

def wait_file(path, secs):
    end = time.time() + secs
    while not os.path.exists(path):
        if time.time() > end:
            raise RuntimeError("no go within %d s" % secs)
        time.sleep(0.05)

def client(mode, addr, d):
    ftp = FTP(timeout=10)
    ftp.connect(addr, 21)
    ftp.login()
    ftp.voidcmd("TYPE I")
    if mode == "pasv":
        host, port = ftp.makepasv()	# PASV, or EPSV over IPv6
        print("data port", port, flush=True)
    else:
        lsock = ftp.makeport()		# PORT, or EPRT over IPv6
        lsock.settimeout(15)
        print("data port", lsock.getsockname()[1], flush=True)
    open(d + ".ready", "w").close()
    wait_file(d + ".go", 120)
    if mode == "pasv":
        conn = socket.create_connection((host, port), timeout=15)
        ftp.sendcmd("RETR data.bin")
    else:
        ftp.sendcmd("RETR data.bin")
        conn, _ = lsock.accept()
        conn.settimeout(15)
    h, n = hashlib.sha256(), 0
    while True:
        b = conn.recv(65536)
        if not b:
            break
        h.update(b)
        n += len(b)
    conn.close()
    # 226 on the control connection (active mode: after the 200 of the
    # connection made)
    for _ in range(3):
        if ftp.getresp().startswith("226"):
            break
    ftp.quit()
    return h.hexdigest(), n

if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], sys.argv[3])
    else:
        d = sys.argv[4]
        try:
            digest, n = client(sys.argv[2], sys.argv[3], d)
            res = "ok %s %d" % (digest, n)
        except Exception as e:
            res = "error %s: %s" % (type(e).__name__, e)
        with open(d + ".res", "w") as f:
            f.write(res + "\n")
        print(res, flush=True)
EOT
}

# ftp_up: the helper ruleset on both firewalls, the file, the servers.
ftp_up() {
	local _a
	ftp_rules >"$LAB_DIR/ftplab.nft"
	app_nft ftplab
	ftp_pyfile >"$LAB_DIR/ftp.py"
	mkdir -p "$LAB_DIR/ftproot"
	head -c "$FTP_SIZE" /dev/urandom >"$LAB_DIR/ftproot/data.bin"
	FTP_SUM=$(sha256sum "$LAB_DIR/ftproot/data.bin" | cut -d' ' -f1)
	for _a in "$FWPAIR_SRV4" "$FWPAIR_SRV6"; do
		lab_bg server "$LAB_DIR/ftpd-$_a.log" "$LAB_PY" -u \
		    "$LAB_DIR/ftp.py" server "$_a" "$LAB_DIR/ftproot"
		wait_for 10 "grep -q listening '$LAB_DIR/ftpd-$_a.log'" ||
		    lab_fail "FTP server on $_a did not start"
	done
}

# The clients of the helpers' applications (here and in sip.sh) share a
# protocol of files $P.*: the client sets up its control session, creates
# $P.ready and waits for $P.go before it opens the related flow, then
# writes its result to $P.res ("ok..." or "error ...").

# app_nft NAME: the ruleset $LAB_DIR/NAME.nft into both firewalls (not
# in a pipeline: lab_fail must end the test, not a subshell).
app_nft() {
	local _fw
	for _fw in fw1 fw2; do
		lab_exec "$_fw" nft -f "$LAB_DIR/$1.nft" ||
		    lab_fail "ruleset $1 on $_fw"
	done
}

# app_start P WHAT cmd...: cmd on the client (output to $P.log), until it
# is ready; lab_fail with WHAT if it ended first.
app_start() {
	local _p=$1 _w=$2
	shift 2
	lab_bg client "$_p.log" "$@"
	wait_for 15 "[ -e '$_p.ready' ] || [ -e '$_p.res' ]" &&
	    [ -e "$_p.ready" ] || lab_fail "$_w: $(cat "$_p.log")"
}

# app_done P WANT: wait (bounded) for $P.res; true if it is WANT.
app_done() {
	wait_for 60 "[ -e '$1.res' ]" ||
	    { lab_log "$(basename "$1"): no result"; return 1; }
	lab_log "$(basename "$1"): $(cat "$1.res")"
	[ "$(cat "$1.res")" = "$2" ]
}

# ftp_client NAME pasv|active 4|6: a client logged in through the master,
# its data channel announced (the master's helper made the expectation),
# waiting for ftp_go NAME before it opens the data connection.
ftp_client() {
	local _d=$LAB_DIR/ftp-$1 _a=$FWPAIR_SRV4
	[ "$3" = 6 ] && _a=$FWPAIR_SRV6
	app_start "$_d" "ftp client $1 ($2, IPv$3) did not get its data port" \
	    "$LAB_PY" -u "$LAB_DIR/ftp.py" client "$2" "$_a" "$_d"
	lab_log "ftp $1: logged in, $2 mode over IPv$3, $(grep 'data port' "$_d.log")"
}

ftp_go() { : >"$LAB_DIR/ftp-$1.go"; }

# ftp_done NAME: true if the whole file arrived intact and the server
# confirmed it.
ftp_done() { app_done "$LAB_DIR/ftp-$1" "ok $FTP_SUM $FTP_SIZE"; }

# ftp_expects fwN: the number of expectations in fwN's kernel.
ftp_expects() {
	{ lab_exec "$1" conntrack -L expect -f ipv4
	  lab_exec "$1" conntrack -L expect -f ipv6; } 2>/dev/null |
	    grep -c . || true
}
