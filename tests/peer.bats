#!/usr/bin/env bats
# netnest peer: the other end of a veth, resolved by nsid, never by ifindex or name alone.
# The index-collision layout: hub netns H holds vethA and vethB; vethA's peer is eth0 with
# ifindex 2 in netns A, vethB's peer is eth0 with ifindex 20 in netns B; H and B also have
# bridges with ifindex 2 and 20, which matching by index alone would pick.

load helpers/common

setup() {
  H=$(unique_name nnph) A=$(unique_name nnpa) B=$(unique_name nnpb)
  ip netns add "$H"; ip netns add "$A"; ip netns add "$B"
  ip -n "$H" link add fill2 index 2 type bridge
  ip -n "$H" link add fill20 index 20 type bridge
  ip -n "$B" link add fill2 index 2 type bridge
  ip -n "$H" link add vethA index 30 type veth peer name eth0 netns "$A" index 2
  ip -n "$H" link add vethB index 31 type veth peer name eth0 netns "$B" index 20
  ip -n "$B" addr add 10.77.0.2/24 dev eth0
  SLEEPER=
}

teardown() {
  [[ -n $SLEEPER ]] && kill "$SLEEPER" 2>/dev/null
  ip netns del "$H" 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  [[ -n ${V:-} ]] && ip link del "$V" 2>/dev/null
  [[ -n ${C:-} ]] && ip netns del "$C" 2>/dev/null
  if [[ -n ${FIX:-} ]]; then as_user bash "$NN_ROOT/tests/helpers/rk_cni_fixture.sh" stop "$FIX"; fi
}

ino_of() { stat -L -c %i "/run/netns/$1"; }

@test "peer of vethA is eth0 with ifindex 2 in netns A, not a link with index 2 elsewhere" {
  run nn peer vethA -n "$H" --json
  [ "$status" -eq 0 ]
  [ "$(jq -r .ifname <<<"$output")" = eth0 ]
  [ "$(jq -r .ifindex <<<"$output")" = 2 ]
  [ "$(jq -r .ns <<<"$output")" = "$(ino_of "$A")" ]
  [ "$(jq -r '.names[0]' <<<"$output")" = "$A" ]
  [ "$(jq -r .symmetric <<<"$output")" = true ]
  # link-netnsid as ip sees it on the hub side
  [ "$(jq -r .link_netnsid <<<"$output")" = "$(ip -n "$H" -j link show vethA | jq -r '.[0].link_netnsid')" ]
}

@test "peer of vethB is eth0 with ifindex 20 in netns B, not fill20 of the hub" {
  run nn peer vethB -n "$H"
  [ "$status" -eq 0 ]
  [[ $output == "eth0 ifindex 20 netns $(ino_of "$B") "*"names $B"* ]]
}

@test "peer of eth0 in netns A and B leads back to vethA and vethB of the hub" {
  run nn peer eth0 -n "/run/netns/$A" --json
  [ "$status" -eq 0 ]
  [ "$(jq -r .ifname <<<"$output")" = vethA ]
  [ "$(jq -r .ifindex <<<"$output")" = 30 ]
  [ "$(jq -r .ns <<<"$output")" = "$(ino_of "$H")" ]
  ip netns exec "$B" sleep 60 &
  SLEEPER=$!
  wait_until 'test "$(stat -L -c %i /proc/$SLEEPER/ns/net)" = "$(ino_of "$B")"'
  run nn peer eth0 -n "$SLEEPER" --json
  [ "$status" -eq 0 ]
  [ "$(jq -r .ifname <<<"$output")" = vethB ]
  [ "$(jq -r .ifindex <<<"$output")" = 31 ]
}

@test "topo pairs both colliding veths with the right netns and address" {
  local h a b
  h=$(ino_of "$H") a=$(ino_of "$A") b=$(ino_of "$B")
  run nn topo --json
  [ "$status" -eq 0 ]
  [ "$(jq -r --argjson h "$h" '.netns[] | select(.ns == $h) | .interfaces[] | select(.ifname == "vethA") | "\(.peer.ns) \(.peer.ifindex) \(.peer.ifname)"' <<<"$output")" = "$a 2 eth0" ]
  [ "$(jq -r --argjson h "$h" '.netns[] | select(.ns == $h) | .interfaces[] | select(.ifname == "vethB") | "\(.peer.ns) \(.peer.ifindex) \(.peer.ifname)"' <<<"$output")" = "$b 20 eth0" ]
  [ "$(jq -r --argjson b "$b" '.netns[] | select(.ns == $b) | .interfaces[] | select(.ifname == "eth0") | .addr_info[0].local' <<<"$output")" = 10.77.0.2 ]
  [ "$(jq -r --argjson b "$b" '.netns[] | select(.ns == $b) | .names[0]' <<<"$output")" = "$B" ]
}

