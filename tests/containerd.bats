#!/usr/bin/env bats
# The seed's own system on netnest (issue 7): Debian's containerd, rootless, under netnest's
# `rootlesskit` with the flags of nerdctl's containerd-rootless.sh (--detach-netns when the
# rootlesskit's --help lists it, as that script decides), and a `ctr run` container joined
# to bridge nerdctl0 10.4.0.0/24 by Debian's CNI bridge + host-local plugins run in the
# detached netns, as nerdctl's OCI hook runs them (tests/helpers/rootless_containerd.sh).
# One containerd start.
#
# The rootlesskit used: $NN_DOCKER_RKDIR when set (set but empty: Debian's, which has no
# --detach-netns: the CNI plugins then run in the child's own netns), else $NN_RKDIR
# (tests/run: netnest's), else Debian's.

load helpers/common
load helpers/rootless

rc() { bash "$NN_ROOT/tests/helpers/rootless_containerd.sh" "$@"; }

setup_file() {
  RKDIR=$(rk_dir)
  export RKDIR
  WORK=$(mktemp -d /tmp/netnest-containerd.XXXXXX)
  chmod 0755 "$WORK"
  export WORK REC=$WORK/containerd.rec
  IMAGE=$(bash "$NN_ROOT/tests/helpers/docker_image.sh" oci netnest-test:latest "$WORK/oci.tar")
  rc start "$NN_USER" "$REC" "$RKDIR"
  rc ctr "$REC" images import "$WORK/oci.tar" >/dev/null
  read -r TASK ADDR < <(rc run "$REC" "$IMAGE" web httpd -f -p 80 -h /www)
  export IMAGE TASK ADDR
}

teardown_file() {
  rc clean "$REC"
  rm -rf "$WORK"
}

@test "containerd comes up rootless under rootlesskit with containerd-rootless.sh's flags, the netns detached by netnest's" {
  local child state
  child=$(rec CHILD) state=$(rec STATE)
  run rc ctr "$REC" version
  [ "$status" -eq 0 ]
  [[ $output == *"Server:"* ]]
  [ "$(cat "$state/child_pid")" = "$child" ]
  if netnest_rk; then
    [ "$(readlink -f "/proc/$(rec PID)/exe")" = "$(readlink -f "$RKDIR/netnest")" ]
    # --detach-netns: the child stays in the host's netns; the nest's netns is the nsfs
    # bind mount $STATE/netns, seen only in the child's mount ns (an empty file outside)
    grep -q -- '--detach-netns' "/proc/$(rec PID)/cmdline"
    [ "$(ino "/proc/$child/ns/net")" = "$(ino /proc/self/ns/net)" ]
    [ "$(stat -f -c %T "/proc/$child/root$state/netns")" = nsfs ]
    [ "$(stat -c %s "$state/netns")" = 0 ]
  fi
  # the user's containerd, in the child's user namespace, as root there
  [ "$(readlink "/proc/$child/ns/user")" = "$(rec USERNS)" ]
  [ "$(readlink "/proc/$child/ns/user")" != "$(readlink /proc/self/ns/user)" ]
}

