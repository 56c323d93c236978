#!/usr/bin/env bats
# The network engine sees nothing (docs/design.md#engine-isolation): an empty read-only root,
# no capabilities, tight rlimits, no_new_privs and an allow-list seccomp filter; and traffic
# still flows through it. Rootless as nntest unless a test says "as root".

load helpers/common

setup() {
  NEST=$(unique_name eng)
  TMP=$(mktemp -d /tmp/netnest-engine.XXXXXX)
  chmod 0755 "$TMP"
  PIDS=()   # processes this test started itself (killed in teardown)
  NESTS=()  # nests to take down: "user NAME" or "root NAME"
  STATE=/run/user/$(nn_uid)/netnest/$NEST
}

teardown() {
  nests_down
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$TMP"
}

up_user() {
  NESTS+=("user $NEST")
  nnu up -d --nest "$NEST"
}

# up_user_resolv FILE [UP OPTIONS...]: a rootless nest whose daemon sees FILE as
# /etc/resolv.conf (a bind mount in a mount namespace of its own), so the engine's DNS
# forwarding goes where the test says and never to the machine's resolver
up_user_resolv() {
  local f=$1; shift
  NESTS+=("user $NEST")
  export -f as_user nn_uid
  export NN_USER NETNEST
  unshare -m --propagation private -- bash -c \
    'mount --bind "$1" /etc/resolv.conf && shift && as_user "$NETNEST" up -d "$@"' \
    _ "$f" --nest "$NEST" "$@"
}

# status_field PID FIELD: the value of FIELD in /proc/PID/status
status_field() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

# limit PID NAME: "soft hard" of the rlimit NAME ("Max open files") in /proc/PID/limits
limit() { grep "^$2 " "/proc/$1/limits" | sed "s/^$2 *//" | awk '{print $1, $2}'; }

check_isolated() { # ENGINE-PID DAEMON-PID
  local e=$1 d=$2 f
  [ "$(cat "/proc/$e/comm")" = netnest-engine ]
  for f in CapInh CapPrm CapEff CapBnd CapAmb; do
    [ "$(status_field "$e" "$f")" = 0000000000000000 ]
  done
  [ "$(status_field "$e" NoNewPrivs)" = 1 ]
  [ "$(status_field "$e" Seccomp)" = 2 ]
  [ "$(status_field "$e" Seccomp_filters)" = 1 ]
  # the daemon it was forked from keeps its capabilities: the engine dropped them itself
  [ "$(status_field "$d" CapEff)" != 0000000000000000 ]
  [ "$(status_field "$d" Seccomp)" = 0 ]
}

@test "the engine holds no capability, has no_new_privs and a seccomp filter; its daemon keeps its own" {
  up_user
  check_isolated "$(cat "$STATE/engine_pid")" "$(cat "$STATE/child_pid")"
}

@test "as root, the engine holds no capability either" {
  NESTS+=("root $NEST")
  nn up -d --nest "$NEST"
  local st=/run/netnest/$NEST
  check_isolated "$(cat "$st/engine_pid")" "$(cat "$st/child_pid")"
}

@test "the engine's root is an empty read-only tmpfs holding only its copy of resolv.conf" {
  up_user
  e=$(cat "$STATE/engine_pid")
  d=$(cat "$STATE/child_pid")
  # the daemon sees the host's files; the engine sees nothing but its copy
  [ -e "/proc/$d/root/bin" ]
  run find "/proc/$e/root/" -mindepth 1 -printf '%P %y %m\n'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'etc d 555\netc/resolv.conf f 444')" ]
  [ ! -e "/proc/$e/root/bin" ] && [ ! -e "/proc/$e/root/proc" ] && [ ! -e "/proc/$e/root/dev" ]
  cmp "/proc/$e/root/etc/resolv.conf" "/proc/$d/root/etc/resolv.conf"
  [ "$(readlink "/proc/$e/cwd")" = / ]
  # one mount in its namespace: the root, a small read-only tmpfs
  run cat "/proc/$e/mountinfo"
  [ "${#lines[@]}" -eq 1 ]
  read -r _ _ _ root point opts _ <<<"${lines[0]}"
  [ "$root $point $opts" = "/ / ro,nosuid,nodev,noexec,relatime" ]
  [[ ${lines[0]} == *" - tmpfs netnest-engine ro,"*"size=16k,nr_inodes=4,mode=555"* ]]
  # its own mount namespace, in the nest's user namespace
  [ "$(readlink "/proc/$e/ns/mnt")" != "$(readlink "/proc/$d/ns/mnt")" ]
  [ "$(readlink "/proc/$e/ns/user")" = "$(readlink "/proc/$d/ns/user")" ]
}

