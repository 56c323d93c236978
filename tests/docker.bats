#!/usr/bin/env bats
# Rootless Docker on netnest (issue 7): Debian's docker.io 20.10 and its unchanged
# /usr/share/docker.io/contrib/dockerd-rootless.sh, run as the unprivileged test user with
# netnest's `rootlesskit` first in PATH, and an image made without the network
# (tests/helpers/docker_image.sh).  Two dockerd starts in all: the script's own flags, then
# DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS=--disable-host-loopback=false.
#
# The rootlesskit used: $NN_DOCKER_RKDIR when set (set but empty: Debian's
# /usr/bin/rootlesskit, the anchor), else $NN_RKDIR (tests/run: a dir with netnest's
# `rootlesskit` symlink), else Debian's.
#   NN_DOCKER_RKDIR= bats tests/docker.bats   # the same tests against Debian's rootlesskit

load helpers/common
load helpers/rootless

IMG=netnest-test:latest

rd() { bash "$NN_ROOT/tests/helpers/rootless_docker.sh" "$@"; }
# dk ARGS...: /usr/bin/docker ARGS as the user, against the rootless daemon (bounded)
dk() { timeout 120 bash "$NN_ROOT/tests/helpers/rootless_docker.sh" docker "$REC" "$@"; }

# start_docker [ROOTLESSKIT_FLAGS]: dockerd-rootless.sh as the user, and the image in it
start_docker() {
  DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS=${1:-} rd start "$NN_USER" "$REC" "$RKDIR"
  dk import --change 'CMD ["/bin/sh"]' "$WORK/rootfs.tar" "$IMG" >/dev/null
}

# udp_free PORT: no UDP socket on PORT either
udp_free() { ! ss -Huln "sport = :$1" | grep -q .; }

setup_file() {
  RKDIR=$(rk_dir)
  export RKDIR
  WORK=$(mktemp -d /tmp/netnest-docker.XXXXXX)
  chmod 0755 "$WORK"
  export WORK REC=$WORK/docker.rec
  bash "$NN_ROOT/tests/helpers/docker_image.sh" rootfs "$WORK" >/dev/null
  mkdir -p "$WORK/www"
  echo "the host's loopback" >"$WORK/www/index.html"
  local p
  for v in P_LOCAL P_DUAL P_IPERF P_HOST; do
    for _ in $(seq 20); do p=$(free_port); udp_free "$p" && break; done
    export "$v=$p"
  done
  start_docker
}

teardown_file() {
  rd clean "$REC"
  [[ -s $WORK/httpd.pid ]] && kill "$(cat "$WORK/httpd.pid")" 2>/dev/null
  rm -rf "$WORK"
}

teardown() {
  if [[ -n ${HTTPD:-} ]]; then kill "$HTTPD" 2>/dev/null; wait "$HTTPD" 2>/dev/null; fi
  # a signal test cleans up after itself even when it fails, so the next start is clean
  if [[ -n ${SIGNALLED:-} ]]; then rd clean "$REC"; fi
  return 0
}

# host_httpd: an HTTP server on the host's 127.0.0.1:$P_HOST serving $WORK/www
host_httpd() {
  busybox httpd -f -p "127.0.0.1:$P_HOST" -h "$WORK/www" 3>&- &
  HTTPD=$!
  wait_for curl -sf "http://127.0.0.1:$P_HOST/index.html"
}

@test "Debian's dockerd-rootless.sh, unchanged, finds netnest as rootlesskit and dockerd comes up" {
  local pid state
  pid=$(rec PID) state=$(rec STATE)
  if netnest_rk; then
    [ "$(readlink -f "/proc/$pid/exe")" = "$(readlink -f "$RKDIR/rootlesskit")" ]
    [ "$(readlink -f "$RKDIR/rootlesskit")" = "$(readlink -f "$RKDIR/netnest")" ]
  else
    [ "$(readlink -f "/proc/$pid/exe")" = /usr/bin/rootlesskit ]
  fi
  # dockerd is in rootless mode: ROOTLESSKIT_STATE_DIR, the state dir's files
  run dk info --format '{{json .SecurityOptions}}'
  [ "$status" -eq 0 ]
  [[ $output == *name=rootless* ]]
  [ -d "$state" ]
  [ -S "$state/api.sock" ]
  [ "$(cat "$state/child_pid")" = "$(rec CHILD)" ]
  [ "$(stat -c %a "$state/child_pid")" = 444 ]
  # the dockerd (and containerd) processes live in the nest's user namespace, as root there
  run dk info --format '{{.Name}}'
  [ "$status" -eq 0 ]
  run dk run --rm --pull=never "$IMG" id -u
  [ "$status" -eq 0 ]
  [ "$output" = 0 ]
}

