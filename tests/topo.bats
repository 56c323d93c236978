#!/usr/bin/env bats
# netnest topo on the stack of the seed: RootlessKit + slirp4netns + a CNI bridge container
# (tests/helpers/rk_cni_fixture.sh), checked against ground truth taken with nsenter + ip -j.

load helpers/common

setup_file() {
  FIX=$(as_user mktemp -d /tmp/netnest-rkfix.XXXXXX)
  export FIX
  as_user bash "$NN_ROOT/tests/helpers/rk_cni_fixture.sh" start "$FIX"
}

teardown_file() {
  as_user bash "$NN_ROOT/tests/helpers/rk_cni_fixture.sh" stop "$FIX"
}

teardown() {
  rm -f "${BATS_TEST_TMPDIR:?}"/topo.*
  [[ -n ${HOLDER_PID:-} ]] && kill "$HOLDER_PID" 2>/dev/null
  [[ -n ${NS_PID:-} ]] && kill "$NS_PID" 2>/dev/null
  if [[ -n ${NEST:-} ]]; then
    nnu stop --nest "$NEST" "$NEST-web" 2>/dev/null || true
    nnu down --nest "$NEST" || true
  fi
  # netnest rootlesskit: SIGKILL of the rootlesskit process this test started ends the
  # nest (the daemon has it as parent-death signal) and the daemon removes the state dir
  if [[ -n ${RK_TOP:-} ]]; then
    kill -9 "$RK_TOP" 2>/dev/null || true
    wait_until "! alive $RK_TOP" || true
    [[ -n ${RK_DAEMON:-} ]] && { wait_until "! alive $RK_DAEMON" || true; }
  fi
  [[ -n ${RKU:-} ]] && rm -rf "$RKU"
  true
}

# alive PID: PID exists and is not a zombie (this VM's init does not reap orphans)
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# rk_start ARGS...: `netnest rootlesskit ARGS` as nntest in the background, from /tmp; then
# RK_TOP is the rootlesskit process, RK_DAEMON the nest daemon under it, RK_ENGINE its
# netnest-engine, RK_CHILD RootlessKit's child, RK_CMD the command, RK_STATE the state dir
# (the command's ROOTLESSKIT_STATE_DIR)
rk_start() {
  RKU=$(as_user mktemp -d /tmp/netnest-rktopo.XXXXXX)
  (cd /tmp && as_user sh -c 'pidf=$1; shift; "$@" & echo $! >"$pidf"; wait $!' sh \
    "$RKU/top.pid" "$NETNEST" rootlesskit "$@" >"$RKU/out" 2>&1 3>&- &)
  wait_for test -s "$RKU/top.pid"
  RK_TOP=$(cat "$RKU/top.pid")
  wait_until '[ -n "$(pgrep -P "$RK_TOP")" ]'
  RK_DAEMON=$(pgrep -P "$RK_TOP")
  wait_until '[ -s "$(rk_state_of "$RK_DAEMON")/child_pid" ]'
  RK_STATE=$(rk_state_of "$RK_DAEMON")
  RK_CHILD=$(cat "$RK_STATE/child_pid")
  RK_ENGINE=$(cat "$RK_STATE/.engine_pid")
  RK_CMD=$(pgrep -P "$RK_CHILD")
  [ "$(cat "/proc/$RK_ENGINE/comm")" = netnest-engine ]
  [ "$(pgrep -P "$RK_DAEMON" | sort -n | paste -sd' ')" = "$(printf '%s\n' "$RK_ENGINE" "$RK_CHILD" | sort -n | paste -sd' ')" ]
}
# rk_state_of DAEMON: ROOTLESSKIT_STATE_DIR of the command under the child of DAEMON
rk_state_of() {
  local p c
  for p in $(pgrep -P "$1"); do
    for c in $(pgrep -P "$p"); do
      tr '\0' '\n' <"/proc/$c/environ" 2>/dev/null | sed -n 's/^ROOTLESSKIT_STATE_DIR=//p'
    done
  done
}

