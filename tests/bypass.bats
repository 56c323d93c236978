#!/usr/bin/env bats
# The socket bypass (`netnest run --bypass`, docs/bypass.md): sockets a sandbox opens to the
# outside are made in the host netns by the nest daemon, so their bytes never cross tap0.
#
# The nest runs, rootless as nntest and with --allow-host-loopback, inside a scratch netns
# that plays the host: lo (the servers of "the host's 127.0.0.1" and ::1) and an uplink
# 198.51.100.1/24 whose default route leads nowhere (a veth pair with both ends in that
# netns).  Every address is in a namespace this file made.

load helpers/common
load helpers/ports

setup() {
  ports_setup
  H=$(unique_name nnbyh)
  NETNS=()
  scratch_host "$H" && NETNS+=("$H")
  STATE=/run/user/$(nn_uid)/netnest/$NEST
  SRV=$TMP/srv
  install -d -o "$NN_USER" -m 0755 "$SRV"
  head -c 1048576 /dev/urandom >"$SRV/file"
  chmod a+r "$SRV/file"
  SUM=$(sha256sum <"$SRV/file")
}

teardown() {
  local f n
  for f in "${PIDFILES[@]}"; do
    [[ -s $f ]] && kill "$(cat "$f")" 2>/dev/null
  done
  nnh down --nest "$NEST" >/dev/null 2>&1
  for n in "${NETNS[@]}"; do ip netns del "$n"; done
  rm -rf "$TMP"
}

# nnh ARGS...: netnest as the test user, in the scratch host netns
nnh() { as_user -n "$H" "$NETNEST" "$@"; }
# in_host CMD...: CMD as root in the scratch host netns
in_host() { ip netns exec "$H" "$@"; }

up_host() { nnh up -d --nest "$NEST" --allow-host-loopback 3>&-; }

# host_http ADDR PORT: busybox httpd in the scratch host serving $SRV on ADDR:PORT
host_http() {
  local pidf=$TMP/httpd.$2.pid
  PIDFILES+=("$pidf")
  in_host sh -c "echo \$\$ > $pidf; exec busybox httpd -f -p $1:$2 -h $SRV" >/dev/null 2>&1 3>&- &
  wait_for in_host sh -c "ss -Htln 'sport = :$2' | grep -q ."
}

# host_pong ADDR PORT: a TCP server in the scratch host answering "pong CLIENT-IP"
host_pong() {
  local pidf=$TMP/pong.$2.pid
  PIDFILES+=("$pidf")
  in_host /usr/bin/python3 "$NN_ROOT/tests/helpers/nbconnect.py" serve "$pidf" "$1" "$2" \
    >/dev/null 2>&1 3>&- &
  wait_for test -s "$pidf"
}

# tap_bytes: rx + tx bytes of the nest's tap0 so far
tap_bytes() {
  in_nest ip -j -s link show tap0 | jq '.[0].stats64 | .rx.bytes + .tx.bytes'
}

# sb CMD...: CMD in a bypassed sandbox, as the test user in the scratch host
sb() { nnh run --nest "$NEST" --bypass -- "$@"; }

@test "bypass: iperf3 reaches the host's 127.0.0.1 through 10.0.2.2 and tap0's counters do not move" {
  up_host
  p=$(free_port)
  PIDFILES+=("$TMP/iperf.pid")
  in_host iperf3 -s -D -B 127.0.0.1 -p "$p" -I "$TMP/iperf.pid" 3>&-
  wait_for test -s "$TMP/iperf.pid"
  before=$(tap_bytes)
  [[ $before =~ ^[0-9]+$ ]]
  run sb timeout 30 iperf3 -c 10.0.2.2 -p "$p" -t 2 -J
  [ "$status" -eq 0 ]
  sent=$(jq '.end.sum_sent.bytes' <<<"$output")
  [ "$sent" -gt 10000000 ]
  after=$(tap_bytes)
  # a few neighbour or router messages may pass; the test's bytes do not
  [ $((after - before)) -lt 100000 ] || { echo "tap0 moved $((after - before)) of $sent"; false; }
  # the same without --bypass does cross tap0: the counter can tell
  before=$(tap_bytes)
  run nnh run --nest "$NEST" -- timeout 30 iperf3 -c 10.0.2.2 -p "$p" -n 5M -J
  [ "$status" -eq 0 ]
  after=$(tap_bytes)
  # 5 MiB sent; the counters see about 0.9 of it (4.7 MB here), far above the noise
  [ $((after - before)) -gt 1000000 ] || { echo "tap0 moved $((after - before)) without bypass"; false; }
}

