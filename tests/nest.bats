#!/usr/bin/env bats
# netnest up, down, info: the nest daemon, its detached netns, the engine and the state dir.
# Rootless as nntest unless a test says "as root".

load helpers/common

setup() {
  NEST=$(unique_name nest)
  TMP=$(mktemp -d /tmp/netnest-nest.XXXXXX)
  chmod 0755 "$TMP"
  PIDS=()   # processes this test started itself (killed in teardown)
  NESTS=()  # nests to take down: "user NAME", "user2 NAME" or "root NAME"
  MOUNTS=() # bind mounts this test made (unmounted in teardown)
  STATE=/run/user/$(nn_uid)/netnest/$NEST
}

teardown() {
  nests_down
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
  rm -rf "$TMP"
}

up_user() { # [UP OPTIONS...]
  NESTS+=("user $NEST")
  nnu up -d --nest "$NEST" "$@"
}

# in_nest_user STATE CMD...: CMD as the test user in the nest's user namespace and netns
in_nest_user() {
  local state=$1 pid; shift
  pid=$(cat "$state/child_pid")
  as_user nsenter -t "$pid" -U --preserve-credentials -n"/proc/$pid/root$state/netns" "$@"
}

# processes of this nest: the daemon and the engine are forks of "netnest up ... --nest NAME"
nest_procs() { pgrep -f -- "--nest $1( |\$)" | sort; }

# doc_state_files N: "MODE NAME" of each file in code block N (from 0) of docs/nest.md's
# State dir section: 0 is a running nest's, 1 what a nest that stopped itself leaves
doc_state_files() {
  sed -n '/^## State dir/,/^## /p' "$NN_ROOT/docs/nest.md" |
    awk -v want="$1" '/^```/ { if (inb) n++; inb = !inb; next }
      inb && n == want && /^[-ds]/ { sub(/\/$/, "", $2); print $1, $2 }' | sort
}

# engine_killed: kill -9 the engine of the nest up_user started, and wait for its daemon to
# go; sets daemon, engine, and when and reason as the state file "stopped" should say them
engine_killed() {
  daemon=$(cat "$STATE/child_pid")
  engine=$(cat "$STATE/engine_pid")
  kill -9 "$engine"
  wait_for test ! -d "/proc/$daemon"
  reason="the network engine netnest-engine (pid $engine) was killed by signal 9 (Killed)"
  read -r when _ <"$STATE/stopped"
}

@test "a rootless nest has tap0, the bridge and NAT in its own netns, not in the host's" {
  up_user
  run in_nest_user "$STATE" ip -j addr
  [ "$status" -eq 0 ]
  tap=$(jq -c '.[] | select(.ifname == "tap0") | [.mtu, (.addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)")]' <<<"$output")
  [ "$tap" = '[65520,"10.0.2.100/24"]' ]
  br=$(jq -c '.[] | select(.ifname == "netnest0") | [.mtu, (.addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)")]' <<<"$output")
  [ "$br" = '[65520,"10.4.0.1/24"]' ]
  run in_nest_user "$STATE" ip -j route show default
  [ "$(jq -r '.[0].gateway + " " + .[0].dev' <<<"$output")" = "10.0.2.2 tap0" ]
  run in_nest_user "$STATE" nft list table ip netnest
  [ "$status" -eq 0 ]
  [[ $output == *'ip saddr 10.4.0.0/24 oifname "tap0" masquerade'* ]]
  [[ $output == *'ct state established,related accept'* ]]
  run in_nest_user "$STATE" cat /proc/sys/net/ipv4/ip_forward
  [ "$output" = 1 ]
  # the host netns is untouched
  run ip link show netnest0
  [ "$status" -ne 0 ]
  run nft list table ip netnest
  [ "$status" -ne 0 ]
  # the state files of the contract (state.h)
  [ "$(cat "$STATE/resolv.conf")" = "$(printf 'nameserver 10.0.2.3\nnameserver fd00::3')" ]
  [ "$(tail -1 "$STATE/hosts")" = "::1 $(hostname)" ]
  [ "$(stat -c '%a %s' "$STATE/netns")" = "400 0" ]
  [ "$(stat -c '%a' "$STATE")" = 700 ]
  pid=$(cat "$STATE/child_pid")
  [ "$(cat /proc/"$pid"/comm)" = netnest ]
  [ "$(cat /proc/"$(cat "$STATE/engine_pid")"/comm)" = netnest-engine ]
  # RootlessKit-style maps: 0 -> the user, then the subuid range from 1
  start=$(awk -F: -v u="$NN_USER" '$1 == u {print $2; exit}' /etc/subuid)
  count=$(awk -F: -v u="$NN_USER" '$1 == u {print $3; exit}' /etc/subuid)
  [ "$(awk '{print $1, $2, $3}' /proc/"$pid"/uid_map | paste -sd,)" = "0 $(nn_uid) 1,1 $start $count" ]
  # the nsfs bind mount exists only in the daemon's mount namespace
  grep -q " $STATE/netns .* nsfs " /proc/"$pid"/mountinfo
  ! grep -q "$STATE" /proc/self/mountinfo || false
}

