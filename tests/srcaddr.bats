#!/usr/bin/env bats
# The client's source address, kept: a server in a sandbox sees the real address of a
# non-loopback client of a published port (TCP and UDP); a loopback client, and a target
# that is the nest's own address, see the nest's address as before.
#
# The nest runs, rootless as nntest, inside a scratch netns that plays the host: lo, an
# uplink whose default route leads nowhere (a veth pair with both ends in that netns, no
# router behind: the engine's way out is a dead end; this kernel may have no dummy),
# and a veth to a second scratch netns, the client (192.0.2.1 host side, 192.0.2.2
# client side; 2001:db8:5::1 and ::2 for IPv6).  Every address is in a namespace this
# file made.

load helpers/common
load helpers/ports
load helpers/nginx.sh

setup() {
  ports_setup
  H=$(unique_name nnsrch) C=$(unique_name nnsrcc)
  NETNS=()
  scratch_host "$H" && NETNS+=("$H")
  ip netns add "$C" && NETNS+=("$C")
  ip -n "$C" link set lo up
  ip -n "$H" link add vh type veth peer name vc netns "$C"
  ip -n "$H" addr add 192.0.2.1/24 dev vh
  ip -n "$C" addr add 192.0.2.2/24 dev vc
  ip -n "$H" addr add 2001:db8:5::1/64 dev vh nodad
  ip -n "$C" addr add 2001:db8:5::2/64 dev vc nodad
  ip -n "$H" link set vh up
  ip -n "$C" link set vc up
  SRV=$TMP/srv # the sandboxes' files, nntest's (root in the nest)
  install -d -o "$NN_USER" -m 0755 "$SRV"
  STATE=/run/user/$(nn_uid)/netnest/$NEST
  DAEMON= # a foreground `netnest up` this test started
}

teardown() {
  local n
  for f in "${PIDFILES[@]}"; do
    [[ -s $f ]] && kill "$(cat "$f")" 2>/dev/null
  done
  nnh down --nest "$NEST" >/dev/null 2>&1
  if [[ -n $DAEMON ]]; then
    wait_until "! kill -0 $DAEMON" || kill "$DAEMON"
    wait "$DAEMON" 2>/dev/null
  fi
  for n in "${NETNS[@]}"; do ip netns del "$n"; done
  rm -rf "$TMP"
}

# nnh ARGS...: netnest as the test user, in the scratch host netns
nnh() { as_user -n "$H" "$NETNEST" "$@"; }
# in_client CMD...: CMD as root in the client's netns
in_client() { ip netns exec "$C" "$@"; }
# in_host CMD...: CMD as root in the scratch host netns
in_host() { ip netns exec "$H" "$@"; }

# up_foreground: `netnest up` in the scratch host, its stderr (the notices) in $TMP/up.err
up_foreground() {
  nnh up --nest "$NEST" 2>"$TMP/up.err" 3>&- &
  DAEMON=$!
  wait_for test -S "$STATE/api.sock"
  wait_for test -s "$STATE/child_pid"
}

# web_sandbox NAME PORT: a sandbox NAME running nginx, which answers every request with
# the address it sees its client at ($remote_addr), published on PORT
web_sandbox() {
  mkdir -p "$SRV/$1"
  nginx_conf "$SRV/$1" "$SRV" "daemon off;" "user root root;" \
    'server: return 200 "$remote_addr\n";' >"$SRV/$1.conf"
  chown -R "$NN_USER" "$SRV"
  nnh run -d --nest "$NEST" --name "$1" -p "$2:80" -- nginx -e "$SRV/$1/error.log" \
    -c "$SRV/$1.conf" >/dev/null
}

# udp_sandbox NAME PORT: a sandbox NAME answering each datagram with its sender's IP,
# published on PORT/udp
udp_sandbox() {
  nnh run -d --nest "$NEST" --name "$1" -p "$2:7/udp" -- /usr/bin/python3 \
    "$NN_ROOT/tests/helpers/udp_echo.py" peer "$SRV/$1.pid" 0.0.0.0:7 >/dev/null
  wait_for test -s "$SRV/$1.pid"
}

