#!/usr/bin/python3
"""A non-blocking TCP connect as an event loop does it (stdlib only, tests/bypass.bats).

  nbconnect.py HOST PORT   connect(2) on a non-blocking socket, poll(2) for POLLOUT,
                           read SO_ERROR; on success send "ping\\n", print
                           "EINPROGRESS peer HOST:PORT" (getpeername(2)) and the first line
                           the server answers; on failure print "EINPROGRESS error NAME"
                           (or "immediate NAME" when connect itself failed) and exit 1
  nbconnect.py serve PIDFILE HOST PORT
                           the server: answer each connection's first line with
                           "pong CLIENT-IP"; writes its PID to PIDFILE once listening
"""
import os
import errno
import select
import socket
import sys


def main(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setblocking(False)
    e = s.connect_ex((host, port))
    if e not in (0, errno.EINPROGRESS):
        print("immediate", errno.errorcode[e])
        return 1
    first = "EINPROGRESS" if e else "connected"
    p = select.poll()
    p.register(s, select.POLLOUT)
    if not p.poll(10000):
        print(first, "timeout")
        return 1
    e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if e:
        print(first, "error", errno.errorcode[e])
        return 1
    peer = s.getpeername()
    s.setblocking(True)
    s.sendall(b"ping\n")
    line = s.makefile().readline().strip()
    print(first, "peer", "%s:%d" % (peer[0], peer[1]), line)
    return 0


def serve(pidfile, host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(16)
    with open(pidfile + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(pidfile + ".tmp", pidfile)
    while True:
        c, peer = s.accept()
        with c:
            c.makefile().readline()
            c.sendall(("pong %s\n" % peer[0]).encode())


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(main(sys.argv[1], int(sys.argv[2])))