@test "custom --cidr, --mtu, --subnet and --gateway are what the nest's netns shows" {
  up_user --cidr 10.0.3.0/24 --mtu 9000 --subnet 10.5.0.0/24 --gateway 10.5.0.254
  run in_nest_user "$STATE" ip -j addr
  tap=$(jq -c '.[] | select(.ifname == "tap0") | [.mtu, (.addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)")]' <<<"$output")
  [ "$tap" = '[9000,"10.0.3.100/24"]' ]
  br=$(jq -c '.[] | select(.ifname == "netnest0") | [.mtu, (.addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)")]' <<<"$output")
  [ "$br" = '[9000,"10.5.0.254/24"]' ]
  run in_nest_user "$STATE" ip -j route show default
  [ "$(jq -r '.[0].gateway' <<<"$output")" = 10.0.3.2 ]
  [ "$(cat "$STATE/resolv.conf")" = "$(printf 'nameserver 10.0.3.3\nnameserver fd00::3')" ]
  run in_nest_user "$STATE" nft list table ip netnest
  [[ $output == *'ip saddr 10.5.0.0/24 oifname "tap0" masquerade'* ]]
  # the engine answers on the new gateway address (an ICMP echo stays inside libslirp)
  run in_nest_user "$STATE" busybox ping -c 1 -W 5 10.0.3.2
  [ "$status" -eq 0 ]
}

@test "up -d then down leaves no process, mount or file behind" {
  parent=/run/user/$(nn_uid)/netnest
  [ -z "$(nest_procs "$NEST")" ]
  files_before=$(find "$parent" -path "*$NEST*" 2>/dev/null || true)
  up_user
  daemon=$(cat "$STATE/child_pid")
  engine=$(cat "$STATE/engine_pid")
  [ "$(nest_procs "$NEST" | paste -sd' ')" = "$(printf '%s\n' "$daemon" "$engine" | sort | paste -sd' ')" ]
  run nnu down --nest "$NEST"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  [ ! -e "$STATE" ]
  [ "$(find "$parent" -path "*$NEST*" 2>/dev/null || true)" = "$files_before" ]
  wait_for test ! -d /proc/"$daemon"
  wait_for test ! -d /proc/"$engine"
  [ -z "$(nest_procs "$NEST")" ]
  ! grep -q "netnest/$NEST" /proc/self/mountinfo || false
  ! grep -qs "netnest/$NEST" /proc/[0-9]*/mountinfo || false
  run nnu down --nest "$NEST"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: no nest named $NEST is running (state dir $STATE)" ]
}

@test "the daemon of up -d keeps none of its caller's descriptors (a held flock is let go)" {
  touch "$TMP/held"
  chmod 0666 "$TMP/held"
  NESTS+=("user $NEST")
  # fd 7 open without O_CLOEXEC, and a flock on it, as flock(1) FILE netnest up -d leaves
  as_user bash -c 'exec 7>>"$1"; flock -x 7; exec "$2" up -d --nest "$3"' sh "$TMP/held" \
    "$NETNEST" "$NEST"
  daemon=$(cat "$STATE/child_pid") engine=$(cat "$STATE/engine_pid")
  for pid in "$daemon" "$engine"; do
    run find "/proc/$pid/fd" -lname "$TMP/held"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
  done
  flock -xn "$TMP/held" true # nobody holds the lock
}

@test "down ends what exec nest started in the nest's netns, daemons and setsid ones too" {
  up_user
  chmod 0777 "$TMP"
  # a process that leaves exec at once (setsid -f), as a daemonizing server does
  nnu exec --nest "$NEST" nest -- setsid -f sh -c 'echo $$ > "$0"; exec sleep 1000' "$TMP/pid"
  wait_for test -s "$TMP/pid"
  pid=$(cat "$TMP/pid")
  PIDS+=("$pid")
  netns=$(stat -L -c %i "/proc/$pid/ns/net")
  [ "$netns" != "$(stat -L -c %i /proc/self/ns/net)" ]
  nnu down --nest "$NEST"
  wait_for test ! -e "/proc/$pid"
  # nothing holds the nest's netns any more
  run sh -c "stat -L -c %i /proc/[0-9]*/ns/net 2>/dev/null | grep -x $netns"
  [ -z "$output" ]
}

@test "down ends a sandbox's process that unshared a netns of its own, and nothing keeps the nest's user namespace" {
  up_user
  chmod 0777 "$TMP"
  userns=$(stat -L -c %i "/proc/$(cat "$STATE/child_pid")/ns/user")
  nnu run -d --nest "$NEST" --name esc -- sh -c \
    'unshare -n sh -c "echo \$\$ > $0; exec sleep 1000" & exec sleep 1000' "$TMP/pid" >/dev/null
  wait_for test -s "$TMP/pid"
  pid=$(cat "$TMP/pid")
  PIDS+=("$pid")
  [ "$(stat -L -c %i "/proc/$pid/ns/net")" != "$(stat -L -c %i "/proc/$(jq -r .pid "$STATE/sandboxes/esc.json")/ns/net")" ]
  nnu down --nest "$NEST"
  wait_for test ! -e "/proc/$pid"
  run sh -c "stat -L -c %i /proc/[0-9]*/ns/user 2>/dev/null | grep -x $userns"
  [ -z "$output" ]
}