@test "bypass: curl fetches 1 MiB intact from a host server, through 10.0.2.2 and to the host's own address" {
  up_host
  p=$(free_port)
  host_http 0.0.0.0 "$p"
  run sb sh -c "curl -sf http://198.51.100.1:$p/file | sha256sum"
  [ "$status" -eq 0 ]
  [ "$output" = "$SUM" ]
  run sb sh -c "curl -sf http://10.0.2.2:$p/file | sha256sum"
  [ "$output" = "$SUM" ]
}

@test "bypass: curl fetches 1 MiB intact from another sandbox's published port, through the host" {
  up_host
  p=$(free_port)
  # a sandbox without the bypass, published by the port driver
  nnh run -d --nest "$NEST" --name pub -p "$p:80" -- busybox httpd -f -p 80 -h "$SRV" >/dev/null 3>&-
  keep_sandbox pub
  wait_until "in_host curl -sf -o /dev/null http://127.0.0.1:$p/file"
  before=$(tap_bytes)
  # the bypassed client reaches it at the host's address and at 10.0.2.2, as a host client
  run sb sh -c "curl -sf http://198.51.100.1:$p/file | sha256sum"
  [ "$status" -eq 0 ]
  [ "$output" = "$SUM" ]
  run sb sh -c "curl -sf http://10.0.2.2:$p/file | sha256sum"
  [ "$output" = "$SUM" ]
  # not through the engine: tap0 saw far less than the 2 MiB
  [ $(($(tap_bytes) - before)) -lt 200000 ]
}

@test "bypass: a sandbox's httpd behind -p serves 1 MiB through a host-netns listener, not the port driver" {
  up_host
  p=$(free_port)
  nnh run -d --nest "$NEST" --name web --bypass -p "$p:80" -- busybox httpd -f -p 80 -h "$SRV" >/dev/null 3>&-
  keep_sandbox web
  pid=$(jq -r .pid "$STATE/sandboxes/web.json")
  # the host netns has the listener, and it is the sandbox's own process that holds it
  wait_until "in_host ss -Htlnp 'sport = :$p' | grep -q 'pid=$pid,'"
  run in_host sh -c "curl -sf http://127.0.0.1:$p/file | sha256sum"
  [ "$output" = "$SUM" ]
  run in_host sh -c "curl -sf http://198.51.100.1:$p/file | sha256sum"
  [ "$output" = "$SUM" ]
  # the port driver does not publish it; ps and the API say the bypass does
  run nnh port ls --nest "$NEST" --json
  [ "$(jq '.ports | length' <<<"$output")" -eq 0 ]
  run nnh ps --nest "$NEST" --json
  [ "$(jq -c '.sandboxes[0].bypass | [.ports, .sockets >= 1, .open, .listening, .loopback]' <<<"$output")" = "[[\"$p:80/tcp\"],true,1,[\"$p:80/tcp\"],[]]" ]
  run nnh ps --nest "$NEST"
  [[ ${lines[1]} =~ ^web\ .*\ 0\.0\.0\.0:$p-\>80/tcp\ .*\ $pid\ +bypass:1\ +busybox ]]
  # topo labels its netns as bypassed
  run nn topo
  [[ $output == *"sandbox web (bypass)"* ]]
  # and nothing listens on 80 in the sandbox's own netns
  run nsenter --net="/proc/$pid/ns/net" ss -Htln 'sport = :80'
  [ -z "$output" ]
}

