#!/usr/bin/env python3
"""Hostile sync datagrams for tests/integ/sync-hostile.sh.

    sync_forge.py KIND[,KIND...] KEYFILE PCAP DST [N]

Sends N (default 100) datagrams of each KIND to DST port 8372 and prints
how many it sent of each, one line per KIND. PCAP holds genuine datagrams of the peer to DST (captured
by the test): their header gives the live session (node, nonce, seq) and
the receiver's own session, which a datagram must acknowledge to be
fresh (docs/PROTOCOL.md, sections 6.3 to 6.5). Datagrams are protobuf
(proto/sync.proto), encoded here by hand, followed by the 16-byte tag:
HMAC-SHA256 over "carp-syncd 1" and the datagram, truncated (section
6.4, syncd/seal.c).

KIND, and what the receiver must count it as:
  garbage    random bytes                        auth_failures
  short      1 to 16 bytes                       auth_failures
  unsealed   a genuine datagram, tag wrong/none  auth_failures
  wrongkey   well formed, sealed with another key auth_failures
  truncated  sealed, cut inside a state          malformed
  unknown    sealed, only unknown fields         malformed
  unknownhdr sealed, a header (another node, not
             acking the receiver) and unknown fields  stale
  replay     the captured datagrams as they were replays (or stale)
  jump       the live session, seq far ahead     seq_jumps
  absurd     sealed states no kernel entry has   invalid
"""
import hashlib
import hmac
import os
import random
import socket
import struct
import sys

LABEL = b"carp-syncd 1"
TAGLEN = 16


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_varint(n, v):
    return varint(n << 3) + varint(v)


def f_fixed64(n, v):
    return varint(n << 3 | 1) + struct.pack("<Q", v)


def f_fixed32(n, v):
    return varint(n << 3 | 5) + struct.pack("<I", v & 0xFFFFFFFF)


def f_bytes(n, b):
    return varint(n << 3 | 2) + varint(len(b)) + b


def fields(buf):
    """(field, wiretype, value) of one protobuf message."""
    i, out = 0, []
    while i < len(buf):
        key, i = read_varint(buf, i)
        n, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 1:
            v, i = struct.unpack_from("<Q", buf, i)[0], i + 8
        elif wt == 5:
            v, i = struct.unpack_from("<I", buf, i)[0], i + 4
        elif wt == 2:
            ln, i = read_varint(buf, i)
            v, i = buf[i:i + ln], i + ln
        else:
            raise ValueError("wire type %d" % wt)
        out.append((n, wt, v))
    return out


def read_varint(buf, i):
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def header_of(dg):
    """The header of a captured datagram (tag stripped) as a dict."""
    h = {"acks": []}
    for n, _, v in fields(dg):
        if n != 1:
            continue
        for hn, _, hv in fields(v):
            if hn == 7:
                a = {an: av for an, _, av in fields(hv)}
                h["acks"].append((a.get(1, 0), a.get(2, 0), a.get(3, 0)))
            else:
                h[{1: "version", 2: "nonce", 3: "node", 4: "seq", 5: "low",
                   6: "flags"}.get(hn, hn)] = hv
    return h


def header(node, nonce, seq, acks, flags=1):
    b = f_varint(1, 1) + f_fixed64(2, nonce) + f_varint(3, node)
    b += f_fixed32(4, seq) + f_fixed32(5, seq) + f_varint(6, flags)
    for an, anonce, aseq in acks:
        b += f_bytes(7, f_varint(1, an) + f_fixed64(2, anonce) +
                     f_fixed32(3, aseq))
    return f_bytes(1, b)


def tup(src, dst, sport=40000, dport=443):
    return f_bytes(1, src) + f_bytes(2, dst) + f_varint(3, sport) + \
        f_varint(4, dport)


def update(family=4, proto=6, orig=None, reply=None, timeout=3600,
           status=0x18E):
    v4 = (bytes([192, 0, 2, 77]), bytes([198, 51, 100, 77]))
    b = f_varint(1, family) + f_varint(2, proto)
    b += f_bytes(4, orig if orig is not None else tup(*v4))
    if reply is not None:
        b += f_bytes(5, reply)
    b += f_varint(6, status) + f_varint(8, timeout) + f_varint(9, 3)
    return f_bytes(2, b)