@test "down deletes no veth itself, not even that of a sandbox whose netns outlived it: the nest's netns takes them all" {
  up_user
  nnu run -d --nest "$NEST" --name held -- sh -c "while [ ! -e $TMP/go ]; do sleep 0.05; done"
  rec=$STATE/sandboxes/held.json
  veth=$(jq -r .veth "$rec") pid=$(jq -r .pid "$rec")
  # the sandbox's netns lives on after its processes, so its veth stays on the dying list
  # (DYING_MS, 1 s, sandbox.c) until the daemon deletes it, or the nest's netns goes
  touch "$TMP/netns"
  mount --bind "/proc/$pid/ns/net" "$TMP/netns"
  MOUNTS+=("$TMP/netns")
  nestns=/proc/$(cat "$STATE/child_pid")/root$STATE/netns
  # a monitor in the nest's netns: it sees every delete, and its socket keeps that netns
  # (and the veth) alive after down, until it is ended
  nsenter --net="$nestns" ip -o monitor link >"$TMP/mon" 2>&1 &
  PIDS+=($!)
  mark() { # NAME: a link made and deleted, seen by the monitor (a bridge: not every kernel has dummy)
    nsenter --net="$nestns" ip link add "$1" type bridge
    nsenter --net="$nestns" ip link del "$1"
    wait_for grep -q "Deleted.* $1:" "$TMP/mon"
  }
  mark nnsync
  touch "$TMP/go"
  wait_for test ! -e "$rec"
  mark nndown # what the monitor saw after this, down did
  nnu down --nest "$NEST"
  kill "${PIDS[-1]}"
  wait "${PIDS[-1]}" 2>/dev/null || true
  cat "$TMP/mon"
  sed -n '/Deleted.* nndown:/,$p' "$TMP/mon" >"$TMP/after"
  ! grep -q "Deleted.* $veth@" "$TMP/after"
}