@test "bypass: ps and the API say which -p ports listen on the host: not before the bind, not a server on the sandbox's 127.0.0.1, each port of a range on its own" {
  up_host
  # before the sandbox binds anything: nothing listens on the host, and ps says so
  q=$(free_port)
  nnh run -d --nest "$NEST" --name idle --bypass -p "$q:80" -- sleep 1000 >/dev/null 3>&-
  keep_sandbox idle
  run nnh ps --nest "$NEST" --json
  [ "$(jq -c '.sandboxes[] | select(.name == "idle") | .bypass | [.ports, .listening, .loopback]' <<<"$output")" = "[[\"$q:80/tcp\"],[],[]]" ]
  run nnh ps --nest "$NEST"
  [[ $output == *"idle "*" 0.0.0.0:$q->80/tcp(unbound) "* ]] || { echo "$output"; false; }
  # a range: port 80 served on the sandbox's loopback only, 81 on every address
  p=$(free_port_ss -Htln 1)
  nnh run -d --nest "$NEST" --name web --bypass -p "$p-$((p + 1)):80-81" -- \
    /usr/bin/python3 "$NN_ROOT/tests/helpers/http_port.py" 127.0.0.1:80 81 >/dev/null 3>&-
  keep_sandbox web
  pid=$(jq -r .pid "$STATE/sandboxes/web.json")
  wait_until "nsenter --net=/proc/$pid/ns/net ss -Htln 'sport = :80' | grep -q 127.0.0.1"
  wait_until "in_host ss -Htln 'sport = :$((p + 1))' | grep -q ."
  # 81's listener is the host socket (getsockname says the host port); nothing has $p
  run in_host curl -sS --max-time 5 "http://127.0.0.1:$((p + 1))/"
  [ "$output" = "$((p + 1))" ]
  [ -z "$(in_host ss -Htln "sport = :$p")" ]
  run in_host curl -sS --max-time 5 "http://127.0.0.1:$p/"
  [ "$status" -eq 7 ]
  run nnh ps --nest "$NEST" --json
  [ "$(jq -c '.sandboxes[] | select(.name == "web") | .bypass | [.ports, .listening, .loopback]' <<<"$output")" = "[[\"$p:80/tcp\",\"$((p + 1)):81/tcp\"],[\"$((p + 1)):81/tcp\"],[\"$p:80/tcp\"]]" ]
  run nnh ps --nest "$NEST"
  [[ $output == *"web "*" 0.0.0.0:$((p + 1))->81/tcp,0.0.0.0:$p->80/tcp(loopback) "* ]] || { echo "$output"; false; }
  nnh stop --nest "$NEST" web
  nnh stop --nest "$NEST" idle
}

@test "bypass: non-blocking connect, poll and getpeername behave, to a host address, to 10.0.2.2 and to a closed port" {
  up_host
  p=$(free_port) q=$(free_port)
  host_pong 0.0.0.0 "$p"
  run sb /usr/bin/python3 "$NN_ROOT/tests/helpers/nbconnect.py" 198.51.100.1 "$p"
  [ "$status" -eq 0 ]
  [ "$output" = "EINPROGRESS peer 198.51.100.1:$p pong 198.51.100.1" ]
  # 10.0.2.2 is the host's 127.0.0.1, and getpeername says so (docs/bypass.md#addresses)
  run sb /usr/bin/python3 "$NN_ROOT/tests/helpers/nbconnect.py" 10.0.2.2 "$p"
  [ "$output" = "EINPROGRESS peer 127.0.0.1:$p pong 127.0.0.1" ]
  run sb /usr/bin/python3 "$NN_ROOT/tests/helpers/nbconnect.py" 198.51.100.1 "$q"
  [ "$status" -eq 1 ]
  [[ $output == *ECONNREFUSED ]]
  # a blocking connect to a closed port fails the same way
  run sb curl -s "http://198.51.100.1:$q/"
  [ "$status" -eq 7 ]
}

@test "bypass: UDP request and response, to a host address and through 10.0.2.2" {
  up_host
  p=$(free_udp_port)
  PIDFILES+=("$TMP/udpecho.pid")
  in_host /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" serve "$TMP/udpecho.pid" \
    "0.0.0.0:$p" >/dev/null 2>&1 3>&- &
  wait_for test -s "$TMP/udpecho.pid"
  before=$(tap_bytes)
  run sb /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" ask 198.51.100.1 "$p" hello 3
  [ "$status" -eq 0 ]
  [ "$output" = "echo hello" ]
  run sb /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" ask 10.0.2.2 "$p" there 3
  [ "$output" = "echo there" ]
  # many datagrams of mixed sizes, sendto(2) each, all back (the burst connects first)
  run sb /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" burst 198.51.100.1 "$p"
  [ "$output" = "600 of 600" ]
  [ $(($(tap_bytes) - before)) -lt 100000 ]
}

