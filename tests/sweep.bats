#!/usr/bin/env bats
# The end of a sandbox's processes (docs/sandboxes.md#the-sandboxs-processes): the scan of
# /proc finds every process of the sandbox's netns and reads no main process of the other
# live sandboxes. Rootless as nntest.

load helpers/common

setup() {
  NEST=$(unique_name sweep)
  TMP=$(mktemp -d /tmp/netnest-sweep.XXXXXX)
  chmod 0777 "$TMP"
  STATE=/run/user/$(nn_uid)/netnest/$NEST
  # shellcheck disable=SC2034 # read by nests_down (helpers/common.bash)
  NESTS=("user $NEST")
  TRACER=
}

teardown() {
  [[ -z $TRACER ]] || kill "$TRACER" 2>/dev/null
  nests_down
  rm -rf "$TMP"
}

@test "a sandbox's end reads no main process of the 20 others alive, and still ends every process of its netns" {
  nnu up -d --nest "$NEST"
  daemon=$(cat "$STATE/child_pid")
  for i in $(seq 20); do
    nnu run -d --nest "$NEST" --name "o$i" -- sleep 1000 >/dev/null
  done
  others=$(for i in $(seq 20); do jq .pid "$STATE/sandboxes/o$i.json"; done)
  # every thread of the daemon: the watcher's scan is the one after the exit
  strace -f -qq -e trace=readlink -o "$TMP/trace" -p "$daemon" &
  TRACER=$!
  sleep 0.5 # attached (-qq says nothing)
  nnu run --nest "$NEST" --name gone -- sh -c \
    "setsid sleep 4321 </dev/null >/dev/null 2>&1 & echo \$! >$TMP/left"
  left=$(cat "$TMP/left")
  # run returns once the sandbox's processes are gone (a zombie left to init counts)
  [ ! -d "/proc/$left" ] || grep -q '^State:.*Z' "/proc/$left/status"
  kill "$TRACER"; wait "$TRACER" || true; TRACER=
  # the scan read the one it ended, and none of the others' main processes
  grep -q "readlink(\"/proc/$left/ns/net\"" "$TMP/trace"
  for p in $others; do
    ! grep -q "readlink(\"/proc/$p/ns/net\"" "$TMP/trace" || { echo "read $p"; false; }
    [ -d "/proc/$p" ]
  done
  [ "$(nnu ps --nest "$NEST" --json | jq '.sandboxes | length')" = 20 ]
}
