# Shared by docker.bats and containerd.bats: load with `load helpers/rootless`.
# $REC is the record of the stack (tests/helpers/rootless_lib.sh); $RKDIR the dir with the
# rootlesskit under test, empty for Debian's.

# rk_dir: the rootlesskit to test: $NN_DOCKER_RKDIR when set (set but empty: Debian's, the
# anchor), else $NN_RKDIR (tests/run: a dir with netnest's `rootlesskit` symlink)
rk_dir() { echo "${NN_DOCKER_RKDIR-${NN_RKDIR-}}"; }

# rec VAR: a variable of the record (shell assignments)
rec() { bash -c '. "$1" && printf "%s\n" "${!2}"' rec "$REC" "$1"; }

netnest_rk() { [[ -n $RKDIR ]]; }
ino() { stat -L -c %i "$1"; }

# bridge_port NETNS BRIDGE PID: the port of BRIDGE (in the netns file NETNS) whose peer is
# eth0 of PID's netns, as ip -j sees them
bridge_port() {
  nsenter --net="$1" ip -j link show master "$2" |
    jq -r --argjson i "$(nsenter -t "$3" -n ip -j link show eth0 | jq '.[0].link_index')" \
      '.[] | select(.ifindex == $i) | .ifname'
}

# assert_chain TOPO NETNS BRIDGE_ADDR VETH ADDR PID: TOPO (netnest topo's text) has the line
# host -> ENGINE[..] -> tap0 10.0.2.100/24 (netns NETNS ...) -> BRIDGE_ADDR -> VETH -> eth0
# ADDR (netns of PID, container, pids PID); ENGINE is netnest-engine, or slirp4netns
# under Debian's rootlesskit
assert_chain() {
  local engine=slirp4netns re
  netnest_rk && engine=netnest-engine
  re="^host -> ([a-z0-9-]+\[[0-9]+\],)*$engine\[[0-9]+\](,[a-z0-9-]+\[[0-9]+\])* -> "
  re+="tap0 10\.0\.2\.100/24 \(netns $(ino "$2") .*\) -> ${3//./\\.} -> $4 -> "
  re+="eth0 ${5//./\\.} \(netns $(ino "/proc/$6/ns/net") container, pids $6\)$"
  grep -E "$re" <<<"$1"
}