@test "bypass: a swapped UDP socket's later sends and connects are translated too, and never reach what the nest closes" {
  nnh up -d --nest "$NEST" 3>&- # host loopback closed
  p=$(free_udp_port)
  PIDFILES+=("$TMP/udpecho.pid")
  in_host /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" serve "$TMP/udpecho.pid" \
    "0.0.0.0:$p" >/dev/null 2>&1 3>&- &
  wait_for test -s "$TMP/udpecho.pid"
  # every datagram of one socket to the host's address is answered, not just the first
  run sb /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
for i in range(3):
    s.sendto(b'%d' % i, ('198.51.100.1', $p))
    print(s.recv(99).decode())"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'echo 0\necho 1\necho 2')" ]
  # once swapped, the socket may not be pointed at the host's loopback (closed in this nest)
  # nor into the nest: each is refused, nothing is sent
  run sb /usr/bin/python3 -c "
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect(('198.51.100.1', $p))
for a in (('127.0.0.1', $p), ('10.0.2.2', $p), ('10.4.0.1', 9)):
    try:
        u.connect(a)
        print('connected', a[0])
    except OSError as e:
        print(a[0], e.strerror)
    try:
        u.sendto(b'x', a)
        print('sent', a[0])
    except OSError as e:
        print(a[0], e.strerror)"
  [ "$status" -eq 0 ]
  [[ $output != *connected* && $output != *sent* ]] || { echo "$output"; false; }
}

@test "bypass: on swapped sockets sendmsg without an address, sendto on connected TCP, and a UDP disconnect behave as without the bypass" {
  up_host
  p=$(free_port) q=$(free_udp_port)
  host_pong 0.0.0.0 "$p"
  PIDFILES+=("$TMP/udpecho.pid")
  in_host /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" serve "$TMP/udpecho.pid" \
    "0.0.0.0:$q" >/dev/null 2>&1 3>&- &
  wait_for test -s "$TMP/udpecho.pid"
  run sb /usr/bin/python3 -c "
import ctypes, socket
c = socket.create_connection(('198.51.100.1', $p), timeout=5)
print('tcp sendmsg', c.sendmsg([b'a\n']))
print('tcp sendto', c.sendto(b'b\n', ('198.51.100.1', 9)))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(3)
u.connect(('198.51.100.1', $q))
print('udp sendmsg', u.sendmsg([b'c']), u.recv(99).decode())
libc = ctypes.CDLL(None, use_errno=True)
unspec = (ctypes.c_char * 16)()
print('udp disconnect', libc.connect(u.fileno(), unspec, 16))
try:
    u.getpeername()
except OSError as e:
    print('peer', e.strerror)"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "$output" = "$(printf 'tcp sendmsg 2\ntcp sendto 2\nudp sendmsg 1 echo c\nudp disconnect 0\npeer Transport endpoint is not connected')" ] || { echo "$output"; false; }
}

@test "bypass: IPv6 to the host's ::1 through fd00::2" {
  up_host
  p=$(free_port)
  host_http '[::1]' "$p"
  run sb sh -c "curl -sf 'http://[fd00::2]:$p/file' | sha256sum"
  [ "$status" -eq 0 ]
  [ "$output" = "$SUM" ]
}

@test "bypass: another sandbox on the bridge is reached the normal way" {
  up_host
  nnh run -d --nest "$NEST" --name peer -- busybox httpd -f -p 80 -h "$SRV" >/dev/null 3>&-
  keep_sandbox peer
  ip=$(jq -r .ip "$STATE/sandboxes/peer.json")
  wait_until "nsenter --net=/proc/$(jq -r .pid "$STATE/sandboxes/peer.json")/ns/net ss -Htln 'sport = :80' | grep -q ."
  run sb sh -c "curl -sf http://$ip/file | sha256sum"
  [ "$status" -eq 0 ]
  [ "$output" = "$SUM" ]
}

@test "bypass: accept4 flags hold on a host-netns listener, and an accepted socket passed to another process over SCM_RIGHTS works" {
  up_host
  p=$(free_port)
  # accept4(SOCK_NONBLOCK | SOCK_CLOEXEC) through libc, the flags checked on the new fd, then
  # the connection handed to a child over a unix socketpair, which answers on it
  cat >"$SRV/accept4.py" <<'PY'
import ctypes, fcntl, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", 8080))
ls.listen(4)
open(sys.argv[1] + ".tmp", "w").write(str(os.getpid()))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
fd = libc.accept4(ls.fileno(), None, None, socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC)
if fd < 0:
    sys.exit("accept4: " + os.strerror(ctypes.get_errno()))
nb = bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK)
ce = bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC)
a, b = socket.socketpair()
if os.fork() == 0:
    msg, fds, _, _ = socket.recv_fds(b, 16, 1)
    c = socket.socket(fileno=fds[0])
    c.setblocking(True)
    c.sendall(b"nonblock=%d cloexec=%d passed=%s\n" % (nb, ce, msg))
    os._exit(0)