@test "tcp: nginx in a sandbox sees the client's own address; a loopback client sees the bridge's" {
  up_foreground
  p=$(free_port)
  web_sandbox web "$p"
  wait_until "in_host curl -sf http://127.0.0.1:$p/"
  run in_client curl -sf "http://192.0.2.1:$p/"
  [ "$status" -eq 0 ]
  [ "$output" = 192.0.2.2 ]
  # again, and 10 clients at once, each its own connection from the client's address
  local clients=() # waited for by PID: the foreground daemon is a child too
  for i in $(seq 10); do
    in_client curl -sf -o "$TMP/got$i" "http://192.0.2.1:$p/" &
    clients+=($!)
  done
  for c in "${clients[@]}"; do wait "$c"; done
  for i in $(seq 10); do [ "$(cat "$TMP/got$i")" = 192.0.2.2 ]; done
  # a loopback client of the host: the sandbox sees the bridge's address, as before
  run in_host curl -sf "http://127.0.0.1:$p/"
  [ "$output" = 10.4.0.1 ]
  # the host's own non-loopback address is a client address too
  run in_host curl -sf "http://192.0.2.1:$p/"
  [ "$output" = 192.0.2.1 ]
  # nothing fell back, so nothing was said
  [ ! -s "$TMP/up.err" ] || { cat "$TMP/up.err"; false; }
}

@test "udp: a server in a sandbox sees the client's own address; a loopback client sees the bridge's" {
  up_foreground
  p=$(free_udp_port)
  udp_sandbox echo "$p"
  run in_client /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" ask 192.0.2.1 "$p" hi
  [ "$status" -eq 0 ]
  [ "$output" = 192.0.2.2 ]
  run in_host /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" ask 127.0.0.1 "$p" hi
  [ "$status" -eq 0 ]
  [ "$output" = 10.4.0.1 ]
  # two clients at once from one address, each on its own port, each answered
  in_client /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" ask 192.0.2.1 "$p" a \
    >"$TMP/a" &
  a=$!
  in_client /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" ask 192.0.2.1 "$p" b \
    >"$TMP/b" &
  wait "$a" $!
  [ "$(cat "$TMP/a") $(cat "$TMP/b")" = "192.0.2.2 192.0.2.2" ]
  [ ! -s "$TMP/up.err" ] || { cat "$TMP/up.err"; false; }
}

@test "where the address cannot be kept the port still serves, and the daemon says why once" {
  up_foreground
  p=$(free_port) q=$(free_udp_port)
  web_sandbox web "$p"
  wait_until "in_host curl -sf http://127.0.0.1:$p/"
  # an IPv6 client of an IPv4 sandbox: the nest dials from its bridge address
  run in_client curl -sf "http://[2001:db8:5::1]:$p/"
  [ "$status" -eq 0 ]
  [ "$output" = 10.4.0.1 ]
  # a target on the nest's own loopback (no sandbox named, as the rootlesskit drop-in's
  # child_ip ""): busybox httpd there sees 127.0.0.1, twice, and one notice is printed
  mkdir -p "$TMP/www" && echo hello >"$TMP/www/index.html" && chmod -R a+rX "$TMP/www"
  PIDFILES+=("$TMP/httpd.pid")
  in_nest sh -c "echo \$\$ > $TMP/httpd.pid; exec busybox httpd -f -p 127.0.0.1:80 -h $TMP/www" \
    >/dev/null 2>&1 3>&- &
  wait_for in_nest sh -c "ss -Htln 'sport = :80' | grep -qF 127.0.0.1:80"
  nnh port add --nest "$NEST" "$q:80" >/dev/null
  for _ in 1 2; do
    run in_client curl -sf "http://192.0.2.1:$q/index.html"
    [ "$output" = hello ]
  done
  run cat "$TMP/up.err"
  [[ $output == *"published tcp port $q: the client's address is not kept (the target is an address of the nest itself): the sandbox sees the nest's address"* ]]
  [[ $output == *"published tcp port $p: the client's address is not kept (an IPv6 client of an IPv4 target)"* ]]
  [ "$(grep -c "the target is an address of the nest itself" <<<"$output")" = 1 ]
}