def seal(key, payload):
    return payload + hmac.new(key, LABEL + payload,
                              hashlib.sha256).digest()[:TAGLEN]


def captured(pcap):
    from scapy.all import UDP, rdpcap
    return [bytes(p[UDP].payload) for p in rdpcap(pcap)
            if UDP in p and p[UDP].dport == 8372]


def absurd_states():
    """States no kernel entry has (each its own datagram)."""
    z4, z6 = bytes(4), bytes(16)
    a, b = bytes([192, 0, 2, 78]), bytes([198, 51, 100, 78])
    return [
        update(orig=tup(z4, z4, 0, 0)),                 # zero tuple
        update(orig=tup(a, z4)),                        # to 0.0.0.0
        update(orig=tup(bytes([224, 0, 0, 9]), b)),     # multicast source
        update(proto=112),                              # CARP: unknown
        update(proto=250),                              # no such protocol
        update(proto=58),                               # ICMPv6 in IPv4
        update(reply=tup(z6[:15] + b"\1", z6[:15] + b"\2")),  # reply is v6
        update(reply=tup(z4, a)),                       # reply from 0.0.0.0
        update(family=6, orig=tup(a, b)),               # v6 with v4 addresses
        update(family=5),                               # no such family
        update(timeout=0xFFFFFFFF),                     # absurd timeout
        update(timeout=400 * 86400),                    # 400 days
        update() * 513,                                 # too many states
    ]


def build(kind, key, caps, n):
    last = header_of(caps[-1][:-TAGLEN])
    live = (last["node"], last["nonce"], last.get("seq", 0))
    ours = last["acks"]
    forger = random.randrange(1, 1 << 32)
    out = []
    for i in range(n):
        if kind == "garbage":
            out.append(os.urandom(random.randrange(17, 1400)))
        elif kind == "short":
            out.append(os.urandom(1 + i % TAGLEN))
        elif kind == "unsealed":
            # a genuine datagram with a wrong tag, or with none at all
            d = caps[i % len(caps)][:-TAGLEN]
            out.append(d + os.urandom(TAGLEN) if i % 2 else d)
        elif kind == "wrongkey":
            out.append(seal(b"not the shared secret at all",
                            header(live[0], live[1], live[2] + 1 + i, ours)
                            + update()))
        elif kind == "truncated":
            d = header(forger, 7, i, ours) + update()
            # the state's length prefix now claims more than follows
            out.append(seal(key, d[:len(d) - 1 - i % 20]))
        elif kind == "unknown":
            # numbers no version uses (Datagram's grow from 9 up)
            d = f_varint(90, i) + f_bytes(95, b"x" * (i % 50)) + \
                f_fixed64(200, i)
            out.append(seal(key, d))
        elif kind == "unknownhdr":
            d = header(forger, 7, i, []) + f_bytes(90, b"?" * (i % 50)) + \
                f_varint(31, i)
            out.append(seal(key, d))
        elif kind == "replay":
            out.append(caps[i % len(caps)])
        elif kind == "jump":
            out.append(seal(key, header(live[0], live[1],
                                        live[2] + 100000 + i, ours) +
                            update()))
        elif kind == "absurd":
            st = absurd_states()
            out.append(seal(key, header(forger, 7, i, ours) +
                            st[i % len(st)]))
        else:
            sys.exit("unknown kind " + kind)
    return out


def main():
    kinds, keyfile, pcap, dst = sys.argv[1:5]
    n = int(sys.argv[5]) if len(sys.argv) > 5 else 100
    key = open(keyfile, "rb").read()
    if key.endswith(b"\n"):
        key = key[:-1]
    caps = captured(pcap)
    if not caps:
        sys.exit("no datagram in " + pcap)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for kind in kinds.split(","):
        dgs = build(kind, key, caps, len(caps) if kind == "replay" else n)
        for d in dgs:
            s.sendto(d, (dst, 8372))
        print(len(dgs))


if __name__ == "__main__":
    main()