@test "as root, a nest lives in /run/netnest and down leaves no netns, link or mount behind" {
  state=/run/netnest/$NEST
  links_before=$(ip -o link | awk -F': ' '{print $2}' | grep -E '^(tap0|netnest0)' || true)
  netns_before=$(ip netns | grep -c -- "$NEST" || true)
  NESTS+=("root $NEST")
  run nn up -d --nest "$NEST"
  [ "$status" -eq 0 ]
  pid=$(cat "$state/child_pid")
  run nsenter --net="/proc/$pid/root$state/netns" ip -j addr show tap0
  [ "$(jq -r '.[0].addr_info[] | select(.family == "inet") | .local' <<<"$output")" = 10.0.2.100 ]
  run nsenter --net="/proc/$pid/root$state/netns" nft list table ip netnest
  [[ $output == *'masquerade'* ]]
  # as root there is no user namespace: the daemon shares the host's
  [ "$(readlink /proc/"$pid"/ns/user)" = "$(readlink /proc/self/ns/user)" ]
  [ "$(readlink /proc/"$pid"/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]
  engine=$(cat "$state/engine_pid")
  run nn down --nest "$NEST"
  [ "$status" -eq 0 ]
  [ ! -e "$state" ]
  wait_for test ! -d /proc/"$pid"
  wait_for test ! -d /proc/"$engine"
  [ "$(ip -o link | awk -F': ' '{print $2}' | grep -E '^(tap0|netnest0)' || true)" = "$links_before" ]
  [ "$(ip netns | grep -c -- "$NEST" || true)" = "$netns_before" ]
  ! grep -q "netnest/$NEST" /proc/self/mountinfo || false
}

@test "the engine runs sandboxed: no_new_privs, seccomp, its own mount namespace" {
  up_user
  daemon=$(cat "$STATE/child_pid")
  engine=$(cat "$STATE/engine_pid")
  [ "$(awk '/^NoNewPrivs:/ {print $2}' /proc/"$engine"/status)" = 1 ]
  [ "$(awk '/^Seccomp:/ {print $2}' /proc/"$engine"/status)" = 2 ]
  [ "$(readlink /proc/"$engine"/ns/mnt)" != "$(readlink /proc/"$daemon"/ns/mnt)" ]
  [ "$(readlink /proc/"$engine"/ns/user)" = "$(readlink /proc/"$daemon"/ns/user)" ]
  # it lives in the host netns, like slirp4netns: its sockets are host sockets
  [ "$(readlink /proc/"$engine"/ns/net)" = "$(readlink /proc/self/ns/net)" ]
  [ "$(awk '/^PPid:/ {print $2}' /proc/"$engine"/status)" = "$daemon" ]
}

@test "the engine alone holds tap0: the daemon keeps no tap fd" {
  up_user
  daemon=$(cat "$STATE/child_pid")
  engine=$(cat "$STATE/engine_pid")
  [ "$(grep -lx $'iff:\ttap0' /proc/"$engine"/fdinfo/* | wc -l)" -eq 1 ]
  [ "$(grep -lx $'iff:\ttap0' /proc/"$daemon"/fdinfo/* 2>/dev/null | wc -l)" -eq 0 ]
}

@test "the gateway reaches the host's loopback only with --allow-host-loopback" {
  mkdir "$TMP/www"
  echo "hello from the host $NEST" >"$TMP/www/index.html"
  chmod -R a+rX "$TMP/www"
  port=$(free_port)
  busybox httpd -f -p "127.0.0.1:$port" -h "$TMP/www" &
  PIDS+=($!)
  wait_for curl -sf "http://127.0.0.1:$port/index.html"
  up_user --allow-host-loopback
  run in_nest_user "$STATE" curl -sS --max-time 5 "http://10.0.2.2:$port/index.html"
  [ "$status" -eq 0 ]
  [ "$output" = "hello from the host $NEST" ]
  nnu down --nest "$NEST"
  up_user
  run in_nest_user "$STATE" curl -sS --max-time 5 "http://10.0.2.2:$port/index.html"
  [ "$status" -eq 7 ]
}

@test "a nest whose daemon was SIGKILLed comes up again on the same state dir" {
  up_user
  daemon=$(cat "$STATE/child_pid")
  engine=$(cat "$STATE/engine_pid")
  # a stale sandbox record whose process still runs (pid and starttime match) and one
  # whose pid was reused (starttime differs): only the first may be killed
  t1=$((700000 + RANDOM)) t2=$((800000 + RANDOM))
  as_user sleep "$t1" &
  PIDS+=($!)
  as_user sleep "$t2" &
  PIDS+=($!)
  wait_for pgrep -u "$NN_USER" -x -f "sleep $t1"
  wait_for pgrep -u "$NN_USER" -x -f "sleep $t2"
  victim=$(pgrep -u "$NN_USER" -x -f "sleep $t1")
  bystander=$(pgrep -u "$NN_USER" -x -f "sleep $t2")
  PIDS+=("$victim" "$bystander")
  kill -9 "$daemon"
  wait_for test ! -d /proc/"$engine"
  st=$(awk '{print $22}' /proc/"$victim"/stat)
  printf '{"name":"old","pid":%d,"starttime":%d}\n' "$victim" "$st" >"$TMP/old.json"
  printf '{"name":"reused","pid":%d,"starttime":%d}\n' "$bystander" 1 >"$TMP/reused.json"
  install -o "$NN_USER" -m 0644 "$TMP/old.json" "$TMP/reused.json" "$STATE/sandboxes/"
  [ -e "$STATE/child_pid" ]
  run nnu up -d --nest "$NEST"
  [ "$status" -eq 0 ]
  [ "$(cat "$STATE/child_pid")" != "$daemon" ]
  [ ! -e "$STATE/sandboxes/old.json" ]
  wait_for test ! -d /proc/"$victim"
  kill -0 "$bystander"
  run in_nest_user "$STATE" ip -j addr show tap0
  [ "$(jq -r '.[0].addr_info[] | select(.family == "inet") | .local' <<<"$output")" = 10.0.2.100 ]
  run nnu down --nest "$NEST"
  [ "$status" -eq 0 ]
  [ ! -e "$STATE" ]
}

@test "down and up after the daemon was SIGKILLed end what exec nest and an unshare -n left in the nest's user namespace" {
  chmod 0777 "$TMP"
  for verb in down up; do
    up_user
    daemon=$(cat "$STATE/child_pid")
    userns=$(stat -L -c %i "/proc/$daemon/ns/user")
    nnu exec --nest "$NEST" nest -- sh -c "setsid sleep 4242 </dev/null >/dev/null 2>&1 & echo \$! >$TMP/exec"
    nnu run -d --nest "$NEST" --name esc -- sh -c \
      'unshare -n sh -c "echo \$\$ > $0; exec sleep 4243" & exec sleep 1000' "$TMP/esc" >/dev/null
    wait_for test -s "$TMP/exec"
    wait_for test -s "$TMP/esc"
    PIDS+=("$(cat "$TMP/exec")" "$(cat "$TMP/esc")")
    kill -9 "$daemon"
    if [ "$verb" = down ]; then
      run nnu down --nest "$NEST"
      [ "$status" -eq 0 ]
      [ "$output" = "netnest: warning: nest $NEST was not running (daemon pid $daemon is gone); removed what it left: 1 sandbox and state dir $STATE" ]
    else
      wait_for test ! -e "/proc/$daemon"
      nnu up -d --nest "$NEST"
      nnu down --nest "$NEST"
    fi
    # nothing is left in the old nest's user namespace to keep its netns and tap0 alive
    wait_until '! stat -L -c %i /proc/[0-9]*/ns/user 2>/dev/null | grep -qx "$userns"'
    rm -f "$TMP/exec" "$TMP/esc"
  done
}

@test "down of a nest whose daemon does not stop (SIGSTOP) kills it after 10 s, removes what it left and says so" {
  up_user
  daemon=$(cat "$STATE/child_pid")
  nnu run -d --nest "$NEST" --name s1 -- sleep 1000
  s1=$(jq .pid "$STATE/sandboxes/s1.json")
  PIDS+=("$s1")
  kill -STOP "$daemon"
  run nnu down --nest "$NEST"
  [ "$status" -eq 0 ]
  [ "$output" = "netnest: warning: nest $NEST: its daemon (pid $daemon) did not stop within 10 s and was killed; removed what it left: 1 sandbox and state dir $STATE" ]
  [ ! -d "/proc/$s1" ] || grep -q '^State:.*Z' "/proc/$s1/status"
  [ ! -e "$STATE" ]
}

@test "ps and run against a stopped daemon (SIGSTOP) give up after 30 s and say so; after SIGCONT all works" {
  up_user
  daemon=$(cat "$STATE/child_pid")
  nnu run --nest "$NEST" -- true # the pool is filled: the next run asks it first
  kill -STOP "$daemon"
  t0=$SECONDS
  run nnu ps --nest "$NEST"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: nest $NEST: its daemon (pid $daemon) did not answer: is it stopped (SIGSTOP) or stuck?: request GET /netnest/v1/sandboxes on $STATE/api.sock: no reply within 30 s" ]
  run nnu run --nest "$NEST" --name late -- true
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: nest $NEST: its daemon (pid $daemon) did not answer: is it stopped (SIGSTOP) or stuck?: receive namespaces from $STATE/pool.sock: no answer within 30 s" ] || { echo "$output"; false; }
  # one wait each, not a second one for a sandbox that never started
  (( SECONDS - t0 < 75 ))
  kill -CONT "$daemon"
  run nnu run --nest "$NEST" --name after -- sh -c 'exit 7'
  [ "$status" -eq 7 ]
  run nnu ps --nest "$NEST" --json
  [ "$status" -eq 0 ]
  [ "$(jq ".sandboxes | length" <<<"$output")" = 0 ]
}

@test "down after the daemon was SIGKILLed stops its sandboxes, the processes they left in their netns too, and removes the state dir" {
  up_user
  daemon=$(cat "$STATE/child_pid")
  nnu run -d --nest "$NEST" --name s1 -- sleep 1000
  nnu run -d --nest "$NEST" --name s2 -- sh -c 'sleep 1001 </dev/null >/dev/null 2>&1 & wait'
  s1=$(jq .pid "$STATE/sandboxes/s1.json") s2=$(jq .pid "$STATE/sandboxes/s2.json")
  ino=$(jq .netns "$STATE/sandboxes/s2.json")
  PIDS+=("$s1" "$s2")
  wait_until '[ "$(netns_procs "$ino" | wc -l)" = 2 ]'
  own_netns_procs "$ino"
  kill -9 "$daemon"
  run nnu ps --nest "$NEST"
  [ "$status" -eq 1 ]
  run nnu down --nest "$NEST"
  [ "$status" -eq 0 ]
  [ "$output" = "netnest: warning: nest $NEST was not running (daemon pid $daemon is gone); removed what it left: 2 sandboxes and state dir $STATE" ]
  # gone, not merely signalled: down waits for them (a zombie left to init counts as gone)
  for p in "$s1" "$s2"; do
    [ ! -d "/proc/$p" ] || grep -q '^State:.*Z' "/proc/$p/status"
  done
  # and what s2 started in its netns (the daemon that would have ended it is gone)
  [ -z "$(netns_procs "$ino")" ]
  [ ! -e "$STATE" ]
  run nnu down --nest "$NEST"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: no nest named $NEST is running (state dir $STATE)" ]
}

@test "up refuses a state dir that a live nest holds, and the live nest keeps running" {
  up_user
  pid=$(cat "$STATE/child_pid")
  run nnu up -d --nest "$NEST"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: nest $NEST is already running (pid $pid, state dir $STATE)" ]
  [ "$(cat "$STATE/child_pid")" = "$pid" ]
  kill -0 "$pid"
  [ "$(nest_procs "$NEST" | wc -l)" -eq 2 ]
}

@test "up refuses a NETNEST_STATE_DIR that holds other files, and changes none of them" {
  install -d -o "$NN_USER" "$TMP/u" "$TMP/u/notstate"
  dir=$TMP/u/notstate
  as_user sh -c "echo precious >$dir/keep.txt && mkdir $dir/sub && echo x >$dir/sub/y"
  run as_user env NETNEST_STATE_DIR="$dir" "$NETNEST" up -d --nest "$NEST"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: state dir $dir of nest $NEST: not empty and not a state dir (no lock file); nothing in it was changed" ]
  [ "$(ls -A "$dir" | tr '\n' ' ')" = "keep.txt sub " ]
  [ "$(cat "$dir/keep.txt")" = precious ]
  [ "$(cat "$dir/sub/y")" = x ]
  [ "$(nest_procs "$NEST" | wc -l)" -eq 0 ]
  # a relative one would be another dir from each working directory: refused, none is made
  run as_user env -C "$TMP/u" NETNEST_STATE_DIR=rel "$NETNEST" up -d --nest "$NEST"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: state dir of nest $NEST: NETNEST_STATE_DIR 'rel' is not an absolute path" ]
  [ ! -e "$TMP/u/rel" ]
  # an empty dir is a new state dir
  dir=$TMP/u/newstate
  install -d -o "$NN_USER" "$dir"
  as_user env NETNEST_STATE_DIR="$dir" "$NETNEST" up -d --nest "$NEST"
  ok=0
  [ -f "$dir/child_pid" ] && ok=1
  as_user env NETNEST_STATE_DIR="$dir" "$NETNEST" down --nest "$NEST"
  [ "$ok" = 1 ]
  [ ! -e "$dir" ]
}

@test "bad --subnet, --gateway, --cidr and --mtu are refused with the reason, and nothing is made" {
  run nnu up -d --nest "$NEST" --subnet 10.4.0.0/33
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "netnest up: --subnet 10.4.0.0/33: prefix length 33 is over 32" ]
  run nnu up -d --nest "$NEST" --gateway 10.5.0.1
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "netnest up: --gateway 10.5.0.1 is outside --subnet 10.4.0.0/24" ]
  run nnu up -d --nest "$NEST" --subnet 10.8.0.0/16 --gateway 10.8.255.255
  [ "$status" -eq 2 ]
  [[ ${lines[0]} == *"--gateway 10.8.255.255 is the network or broadcast address"* ]]
  run nnu up -d --nest "$NEST" --cidr 10.0.2.7/24
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "netnest up: --cidr 10.0.2.7/24: not a network address (use 10.0.2.0/24)" ]
  run nnu up -d --nest "$NEST" --cidr 10.0.2/24
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "netnest up: --cidr 10.0.2/24: '10.0.2' is not an IPv4 address" ]
  run nnu up -d --nest "$NEST" --cidr 10.0.2.0/26
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "netnest up: --cidr 10.0.2.0/26: too small for the tap address (network + 100; gateway + 2, DNS + 3): at most /25" ]
  run nnu up -d --nest "$NEST" --mtu 575
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "netnest up: --mtu 575: out of range 576..65521" ]
  run nnu up -d --nest "$NEST" --mtu 65522
  [ "$status" -eq 2 ]
  run nnu up -d --nest "$NEST" --subnet 10.0.0.0/8
  [ "$status" -eq 2 ]
  [[ ${lines[0]} == *"overlaps --cidr 10.0.2.0/24"* ]]
  run nnu up -d --nest "../x"
  [ "$status" -eq 2 ]
  [ ! -e "$STATE" ]
  [ -z "$(nest_procs "$NEST")" ]
}