@test "docker run -p 127.0.0.1:P:80 serves a 1 MiB file intact (sha256)" {
  local cid sum
  cid=$(dk run -d --pull=never -p "127.0.0.1:$P_LOCAL:80" "$IMG" httpd -f -p 80 -h /www)
  sum=$(dk exec "$cid" cat /www/1m.bin.sha256 | cut -d' ' -f1)
  [[ $sum =~ ^[0-9a-f]{64}$ ]]
  wait_for curl -sf "http://127.0.0.1:$P_LOCAL/index.html"
  [ "$(curl -sf "http://127.0.0.1:$P_LOCAL/1m.bin" | sha256sum | cut -d' ' -f1)" = "$sum" ]
  # bound to 127.0.0.1 only
  [ -z "$(ss -Htln "sport = :$P_LOCAL" | grep -v '127.0.0.1:')" ]
}

@test "docker run -p P:80 serves on 127.0.0.1 and on [::1]" {
  local cid
  cid=$(dk run -d --pull=never -p "$P_DUAL:80" "$IMG" httpd -f -p 80 -h /www)
  wait_for curl -sf "http://127.0.0.1:$P_DUAL/index.html"
  [ "$(curl -sf "http://127.0.0.1:$P_DUAL/index.html")" = "netnest test image" ]
  [ "$(curl -sf -g "http://[::1]:$P_DUAL/index.html")" = "netnest test image" ]
  [ "$(curl -sf -g "http://[::1]:$P_DUAL/1m.bin" | sha256sum | cut -d' ' -f1)" = \
    "$(dk exec "$cid" cat /www/1m.bin.sha256 | cut -d' ' -f1)" ]
}

@test "docker run -p P:5201 -p P:5201/udp carries an iperf3 UDP test" {
  dk run -d --pull=never -p "$P_IPERF:5201" -p "$P_IPERF:5201/udp" "$IMG" iperf3 -s -p 5201 >/dev/null
  wait_for sh -c "ss -Hulnp 'sport = :$P_IPERF' | grep -q ."
  run timeout 30 iperf3 -c 127.0.0.1 -p "$P_IPERF" -u -b 100M -t 2 -J
  [ "$status" -eq 0 ]
  # what the server received, by its own count
  [ "$(jq '.end.sum.packets' <<<"$output")" -gt 100 ]
  [ "$(jq '.end.sum.lost_percent < 5' <<<"$output")" = true ]
}

@test "netnest topo draws host -> engine -> tap0 -> docker0 -> veth -> the container's eth0 with its address" {
  local cid cpid ip veth
  cid=$(dk run -d --pull=never "$IMG" sleep 600)
  cpid=$(dk inspect -f '{{.State.Pid}}' "$cid")
  ip=$(dk inspect -f '{{.NetworkSettings.IPAddress}}/{{.NetworkSettings.IPPrefixLen}}' "$cid")
  [[ $ip == 172.17.* ]]
  # ground truth: the port of docker0 whose peer is the container's eth0
  veth=$(bridge_port "/proc/$(rec CHILD)/ns/net" docker0 "$cpid")
  [[ $veth == veth* ]]
  run nn topo
  [ "$status" -eq 0 ]
  assert_chain "$output" "/proc/$(rec CHILD)/ns/net" "docker0 172.17.0.1/16" "$veth" "$ip" "$cpid"
  dk rm -f "$cid" >/dev/null
}

@test "with the script's --disable-host-loopback, a container does not reach the host's 127.0.0.1 through 10.0.2.2" {
  host_httpd
  run dk run --rm --pull=never "$IMG" timeout 5 wget -q -O - "http://10.0.2.2:$P_HOST/index.html"
  [ "$status" -ne 0 ]
  [[ $output != *"the host's loopback"* ]]
}

@test "SIGTERM of the script's process leaves no process, mount or state file behind" {
  local xdg
  xdg=/run/user/$(nn_uid)
  # with the containers of the tests above still running (httpd ignores TERM as PID 1:
  # dockerd waits its 10 s stop timeout)
  [ "$(dk ps -q | wc -l)" -ge 3 ]
  SIGNALLED=1
  rd signal "$REC" TERM 60
  run rd left "$REC"
  [ "$status" -eq 0 ]
  echo "left: $output"
  [ "$output" = "" ]
  # dockerd removed its socket and pidfile
  [ ! -e "$xdg/docker.sock" ]
  [ ! -e "$xdg/docker.pid" ]
  rd clean "$REC"
}

@test "with DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS=--disable-host-loopback=false, a container reaches the host's 127.0.0.1 through 10.0.2.2" {
  start_docker --disable-host-loopback=false
  host_httpd
  run dk run --rm --pull=never "$IMG" timeout 5 wget -q -O - "http://10.0.2.2:$P_HOST/index.html"
  [ "$status" -eq 0 ]
  [ "$output" = "the host's loopback" ]
}

@test "SIGKILL of the script's process leaves no process, mount or state file behind" {
  local cid
  cid=$(dk run -d --pull=never -p "127.0.0.1:$P_LOCAL:80" "$IMG" httpd -f -p 80 -h /www)
  wait_for curl -sf "http://127.0.0.1:$P_LOCAL/index.html"
  SIGNALLED=1
  rd signal "$REC" KILL 10
  run rd left "$REC"
  [ "$status" -eq 0 ]
  echo "left: $output"
  if [[ -n $output ]] && ! netnest_rk; then
    # RootlessKit 1.1 leaves the shims, the containers and its state dir (spec section 3.3)
    rd clean "$REC"
    local what
    what=$(awk '$1 == "pid" {print $3}' <<<"$output" | sort -u | paste -sd,)
    grep -q '^file ' <<<"$output" && what+=" and its state dir"
    skip "Debian's rootlesskit left $what behind (spec section 3.3)"
  fi
  [ "$output" = "" ]
  # and the published port went with it
  run curl -sf --max-time 2 "http://127.0.0.1:$P_LOCAL/index.html"
  [ "$status" -ne 0 ]
  rd clean "$REC"
}
