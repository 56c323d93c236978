#!/usr/bin/env bats
# IPv6: sandboxes on fd00:4::/64 beside 10.4.0.0/24, the nest's tap0 on the engine's
# fd00::/64, NAT66, published ports over [::1] to IPv6 and to IPv4-only sandboxes, and the
# IPv6 side in ps, port ls, topo and the API.  Rootless as nntest.  Traffic goes to
# loopback and to the namespaces the test made only; fd00::2 is the engine's host-loopback
# address (the host's ::1), never the real network.

load helpers/common
load helpers/nginx.sh
load helpers/ports.bash
bats_require_minimum_version 1.5.0

setup() {
  ports_setup
  H= # a scratch host netns, for the tests that make one
}
teardown() {
  ports_teardown
  [[ -z $H ]] || ip netns del "$H"
}

up_user() { up_nest user "$@"; } # [UP OPTIONS...]
run_user() { nnu run --nest "$NEST" "$@"; }

# web NAME SERVER -p SPEC...: nginx in sandbox NAME serving $TMP/www (a 1 MiB file "file";
# /addr answers the address the connection came to), SERVER being the server block's listen
# directives; waits until NAME is running
web() {
  local name=$1 server=$2
  shift 2
  mkdir -p "$TMP/www" "$TMP/tmp-$name"
  [[ -e $TMP/www/file ]] || head -c 1048576 /dev/urandom >"$TMP/www/file"
  chmod -R a+rwX "$TMP"
  NGINX_SERVER="$server location = /addr { return 200 \"\$server_addr\\n\"; }" \
    nginx_conf "$TMP/tmp-$name" "$TMP/www" "daemon off;" "user root root;" >"$TMP/$name.conf"
  run_user -d --name "$name" "$@" -- nginx -e "$TMP/tmp-$name/error.log" -c "$TMP/$name.conf"
  keep_sandbox "$name"
}