@test "the state dir holds exactly the files docs/nest.md lists, with the modes it shows" {
  up_user
  nnu run -d --nest "$NEST" --name lister -- sleep 1000 >/dev/null
  wait_for test -S "$STATE/pool.sock"
  want=$(doc_state_files 0)
  [ "$(wc -l <<<"$want")" -ge 11 ]
  got=$(find "$STATE" -mindepth 1 -maxdepth 1 -printf '%M %f\n' | sort)
  nnu stop --nest "$NEST" lister
  [ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got"); false; }
}

@test "a --subnet or --cidr that cannot be a LAN is refused with the option, the value and the reason, exit 2, and nothing is made" {
  local -A want=(
    [224.0.0.0/24]="a multicast range, not a LAN"
    [127.0.0.0/24]="a loopback range, not a LAN"
    [0.0.0.0/16]='a "this network" range, not a LAN'
    [169.254.0.0/16]="a link-local range, not a LAN"
    [240.0.0.0/24]="a reserved range, not a LAN"
    [255.255.255.252/30]="a reserved range, not a LAN"
    [169.0.0.0/8]="holds the link-local range 169.254.0.0/16, not a LAN"
    [16.0.0.0/4]="larger than a /8 (10.0.0.0/8, the largest private network), not a LAN"
    [10.4.0.0/31]="too small for the bridge's address and a sandbox's: at most /30"
  )
  local net opt
  NESTS+=("user $NEST" "root $NEST") # should one start after all
  for net in "${!want[@]}"; do
    for opt in --subnet --cidr; do
      [[ $opt == --cidr && $net == 10.4.0.0/31 ]] && continue # --cidr says "tap address"
      run nnu up -d --nest "$NEST" "$opt" "$net"
      [ "$status" -eq 2 ]
      [ "${lines[0]}" = "netnest up: $opt $net: ${want[$net]}" ]
      [ "${lines[1]}" = "Try 'netnest up --help' for more information." ]
    done
  done
  # as root too, the same words
  run nn up -d --nest "$NEST" --subnet 224.0.0.0/24
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "netnest up: --subnet 224.0.0.0/24: a multicast range, not a LAN" ]
  [ ! -e "$STATE" ]
  [ ! -e "/run/netnest/$NEST" ]
  [ -z "$(nest_procs "$NEST")" ]
}

