#!/usr/bin/env bats
# The netns pool (docs/sandboxes.md#the-netns-pool): network namespaces already on the
# nest's bridge, each with a mount namespace already set up, made by the daemon ahead of
# `netnest run`, handed out once each.
# Rootless as nntest.

load helpers/common
bats_require_minimum_version 1.5.0

POOL_SIZE=8 # NN_POOL_SIZE, pool.h
POOL_FIRST=1 # NN_POOL_FIRST: made once the nest is up

setup() {
  NEST=$(unique_name pool)
  TMP=$(mktemp -d /tmp/netnest-pool.XXXXXX)
  chmod 0755 "$TMP"
  STATE=/run/user/$(nn_uid)/netnest/$NEST
  UP=
}

teardown() {
  [[ -n $UP ]] && nnu down --nest "$NEST" >/dev/null 2>&1
  rm -rf "$TMP"
}

up_user() {
  nnu up -d --nest "$NEST"
  UP=1
  DAEMON=$(cat "$STATE/child_pid")
  # the netns the daemon holds for itself: its own (the host's) and the nest's
  OWN="$(stat -L -c %i "/proc/$DAEMON/ns/net") $(stat -L -c %i "/proc/$DAEMON/root$STATE/netns")"
}

run_user() { nnu run --nest "$NEST" "$@"; }

# printed inside a sandbox: its netns's cookie (SO_NETNS_COOKIE = 71, socket(7)), which,
# unlike the inode number, the kernel never gives to another netns
COOKIE='python3 -c "import socket, struct; s = socket.socket(); print(struct.unpack(\"Q\", s.getsockopt(socket.SOL_SOCKET, 71, 8))[0])"'

