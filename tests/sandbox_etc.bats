#!/usr/bin/env bats
# A sandbox's /etc/resolv.conf and /etc/hosts (docs/sandboxes.md#etcresolvconf-and-etchosts):
# each sandbox has copies of its own of the nest's files, writable, that start with the
# nest's content and go with the sandbox, as a Docker or Podman container has its own.
# Rootless as nntest unless a test says "as root".

load helpers/common
bats_require_minimum_version 1.5.0

setup() {
  NEST=$(unique_name etc)
  TMP=$(mktemp -d /tmp/netnest-etc.XXXXXX)
  chmod 0755 "$TMP"
  NESTS=() # nests to take down: "user NAME" or "root NAME"
  STATE=/run/user/$(nn_uid)/netnest/$NEST
}

teardown() {
  nests_down
  # sandboxes left by a failed test: their records name their PIDs (started by this test)
  for f in "$TMP"/records/*.json; do
    [[ -e $f ]] && kill -9 "$(jq -r .pid "$f")" 2>/dev/null
  done
  rm -rf "$TMP"
}

up_user() {
  nnu up -d --nest "$NEST"
  NESTS+=("user $NEST")
}

# keep a copy of each record so teardown can kill a sandbox a failed test left behind
keep_records() {
  mkdir -p "$TMP/records"
  cp "$STATE"/sandboxes/*.json "$TMP/records/" 2>/dev/null || true
}

# what a sandbox writes: over resolv.conf, onto the end of hosts (the user's trial)
WRITE='echo test >/etc/resolv.conf && echo "127.0.0.1 evil" >>/etc/hosts'

# check_isolated NN...: NN is netnest as root or as the user ("nn" or "nnu"). A sandbox that
# wrote both files and stays ("w"), then one after it: the first reads what it wrote, the
# second the nest's files as they were, which are unchanged; then the same with a
# foreground writer that is gone when the reader starts
check_isolated() {
  local nn=$1 pid
  cp "$STATE/resolv.conf" "$TMP/resolv.conf.0"
  cp "$STATE/hosts" "$TMP/hosts.0"
  grep -q 'nameserver 10.0.2.3' "$TMP/resolv.conf.0"
  run "$nn" run --nest "$NEST" -d --name w -- sh -c "$WRITE && touch /tmp/.w-$NEST && exec sleep 1000"
  [ "$status" -eq 0 ]
  keep_records
  pid=$(jq -r .pid "$STATE/sandboxes/w.json")
  wait_for test -e "/tmp/.w-$NEST"
  rm -f "/tmp/.w-$NEST"
  [ "$(nsenter -t "$pid" -m cat /etc/resolv.conf)" = test ]
  [ "$(nsenter -t "$pid" -m tail -n 1 /etc/hosts)" = "127.0.0.1 evil" ]
  run "$nn" run --nest "$NEST" -- cat /etc/resolv.conf /etc/hosts
  [ "$status" -eq 0 ]
  [ "$output" = "$(cat "$TMP/resolv.conf.0" "$TMP/hosts.0")" ]
  cmp "$STATE/resolv.conf" "$TMP/resolv.conf.0"
  cmp "$STATE/hosts" "$TMP/hosts.0"
  run "$nn" stop --nest "$NEST" w
  [ "$status" -eq 0 ]
  # a foreground writer, then a reader
  run "$nn" run --nest "$NEST" -- sh -c "$WRITE && cat /etc/resolv.conf"
  [ "$status" -eq 0 ]
  [ "$output" = test ]
  run "$nn" run --nest "$NEST" -- cat /etc/resolv.conf /etc/hosts
  [ "$output" = "$(cat "$TMP/resolv.conf.0" "$TMP/hosts.0")" ]
  cmp "$STATE/resolv.conf" "$TMP/resolv.conf.0"
  cmp "$STATE/hosts" "$TMP/hosts.0"
}

@test "a write to /etc/resolv.conf or /etc/hosts in a sandbox reaches neither the nest's files nor another sandbox, from the pool or not" {
  up_user
  ls -A "$STATE" >"$TMP/state.0"
  check_isolated nnu
  # a netns and mount namespace of the run's own (the pool out of reach)
  mv "$STATE/pool.sock" "$STATE/pool.sock.off"
  check_isolated nnu
  mv "$STATE/pool.sock.off" "$STATE/pool.sock"
  # the copies left nothing in the state dir
  [ "$(ls -A "$STATE")" = "$(cat "$TMP/state.0")" ]
  [ -z "$(ls -A "$STATE/etc")" ]
}

@test "as root, a write to /etc/resolv.conf or /etc/hosts in a sandbox reaches neither the nest's files nor another sandbox, from the pool or not" {
  STATE=/run/netnest/$NEST
  nn up -d --nest "$NEST"
  NESTS+=("root $NEST")
  check_isolated nn
  mv "$STATE/pool.sock" "$STATE/pool.sock.off"
  check_isolated nn
  mv "$STATE/pool.sock.off" "$STATE/pool.sock"
  # the host's files are untouched
  [[ $(cat /etc/resolv.conf) != test ]]
  ! grep -q evil /etc/hosts
}

@test "as root, where /etc/resolv.conf is a dangling symlink a sandbox's write reaches neither the link's target nor the nest's file" {
  STATE=/run/netnest/$NEST
  up_root_dangling_resolv
  run nn run --nest "$NEST" -- sh -c 'cat /etc/resolv.conf; echo test >/etc/resolv.conf && cat /etc/resolv.conf'
  [ "$status" -eq 0 ]
  [ "$output" = "$(cat "$STATE/resolv.conf"; echo test)" ]
  [ ! -s "$TMP/run/resolv.conf" ]
  run nn run --nest "$NEST" -- cat /etc/resolv.conf
  [ "$output" = "$(cat "$STATE/resolv.conf")" ]
  [[ $output == *"nameserver 10.0.2.3"* ]]
}

@test "a sandbox's copies hold at most 64 KiB more than the nest's files, and a sandbox that fills them fills no other's" {
  up_user
  run nnu run --nest "$NEST" -- sh -c 'head -c 1048576 /dev/zero >>/etc/hosts'
  [ "$status" -ne 0 ]
  [[ $output == *"No space left on device"* ]]
  run nnu run --nest "$NEST" -- sh -c 'head -c 32768 /dev/zero >>/etc/hosts && echo ok'
  [ "$output" = ok ]
  run nnu run --nest "$NEST" -- cat /etc/hosts
  [ "$output" = "$(cat "$STATE/hosts")" ]
}

@test "a run that finds the nest's etc dir gone fails and does not make it again, so down leaves no state dir behind" {
  # the race it stands for: a run between down's clearing of the state dir and its rmdir
  up_user
  mv "$STATE/pool.sock" "$STATE/pool.sock.off" # the run's own mount namespace
  rmdir "$STATE/etc"
  run nnu run --nest "$NEST" -- true
  [ "$status" -ne 0 ]
  [[ $output == *"mount a tmpfs for the sandbox's /etc files on $STATE/etc: No such file or directory"* ]]
  [ ! -e "$STATE/etc" ]
  [ -z "$(ls -A "$STATE/sandboxes")" ]
  mv "$STATE/pool.sock.off" "$STATE/pool.sock"
  nnu down --nest "$NEST"
  NESTS=()
  [ ! -e "$STATE" ]
}