@test "without access to /dev/net/tun, up names the device and the reason and leaves nothing" {
  # only this test's private mount namespace sees /dev/null over /dev/net/tun
  run unshare -m sh -c 'mount --bind /dev/null /dev/net/tun && exec "$@"' sh \
    runuser -u "$NN_USER" -- env -i PATH="$PATH" XDG_RUNTIME_DIR="/run/user/$(nn_uid)" \
    "$NETNEST" up -d --nest "$NEST"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: create tap tap0 with /dev/net/tun (TUNSETIFF): Inappropriate ioctl for device" ]
  [ ! -e "$STATE" ]
  [ -z "$(nest_procs "$NEST")" ]
}

@test "a user without a subuid range gets a single-ID nest and one notice saying so" {
  u=$NN_USER_NOSUBID
  uid=$(id -u "$u")
  state=/run/user/$uid/netnest/$NEST
  NESTS+=("user2 $NEST")
  run as_user -u "$u" "$NETNEST" up -d --nest "$NEST"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [ "${lines[0]}" = "netnest: warning: user $u has no range in /etc/subuid and /etc/subgid: the nest maps only uid $uid (as root)" ]
  pid=$(cat "$state/child_pid")
  [ "$(awk '{print $1, $2, $3}' /proc/"$pid"/uid_map | paste -sd,)" = "0 $uid 1" ]
  [ "$(cat /proc/"$pid"/setgroups)" = deny ]
  run as_user -u "$u" nsenter -t "$pid" -U --preserve-credentials -n"/proc/$pid/root$state/netns" ip -br addr show tap0
  [[ $output == *"10.0.2.100/24"* ]]
  run as_user -u "$u" "$NETNEST" down --nest "$NEST"
  [ "$status" -eq 0 ]
  [ ! -e "$state" ]
}

