# Shared by the inspector's bats files (ns, ls, attach, exec): every process, netns name and
# temp dir a test makes is recorded here and removed in teardown, even when the test fails.

inspect_setup() {
  TMP=$(mktemp -d /tmp/nn-inspect.XXXXXX)
  chmod 0755 "$TMP"
  mkdir "$TMP/u" && chown "$NN_USER" "$TMP/u"
  PIDS=() NETNS=() USER_NETNS=()
  # netnest attach makes $XDG_RUNTIME_DIR/netns as ip makes /run/netns; a test that made it
  # removes it again
  USER_NETNS_DIR=/run/user/$(nn_uid)/netns
  [[ -e $USER_NETNS_DIR ]] && USER_NETNS_DIR_WAS=1 || USER_NETNS_DIR_WAS=
}

inspect_teardown() {
  local p n
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; done
  if ((${#NETNS[@]})); then
    printf 'netns delete %s\n' "${NETNS[@]}" | ip -force -batch - 2>/dev/null || true
    for n in "${NETNS[@]}"; do rm -f "/run/netns/$n"; done
  fi
  for n in "${USER_NETNS[@]}"; do rm -f "$USER_NETNS_DIR/$n"; done
  [[ -n $USER_NETNS_DIR_WAS ]] || rmdir "$USER_NETNS_DIR" 2>/dev/null || true
  rm -rf "$TMP"
}

# bg CMD...: start CMD in the background (as root), remember its PID in $BG
# (fd 3 is closed: bats waits for whoever holds it)
bg() { "$@" >/dev/null 2>&1 3>&- & BG=$!; PIDS+=("$BG"); }

# bgu CMD...: start CMD in the background as the test user, $BG is the PID of CMD itself
bgu() {
  # shellcheck disable=SC2016 # $$ and $@ are the inner sh's
  as_user sh -c 'echo $$ > "$0"; exec "$@" >/dev/null 2>&1' "$TMP/u/bgu.pid" "$@" \
    >/dev/null 2>&1 3>&- &
  wait_for test -s "$TMP/u/bgu.pid"
  BG=$(cat "$TMP/u/bgu.pid"); rm -f "$TMP/u/bgu.pid"
  PIDS+=("$BG")
}

# ns_ino PATH: the inode of the namespace PATH leads to
ns_ino() { stat -L -c %i "$1"; }

# netns_differs PID: true once PID's netns is no longer the host's (an unshare took effect)
netns_differs() { [ "$(ns_ino "/proc/$1/ns/net")" != "$(ns_ino /proc/self/ns/net)" ]; }