@test "the routing for it is made once in the nest, only when a client needs it" {
  up_foreground
  p=$(free_port)
  web_sandbox web "$p"
  wait_until "in_host curl -sf http://127.0.0.1:$p/"
  # loopback clients need none
  run in_nest nft list table inet netnest_src
  [ "$status" -ne 0 ]
  run in_nest ip rule list
  [[ $output != *"lookup 28270"* ]]
  for _ in 1 2; do [ "$(in_client curl -sf "http://192.0.2.1:$p/")" = 192.0.2.2 ]; done
  [ "$(in_nest ip rule list | grep -c 'fwmark 0x6e6e0002 lookup 28270')" = 1 ]
  [ "$(in_nest ip -6 rule list | grep -c 'fwmark 0x6e6e0002 lookup 28270')" = 1 ]
  run in_nest ip route show table 28270
  [[ $output == "local default dev lo scope host"* ]]
  run in_nest nft list table inet netnest_src
  [[ $output == *"meta mark 0x6e6e0001 ct mark set 0x6e6e0002"* ]]
  [[ $output == *"ct mark 0x6e6e0002 meta mark set ct mark"* ]]
  # nothing of it in the host
  run in_host ip rule list
  [[ $output != *28270* ]]
}

# rk_container PORT FLAG...: netnest's rootlesskit in the scratch host, FLAG... added, with
# -p PORT to a container of its own: a netns the child makes behind a veth (10.9.0.1 the
# child's end, 10.9.0.2 the container's), where nginx answers with the address it sees
rk_container() {
  local port=$1; shift
  mkdir -p "$SRV/ctr"
  nginx_conf "$SRV/ctr" "$SRV" "daemon off;" "user root root;" \
    'server: return 200 "$remote_addr\n";' >"$SRV/ctr.conf"
  cat >"$SRV/child.sh" <<'CHILD'
#!/bin/sh
set -e
srv=$1
rm -f "$srv/inner.pid"
unshare -n sh -c 'echo $$ >"$0"; exec sleep 600' "$srv/inner.pid" &
for _ in $(seq 100); do [ -s "$srv/inner.pid" ] && break; sleep 0.05; done
inner=$(cat "$srv/inner.pid")
echo 1 >/proc/sys/net/ipv4/ip_forward
ip link add v0 type veth peer name v1 netns "$inner"
ip addr add 10.9.0.1/24 dev v0
ip link set v0 up
nsenter -t "$inner" -n sh -c 'ip link set lo up; ip addr add 10.9.0.2/24 dev v1;
  ip link set v1 up; ip route add default via 10.9.0.1'
exec nsenter -t "$inner" -n nginx -e "$srv/ctr/error.log" -c "$srv/ctr.conf"
CHILD
  chmod 0755 "$SRV/child.sh"
  chown -R "$NN_USER" "$SRV"
  # the PID of the rootlesskit process itself, whose end takes everything with it
  (cd /tmp && as_user -n "$H" sh -c 'PATH=$1:$PATH; shift; rootlesskit "$@" & echo $! >"$0"' \
    "$SRV/rk.pid" "$NN_RKDIR" --net=slirp4netns --port-driver=builtin \
    -p "0.0.0.0:$port:10.9.0.2:80/tcp" "$@" "$SRV/child.sh" "$SRV" >"$TMP/rk.out" 2>&1 3>&-)
  PIDFILES+=("$SRV/rk.pid")
  wait_for test -s "$SRV/rk.pid"
  wait_until "in_client curl -sf http://192.0.2.1:$port/" || { cat "$TMP/rk.out"; false; }
}

# rk_container_stop: end the rootlesskit of rk_container (it takes its child with it)
rk_container_stop() {
  local pid; pid=$(cat "$SRV/rk.pid")
  kill "$pid"
  wait_until "! kill -0 $pid"
  rm -f "$SRV/rk.pid"
}

@test "rootlesskit drop-in: a container's server sees the client; --source-ip-transparent=false turns it off" {
  p=$(free_port)
  rk_container "$p"
  [ "$(in_client curl -sf "http://192.0.2.1:$p/")" = 192.0.2.2 ]
  rk_container_stop
  rk_container "$p" --source-ip-transparent=false
  [ "$(in_client curl -sf "http://192.0.2.1:$p/")" = 10.9.0.1 ]
  rk_container_stop
}
