#!/usr/bin/env bats
# netnest up --net builtin|slirp4netns|pasta: Debian's engines in place of netnest's own.
# Rootless as nntest.  Traffic goes only to 10.0.2.2 (the host's loopback, through the
# engine) and to the nest's sandboxes through published ports on 127.0.0.1; pasta and
# slirp4netns never get a packet for anywhere else.

load helpers/common

setup() {
  NEST=$(unique_name eng)
  TMP=$(mktemp -d /tmp/netnest-eng.XXXXXX)
  chmod 0755 "$TMP"
  PIDS=()   # processes this test started outside netnest (killed in teardown)
  NESTS=()  # nests to take down: "user NAME"
  STATE=/run/user/$(nn_uid)/netnest/$NEST
}

teardown() {
  nests_down
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  # sandboxes left by a failed test: their records name their PIDs (started by this test)
  for f in "$TMP"/records/*.json; do
    [[ -e $f ]] && kill -9 "$(jq -r .pid "$f")" 2>/dev/null
  done
  rm -rf "$TMP"
}

up_user() { # [UP OPTIONS...]
  NESTS+=("user $NEST")
  nnu up -d --nest "$NEST" "$@"
}

run_user() { nnu run --nest "$NEST" "$@"; }

# pasta needs an IPv4 default route on the host (it refuses to start without one)
need_default_route() {
  [[ -n $(ip -4 route show default) ]] || skip "the host has no IPv4 default route: pasta cannot start"
}

# engine_traffic ENGINE COMM: under `up --net ENGINE`, a sandbox reaches the host's
# 127.0.0.1 through 10.0.2.2, a published port serves a sandbox's file, the engine is the
# process COMM recorded as engine_pid, and `down` leaves no process.
engine_traffic() {
  local engine=$1 comm=$2 port pport epid dpid
  port=$(free_port)
  mkdir -p "$TMP/www" "$TMP/sbwww"
  chmod 0755 "$TMP/www" "$TMP/sbwww"
  echo "host loopback $NEST" >"$TMP/www/index.html"
  echo "sandbox $engine $NEST" >"$TMP/sbwww/index.html"
  chmod a+r "$TMP/www/index.html" "$TMP/sbwww/index.html"
  busybox httpd -f -p "127.0.0.1:$port" -h "$TMP/www" &
  PIDS+=($!)
  wait_for curl -sf -o /dev/null "http://127.0.0.1:$port/"
  up_user --net "$engine" --allow-host-loopback
  epid=$(cat "$STATE/engine_pid")
  dpid=$(cat "$STATE/child_pid")
  [ "$(cat "/proc/$epid/comm")" = "$comm" ]
  [ "$(awk '/^PPid:/ {print $2}' "/proc/$epid/status")" = "$dpid" ]
  [ "$(nnu info --nest "$NEST" --json | jq -r .networkDriver.childIP)" = 10.0.2.100 ]

  run run_user -- curl -sS --noproxy '*' --max-time 5 "http://10.0.2.2:$port/index.html"
  [ "$status" -eq 0 ]
  [ "$output" = "host loopback $NEST" ]

  pport=$(free_port)
  run run_user -d --name web -p "$pport:8080" -- busybox httpd -f -p 8080 -h "$TMP/sbwww"
  [ "$status" -eq 0 ]
  mkdir -p "$TMP/records"
  cp "$STATE"/sandboxes/*.json "$TMP/records/"
  wait_for curl -sf -o /dev/null "http://127.0.0.1:$pport/index.html"
  run curl -sS --max-time 5 "http://127.0.0.1:$pport/index.html"
  [ "$status" -eq 0 ]
  [ "$output" = "sandbox $engine $NEST" ]

  run nnu down --nest "$NEST"
  [ "$status" -eq 0 ]
  wait_until "[ ! -e /proc/$epid ] && [ ! -e /proc/$dpid ]"
  [ -z "$(pgrep -f -- "--nest $NEST( |\$)")" ]
  [ ! -e "$STATE" ]
}

@test "up --net slirp4netns: host loopback through 10.0.2.2, a published port, down leaves nothing" {
  engine_traffic slirp4netns slirp4netns
}

@test "up --net pasta: host loopback through 10.0.2.2, a published port, down leaves nothing" {
  need_default_route
  # pasta re-executes itself as passt.avx2 on a CPU with AVX2 (passt.c)
  local comm=pasta
  grep -qw avx2 /proc/cpuinfo && [ -x /usr/bin/passt.avx2 ] && comm=passt.avx2
  engine_traffic pasta "$comm"
}

@test "up --net slirp4netns without --allow-host-loopback: 10.0.2.2 does not reach the host's loopback" {
  port=$(free_port)
  mkdir -p "$TMP/www"
  chmod 0755 "$TMP/www"
  echo "host loopback $NEST" >"$TMP/www/index.html"
  chmod a+r "$TMP/www/index.html"
  busybox httpd -f -p "127.0.0.1:$port" -h "$TMP/www" &
  PIDS+=($!)
  wait_for curl -sf -o /dev/null "http://127.0.0.1:$port/"
  up_user --net slirp4netns
  [[ $(tr '\0' ' ' <"/proc/$(cat "$STATE/engine_pid")/cmdline") == *--disable-host-loopback* ]]
  run run_user -- curl -sS --noproxy '*' --max-time 5 "http://10.0.2.2:$port/index.html"
  [ "$status" -ne 0 ]
  [[ $output != *"host loopback"* ]]
}

@test "up --net pasta: tap0 has the nest's addresses and pasta forwards no port of its own" {
  need_default_route
  up_user --net pasta
  pid=$(cat "$STATE/child_pid")
  innest() { as_user nsenter -t "$pid" -U --preserve-credentials -n"/proc/$pid/root$STATE/netns" "$@"; }
  [ "$(innest ip -j -4 addr show dev tap0 | jq -r '.[0].addr_info[0] | "\(.local)/\(.prefixlen)"')" = 10.0.2.100/24 ]
  [ "$(innest ip -j route show default | jq -r '.[0].gateway')" = 10.0.2.2 ]
  cmdline=$(tr '\0' ' ' <"/proc/$(cat "$STATE/engine_pid")/cmdline")
  for f in --tcp-ports=none --udp-ports=none --tcp-ns=none --udp-ns=none --dns-forward=10.0.2.3 --no-map-gw; do
    [[ $cmdline == *"$f"* ]]
  done
  [ "$(nnu info --nest "$NEST" --json | jq -r .networkDriver.driver)" = pasta ]
}

@test "up --net nosuch is a usage error naming it" {
  run nnu up -d --nest "$NEST" --net nosuch
  [ "$status" -eq 2 ]
  [[ $output == *"--net nosuch"* ]]
  [ ! -e "$STATE" ]
}

@test "up --net with a missing or too old binary, or pasta with no default route: a clear error, nothing left" {
  mkdir -p "$TMP/bin"
  # an "old" slirp4netns: its --help lacks --ready-fd (v0.4.0)
  printf '#!/bin/sh\necho "Usage: slirp4netns [OPTION]... PID|PATH [TAPNAME]"\n' >"$TMP/bin/slirp4netns"
  chmod 0755 "$TMP/bin" "$TMP/bin/slirp4netns"
  run as_user env PATH="$TMP/bin:/usr/bin:/bin" "$NETNEST" up -d --nest "$NEST" --net slirp4netns
  [ "$status" -ne 0 ]
  [[ $output == *"--net slirp4netns: $TMP/bin/slirp4netns is too old: its --help has no --ready-fd"* ]]
  [ ! -e "$STATE" ]

  run as_user env PATH="$TMP/bin" "$NETNEST" up -d --nest "$NEST" --net pasta
  [ "$status" -ne 0 ]
  [[ $output == *"--net pasta: pasta not found in \$PATH (Debian package passt)"* ]]
  [ ! -e "$STATE" ]

  # a network namespace of the test's own, with lo only: no default route there
  run as_user unshare -rn "$NETNEST" up -d --nest "$NEST" --net pasta
  [ "$status" -ne 0 ]
  [[ $output == *"--net pasta: the host has no IPv4 default route, and pasta needs one to start"* ]]
  [ ! -e "$STATE" ]
  [ -z "$(pgrep -u "$NN_USER" -f -- "--nest $NEST( |\$)")" ]
}

@test "the RootlessKit drop-in's --net=pasta runs pasta: its command reaches the host's loopback through 10.0.2.2" {
  need_default_route
  port=$(free_port)
  mkdir -p "$TMP/www"
  chmod 0755 "$TMP/www"
  echo "host loopback $NEST" >"$TMP/www/index.html"
  chmod a+r "$TMP/www/index.html"
  busybox httpd -f -p "127.0.0.1:$port" -h "$TMP/www" &
  PIDS+=($!)
  wait_for curl -sf -o /dev/null "http://127.0.0.1:$port/"
  mkdir "$TMP/rkp"
  chown "$NN_USER" "$TMP/rkp"
  run as_user "$NETNEST" rootlesskit --state-dir="$TMP/rkp/rk" --net=pasta --disable-host-loopback=false \
    sh -c "cat /proc/\$(cat $TMP/rkp/rk/.engine_pid)/cmdline | tr '\\0' ' '; echo; ip -br -4 addr show tap0; curl -sS --noproxy '*' --max-time 5 http://10.0.2.2:$port/index.html"
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == "pasta "*"--tcp-ports=none"* ]]
  [[ ${lines[1]} == "tap0 "*"10.0.2.100/24"* ]]
  [ "${lines[2]}" = "host loopback $NEST" ]
  [ ! -e "$TMP/rkp/rk" ]
}
