# tests/lab/sip.sh: a SIP call through the two-firewall lab
# (tests/lab/fwpair.sh), for the expectation tests. Sourced after
# fwpair.sh (or e2e.sh):
#
#	sip_require			# skip (77) without the sip helper
#	fwpair_up; fwpair_wait_master fw1
#	sip_up NAME			# helper ruleset on both, the callee
#	sip_call NAME			# INVITE and 200 OK through the master,
#					# then waits for sip_go NAME
#	sip_go NAME; sip_done NAME	# media via whoever is master: the
#					# caller's (echoed) and the callee's
#
# Ruleset added on each firewall (table inet siplab): the sip helper is
# assigned to the LAN's UDP to port 5060. Forwarding is ftp.sh's (table
# inet ftplab, which must be loaded too): that signalling is accepted as
# new, the media flow (the caller's RTP to the port the callee's SDP
# names) only as the related flow of the helper's expectation.
#
# Callee on the server (198.51.100.10:5060, media port 30000, echoing what
# it gets); caller on the client (192.0.2.10:5060, media port 20000,
# source-NATed by the firewalls, so its SDP is rewritten by nf_nat_sip).
# Both are small python3 scripts: one INVITE, one 200 OK, media datagrams;
# the caller follows ftp.sh's client protocol (app_start, app_done).

sip_require() {
	[ -d /sys/module/nf_conntrack_sip ] ||
	    modprobe nf_conntrack_sip 2>/dev/null ||
	    { echo "skip: no nf_conntrack_sip (kernel module)"; exit 77; }
}

sip_rules() {
	cat <<'EOT'
table inet siplab {
	ct helper sip-5060 {
		type "sip" protocol udp;
		l3proto inet;
	}
	chain pre {
		type filter hook prerouting priority filter; policy accept;
		iifname "eth0" udp dport 5060 ct helper set "sip-5060"
	}
}
EOT
}