@test "a foreground nest tears everything down on Ctrl-C" {
  as_user "$NETNEST" up --nest "$NEST" >"$TMP/out" 2>&1 &
  PIDS+=($!)
  NESTS+=("user $NEST")
  wait_for test -s "$STATE/child_pid"
  daemon=$(cat "$STATE/child_pid")
  engine=$(cat "$STATE/engine_pid")
  up=$(awk '/^PPid:/ {print $2}' /proc/"$daemon"/status)
  [ "$(tr '\0' ' ' </proc/"$up"/cmdline)" = "$NETNEST up --nest $NEST " ]
  kill -INT "$up"
  wait_for test ! -e "$STATE"
  wait_for test ! -d /proc/"$daemon"
  wait_for test ! -d /proc/"$engine"
  wait_for test ! -d /proc/"$up"
  [ -z "$(nest_procs "$NEST")" ]
  [ ! -s "$TMP/out" ]
}

@test "when the engine of up -d is killed, the nest is torn down but keeps its log and why; ps, info, run, port, stop and exec nest say so, down removes the dir and warns" {
  up_user
  nnu run -d --nest "$NEST" --name e1 -- sleep 7970 >/dev/null
  e1=$(jq .pid "$STATE/sandboxes/e1.json")
  PIDS+=("$e1")
  engine_killed
  [ -z "$(nest_procs "$NEST")" ]
  [ ! -d "/proc/$e1" ] || grep -q '^State:.*Z' "/proc/$e1/status"
  # lock, log and stopped, with the modes docs/nest.md shows, and nothing else
  left=$(doc_state_files 1)
  [ "$left" = "$(printf '%s\n' '-r--r--r-- stopped' '-rw------- lock' '-rw------- log' | sort)" ]
  got=$(find "$STATE" -mindepth 1 -printf '%M %f\n' | sort)
  [ "$got" = "$left" ] || { diff <(echo "$left") <(echo "$got"); false; }
  [[ $when =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
  [ "$(cat "$STATE/stopped")" = "$when $reason" ]
  [ "$(tail -1 "$STATE/log")" = "netnest: $when $reason; the nest is stopped" ]
  for v in "ps|" "info|" "run|-- true" "run|-d -- true" "port ls|" "stop|e1" "exec|nest -- true"; do
    # shellcheck disable=SC2086 # the words of each verb
    run nnu ${v%%|*} --nest "$NEST" ${v#*|}
    [ "$status" -eq 1 ] || { echo "$v: $status"; false; }
    [ "$output" = "netnest: no nest named $NEST is running: it stopped at $when: $reason (log: $STATE/log)" ] ||
      { echo "$v: $output"; false; }
  done
  [ "$(find "$STATE" -mindepth 1 -printf '%M %f\n' | sort)" = "$left" ]
  run nnu down --nest "$NEST"
  [ "$status" -eq 0 ]
  [ "$output" = "netnest: warning: nest $NEST was not running: it stopped at $when: $reason; removed its log and state dir $STATE" ]
  [ ! -e "$STATE" ]
  run nnu down --nest "$NEST"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: no nest named $NEST is running (state dir $STATE)" ]
}

@test "up on the dir a nest left when its engine was killed starts a new nest with a log of its own, and its down leaves nothing" {
  up_user
  engine_killed
  [ -e "$STATE/stopped" ]
  run nnu up -d --nest "$NEST"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  [ "$(cat "$STATE/child_pid")" != "$daemon" ]
  [ ! -e "$STATE/stopped" ]
  ! grep -q "the nest is stopped" "$STATE/log" || false
  run nnu ps --nest "$NEST" --json
  [ "$status" -eq 0 ]
  [ "$(jq '.sandboxes | length' <<<"$output")" = 0 ]
  run nnu down --nest "$NEST"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  [ ! -e "$STATE" ]
}

@test "a foreground nest goes down with its up process when that is killed" {
  as_user "$NETNEST" up --nest "$NEST" >"$TMP/out" 2>&1 &
  PIDS+=($!)
  NESTS+=("user $NEST")
  wait_for test -s "$STATE/child_pid"
  daemon=$(cat "$STATE/child_pid")
  up=$(awk '/^PPid:/ {print $2}' /proc/"$daemon"/status)
  kill -9 "$up"
  wait_for test ! -e "$STATE"
  wait_for test ! -d /proc/"$daemon"
  [ -z "$(nest_procs "$NEST")" ]
}

@test "down refuses to signal a child_pid that is not a netnest daemon" {
  t=$((700000 + RANDOM))
  as_user sleep "$t" &
  PIDS+=($!)
  wait_for pgrep -u "$NN_USER" -x -f "sleep $t"
  other=$(pgrep -u "$NN_USER" -x -f "sleep $t")
  PIDS+=("$other")
  as_user mkdir -p "$STATE"
  as_user sh -c "printf %s $other >'$STATE/child_pid'"
  run nnu down --nest "$NEST"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: stop nest $NEST: pid $other in $STATE/child_pid is not a netnest daemon" ]
  kill -0 "$other"
  rm -rf "$STATE"
}

@test "info shows the running nest as GET /v1/info answers" {
  up_user
  run nnu info --nest "$NEST" --json
  [ "$status" -eq 0 ]
  [ "$(jq -r .childPID <<<"$output")" = "$(cat "$STATE/child_pid")" ]
  [ "$(jq -r .stateDir <<<"$output")" = "$STATE" ]
  [ "$(jq -r .networkDriver.childIP <<<"$output")" = 10.0.2.100 ]
  run nnu info --nest "$NEST"
  [ "$status" -eq 0 ]
  [[ $output == *"networkDriver.childIP: 10.0.2.100"* ]]
  nnu down --nest "$NEST"
  run nnu info --nest "$NEST"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: no nest named $NEST is running (state dir $STATE)" ]
}

@test "runs that race a down each run, or say the nest is going down or is not running" {
  up_user
  chmod 0777 "$TMP"
  daemon=$(cat "$STATE/child_pid")
  for i in $(seq 5); do
    nnu run --nest "$NEST" -- sleep 30 >"$TMP/out$i" 2>&1 &
  done
  sleep 0.2
  nnu down --nest "$NEST" &
  for i in $(seq 6 40); do
    nnu run --nest "$NEST" -- true >"$TMP/out$i" 2>&1 &
    sleep 0.005
  done
  wait
  cat "$TMP"/out* | sort | uniq -c
  for i in $(seq 40); do
    # runuser (as_user) names the signal its child died of
    out=$(grep -vx 'Terminated\|Killed' "$TMP/out$i" || true)
    case $out in
      "" | "netnest: nest $NEST is going down (daemon pid $daemon is stopping): it takes no new requests" | \
        "netnest: no nest named $NEST is running (state dir $STATE)" | \
        "netnest: sandbox "*" did not start (killed by signal 9): nest $NEST is going down (daemon pid $daemon is stopping): it takes no new requests" | \
        "netnest: sandbox "*" did not start (killed by signal 9): no nest named $NEST is running (state dir $STATE)") ;;
      *) echo "run $i: $out"; false ;;
    esac
  done
}

@test "a run, foreground or -d, that down ends before its command starts says so and exits 1, not dying of SIGKILL in silence" {
  chmod 0777 "$TMP"
  for mode in fg -d; do
    up_user
    daemon=$(cat "$STATE/child_pid")
    opt=(); [ "$mode" = fg ] || opt=(-d)
    # each connect(2) of the run is held up 3 s (strace), so the down comes while it starts;
    # LeakSanitizer cannot run under ptrace, so an ASan build's leak check is off for it
    ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" \
      as_user strace -f -o /dev/null -e trace=connect -e inject=connect:delay_enter=3000000 \
      "$NETNEST" run --nest "$NEST" --name slow "${opt[@]}" -- true >"$TMP/out" 2>&1 &
    PIDS+=($!)
    # the run and its child, which is in the nest's user namespace before its first connect
    wait_until '[ "$(pgrep -c -f -- "^$NETNEST run --nest $NEST --name slow")" = 2 ]'
    sleep 0.5
    nnu down --nest "$NEST"
    status=0
    wait "${PIDS[-1]}" || status=$?
    grep -v '^strace: ' "$TMP/out" >"$TMP/said" || true
    echo "$mode:"; cat "$TMP/out"
    [ "$status" -eq 1 ]
    case $(cat "$TMP/said") in
      "netnest: sandbox slow did not start (killed by signal 9): nest $NEST is going down (daemon pid $daemon is stopping): it takes no new requests" | \
        "netnest: sandbox slow did not start (killed by signal 9): no nest named $NEST is running (state dir $STATE)") ;;
      *) false ;;
    esac
  done
}