@test "a sandbox has eth0 fd00:4::2/64 beside 10.4.0.2/24 with no DAD, a default route via fd00:4::1, and the nest tap0 fd00::100/64 via fd00::2 taking no router advertisement" {
  up_user
  run run_user -- sh -c 'ip -j -6 addr show eth0 | tr -d "\n"; echo; ip -j -6 route show default | tr -d "\n"'
  [ "$status" -eq 0 ]
  [ "$(jq -r '.[0].addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen) \(.nodad)"' <<<"${lines[0]}")" = "fd00:4::2/64 true" ]
  [ "$(jq -r '.[0] | "\(.gateway) \(.dev)"' <<<"${lines[1]}")" = "fd00:4::1 eth0" ]
  run in_nest ip -j -6 addr show
  [ "$(jq -r '.[] | select(.ifname == "tap0") | .addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen) \(.nodad)"' <<<"$output")" = "fd00::100/64 true" ]
  [ "$(jq -r '.[] | select(.ifname == "netnest0") | .addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen)"' <<<"$output")" = fd00:4::1/64 ]
  [ "$(in_nest ip -j -6 route show default | jq -r '.[0] | "\(.gateway) \(.dev)"')" = "fd00::2 tap0" ]
  [ "$(in_nest cat /proc/sys/net/ipv6/conf/tap0/accept_ra)" = 0 ]
  [ "$(in_nest cat /proc/sys/net/ipv6/conf/all/forwarding)" = 1 ]
  run in_nest nft list chain ip6 netnest postrouting
  [[ $output == *'ip6 saddr fd00:4::/64 oifname "tap0" masquerade'* ]]
}

@test "--subnet6 moves the bridge's IPv6 network, --gateway moves its address in both families, and --subnet6 none makes an IPv4-only nest" {
  up_user --subnet6 fd00:77:1::/48 --gateway 10.4.0.9
  # the first lease is 10.4.0.1 now (.9 is the bridge's): its IPv6 twin is ::1
  run run_user -- ip -j addr show eth0
  [ "$(jq -r '[.[0].addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen)"] | join(" ")' <<<"$output")" = "10.4.0.1/24 fd00:77:1::1/48" ]
  [ "$(in_nest ip -j -6 addr show netnest0 | jq -r '.[0].addr_info[] | select(.scope == "global") | .local')" = fd00:77:1::9 ]
  nnu down --nest "$NEST"
  up_user --subnet6 none
  run run_user -- ip -j -6 addr show eth0
  [ "$(jq -r '[.[0].addr_info[] | select(.scope == "global")] | length' <<<"$output")" = 0 ]
  run in_nest ip -j -6 addr show tap0
  [ "$(jq -r '[.[0].addr_info[] | select(.scope == "global")] | length' <<<"$output")" = 0 ]
  run in_nest nft list table ip6 netnest
  [ "$status" -ne 0 ]
}

@test "resolv.conf lists fd00::3 after 10.0.2.3 when the nest has IPv6, as RootlessKit --ipv6 writes it, and fd00::3 answers through the engine; an IPv4-only nest lists 10.0.2.3 alone" {
  # the nest lives in a scratch host netns whose resolver is a stub on its own 127.0.0.1
  # and ::1: the engine forwards 10.0.2.3 and fd00::3 there, to nothing else
  H=$(unique_name nnv6h)
  scratch_host "$H" || { H=; false; }
  PIDFILES+=("$TMP/dnsmasq.pid")
  ip netns exec "$H" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address=127.0.0.1 --listen-address=::1 --port=53 --user=root \
    --address=/dns6.test/10.9.8.7 --address=/dns6.test/fd09::7 3>&- &
  echo $! >"$TMP/dnsmasq.pid"
  wait_for ip netns exec "$H" dig +short +time=1 +tries=1 @::1 dns6.test
  printf 'nameserver 127.0.0.1\nnameserver ::1\n' >"$TMP/resolv.conf"
  chmod 0644 "$TMP/resolv.conf"
  export -f as_user nn_uid
  export NN_USER NETNEST
  unshare -m --propagation private -- bash -c \
    'mount --bind "$1" /etc/resolv.conf && shift && as_user -n "$@"' \
    _ "$TMP/resolv.conf" "$H" "$NETNEST" up -d --nest "$NEST" 3>&-
  UP+=("user $NEST")
  STATE=/run/user/$(nn_uid)/netnest/$NEST
  [ "$(cat "$STATE/resolv.conf")" = "$(printf 'nameserver 10.0.2.3\nnameserver fd00::3')" ]
  run as_user -n "$H" "$NETNEST" run --nest "$NEST" -- sh -c \
    'cat /etc/resolv.conf; dig +short +time=2 +tries=2 @fd00::3 dns6.test AAAA; dig +short +time=2 +tries=2 @10.0.2.3 dns6.test'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'nameserver 10.0.2.3\nnameserver fd00::3\nfd09::7\n10.9.8.7')" ] || { echo "$output"; false; }
  # the API's networkDriver lists both, as RootlessKit's does with --ipv6
  run curl -s --unix-socket "$STATE/api.sock" http://localhost/v1/info
  [ "$(jq -c .networkDriver.dns <<<"$output")" = '["10.0.2.3","fd00::3"]' ]
  nnu down --nest "$NEST"
  # IPv4 only: 10.0.2.3 alone, in the file and in the API
  up_user --subnet6 none
  [ "$(cat "$STATE/resolv.conf")" = "nameserver 10.0.2.3" ]
  run run_user -- cat /etc/resolv.conf
  [ "$output" = "nameserver 10.0.2.3" ]
  run curl -s --unix-socket "$STATE/api.sock" http://localhost/v1/info
  [ "$(jq -c .networkDriver.dns <<<"$output")" = '["10.0.2.3"]' ]
}

@test "an IPv6 sandbox's nginx is served over [::1] through -p [::1]:P:80 and -p P:80, each client at the sandbox's address of its own family, IPv6 falling back to IPv4" {
  up_user
  p1=$(free_port) p2=$(free_port)
  web web "listen 80; listen [::]:80 ipv6only=on;" -p "[::1]:$p1:80" -p "$p2:80"
  want=$(sha256sum <"$TMP/www/file")
  wait_for curl -sfg -o /dev/null "http://[::1]:$p1/file"
  [ "$(curl -sfg "http://[::1]:$p1/file" | sha256sum)" = "$want" ]
  [ "$(curl -sfg "http://[::1]:$p1/addr")" = fd00:4::2 ]
  # -p P:80 is one dual-stack [::]:P socket: an IPv6 client dials fd00:4::2, IPv4 10.4.0.2
  [ "$(ss -Htln "sport = :$p2" | awk '{print $4}')" = "*:$p2" ]
  [ "$(curl -sfg "http://[::1]:$p2/file" | sha256sum)" = "$want" ]
  [ "$(curl -sfg "http://[::1]:$p2/addr")" = fd00:4::2 ]
  [ "$(curl -sf "http://127.0.0.1:$p2/addr")" = 10.4.0.2 ]
  # [::1]:P is IPv6 only
  run curl -sf --max-time 5 "http://127.0.0.1:$p1/addr"
  [ "$status" -ne 0 ]
  # a server on IPv4 alone in a dual-stack sandbox: IPv6 clients fall back to 10.4.0.3
  p3=$(free_port)
  web v4web "listen 80;" -p "[::1]:$p3:80"
  wait_for curl -sfg -o /dev/null "http://[::1]:$p3/file"
  [ "$(curl -sfg "http://[::1]:$p3/addr")" = 10.4.0.3 ]
  [ "$(curl -sfg "http://[::1]:$p3/file" | sha256sum)" = "$want" ]
}

@test "udp: an IPv6 client of a dual-stack sandbox whose server listens on IPv4 alone falls back to it at the first datagram; one on IPv6 stays there" {
  up_user
  chmod a+rwx "$TMP"
  p4=$(free_udp_port) p6=$(free_udp_port)
  # each answers a datagram with the address it came from
  run_user -d --name u4 -p "[::1]:$p4:7/udp" -- /usr/bin/python3 \
    "$NN_ROOT/tests/helpers/udp_echo.py" peer "$TMP/u4.pid" 0.0.0.0:7 >/dev/null
  keep_sandbox u4
  run_user -d --name u6 -p "$p6:7/udp" -- /usr/bin/python3 \
    "$NN_ROOT/tests/helpers/udp_echo.py" peer "$TMP/u6.pid" "[::]:7" >/dev/null
  keep_sandbox u6
  wait_for test -s "$TMP/u4.pid"
  wait_for test -s "$TMP/u6.pid"
  # one try each: the datagram the IPv6 address refused goes again to the IPv4 one
  run /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" ask ::1 "$p4" hi 1
  [ "$status" -eq 0 ]
  [ "$output" = 10.4.0.1 ]
  run /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" ask ::1 "$p4" again 1
  [ "$output" = 10.4.0.1 ]
  # a fresh client's burst (a resolver's A and AAAA queries at once): every datagram answered
  run /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
for i in range(4):
    s.sendto(b'%d' % i, ('::1', $p4))
print(sum(1 for _ in range(4) if s.recv(99)))"
  [ "$status" -eq 0 ]
  [ "$output" = 4 ]
  run /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" ask ::1 "$p6" hi 1
  [ "$status" -eq 0 ]
  [ "$output" = fd00:4::1 ]
  # IPv4 clients go to IPv4, as before (a v4-mapped peer on the [::]:7 socket)
  run /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" ask 127.0.0.1 "$p6" hi 1
  [ "$output" = ::ffff:10.4.0.1 ]
}

@test "an IPv4-only sandbox (up --subnet6 none) is reached from [::1] through -p P:80 and -p [::1]:P:80, at its IPv4 address" {
  up_user --subnet6 none
  p1=$(free_port) p2=$(free_port)
  web old "listen 80;" -p "[::1]:$p1:80" -p "$p2:80"
  want=$(sha256sum <"$TMP/www/file")
  wait_for curl -sfg -o /dev/null "http://[::1]:$p1/file"
  [ "$(curl -sfg "http://[::1]:$p1/file" | sha256sum)" = "$want" ]
  [ "$(curl -sfg "http://[::1]:$p1/addr")" = 10.4.0.2 ]
  [ "$(curl -sfg "http://[::1]:$p2/addr")" = 10.4.0.2 ]
  [ "$(curl -sf "http://127.0.0.1:$p2/addr")" = 10.4.0.2 ]
  # a port added later to the running sandbox, over the CLI, does the same
  p3=$(free_port)
  nnu port add --nest "$NEST" old "[::1]:$p3:80"
  [ "$(curl -sfg "http://[::1]:$p3/addr")" = 10.4.0.2 ]
  run nnu ps --nest "$NEST" --json
  [ "$(jq -c '.sandboxes[0] | [.ip, .ip6, .prefix6]' <<<"$output")" = '["10.4.0.2",null,null]' ]
  [ "$(jq -r '[.ip6, .prefix6, .gateway6] | map(tostring) | join(" ")' "$STATE/sandboxes/old.json")" = "null null null" ]
}

@test "ps, port ls, topo and the API show the sandbox's IPv6 address" {
  up_user
  p1=$(free_port) p2=$(free_port) p3=$(free_port)
  web web "listen [::]:80;" -p "$p1:80" -p "[::1]:$p2:80" -p "127.0.0.1:$p3:80"
  pid=$(jq -r .pid "$STATE/sandboxes/web.json")
  [ "$(jq -r '"\(.ip6)/\(.prefix6) via \(.gateway6)"' "$STATE/sandboxes/web.json")" = "fd00:4::2/64 via fd00:4::1" ]
  run nnu ps --nest "$NEST"
  [[ ${lines[0]} == NAME*IP*IPV6*PORTS*PID*COMMAND ]]
  [[ ${lines[1]} =~ ^web\ +10\.4\.0\.2\ +fd00:4::2\ +0\.0\.0\.0:$p1-\>80/tcp,\[::1\]:$p2-\>80/tcp,127\.0\.0\.1:$p3-\>80/tcp\ +$pid\ +-\ +nginx ]]
  run nnu ps --nest "$NEST" --json
  [ "$(jq -c '.sandboxes[0] | [.ip, .ip6, .prefix6]' <<<"$output")" = '["10.4.0.2","fd00:4::2",64]' ]
  run nnu port ls --nest "$NEST" --json
  [ "$(jq -c '[.ports[] | [.host_port, .child_ip, .child_ip6]]' <<<"$output")" = "[[$p1,\"10.4.0.2\",\"fd00:4::2\"],[$p2,\"10.4.0.2\",\"fd00:4::2\"],[$p3,\"10.4.0.2\",null]]" ]
  run nnu port ls --nest "$NEST"
  [[ ${lines[0]} == *CHILDPORT\ CHILDIP6 ]]
  [[ ${lines[1]} =~ ^1\ +tcp\ +0\.0\.0\.0\ +$p1\ +web\ +10\.4\.0\.2\ +80\ +fd00:4::2$ ]]
  [[ ${lines[2]} =~ ^2\ +tcp\ +::1\ +$p2\ +web\ +10\.4\.0\.2\ +80\ +fd00:4::2$ ]]
  [[ ${lines[3]} =~ ^3\ +tcp\ +127\.0\.0\.1\ +$p3\ +web\ +10\.4\.0\.2\ +80\ +-$ ]]
  # the API: netnest's sandbox list, and RootlessKit's /v1/ports with the port's IPv6 target
  body=$(api /netnest/v1/sandboxes | head -1)
  [ "$(jq -r '.sandboxes[0].ip6' <<<"$body")" = fd00:4::2 ]
  body=$(api /v1/ports | head -1)
  [ "$(jq -c '[.[] | [.spec.childIP, .child_ip6]]' <<<"$body")" = '[["10.4.0.2","fd00:4::2"],["10.4.0.2","fd00:4::2"],["10.4.0.2",null]]' ]
  # topo: the sandbox's eth0 and the bridge in JSON, and the chain line
  nn topo --json >"$TMP/topo.json"
  ino=$(stat -L -c %i "/proc/$pid/ns/net")
  [ "$(jq -r --argjson ns "$ino" '.netns[] | select(.ns == $ns) | .interfaces[] | select(.ifname == "eth0") | .addr_info[] | select(.family == "inet6" and (.local | startswith("fd"))) | "\(.local)/\(.prefixlen)"' "$TMP/topo.json")" = fd00:4::2/64 ]
  run nn topo
  [[ $output == *"netnest0 10.4.0.1/24 fd00:4::1/64 -> veth"*" -> eth0 10.4.0.2/24 fd00:4::2/64 (netns $ino sandbox web"* ]]
  [[ $output == *"tap0 10.0.2.100/24 fd00::100/64 (netns"* ]]
}

@test "bad --subnet6: garbage, longer than /64, not unique local, overlapping the engine's, host bits: a clear message, exit 2, nothing left" {
  check() { # WHY SUBNET6
    run nnu up -d --nest "$NEST" --subnet6 "$2"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "netnest up: $1" ]
    [ ! -e "$STATE" ]
  }
  check "--subnet6 garbage: missing /prefix (X:X::X/N)" garbage
  check "--subnet6 fd00:4::/zz: prefix length 'zz' is not a number 0..128" fd00:4::/zz
  check "--subnet6 10.4.0.0/24: '10.4.0.0' is not an IPv6 address" 10.4.0.0/24
  check "--subnet6 fd00:4::/80: too small: a bridge takes a /64 or a larger network" fd00:4::/80
  check "--subnet6 2001:db8::/64: not a unique local network (fc00::/7, RFC 4193)" 2001:db8::/64
  check "--subnet6 fd00::/64 overlaps the engine's network fd00::/64" fd00::/64
  check "--subnet6 fd00::/16 overlaps the engine's network fd00::/64" fd00::/16
  check "--subnet6 fd00:4::1/64: not a network address (use fd00:4::/64)" fd00:4::1/64
}

@test "mixed families: [::1]:P to an IPv4 sandbox address given explicitly is refused naming the spec, and nothing listens" {
  up_user
  run_user -d --name idle -- sleep 1000
  keep_sandbox idle
  p=$(free_port)
  run api -X POST -d "{\"proto\":\"tcp\",\"parentIP\":\"::1\",\"parentPort\":$p,\"childIP\":\"10.4.0.2\",\"childPort\":80,\"sandbox\":\"idle\"}" /v1/ports
  [ "${lines[1]}" = 400 ]
  [ "$(jq -r .message <<<"${lines[0]}")" = "port spec \"tcp [::1]:$p -> 10.4.0.2:80\": mixed families: host address ::1 is IPv6 but child address 10.4.0.2 is IPv4 (give a child address of the host's family)" ]
  [ -z "$(ss -Htln "sport = :$p")" ]
  [ "$(api /v1/ports)" = $'[]\n200' ]
  [ "$(jq -c .ports "$STATE/sandboxes/idle.json")" = "[]" ]
  # a sandbox's address without the owner named is a sandbox's port too
  run api -X POST -d "{\"proto\":\"tcp4\",\"parentPort\":$p,\"childIP\":\"fd00:4::2\",\"childPort\":80}" /v1/ports
  [ "${lines[1]}" = 400 ]
  [ "$(jq -r .message <<<"${lines[0]}")" = "port spec \"tcp4 0.0.0.0:$p -> [fd00:4::2]:80\": mixed families: host address 0.0.0.0 is IPv4 but child address fd00:4::2 is IPv6 (give a child address of the host's family)" ]
  [ -z "$(ss -Htln "sport = :$p")" ]
}
