#!/usr/bin/python3
"""Send forged CARP v2 adverts (auth compat, HMAC-SHA1 as OpenBSD/ucarp)
to 224.0.0.18 on one interface, with a chosen TTL. Test use only: the
caller runs it inside a lab namespace.

carp_send.py DEV VHID PASSWORD VIP[,VIP...] [--ttl N] [--advbase N]
    [--advskew N] [--demote N] [--count N] [--interval S]
"""
import argparse, hashlib, hmac, ipaddress, os, socket, struct, time


def checksum(data):
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def advert(vhid, advbase, advskew, demote, counter, password, vips):
    key = password.encode()[:20].ljust(20, b"\0")
    msg = bytes([2, 1, vhid])
    for a in sorted({int(ipaddress.IPv4Address(v)) for v in vips}):
        msg += struct.pack("!I", a)
    ctr = struct.pack("!Q", counter)
    digest = hmac.new(key, msg + ctr, hashlib.sha1).digest()
    hdr = struct.pack("!BBBBBBH", 0x21, vhid, advskew, 7, demote, advbase, 0)
    pkt = hdr + ctr + digest
    return pkt[:6] + struct.pack("!H", checksum(pkt)) + pkt[8:]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dev")
    p.add_argument("vhid", type=int)
    p.add_argument("password")
    p.add_argument("vips")
    p.add_argument("--ttl", type=int, default=255)
    p.add_argument("--advbase", type=int, default=1)
    p.add_argument("--advskew", type=int, default=0)
    p.add_argument("--demote", type=int, default=0)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--interval", type=float, default=0.2)
    a = p.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.dev.encode())
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, a.ttl)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    counter = struct.unpack("!Q", os.urandom(8))[0]
    for i in range(min(a.count, 1000)):
        pkt = advert(a.vhid, a.advbase, a.advskew, a.demote, counter + i,
                     a.password, a.vips.split(","))
        s.sendto(pkt, ("224.0.0.18", 0))
        time.sleep(a.interval)


main()