@test "without XDG_RUNTIME_DIR, a rootless up, down, info, run, ps and port ls all exit 1 saying so, and make nothing" {
  for v in "up|-d" "down|" "info|" "run|-- true" "ps|" "port ls|"; do
    # shellcheck disable=SC2086 # the words of each verb
    run runuser -u "$NN_USER" -- env -i PATH="$PATH" HOME=/tmp "$NETNEST" ${v%%|*} --nest "$NEST" ${v#*|}
    [ "$status" -eq 1 ] || { echo "$v: $status"; false; }
    [ "$output" = "netnest: state dir of nest $NEST: XDG_RUNTIME_DIR is not set" ] || { echo "$v: $output"; false; }
    # a relative one is no better (the XDG Base Directory spec: ignore it)
    # shellcheck disable=SC2086 # the words of each verb
    run runuser -u "$NN_USER" -- env -i PATH="$PATH" HOME=/tmp XDG_RUNTIME_DIR=rel \
      "$NETNEST" ${v%%|*} --nest "$NEST" ${v#*|}
    [ "$status" -eq 1 ] || { echo "$v: $status"; false; }
    [ "$output" = "netnest: state dir of nest $NEST: XDG_RUNTIME_DIR 'rel' is not an absolute path" ] || { echo "$v: $output"; false; }
  done
  [ ! -e /tmp/rel ] && [ ! -e rel ]
  [ ! -e "$STATE" ]
}