@test "a ctr run container is joined to nerdctl0 10.4.0.0/24 by the CNI bridge and host-local plugins, in the detached netns, and serves HTTP" {
  local netns
  netns=$(rc netns "$REC")
  [[ $ADDR == 10.4.0.*/24 ]]
  # the container: eth0 with the lease, default via nerdctl0's address
  [ "$(nsenter -t "$TASK" -n ip -j addr show eth0 | jq -r '.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"')" = "$ADDR" ]
  [ "$(nsenter -t "$TASK" -n ip -j route show default | jq -r '.[0].gateway')" = 10.4.0.1 ]
  # the bridge, and tap0, in the netns the plugins ran in; never in the host's
  [ "$(nsenter --net="$netns" ip -j addr show nerdctl0 | jq -r '.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"')" = 10.4.0.1/24 ]
  [ "$(nsenter --net="$netns" ip -j addr show tap0 | jq -r '.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"')" = 10.0.2.100/24 ]
  run ip link show nerdctl0
  [ "$status" -ne 0 ]
  # host-local's lease, in the user's data dir (bind-mounted on /var/lib/cni by the child)
  [ -e "/home/$NN_USER/.local/share/cni/networks/bridge/${ADDR%/*}" ]
  run rc nsexec "$REC" curl -sf --max-time 5 "http://${ADDR%/*}/index.html"
  [ "$status" -eq 0 ]
  [ "$output" = "netnest test image" ]
}

@test "netnest topo draws the seed's chain: host -> engine -> tap0 -> nerdctl0 -> veth -> the container's eth0" {
  local netns veth
  netns=$(rc netns "$REC")
  veth=$(bridge_port "$netns" nerdctl0 "$TASK")
  [[ $veth == veth* ]]
  run nn topo
  [ "$status" -eq 0 ]
  assert_chain "$output" "$netns" "nerdctl0 10.4.0.1/24" "$veth" "$ADDR" "$TASK"
  # as the rootless user too
  run nnu topo
  [ "$status" -eq 0 ]
  grep -F " -> nerdctl0 10.4.0.1/24 -> $veth -> eth0 $ADDR (netns $(ino "/proc/$TASK/ns/net") container, pids $TASK)" <<<"$output"
}

@test "netnest ns on the container's PID explains every namespace of it" {
  local k row userns
  run nn ns --json "$TASK"
  [ "$status" -eq 0 ]
  [ "$(jq '.processes[0].pid' <<<"$output")" = "$TASK" ]
  [ "$(jq -r '.processes[0].command' <<<"$output")" = "httpd -f -p 80 -h /www" ]
  userns=$(rec USERNS) userns=${userns#user:[} userns=${userns%]}
  for k in cgroup ipc mnt net pid pid_for_children time time_for_children user uts; do
    row=$(jq -c --arg k "$k" '.processes[0].namespaces[] | select(.kind == $k)' <<<"$output")
    # the inode is the kernel's, and every row says what it means
    [ "$(jq .ns <<<"$row")" = "$(ino "/proc/$TASK/ns/$k")" ] || { echo "$k: $row"; false; }
    [ -n "$(jq -r '.explanation // empty' <<<"$row")" ] || { echo "$k: $row"; false; }
    case $k in
      ipc | mnt | net | pid | uts)
        # runc made them, in the nest's user namespace, owned by the user
        [ "$(jq -c '[.initial, .userns, .owner_uid]' <<<"$row")" = "[false,$userns,$(nn_uid)]" ] || { echo "$k: $row"; false; }
        [[ $(jq -r .explanation <<<"$row") == "its own, separate from the host"* ]] ;;
      user)
        [ "$(jq -c '[.ns, .initial]' <<<"$row")" = "[$userns,false]" ] ;;
    esac
  done
  run nn ns "$TASK"
  [ "$status" -eq 0 ]
  [[ $output == *"net               $(ino "/proc/$TASK/ns/net")  no "*"its own, separate from the host: interfaces, addresses, routes"* ]]
}

@test "SIGTERM of rootlesskit, with the container running, leaves no process, mount or state file behind" {
  [ "$(rc ctr "$REC" task ls | awk '$1 == "web" {print $3}')" = RUNNING ]
  rc signal "$REC" TERM 30
  run rc left "$REC"
  [ "$status" -eq 0 ]
  echo "left: $output"
  if [[ -n $output ]] && ! netnest_rk; then
    rc clean "$REC"
    skip "Debian's rootlesskit left $(awk '$1 == "pid" {print $3}' <<<"$output" | sort -u | paste -sd,) behind"
  fi
  [ "$output" = "" ]
  [ ! -e "$(rec STATE)" ]
  rc clean "$REC"
}