child() { cat "$FIX/child_pid"; }
ctr() { cat "$FIX/ctr_pid"; }
ino() { stat -L -c %i "/proc/$1/ns/net"; }
# gt PID ARGS...: ground truth, ip -j inside the netns of PID (as root)
gt() { local p=$1; shift; nsenter -t "$p" -n ip -j "$@"; }

# topo_json [as_user]: save netnest topo --json in $BATS_TEST_TMPDIR/topo.json
topo_json() {
  if [[ ${1:-} == user ]]; then nnu topo --json; else nn topo --json; fi >"$BATS_TEST_TMPDIR/topo.json"
}
# q JQ-ARGS...: query the saved topology
q() { jq -r "$@" "$BATS_TEST_TMPDIR/topo.json"; }
iface() { # NS_INO IFNAME: that interface object
  q --argjson ns "$1" --arg n "$2" '.netns[] | select(.ns == $ns) | .interfaces[] | select(.ifname == $n)'
}

check_tap() {
  local ci; ci=$(ino "$(child)")
  [ "$(q --argjson ns "$ci" '.netns[] | select(.ns == $ns) | .role')" = rootlesskit-child ]
  [ "$(iface "$ci" tap0 | jq -r '.holders[0].comm')" = slirp4netns ]
  [ "$(iface "$ci" tap0 | jq -r '.holders[0].pid')" = "$(cat "$FIX/slirp_pid")" ]
  [ "$(iface "$ci" tap0 | jq -r '.holders[0].ambiguous')" = false ]
  [ "$(iface "$ci" tap0 | jq -r '.tun_type')" = tap ]
  [ "$(iface "$ci" tap0 | jq -r '.mtu')" = 65520 ]
  [ "$(iface "$ci" tap0 | jq -r '.addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"')" = 10.0.2.100/24 ]
  [ "$(iface "$ci" tap0 | jq -r .ifindex)" = "$(gt "$(child)" link show tap0 | jq -r '.[0].ifindex')" ]
}

check_bridge_pair() {
  local ci ki truth veth ip
  ci=$(ino "$(child)") ki=$(ino "$(ctr)")
  # ground truth: the one port of nerdctl0, and eth0 in the container, seen by ip -j
  truth=$(gt "$(child)" link show master nerdctl0 | jq -c '.[0]')
  veth=$(jq -r .ifname <<<"$truth")
  [[ $veth == veth* ]]
  [ "$(iface "$ci" "$veth" | jq -r .master)" = nerdctl0 ]
  [ "$(iface "$ci" "$veth" | jq -r .ifindex)" = "$(jq -r .ifindex <<<"$truth")" ]
  [ "$(iface "$ci" "$veth" | jq -r .link_netnsid)" = "$(jq -r .link_netnsid <<<"$truth")" ]
  [ "$(iface "$ci" "$veth" | jq -r .peer.ns)" = "$ki" ]
  [ "$(iface "$ci" "$veth" | jq -r .peer.ifname)" = eth0 ]
  [ "$(iface "$ci" "$veth" | jq -r .peer.ifindex)" = "$(jq -r .link_index <<<"$truth")" ]
  [ "$(iface "$ci" "$veth" | jq -r .peer.symmetric)" = true ]
  # and from the other end
  truth=$(gt "$(ctr)" addr show eth0 | jq -c '.[0]')
  ip=$(jq -r '.ips[0].address' "$FIX/cni_result.json")
  [[ $ip == 10.4.0.*/24 ]]
  [ "$(jq -r '.addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"' <<<"$truth")" = "$ip" ]
  [ "$(iface "$ki" eth0 | jq -r '.addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"')" = "$ip" ]
  [ "$(iface "$ki" eth0 | jq -r .ifindex)" = "$(jq -r .ifindex <<<"$truth")" ]
  [ "$(iface "$ki" eth0 | jq -r .link_netnsid)" = "$(jq -r .link_netnsid <<<"$truth")" ]
  [ "$(iface "$ki" eth0 | jq -r .peer.ns)" = "$ci" ]
  [ "$(iface "$ki" eth0 | jq -r .peer.ifname)" = "$veth" ]
  [ "$(q --argjson ns "$ki" '.netns[] | select(.ns == $ns) | .role')" = container ]
  [ "$(iface "$ci" nerdctl0 | jq -r '.addr_info[] | select(.family == "inet") | .local')" = 10.4.0.1 ]
}

check_pids() {
  local ci ki
  ci=$(ino "$(child)") ki=$(ino "$(ctr)")
  q --argjson ns "$ci" '.netns[] | select(.ns == $ns) | .pids[]' | grep -qx "$(child)"
  q --argjson ns "$ki" '.netns[] | select(.ns == $ns) | .pids[]' | grep -qx "$(ctr)"
  # slirp4netns itself lives in the host netns
  q '.netns[] | select(.role == "host") | .pids[]' | grep -qx "$(cat "$FIX/slirp_pid")"
}

@test "topo --json as root names the slirp4netns PID holding tap0 10.0.2.100/24 of the RootlessKit child" {
  topo_json
  check_tap
}

@test "topo --json as root shows nerdctl0's veth port paired with eth0 of the container, as ip -n sees it" {
  topo_json
  check_bridge_pair
}

@test "topo --json as root lists the processes in each netns" {
  topo_json
  check_pids
}

@test "topo --json as the rootless user still finds the tap, the bridge, the veth pair and the processes" {
  topo_json user
  check_tap
  check_bridge_pair
  check_pids
}

@test "topo draws the seed's chain from the host through slirp4netns to eth0 of the container" {
  local ip veth
  ip=$(jq -r '.ips[0].address' "$FIX/cni_result.json")
  veth=$(gt "$(child)" link show master nerdctl0 | jq -r '.[0].ifname')
  run nn topo
  [ "$status" -eq 0 ]
  grep -F "host -> slirp4netns[$(cat "$FIX/slirp_pid")] -> tap0 10.0.2.100/24 (netns $(ino "$(child)") rootlesskit-child" <<<"$output"
  grep -F "> nerdctl0 10.4.0.1/24 -> $veth -> eth0 $ip (netns $(ino "$(ctr)") container, pids $(ctr))" <<<"$output"
  # the same chain in JSON, outermost first
  topo_json
  [ "$(q --argjson ns "$(ino "$(ctr)")" '.chains[] | select(.ns == $ns) | [.holders[].pid] | @tsv')" = "$(cat "$FIX/slirp_pid")" ]
  [ "$(q --argjson ns "$(ino "$(ctr)")" '.chains[] | select(.ns == $ns) | [.hops[].ifname] | join(" ")')" = "tap0 nerdctl0 $veth eth0" ]
  [ "$(q --argjson ns "$(ino "$(ctr)")" '.chains[] | select(.ns == $ns) | [.hops[].ns] | unique | length')" = 2 ]
}

@test "topo shows a netnest sandbox behind netnest-engine, tap0, netnest0 and its veth, as root and rootless" {
  NEST=$(unique_name tp)
  nnu up -d --nest "$NEST"
  nnu run -d --nest "$NEST" --name "$NEST-web" -- sleep 120
  local st rec nest_ns sb_ns
  st=/run/user/$(nn_uid)/netnest/$NEST
  rec=$st/sandboxes/$NEST-web.json
  nest_ns=$(stat -L -c %i "/proc/$(cat "$st/child_pid")/root$st/netns")
  sb_ns=$(stat -L -c %i "/proc/$(jq -r .pid "$rec")/ns/net")
  [ "$(jq -r .netns "$rec")" = "$sb_ns" ]
  for who in nn nnu; do
    run $who topo
    [ "$status" -eq 0 ]
    # every holder of tap0 is listed; the engine must be one of them
    grep -E "^host -> ([a-z-]+\[[0-9]+\],)*netnest-engine\[$(cat "$st/engine_pid")\](,[a-z-]+\[[0-9]+\])* -> tap0 " <<<"$output"
    grep -F "tap0 10.0.2.100/24 fd00::100/64 (netns $nest_ns nest $NEST) -> netnest0 10.4.0.1/24 fd00:4::1/64 -> $(jq -r .veth "$rec") -> eth0 $(jq -r .ip "$rec")/24 $(jq -r .ip6 "$rec")/64 (netns $sb_ns sandbox $NEST-web, pids $(jq -r .pid "$rec"))" <<<"$output"
    run $who topo --json
    [ "$status" -eq 0 ]
    [ "$(jq -r --argjson ns "$nest_ns" --arg v "$(jq -r .veth "$rec")" '.netns[] | select(.ns == $ns) | .interfaces[] | select(.ifname == $v) | "\(.master) \(.peer.ns) \(.peer.ifname) \(.peer.symmetric)"' <<<"$output")" = "netnest0 $sb_ns eth0 true" ]
  done
}

@test "topo shows netnest rootlesskit's child netns as rootlesskit-child behind netnest-engine and tap0, as root and rootless" {
  rk_start --net=slirp4netns --port-driver=builtin --copy-up=/etc --disable-host-loopback sleep 60
  local ci pids
  [[ $RK_STATE == /tmp/rootlesskit* ]]
  [ "$(cat "/proc/$RK_CMD/comm")" = sleep ]
  ci=$(ino "$RK_CHILD")
  [ "$(ino "$RK_CMD")" = "$ci" ]
  [ "$ci" != "$(ino $$)" ]
  pids=$(printf '%s\n' "$RK_CHILD" "$RK_CMD" | sort -n | paste -sd' ')
  for who in nn nnu; do
    run $who topo
    [ "$status" -eq 0 ]
    grep -Fx "host -> netnest-engine[$RK_ENGINE] -> tap0 10.0.2.100/24 (netns $ci rootlesskit-child, pids $pids)" <<<"$output"
    grep -Fx "netns $ci rootlesskit-child  pids $pids" <<<"$output"
    if [[ $who == nn ]]; then topo_json; else topo_json user; fi
    [ "$(q --argjson ns "$ci" '.netns[] | select(.ns == $ns) | "\(.role) \(.label)"')" = "rootlesskit-child rootlesskit-child" ]
    [ "$(q --argjson ns "$ci" '[.netns[] | select(.ns == $ns) | .pids[]] | join(" ")')" = "$pids" ]
    # lo and tap0, no bridge: RootlessKit's child has none
    [ "$(q --argjson ns "$ci" '[.netns[] | select(.ns == $ns) | .interfaces[].ifname] | join(" ")')" = "lo tap0" ]
    [ "$(iface "$ci" tap0 | jq -r '.addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"')" = 10.0.2.100/24 ]
    [ "$(iface "$ci" tap0 | jq -c '[.holders[] | [.comm, .pid, .netns, .ambiguous]]')" = "[[\"netnest-engine\",$RK_ENGINE,$(ino $$),false]]" ]
    # the chain of the child's own netns: the engine, then tap0
    [ "$(q --argjson ns "$ci" '.chains[] | select(.ns == $ns) | [(.holders[] | "\(.comm)[\(.pid)]"), (.hops[] | "\(.ns) \(.ifname)")] | join(" -> ")')" = "netnest-engine[$RK_ENGINE] -> $ci tap0" ]
  done
}

@test "topo shows the detached netns of rootlesskit --detach-netns as rootlesskit-child behind netnest-engine, the child in the host netns" {
  rk_start --net=slirp4netns --detach-netns --port-driver=builtin sleep 60
  local ni
  [ "$(ino "$RK_CHILD")" = "$(ino $$)" ]
  ni=$(stat -L -c %i "/proc/$RK_CHILD/root$RK_STATE/netns")
  [ "$ni" != "$(ino $$)" ]
  for who in nn nnu; do
    run $who topo
    [ "$status" -eq 0 ]
    grep -Fx "host -> netnest-engine[$RK_ENGINE] -> tap0 10.0.2.100/24 (netns $ni rootlesskit-child)" <<<"$output"
    if [[ $who == nn ]]; then topo_json; else topo_json user; fi
    [ "$(q --argjson ns "$ni" '.netns[] | select(.ns == $ns) | "\(.role) \(.pids | length)"')" = "rootlesskit-child 0" ]
    [ "$(iface "$ni" tap0 | jq -r '[.holders[] | "\(.comm)[\(.pid)]"] | join(",")')" = "netnest-engine[$RK_ENGINE]" ]
  done
}

@test "topo shows a nest without sandboxes behind netnest-engine and tap0, labelled nest NAME" {
  NEST=$(unique_name tq)
  nnu up -d --nest "$NEST"
  local st nest_ns
  st=/run/user/$(nn_uid)/netnest/$NEST
  nest_ns=$(stat -L -c %i "/proc/$(cat "$st/child_pid")/root$st/netns")
  for who in nn nnu; do
    run $who topo
    [ "$status" -eq 0 ]
    grep -E "^host -> ([a-z-]+\[[0-9]+\],)*netnest-engine\[$(cat "$st/engine_pid")\](,[a-z-]+\[[0-9]+\])* -> tap0 10\.0\.2\.100/24 fd00::100/64 \(netns $nest_ns nest $NEST\)$" <<<"$output"
    run $who topo --json
    [ "$status" -eq 0 ]
    [ "$(jq -r --argjson ns "$nest_ns" '.netns[] | select(.ns == $ns) | "\(.role) \(.label)"' <<<"$output")" = "nest nest $NEST" ]
    [ "$(jq -r --argjson ns "$nest_ns" '.chains[] | select(.ns == $ns) | [.hops[].ifname] | join(" ")' <<<"$output")" = tap0 ]
  done
}

@test "topo finds a detached netns kept only by a \$STATE/netns bind mount in another mount ns, as RootlessKit 2 keeps it" {
  local d=$BATS_TEST_TMPDIR/rkstate ino
  mkdir -p "$d"
  unshare -n sleep 120 &
  NS_PID=$!
  wait_until 'test "$(stat -L -c %i /proc/$NS_PID/ns/net)" != "$(stat -L -c %i /proc/self/ns/net)"'
  ino=$(stat -L -c %i "/proc/$NS_PID/ns/net")
  unshare -m --propagation private sh -c "touch $d/netns && mount --bind /proc/$NS_PID/ns/net $d/netns && echo \$\$ >$d/child_pid && exec sleep 120" &
  HOLDER_PID=$!
  wait_for test -s "$d/child_pid"
  kill "$NS_PID"; wait "$NS_PID" || true; NS_PID=
  # from here the file is empty: the nsfs mount exists only in the holder's mount ns
  [ "$(stat -c %s "$d/netns")" = 0 ]
  topo_json
  [ "$(q --argjson ns "$ino" '.netns[] | select(.ns == $ns) | .role')" = rootlesskit-child ]
  [ "$(q --argjson ns "$ino" '.netns[] | select(.ns == $ns) | .pids | length')" = 0 ]
  [ "$(q --argjson ns "$ino" '.netns[] | select(.ns == $ns) | .interfaces[0].ifname')" = lo ]
}

@test "topo --svg writes a Graphviz drawing with the veth pair and the tap holder" {
  run nn topo --svg "$BATS_TEST_TMPDIR/topo.svg"
  [ "$status" -eq 0 ]
  grep -q '<svg' "$BATS_TEST_TMPDIR/topo.svg"
  grep -q "slirp4netns\[$(cat "$FIX/slirp_pid")\]" "$BATS_TEST_TMPDIR/topo.svg"
  run nn topo --dot
  [ "$status" -eq 0 ]
  # one edge per veth pair, drawn from the end with the smaller (netns, ifindex)
  local a b
  a=$(ino "$(child)") b=$(ino "$(ctr)")
  grep -E "^  \"(${a}_[0-9]+\" -> \"${b}|${b}_[0-9]+\" -> \"${a})_[0-9]+\" \[dir=both, label=veth\];" <<<"$output"
}

@test "topo with a bad option is a usage error with exit 2" {
  run nn topo --bogus
  [ "$status" -eq 2 ]
  run nn topo --json --dot
  [ "$status" -eq 2 ]
  [[ $output == *"exclude each other"* ]]
  run nn topo --help
  [ "$status" -eq 0 ]
  [[ $output == *"Usage: netnest topo"* ]]
}