sip_pyfile() {
	cat <<'EOT'
import os, socket, sys, time

def sdp(addr, port):
    return ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\n" % (addr, addr, port))

def msg(first, headers, body):
    h = "".join("%s: %s\r\n" % kv for kv in headers)
    return ("%s\r\n%sContent-Type: application/sdp\r\nContent-Length: %d\r\n"
            "\r\n%s" % (first, h, len(body), body)).encode()

def header(m, name):
    for line in m.split("\r\n"):
        if line.lower().startswith(name.lower() + ":"):
            return line.split(":", 1)[1].strip()
    return ""

def callee_media(to, go):
    """After the go, media of the callee's own to the caller's SDP
    address (the NAT's, rewritten by nf_nat_sip): a new flow from the
    WAN that passes only as the INVITE's expectation, translated back
    to the caller by its saved address."""
    end = time.time() + 120
    while not os.path.exists(go) and time.time() < end:
        time.sleep(0.05)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(20):
        s.sendto(b"callee %d" % i, to)
        time.sleep(0.25)

def callee(addr, go):
    import threading
    sig = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sig.bind((addr, 5060))
    med = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    med.bind((addr, 30000))
    print("listening", flush=True)
    import select
    while True:
        r, _, _ = select.select([sig, med], [], [])
        if sig in r:
            data, peer = sig.recvfrom(4096)
            m = data.decode(errors="replace")
            if not m.startswith("INVITE"):
                continue
            print("INVITE from", peer, flush=True)
            media = ([l for l in m.split("\r\n") if l.startswith("c=IN IP4 ")][0].split()[2],
                     int([l for l in m.split("\r\n") if l.startswith("m=audio ")][0].split()[1]))
            print("caller media at %s:%d" % media, flush=True)
            threading.Thread(target=callee_media, args=(media, go),
                             daemon=True).start()
            hs = [(n, header(m, n)) for n in ("Via", "From")]
            hs.append(("To", header(m, "To") + ";tag=2"))
            hs += [(n, header(m, n)) for n in ("Call-ID", "CSeq")]
            hs.append(("Contact", "<sip:bob@%s:5060>" % addr))
            sig.sendto(msg("SIP/2.0 200 OK", hs, sdp(addr, 30000)), peer)
        if med in r:
            data, peer = med.recvfrom(4096)
            print("media from", peer, flush=True)
            med.sendto(b"echo " + data, peer)

def caller(me, callee_addr, d):
    sig = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sig.bind((me, 5060))
    sig.settimeout(10)
    med = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    med.bind((me, 20000))
    hs = [("Via", "SIP/2.0/UDP %s:5060;branch=z9hG4bK-1" % me),
          ("From", "<sip:alice@%s>;tag=1" % me),
          ("To", "<sip:bob@%s>" % callee_addr),
          ("Call-ID", "1@%s" % me), ("CSeq", "1 INVITE"),
          ("Contact", "<sip:alice@%s:5060>" % me)]
    sig.sendto(msg("INVITE sip:bob@%s SIP/2.0" % callee_addr, hs,
                   sdp(me, 20000)), (callee_addr, 5060))
    m = sig.recv(4096).decode(errors="replace")
    if not m.startswith("SIP/2.0 200"):
        raise RuntimeError("no 200 OK: " + m.split("\r\n")[0])
    line = [l for l in m.split("\r\n") if l.startswith("m=audio ")][0]
    port = int(line.split()[1])
    caddr = [l for l in m.split("\r\n") if l.startswith("c=IN IP4 ")][0]
    caddr = caddr.split()[2]
    print("200 OK, media to %s:%d" % (caddr, port), flush=True)
    open(d + ".ready", "w").close()
    end = time.time() + 120
    while not os.path.exists(d + ".go"):
        if time.time() > end:
            raise RuntimeError("no go")
        time.sleep(0.05)
    # Bounded by time, not by count: the echo comes back at once, and
    # the callee's own media only every 0.25 s.
    med.settimeout(0.25)
    echo = callee_media = False
    end = time.time() + 8
    i = 0
    while time.time() < end:
        i += 1
        med.sendto(b"rtp %d" % i, (caddr, port))
        try:
            data = med.recv(4096)
        except socket.timeout:
            continue
        echo = echo or data.startswith(b"echo rtp")
        callee_media = callee_media or data.startswith(b"callee")
        if echo and callee_media:
            return "ok"
    raise RuntimeError("media: echo of ours %s, callee's own %s" %
                       (echo, callee_media))

if __name__ == "__main__":
    if sys.argv[1] == "callee":
        callee(sys.argv[2], sys.argv[3])
    else:
        d = sys.argv[4]
        try:
            res = caller(sys.argv[2], sys.argv[3], d)
        except Exception as e:
            res = "error %s: %s" % (type(e).__name__, e)
        with open(d + ".res", "w") as f:
            f.write(res + "\n")
        print(res, flush=True)
EOT
}

# sip_up NAME: the helper ruleset on both firewalls, the callee (its
# own media starts at sip_go NAME).
sip_up() {
	sip_rules >"$LAB_DIR/siplab.nft"
	app_nft siplab
	sip_pyfile >"$LAB_DIR/sip.py"
	lab_bg server "$LAB_DIR/callee.log" "$LAB_PY" -u "$LAB_DIR/sip.py" \
	    callee "$FWPAIR_SRV4" "$LAB_DIR/sip-$1.go"
	wait_for 10 "grep -q listening '$LAB_DIR/callee.log'" ||
	    lab_fail "SIP callee did not start"
}

# sip_call NAME: the call set up through the master (its helper made the
# media expectations), the caller waiting for sip_go NAME.
sip_call() {
	local _d=$LAB_DIR/sip-$1
	app_start "$_d" "SIP call $1 not set up" "$LAB_PY" -u \
	    "$LAB_DIR/sip.py" caller 192.0.2.10 "$FWPAIR_SRV4" "$_d"
	lab_log "sip $1: $(grep '200 OK' "$_d.log")"
}

sip_go() { : >"$LAB_DIR/sip-$1.go"; }

# sip_done NAME: true if the caller got the echo of its media and the
# callee's own media.
sip_done() { app_done "$LAB_DIR/sip-$1" ok; }
