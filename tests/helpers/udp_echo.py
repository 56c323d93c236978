#!/usr/bin/python3
"""A UDP echo for the port tests (stdlib only).

  udp_echo.py serve PIDFILE ADDR:PORT...   answer every datagram with b"echo " + it, from
                                           each address given ([::1]:7 for IPv6); writes
                                           its PID to PIDFILE once every socket is bound
  udp_echo.py peer PIDFILE ADDR:PORT...    the same, but answer with the sender's IP: what
                                           a server sees of its client
  udp_echo.py ask HOST PORT TEXT [N]       send TEXT (N times, 1 s apart until answered)
                                           and print the first answer; exit 1 on none
"""
import os
import select
import socket
import sys


def split(hostport):
    host, _, port = hostport.rpartition(":")
    return host.strip("[]"), int(port)


def serve(pidfile, addrs, peer_only=False):
    socks = []
    for a in addrs:
        host, port = split(a)
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((host, port))
        socks.append(s)
    with open(pidfile + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(pidfile + ".tmp", pidfile)
    while True:
        ready, _, _ = select.select(socks, [], [])
        for s in ready:
            data, peer = s.recvfrom(65535)
            s.sendto(peer[0].encode() if peer_only else b"echo " + data, peer)


def ask(host, port, text, tries):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(1)
    for _ in range(tries):
        s.sendto(text.encode(), (host, port))
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            continue
        print(data.decode())
        return 0
    return 1


if __name__ == "__main__":
    if sys.argv[1] in ("serve", "peer"):
        serve(sys.argv[2], sys.argv[3:], sys.argv[1] == "peer")
    else:
        sys.exit(ask(sys.argv[2], int(sys.argv[3]), sys.argv[4],
                     int(sys.argv[5]) if len(sys.argv) > 5 else 5))