@test "the engine's rlimits: open files for many connections, no processes, no core dumps, no locked memory" {
  up_user
  e=$(cat "$STATE/engine_pid")
  d=$(cat "$STATE/child_pid")
  hard=$(limit "$d" "Max open files" | awk '{print $2}')
  want=65536
  [ "$hard" != unlimited ] && ((hard < want)) && want=$hard
  [ "$(limit "$e" "Max open files")" = "$want $want" ]
  for l in "Max processes" "Max core file size" "Max locked memory" "Max msgqueue size" \
    "Max file locks" "Max nice priority" "Max realtime priority"; do
    [ "$(limit "$e" "$l")" = "0 0" ]
  done
}

@test "through the isolated engine a sandbox fetches 1 MiB intact from the host, runs iperf3 both ways and over UDP, and resolves names over UDP and TCP" {
  # a host server on 127.0.0.1, reached as 10.0.2.2; a stub resolver on a loopback address
  mkdir "$TMP/www"
  head -c 1048576 /dev/urandom >"$TMP/www/big"
  chmod -R a+rX "$TMP/www"
  port=$(free_port)
  busybox httpd -f -p "127.0.0.1:$port" -h "$TMP/www" &
  PIDS+=($!)
  iport=$(free_port)
  iperf3 -s -B 127.0.0.1 -p "$iport" >/dev/null 2>&1 &
  PIDS+=($!)
  dns=127.53.$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
  dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address="$dns" --port=53 --user=root --address=/engine.test/10.9.8.7 &
  PIDS+=($!)
  echo "nameserver $dns" >"$TMP/resolv.conf"
  chmod 0644 "$TMP/resolv.conf"
  wait_for curl -sf -o /dev/null "http://127.0.0.1:$port/big"
  wait_for dig +short +time=1 +tries=1 "@$dns" engine.test
  up_user_resolv "$TMP/resolv.conf" --allow-host-loopback
  e=$(cat "$STATE/engine_pid")
  # the engine forwards DNS to the stub, and to nothing else
  [ "$(cat "/proc/$e/root/etc/resolv.conf")" = "nameserver $dns" ]
  got=$(nnu run --nest "$NEST" -- curl -sS --max-time 10 "http://10.0.2.2:$port/big" | sha256sum)
  [ "$got" = "$(sha256sum <"$TMP/www/big")" ]
  for dir in "" -R; do
    run nnu run --nest "$NEST" -- timeout 30 iperf3 -c 10.0.2.2 -p "$iport" -t 2 -J $dir
    [ "$status" -eq 0 ]
    (($(jq '.end.sum_received.bytes' <<<"$output") > 1000000))
  done
  run nnu run --nest "$NEST" -- timeout 30 iperf3 -c 10.0.2.2 -p "$iport" -u -b 50M -l 1400 -t 2 -J
  [ "$status" -eq 0 ]
  (($(jq '.end.sum.packets' <<<"$output") > 5000))
  [ "$(jq '.end.sum.lost_percent < 20' <<<"$output")" = true ]
  run nnu run --nest "$NEST" -- dig +short +time=2 +tries=2 engine.test
  [ "$output" = 10.9.8.7 ]
  run nnu run --nest "$NEST" -- dig +short +tcp +time=2 +tries=2 engine.test
  [ "$output" = 10.9.8.7 ]
  # the same engine, still isolated: its filter let all of that through
  [ "$(cat "$STATE/engine_pid")" = "$e" ]
  [ "$(status_field "$e" Seccomp)" = 2 ]
  run nnu info --nest "$NEST"
  [ "$status" -eq 0 ]
}
