#!/usr/bin/python3
"""Play systemd's side of sd_notify(3) for a test: bind an AF_UNIX
datagram socket at PATH (what NOTIFY_SOCKET names) and append every
message to OUT as one line: the time it came (HH:MM:SS.mmm, the
daemons' log format, to order it against their log lines), then its
KEY=VALUE lines joined by " | ".
Bounded: exits after SECONDS (default 120) or 10,000 messages.

notify_listen.py PATH OUT [SECONDS]
"""
import datetime, os, socket, sys, time


def main():
    path, out = sys.argv[1], sys.argv[2]
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.exists(path):
        os.unlink(path)
    s.bind(path)
    # a daemon running as another user ("user" in carp.conf) sends too
    os.chmod(path, 0o666)
    end = time.monotonic() + limit
    with open(out, "a", buffering=1) as f:
        for _ in range(10000):
            left = end - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                msg = s.recv(4096)
            except socket.timeout:
                break
            now = datetime.datetime.now().strftime("%H:%M:%S.%f")[:12]
            f.write(now + " " + " | ".join(
                msg.decode(errors="replace").split("\n")) + "\n")


if __name__ == "__main__":
    main()
