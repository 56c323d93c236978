#!/usr/bin/env bats
# What ends a nest under it: the engine's death (rootlesskit and a foreground `up` say so
# and exit 1), the rootlesskit child killed (RootlessKit's message, 255), and an MTU below
# IPv6's 1280 (IPv4 only, with a warning).  As nntest.

load helpers/common

setup() {
  TMP=$(mktemp -d /tmp/netnest-rkproc.XXXXXX)
  chmod 0755 "$TMP"
  mkdir "$TMP/u" && chown "$NN_USER" "$TMP/u"
  S=$TMP/u/state
  NEST=$(unique_name rkproc)
  STATE=/run/user/$(nn_uid)/netnest/$NEST
  RKPATH="$NN_RKDIR:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  PIDS=()
}

teardown() {
  local p
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  as_user "$NETNEST" down --nest "$NEST" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}

# bg OUT CMD...: CMD as nntest in the background, its output and then "rc=STATUS" in OUT
bg() {
  local out=$1; shift
  (cd /tmp && as_user env PATH="$RKPATH" sh -c '"$@"; echo "rc=$?"' sh "$@" >"$out" 2>&1 3>&- &)
}

rk_engine_killed() { # SIGNAL NAME
  bg "$TMP/out" rootlesskit --state-dir="$S" --net=slirp4netns --port-driver=builtin \
    sh -c 'sleep 20 & wait; echo normal-end'
  wait_for test -s "$S/.engine_pid"
  wait_for test -S "$S/api.sock"
  e=$(cat "$S/.engine_pid")
  kill -"$1" "$e"
  wait_until 'grep -q rc= "$TMP/out"'
  [ "$(cat "$TMP/out")" = "[rootlesskit:parent] error: the network engine netnest-engine (pid $e) was killed by signal $2; the nest is stopped
rc=1" ]
  [ ! -e "$S" ]
}

@test "rootlesskit: the engine SIGKILLed ends the command, says so, exit 1" {
  rk_engine_killed KILL "9 (Killed)"
}

@test "rootlesskit: the engine SIGTERMed ends the command, says so, exit 1" {
  rk_engine_killed TERM "15 (Terminated)"
}

@test "up in the foreground: the engine killed, it says so and exits 1" {
  bg "$TMP/out" "$NETNEST" up --nest "$NEST"
  wait_for test -s "$STATE/engine_pid"
  e=$(cat "$STATE/engine_pid")
  kill -KILL "$e"
  wait_until 'grep -q rc= "$TMP/out"'
  [ "$(cat "$TMP/out")" = "netnest: the network engine netnest-engine (pid $e) was killed by signal 9 (Killed); the nest is stopped
rc=1" ]
  [ ! -e "$STATE" ]
}

@test "rootlesskit: the child SIGKILLed prints RootlessKit's message, exit 255" {
  bg "$TMP/out" rootlesskit --state-dir="$S" --net=slirp4netns sleep 20
  wait_for test -S "$S/api.sock"
  kill -KILL "$(cat "$S/child_pid")"
  wait_until 'grep -q rc= "$TMP/out"'
  [ "$(cat "$TMP/out")" = "[rootlesskit:parent] error: child exited: signal: killed
rc=255" ]
}

@test "rootlesskit --ipv6 --mtu 1000: IPv4 only, with a warning naming the reason" {
  run as_user env PATH="$RKPATH" rootlesskit --net=slirp4netns --ipv6 --mtu 1000 \
    sh -c 'ip -j a show tap0; cat /etc/resolv.conf'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "netnest: warning: --ipv6: --mtu 1000: below IPv6's minimum MTU of 1280 (RFC 8200 section 5), so the nest has IPv4 only" ]
  [ "$(jq -c '.[0] | [.mtu, .operstate, [.addr_info[].local]]' <<<"${lines[1]}")" = '[1000,"UP",["10.0.2.100"]]' ]
  [ "${lines[2]}" = "nameserver 10.0.2.3" ]
  [ "${#lines[@]}" -eq 3 ]
}

@test "up --mtu 1000: IPv4 only with a warning; with --subnet6 refused, exit 2" {
  run as_user "$NETNEST" up --nest "$NEST" --mtu 1000 --subnet6 fd00:9::/64
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "netnest up: --subnet6 fd00:9::/64: IPv6 needs an MTU of at least 1280 (RFC 8200 section 5), not --mtu 1000" ]
  [ ! -e "$STATE" ]
  run as_user "$NETNEST" up -d --nest "$NEST" --mtu 1000
  [ "$status" -eq 0 ]
  [ "$output" = "netnest: warning: --mtu 1000: below IPv6's minimum MTU of 1280 (RFC 8200 section 5), so the nest has IPv4 only" ]
  pid=$(cat "$STATE/child_pid")
  run as_user nsenter -t "$pid" -U --preserve-credentials -n"/proc/$pid/root$STATE/netns" ip -j a show tap0
  [ "$(jq -c '.[0] | [.mtu, [.addr_info[].local]]' <<<"$output")" = '[1000,["10.0.2.100"]]' ]
  # its sandboxes run, pooled and not, IPv4 only at that MTU
  run as_user "$NETNEST" run --nest "$NEST" -- ip -j a show eth0
  [ "$status" -eq 0 ]
  [ "$(jq -c '.[0] | [.mtu, [.addr_info[] | select(.scope == "global") | .local]]' <<<"$output")" = '[1000,["10.4.0.2"]]' ]
  run as_user "$NETNEST" run -d --nest "$NEST" --name m -- sleep 100
  [ "$status" -eq 0 ]
  [ "$(as_user "$NETNEST" ps --nest "$NEST" --json | jq -c '.sandboxes[0] | [.name, .ip6]')" = '["m",null]' ]
}