@test "topo pairs a host veth with eth0 of a netns nothing has read yet, from both ends" {
  # the host gets its nsid inside C only when a dump there first writes eth0's link-netnsid
  # (peernet2id_alloc): nothing but topo may look inside C before topo does
  C=$(unique_name nnpc) V=$(unique_name nnv)
  ip netns add "$C"
  ip link add "$V" type veth peer name eth0 netns "$C"
  run nn topo --json
  ip link del "$V"; ip netns del "$C"
  [ "$status" -eq 0 ]
  [ "$(jq -r --arg v "$V" '.netns[].interfaces[] | select(.ifname == $v) | .peer | "\(.ifname) \(.symmetric)"' <<<"$output")" = "eth0 true" ]
  [ "$(jq -r --arg c "$C" '.netns[] | select(.names == [$c]) | .interfaces[] | select(.ifname == "eth0") | .peer.symmetric' <<<"$output")" = true ]
}

@test "peer of an interface that is not a veth fails and says so" {
  run nn peer fill20 -n "$H"
  [ "$status" -eq 1 ]
  [[ $output == *"fill20 in netns $(ino_of "$H") is not a veth (kind bridge)"* ]]
  run nn peer nosuch0 -n "$H"
  [ "$status" -eq 1 ]
  [[ $output == *"interface nosuch0 in netns $(ino_of "$H"): No such device"* ]]
}

@test "peer in a netns name that does not exist fails naming it" {
  run nn peer eth0 -n "nnp-missing-$$"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: no netns named 'nnp-missing-$$' (looked in /run/netns and the sandboxes of nest default): No such file or directory" ]
  run nn peer
  [ "$status" -eq 2 ]
  [[ $output == *"IFNAME is missing"* ]]
}

@test "the rootless user finds the peer of a container's eth0 inside the RootlessKit child" {
  FIX=$(as_user mktemp -d /tmp/netnest-rkfix.XXXXXX)
  as_user bash "$NN_ROOT/tests/helpers/rk_cni_fixture.sh" start "$FIX"
  local veth
  veth=$(nsenter -t "$(cat "$FIX/child_pid")" -n ip -j link show master nerdctl0 | jq -r '.[0].ifname')
  run nnu peer eth0 -n "$(cat "$FIX/ctr_pid")" --json
  [ "$status" -eq 0 ]
  [ "$(jq -r .ifname <<<"$output")" = "$veth" ]
  [ "$(jq -r .ns <<<"$output")" = "$(stat -L -c %i "/proc/$(cat "$FIX/child_pid")/ns/net")" ]
  [ "$(jq -r .role <<<"$output")" = rootlesskit-child ]
}

@test "the rootless user sees which netns and ifindex a host veth leads to, and that it cannot read it" {
  local hv=nnp$RANDOM idx
  ip link add "$hv" type veth peer name eth1 netns "$A"
  idx=$(ip -n "$A" -j link show eth1 | jq -r '.[0].ifindex')
  run nnu peer "$hv" --json
  ip link del "$hv"
  [ "$status" -eq 0 ]
  [ "$(jq -r .ns <<<"$output")" = "$(ino_of "$A")" ]
  [ "$(jq -r .read <<<"$output")" = false ]
  [ "$(jq -r .ifname <<<"$output")" = null ]
  [ "$(jq -r .ifindex <<<"$output")" = "$idx" ]
  [ "$(jq -r '.names[0]' <<<"$output")" = "$A" ]
}

@test "the rootless user's topo lists what it could not read" {
  run nnu topo --json
  [ "$status" -eq 0 ]
  [ "$(jq --argjson a "$(ino_of "$A")" '[.netns[] | select(.ns == $a)][0].read' <<<"$output")" = false ]
  jq -e '.gaps | length > 0' <<<"$output"
  jq -e '[.gaps[].error] | index("Operation not permitted") != null or index("Permission denied") != null' <<<"$output"
}

@test "peer and topo follow a veth into a netns held only by an fd opened through a bind mount since deleted" {
  C=$(unique_name nnpc) V=$(unique_name nnv)
  ip netns add "$C"
  sleep 1000 9<"/run/netns/$C" >/dev/null 2>&1 3>&- &
  SLEEPER=$!
  wait_for test -e "/proc/$SLEEPER/fd/9"
  ip netns del "$C"
  # the fd reads as "/" now: nothing but its st_dev says it is a netns
  [ "$(readlink "/proc/$SLEEPER/fd/9")" = / ]
  ip link add "$V" type veth peer name eth0 netns "/proc/$SLEEPER/fd/9"
  ino=$(stat -L -c %i "/proc/$SLEEPER/fd/9")
  run nn peer "$V" --json
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.ifname, .ns, .symmetric]' <<<"$output")" = "[\"eth0\",$ino,true]" ]
  run nn topo --json
  ip link del "$V"
  [ "$status" -eq 0 ]
  [ "$(jq -r --argjson i "$ino" '.netns[] | select(.ns == $i) | .interfaces[] | select(.ifname == "eth0") | .peer.ifname' <<<"$output")" = "$V" ]
  [ "$(jq -c --argjson i "$ino" '.netns[] | select(.ns == $i) | [.read, .pids, .names]' <<<"$output")" = '[true,[],[]]' ]
  [ "$(jq -r --arg v "$V" '.netns[].interfaces[] | select(.ifname == $v) | "\(.peer.ns) \(.peer.symmetric)"' <<<"$output")" = "$ino true" ]
  [ "$(jq --arg v "$V" '[.gaps[]? | select(.what | contains($v))] | length' <<<"$output")" = 0 ]
}
