#!/usr/bin/python3
"""Capture a master's vhid 1 adverts, and replay them later. Test use
only: the caller runs it inside a lab namespace
(tests/integ/carp-replay-restart.sh).

carp_replay.py capture DEV MASTER_IP N FILE   N adverts, hex, one a line
carp_replay.py replay DEV MASTER_IP FILE [--rounds N] [--interval S]

Replayed adverts go to 224.0.0.18 as raw Ethernet frames with the
master's address as source and TTL 255, exactly as captured.
"""
import argparse, os, socket, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from carp_flood import capture, ip4, MCAST_MAC, ETH_P_IP  # noqa: E402
import struct  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("capture", "replay"))
    p.add_argument("dev")
    p.add_argument("master")
    p.add_argument("arg1")
    p.add_argument("arg2", nargs="?")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--interval", type=float, default=0.1)
    a = p.parse_args()
    if a.mode == "capture":
        n = int(a.arg1)
        got = capture(a.dev, a.master, n * 2 + 5, want1=n, want2=0)
        if len(got[1]) < n:
            raise SystemExit("captured %d adverts, not %d" % (len(got[1]), n))
        with open(a.arg2, "w") as f:
            for pay in got[1][:n]:
                f.write(pay.hex() + "\n")
        return
    pays = [bytes.fromhex(l.strip()) for l in open(a.arg1) if l.strip()]
    mac = open("/sys/class/net/%s/address" % a.dev).read().strip()
    eth = MCAST_MAC + bytes.fromhex(mac.replace(":", "")) + \
        struct.pack("!H", ETH_P_IP)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.dev, 0))
    for _ in range(min(a.rounds, 1000)):
        for pay in pays:
            s.send(eth + ip4(a.master, "224.0.0.18", pay))
            time.sleep(a.interval)
    print(len(pays) * min(a.rounds, 1000))


main()
