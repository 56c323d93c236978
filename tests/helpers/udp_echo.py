#!/usr/bin/python3
"""A UDP echo for the port tests (stdlib only).

  udp_echo.py serve PIDFILE ADDR:PORT...   answer every datagram with b"echo " + it, from
                                           each address given ([::1]:7 for IPv6); writes
                                           its PID to PIDFILE once every socket is bound
  udp_echo.py peer PIDFILE ADDR:PORT...    the same, but answer with the sender's IP: what
                                           a server sees of its client
  udp_echo.py ask HOST PORT TEXT [N]       send TEXT (N times, 1 s apart until answered)
                                           and print the first answer; exit 1 on none
  udp_echo.py burst HOST PORT              send 600 datagrams at once, in runs of one size
                                           and of mixed sizes, empty ones among them; print
                                           how many came back exactly, "600 of 600"
"""
import os
from collections import Counter
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
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)  # room for a burst
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


def burst(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.connect((host, port))  # only answers from the address asked
    sent = []
    for i in range(600):
        size = [1400, 1400, 1400, 700, 0, 1400, 64, 9000, 9000, 1][i % 10] if i % 200 < 100 else 1400
        data = (b"%05d" % i + bytes(range(256)) * 40)[:size]
        s.send(data)
        sent.append(b"echo " + data)
    got = []
    s.settimeout(2)
    try:
        while len(got) < len(sent):
            got.append(s.recv(65535))
    except socket.timeout:
        pass
    print("%d of %d" % (sum((Counter(got) & Counter(sent)).values()), len(sent)))


if __name__ == "__main__":
    if sys.argv[1] in ("serve", "peer"):
        serve(sys.argv[2], sys.argv[3:], sys.argv[1] == "peer")
    elif sys.argv[1] == "burst":
        burst(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(ask(sys.argv[2], int(sys.argv[3]), sys.argv[4],
                     int(sys.argv[5]) if len(sys.argv) > 5 else 5))
