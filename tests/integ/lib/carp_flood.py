#!/usr/bin/python3
"""Flood a CARP LAN with hostile adverts. Test use only: the caller runs
it inside a lab namespace (tests/integ/carp-flood.sh).

carp_flood.py DEV MASTER_IP MASTER_MAC [--rate N] [--seconds S]

First listens on DEV for the master's real adverts (vhid 1, auth strict,
and vhid 2, auth compat), then sends, round robin and paced to --rate
frames a second for --seconds, one frame of each kind:

  cksum     wrong checksum                 ttl       TTL 64
  trunc     20 bytes of header             oversize  1,036 bytes
  version   version 3                      vhid      vhid 99 (nobody's)
  hmac      strict header, random digest   replay    a captured strict
                                                     advert, multicast
  own       a captured strict advert sent to the master: its own
            address and counter
  cookie    a captured compat advert sent to the master: its own cookie

The frames are built once and sent as raw Ethernet frames, so that the
IP source and TTL are ours to choose. "own" and "cookie" go to the
master's MAC and address only; everything else to 224.0.0.18. Prints
one JSON object: frames sent per kind, and in all to each node.
"""
import argparse, json, os, socket, struct, time

ETH_P_IP = 0x0800
MCAST_MAC = bytes.fromhex("01005e000012")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(src, dst, payload, ttl=255):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(payload), 0,
                      0x4000, ttl, 112, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def carp(vhid, version=2, digest=None, good_cksum=True):
    counter = int(time.time() * 1000000)
    hdr = struct.pack("!BBBBBBH", (version << 4) | 1, vhid, 0, 7, 0, 1, 0)
    pkt = hdr + struct.pack("!Q", counter) + (digest or os.urandom(20))
    c = csum(pkt)
    if not good_cksum:
        c = (c + 1) & 0xFFFF
    return pkt[:6] + struct.pack("!H", c) + pkt[8:]


def capture(dev, master, seconds, want1=3, want2=1):
    """The master's adverts seen on dev: {vhid: [carp payload, ...]}."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_IP))
    s.bind((dev, ETH_P_IP))
    s.settimeout(0.5)
    got = {1: [], 2: []}
    end = time.time() + seconds
    while time.time() < end and (len(got[1]) < want1 or
                                 len(got[2]) < want2):
        try:
            f = s.recv(2048)
        except socket.timeout:
            continue
        ip = f[14:]
        if len(ip) < 20 + 36 or ip[9] != 112:
            continue
        hl = (ip[0] & 15) * 4
        if socket.inet_ntoa(ip[12:16]) != master:
            continue
        pay = ip[hl:hl + 36]
        if pay[1] in got:
            got[pay[1]].append(pay)
    s.close()
    return got


def frames(dev, me, master, master_mac, got):
    mac = open("/sys/class/net/%s/address" % dev).read().strip()
    src_mac = bytes.fromhex(mac.replace(":", ""))
    mc = MCAST_MAC + src_mac + struct.pack("!H", ETH_P_IP)
    uc = master_mac + src_mac + struct.pack("!H", ETH_P_IP)
    g = "224.0.0.18"
    ok = carp(1)
    # kind: (frames, to the master only)
    return {
        "cksum": ([mc + ip4(me, g, carp(1, good_cksum=False))], 0),
        "ttl": ([mc + ip4(me, g, ok, ttl=64)], 0),
        "trunc": ([mc + ip4(me, g, ok[:20])], 0),
        "oversize": ([mc + ip4(me, g, carp(1) + os.urandom(1000))], 0),
        "version": ([mc + ip4(me, g, carp(1, version=3))], 0),
        "vhid": ([mc + ip4(me, g, carp(99))], 0),
        "hmac": ([mc + ip4(me, g, carp(1))], 0),
        "replay": ([mc + ip4(master, g, p) for p in got[1]], 0),
        "own": ([uc + ip4(master, master, p) for p in got[1]], 1),
        "cookie": ([uc + ip4(master, master, p) for p in got[2][:1]], 1),
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dev")
    p.add_argument("me")
    p.add_argument("master")
    p.add_argument("master_mac")
    p.add_argument("--rate", type=int, default=10000)
    p.add_argument("--seconds", type=float, default=10)
    a = p.parse_args()
    got = capture(a.dev, a.master, 6)
    if not got[1] or not got[2]:
        raise SystemExit("no adverts of the master captured: %r" %
                         {k: len(v) for k, v in got.items()})
    kinds = frames(a.dev, a.me, a.master,
                   bytes.fromhex(a.master_mac.replace(":", "")), got)
    order = []
    for k, (fl, _) in sorted(kinds.items()):
        order.append((k, fl))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.dev, 0))
    sent = {k: 0 for k in kinds}
    total = int(a.rate * a.seconds)
    batch = max(1, a.rate // 200)       # every 5 ms
    start = time.monotonic()
    i = 0
    while i < total and time.monotonic() - start < a.seconds * 3:
        for _ in range(min(batch, total - i)):
            k, fl = order[i % len(order)]
            try:
                s.send(fl[(i // len(order)) % len(fl)])
                sent[k] += 1
            except OSError:
                pass
            i += 1
        ahead = start + i / a.rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    elapsed = time.monotonic() - start
    to_master = sum(n for k, n in sent.items() if kinds[k][1])
    print(json.dumps({"sent": sent, "all": sum(sent.values()),
                      "multicast": sum(sent.values()) - to_master,
                      "to_master": to_master,
                      "seconds": round(elapsed, 2)}))


if __name__ == "__main__":
    main()