socket.send_fds(a, [b"yes"], [fd])
os.close(fd)
os.wait()
PY
  chown "$NN_USER" "$SRV/accept4.py"
  nnh run -d --nest "$NEST" --name acc --bypass -p "$p:8080" -- /usr/bin/python3 \
    "$SRV/accept4.py" "$SRV/acc.pid" 2>"$SRV/acc.log" >/dev/null 3>&-
  keep_sandbox acc
  wait_for test -s "$SRV/acc.pid"
  wait_until "in_host ss -Htln 'sport = :$p' | grep -q ."
  run in_host /usr/bin/python3 -c "
import socket
s = socket.create_connection(('127.0.0.1', $p), timeout=5)
print(s.makefile().readline().strip())"
  [ "$status" -eq 0 ]
  [ "$output" = "nonblock=1 cloexec=1 passed=yes" ] || { echo "got: $output"; cat "$SRV/acc.log"; false; }
}

@test "bypass: a netns made inside the sandbox keeps its own network (bypass4netns PR #70)" {
  up_host
  p=$(free_port)
  host_pong 0.0.0.0 "$p"
  connect="import socket; socket.create_connection(('198.51.100.1', $p), timeout=5); print('reached')"
  # the sandbox itself is bypassed: it reaches the host's address
  run sb /usr/bin/python3 -c "$connect"
  [ "$status" -eq 0 ]
  [ "$output" = reached ]
  # a netns of its own inside the sandbox has no route there, and must not get the host's
  run sb unshare -n /usr/bin/python3 -c "$connect"
  [ "$status" -ne 0 ]
  [[ $output == *"Network is unreachable"* ]]
}

@test "bypass: the sandbox's exit releases every host socket; the daemon holds none" {
  up_host
  p=$(free_port)
  host_pong 0.0.0.0 "$p"
  # the processes holding the client's end of connections to the port (ss -p: users)
  holders() { in_host ss -Htnp state established "dport = :$p" | grep -o 'pid=[0-9]*' | sort -u; }
  # a client that connects, then holds the connection open
  nnh run -d --nest "$NEST" --name hold --bypass -- /usr/bin/python3 -c "
import socket, time
s = socket.create_connection(('198.51.100.1', $p))
time.sleep(600)" >/dev/null 3>&-
  keep_sandbox hold
  wait_until "in_host ss -Htn state established 'dport = :$p' | grep -q ."
  run nnh ps --nest "$NEST" --json
  [ "$(jq -c '.sandboxes[0].bypass | [.sockets, .open]' <<<"$output")" = "[1,1]" ]
  pid=$(jq -r '.sandboxes[0].pid' <<<"$output")
  # the sandbox's process holds it, and the daemon does not (the pool's own netlink
  # sockets make a count of the daemon's socket fds the wrong measure)
  [ "$(holders)" = "pid=$pid" ]
  nnh stop --nest "$NEST" hold
  # no one else holds it: the connection ends with the sandbox
  wait_until "! in_host ss -Htn state established 'dport = :$p' | grep -q ."
}

@test "bypass: bad requests get clear errors" {
  up_host
  p=$(free_port)
  host_pong 0.0.0.0 "$p"
  # the host port of a -p is taken: refused at run, not at the sandbox's bind
  run nnh run --nest "$NEST" --bypass -p "$p:80" -- true
  [ "$status" -eq 1 ]
  [[ $output == *"bypass: host port $p: Address already in use"* ]]
  # a privileged host port: the same hint as the port driver's
  if [ "$(in_host sysctl -n net.ipv4.ip_unprivileged_port_start)" -gt 80 ]; then
    run nnh run --nest "$NEST" --bypass -p 80:80 -- true
    [ "$status" -eq 1 ]
    [[ $output == *"bypass: cannot expose privileged port 80: it is below net.ipv4.ip_unprivileged_port_start"* ]]
  fi
  # the API: "bypass" must be a boolean, and needs the listener
  run api -X POST -d '{"name":"x","pid":1,"bypass":"yes"}' /netnest/v1/sandboxes
  [ "${lines[-1]}" = 400 ]
  [[ $output == *'bypass\" must be true or false'* ]]
  run api -X POST -d "{\"name\":\"x\",\"pid\":$$,\"bypass\":true}" /netnest/v1/sandboxes
  [ "${lines[-1]}" = 400 ]
  [[ $output == *'needs \"seccomp_fd\"'* ]]
  run nnh run --nest "$NEST" --bypass
  [ "$status" -eq 2 ]
}