# pooled [TYPE]: the inodes of the namespaces of TYPE (net, the default, or mnt) the daemon
# holds open, other than its own two netns and those of its sandboxes (it holds each one's
# to end its processes: docs/sandboxes.md#the-sandboxs-processes), one a line
pooled() {
  local f l t=${1:-net} sandboxes
  sandboxes=" $(cat "$STATE"/sandboxes/*.json 2>/dev/null | jq -r .netns | tr '\n' ' ') "
  for f in /proc/"$DAEMON"/fd/*; do
    l=$(readlink "$f") || continue
    [[ $l == "$t":\[*\] ]] || continue
    l=${l#"$t":[}
    l=${l%]}
    [[ " $OWN " == *" $l "* || $sandboxes == *" $l "* ]] || echo "$l"
  done | sort -u
}

pool_full() { [ "$(pooled | wc -l)" -eq "$POOL_SIZE" ] && [ "$(pooled mnt | wc -l)" -eq "$POOL_SIZE" ]; }

# in_nest CMD...: run CMD as root in the nest's netns
in_nest() { nsenter --net="/proc/$DAEMON/root$STATE/netns" "$@"; }

# held: the inode of every netns a process on the machine is in, holds open or has mounted
held() {
  local p
  for p in /proc/[0-9]*; do
    stat -L -c %i "$p/ns/net" 2>/dev/null
    ls -l "$p/fd" 2>/dev/null | grep -o 'net:\[[0-9]*\]'
    grep -o 'net:\[[0-9]*\]' "$p/mountinfo" 2>/dev/null
  done | tr -d 'net:[]' | sort -u
}

@test "the pool makes its first pair once the nest is up, fills after the first run, a run takes a pooled netns, and it refills without handing that one out again" {
  up_user
  # once up, a pair for the first run; a nest that has run no sandbox makes no more
  wait_until '[ "$(pooled | wc -l)" -eq $POOL_FIRST ] && [ "$(pooled mnt | wc -l)" -eq $POOL_FIRST ]'
  sleep 0.5
  [ "$(pooled | wc -l)" -eq "$POOL_FIRST" ]
  [ "$(pooled mnt | wc -l)" -eq "$POOL_FIRST" ]
  first=$(pooled) first_mnt=$(pooled mnt)
  # the first run gets that pair
  run_user -d --name first -- sleep 1000 >/dev/null
  [ "$(jq -r .netns "$STATE/sandboxes/first.json")" = "$first" ]
  [ "$(stat -L -c %i "/proc/$(jq -r .pid "$STATE/sandboxes/first.json")/ns/mnt")" = "$first_mnt" ]
  nnu stop --nest "$NEST" first
  wait_until pool_full
  pooled >"$TMP/before"
  # topo names them as the nest's pool, each of them
  run nnu topo --json
  [ "$(jq '[.netns[] | select(.role == "nest-pool" and .label == "pool of nest '"$NEST"'")] | length' <<<"$output")" -eq "$POOL_SIZE" ]
  # pooled netns hold no lease: only sandboxes do
  [ -z "$(ls "$STATE/ipam/netnest" | grep '^10\.')" ]
  # each has eth0 up, a port of the bridge on the nest side, and no address but link-local
  run_user -d --name a -- sleep 1000 >/dev/null
  rec=$STATE/sandboxes/a.json
  ino=$(jq -r .netns "$rec")
  grep -qx "$ino" "$TMP/before"
  [ "$(in_nest ip -j link show "$(jq -r .veth "$rec")" | jq -r '.[0].master')" = netnest0 ]
  [ "$(jq -r .ip "$rec")" = 10.4.0.3 ]
  run nsenter --net="/proc/$(jq -r .pid "$rec")/ns/net" ip -br -4 addr show dev eth0
  [[ $output == *" 10.4.0.3/24"* ]]
  # the pool is full again, with a new netns in place of the one taken
  wait_until pool_full
  pooled >"$TMP/after"
  [ -z "$(grep -x "$ino" "$TMP/after")" ]
  [ "$(comm -13 "$TMP/before" "$TMP/after" | wc -l)" -eq 1 ]
  # the pooled veths are ports of the bridge: 8 pooled + 1 sandbox
  [ "$(in_nest ip -j link show master netnest0 | jq length)" -eq $((POOL_SIZE + 1)) ]
  nnu stop --nest "$NEST" a
}

@test "down empties the pool: no pooled netns, veth, socket or mount is left anywhere" {
  up_user
  run_user -- true
  wait_until pool_full
  pooled >"$TMP/pooled"
  pooled mnt >"$TMP/pooled-mnt"
  nest_ino=${OWN#* }
  [ -S "$STATE/pool.sock" ]
  nnu down --nest "$NEST"
  UP=
  [ ! -e "$STATE/pool.sock" ]
  # the pooled netns and the nest's (which held the host ends of their veths) are gone
  held >"$TMP/held"
  [ -z "$(comm -12 "$TMP/pooled" "$TMP/held")" ]
  [ -z "$(grep -x "$nest_ino" "$TMP/held")" ]
  [ "$(wc -l <"$TMP/pooled")" -eq "$POOL_SIZE" ]
  # and so are the pooled mount namespaces
  for p in /proc/[0-9]*; do
    stat -L -c %i "$p/ns/mnt" 2>/dev/null
    ls -l "$p/fd" 2>/dev/null | grep -o 'mnt:\[[0-9]*\]' | tr -d 'mnt:[]'
  done | sort -u >"$TMP/held-mnt"
  [ -z "$(comm -12 "$TMP/pooled-mnt" "$TMP/held-mnt")" ]
  [ "$(wc -l <"$TMP/pooled-mnt")" -eq "$POOL_SIZE" ]
}

@test "a sandbox never gets a netns another one used: addresses, routes, neighbours and sysctls start fresh" {
  up_user
  run_user -- true
  wait_until pool_full
  # the first sandbox changes all four in its netns, and reports its netns cookie
  run run_user -- sh -c 'ip addr add 192.0.2.1/32 dev lo &&
    ip route add 198.51.100.0/24 via 10.4.0.1 &&
    ip neigh add 10.4.0.99 lladdr 02:00:00:00:00:99 dev eth0 &&
    echo 1 >/proc/sys/net/ipv4/conf/eth0/forwarding &&
    ip -br addr show dev lo && ip route && ip neigh && cat /proc/sys/net/ipv4/conf/eth0/forwarding &&
    '"$COOKIE"
  [ "$status" -eq 0 ]
  [[ $output == *192.0.2.1/32* && $output == *198.51.100.0/24* && $output == *02:00:00:00:00:99* ]]
  first=${lines[-1]}
  # more sandboxes than the pool holds, one after another: none sees any of it
  for i in $(seq $((POOL_SIZE + 2))); do
    run run_user -- sh -c 'ip -br addr show dev lo; ip route; ip neigh;
      cat /proc/sys/net/ipv4/conf/eth0/forwarding; '"$COOKIE"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" != "$first" ]
    [ "${lines[-2]}" = 0 ]
    [[ $output != *192.0.2.1* && $output != *198.51.100.0* && $output != *02:00:00:00:00:99* ]]
    # exactly the routes of a new sandbox: the default and the subnet's
    [ "$(printf '%s\n' "${lines[@]}" | grep -c '^default via 10.4.0.1 dev eth0')" -eq 1 ]
    [ "$(printf '%s\n' "${lines[@]}" | grep -c '^10.4.0.0/24 dev eth0')" -eq 1 ]
  done
}

@test "a sandbox never gets a mount namespace another one used: its mounts start as a new sandbox's, with the nest's resolv.conf and hosts" {
  up_user
  run_user -- true
  wait_until pool_full
  mkdir "$TMP/cwd" && chmod 0777 "$TMP/cwd"
  # the first sandbox mounts a tmpfs with a file in it and hides /etc/hosts, and stays,
  # so no later mount namespace can have its inode number
  run_user -d --name first -- sh -c 'mount -t tmpfs scratch /mnt && echo left >/mnt/file &&
    mount --bind /dev/null /etc/hosts && touch /mnt/done && exec sleep 1000' >/dev/null
  pid=$(jq -r .pid "$STATE/sandboxes/first.json")
  wait_until "nsenter -t $pid -m test -e /mnt/done"
  [ "$(nsenter -t "$pid" -m cat /mnt/file)" = left ]
  first=$(readlink "/proc/$pid/ns/mnt")
  # more sandboxes than the pool holds, one after another: none sees any of it, each starts
  # in the caller's cwd with copies of the nest's resolv.conf and hosts bound over the system's
  for i in $(seq $((POOL_SIZE + 2))); do
    run as_user sh -c "cd $TMP/cwd && $NETNEST run --nest $NEST -- sh -c 'pwd; readlink /proc/self/ns/mnt;
      [ -e /mnt/file ] && echo leaked || echo clean; grep -c \" /mnt \" /proc/self/mountinfo;
      cmp /etc/resolv.conf $STATE/resolv.conf && cmp /etc/hosts $STATE/hosts && echo same'"
    [ "${lines[0]}" = "$TMP/cwd" ]
    [ "${lines[1]}" != "$first" ]
    [ "${lines[2]}" = clean ]
    [ "${lines[3]}" = "$(grep -c " /mnt " /proc/self/mountinfo)" ]
    [ "${lines[4]}" = same ]
    [ "$status" -eq 0 ]
  done
  nnu stop --nest "$NEST" first
}

@test "with more runs at once than the pool holds, those it has none for make their own netns, and every sandbox is wired" {
  up_user
  for i in $(seq 12); do
    run_user -d --name "c$i" -- sleep 1000 &
  done
  wait
  for i in $(seq 12); do
    rec=$STATE/sandboxes/c$i.json
    [ -e "$rec" ]
    run nsenter --net="/proc/$(jq -r .pid "$rec")/ns/net" ip -br -4 addr show dev eth0
    [[ $output == *" $(jq -r .ip "$rec")/24"* ]]
  done
  [ "$(ls "$STATE/ipam/netnest" | grep -c '^10\.')" -eq 12 ]
  nnu stop --nest "$NEST" $(seq -f 'c%g' 12)
  [ -z "$(ls "$STATE/ipam/netnest" | grep '^10\.')" ]
}

# flooded IFNAME SECONDS: the router solicitations (ICMPv6 133), duplicate address
# detection probes (135 from ::), MLDv2 reports (to ff02::16) and other IPv6 packets the
# bridge sends out of its port IFNAME in SECONDS, as "RS DAD MLD OTHER" (a packet socket in
# the nest's netns; outgoing packets reach only ETH_P_ALL ones, packet(7))
flooded() {
  in_nest python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 0)); s.settimeout(0.2)
rs = dad = mld = other = 0; end = time.time() + float(sys.argv[2])
while time.time() < end:
    try: d, a = s.recvfrom(65535)
    except socket.timeout: continue
    if a[2] != socket.PACKET_OUTGOING or d[12:14] != b"\x86\xdd": continue
    if d[20] == 58 and d[54] == 133: rs += 1
    elif d[20] == 58 and d[54] == 135 and d[22:38] == bytes(16): dad += 1
    elif d[38:54] == bytes.fromhex("ff020000000000000000000000000016"): mld += 1
    else: other += 1
print(rs, dad, mld, other)' "$1" "$2"
}

@test "bridge ports have no IPv6 address, sandboxes send no router solicitation and no DAD probe, and the bridge forwards no MLDv2 report, so it floods none of them to every port" {
  up_user
  for i in $(seq 10); do
    run_user -d --name "r$i" -- sleep 1000 >/dev/null &
  done
  wait
  for i in $(seq 10); do
    rec=$STATE/sandboxes/r$i.json
    veth=$(jq -r .veth "$rec")
    [ "$(in_nest ip -d -j link show "$veth" | jq -r '.[0].inet6_addr_gen_mode')" = none ]
    [ -z "$(in_nest ip -6 -o addr show dev "$veth")" ]
    conf=/proc/sys/net/ipv6/conf/eth0
    [ "$(nsenter --net="/proc/$(jq -r .pid "$rec")/ns/net" cat $conf/router_solicitations $conf/accept_dad | xargs)" = "0 0" ]
  done
  # a new sandbox's eth0 would probe its link-local address at once, report its groups
  # (MLDv2, to ff02::16, twice) and solicit a router about a second after, again 4 s later;
  # the port of r1 sees none of it, and yet it sees the datagram late2 sends to all nodes,
  # flooded (so the capture works); nor the bridge's own probe of its link-local address
  # when its first port came up (a CI failure: it came within the second after it)
  [ "$(in_nest cat /proc/sys/net/ipv6/conf/netnest0/accept_dad)" = 0 ]
  run in_nest nft list table bridge netnest
  [[ $output == *"ip6 daddr ff02::16 drop"* ]]
  veth=$(jq -r .veth "$STATE/sandboxes/r1.json")
  flooded "$veth" 7 >"$TMP/seen" &
  sleep 0.5
  run_user -d --name late -- sleep 1000 >/dev/null
  run_user --name late2 -- python3 -c '
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
time.sleep(1)
s.sendto(b"all nodes", ("ff02::1%eth0", 9))'
  wait
  read -r rs dad mld other <"$TMP/seen"
  echo "flooded to the port of r1: $rs RS, $dad DAD, $mld MLDv2 reports, $other other"
  [ "$rs $dad $mld" = "0 0 0" ]
  [ "$other" -gt 0 ]
  nnu stop --nest "$NEST" $(seq -f 'r%g' 10) late
}

@test "a nest whose subnet is full refuses the next run naming the nest and the range; pooled netns hold no lease, and a stop frees one" {
  nnu up -d --nest "$NEST" --subnet 10.99.0.0/29
  UP=1
  # 6 host addresses, the bridge has one: 5 sandboxes, whatever the pool holds
  for i in 1 2 3 4 5; do
    run_user -d --name "s$i" -- sleep 1000
  done
  run run_user -d --name s6 -- sleep 1000
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: nest $NEST: sandbox s6: lease an address: no IP addresses available in range set: 10.99.0.1-10.99.0.6" ]
  [ "$(nnu ps --nest "$NEST" --json | jq '.sandboxes | length')" = 5 ]
  [ ! -e "$STATE/sandboxes/s6.json" ]
  freed=$(jq -r .ip "$STATE/sandboxes/s3.json")
  nnu stop --nest "$NEST" s3
  run_user -d --name s6 -- sleep 1000
  # the one address free is the one s3 gave back
  [ "$(nnu ps --nest "$NEST" --json | jq -r '.sandboxes[] | select(.name == "s6") | .ip')" = "$freed" ]
}
