# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by rootless_docker.sh and rootless_containerd.sh: a rootless stack started under
# `rootlesskit` as an unprivileged user, recorded in a file REC, and ended by PID only.
#
# REC holds shell assignments: U UID_ GID_ HOME_ XDG RKDIR PID (the rootlesskit parent, the
# process the start spawned) MADE_XDG CHILD (RootlessKit's child, from child_pid) USERNS
# (its user namespace) STATE (the state dir).  REC.procs (after rk_signal) lists the
# processes as "PID STARTTIME COMM"; REC.log is the stack's output.
# The caller defines user_env (the UENV array: env(1) arguments) and NAME (for messages).

die() { echo "$NAME: $*" >&2; exit 1; }

# rk_user USER: U UID_ GID_ HOME_ XDG of USER
rk_user() {
  id "$1" >/dev/null 2>&1 || die "no user $1"
  U=$1 UID_=$(id -u "$1") GID_=$(id -g "$1")
  HOME_=$(getent passwd "$1" | cut -d: -f6) XDG=/run/user/$UID_
}

# rk_load REC: the record's variables
rk_load() {
  REC=$1
  [[ -e $REC ]] || die "$REC: nothing started"
  # shellcheck disable=SC1090
  . "$REC"
}

# as_user CMD...: CMD as the user (setpriv and env exec: no process in between)
as_user() {
  user_env
  setpriv --reuid="$UID_" --regid="$GID_" --init-groups -- "${UENV[@]}" "$@"
}

starttime() { awk '{sub(/.*\) /, ""); print $20}' "/proc/$1/stat" 2>/dev/null; }
state_of() { awk '{sub(/.*\) /, ""); print $1}' "/proc/$1/stat" 2>/dev/null; }
# live PID: PID runs (a zombie, which this VM's init may never reap, does not)
live() { [[ -e /proc/$1 && $(state_of "$1") != Z ]]; }

# descendants PID: PID and every live process below it
descendants() {
  local todo=("$1") p c
  while ((${#todo[@]})); do
    p=${todo[0]} todo=("${todo[@]:1}")
    live "$p" && echo "$p"
    # shellcheck disable=SC2013 # the file is PIDs separated by blanks, one word each
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do todo+=("$c"); done
  done
}

# in_userns NS: every live process whose user namespace is NS
in_userns() {
  local p
  [[ -n $1 ]] || return 0
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/ns/user" 2>/dev/null) == "$1" ]] && live "${p#/proc/}" && echo "${p#/proc/}"
  done
  return 0
}

# rk_pids: the record's live processes: the parent's tree and the child's user namespace
rk_pids() {
  { [[ -n $PID ]] && descendants "$PID"; in_userns "$USERNS"; } | sort -un
}

# rk_spawn LOG CMD...: CMD as the user in a new session, output to LOG; sets PID.  setsid
# (not a group leader here, so it does not fork), setpriv and env exec: PID is CMD's.
rk_spawn() {
  local log=$1
  shift
  user_env
  setsid setpriv --reuid="$UID_" --regid="$GID_" --init-groups -- "${UENV[@]}" "$@" \
    >"$log" 2>&1 </dev/null 3>&- &
  PID=$!
}

# rk_record REC: write the record (CHILD USERNS STATE may still be empty)
rk_record() {
  printf '%s=%q\n' U "$U" UID_ "$UID_" GID_ "$GID_" HOME_ "$HOME_" XDG "$XDG" RKDIR "$RKDIR" \
    PID "$PID" MADE_XDG "$MADE_XDG" CHILD "${CHILD:-}" USERNS "${USERNS:-}" STATE "${STATE:-}" \
    >"$1"
}

# rk_find_child STATE_DIR: CHILD and USERNS, from the state dir's child_pid (RootlessKit's
# word for its child), else the first process below PID in a user namespace of its own
# (with Debian's rootlesskit slirp4netns is the parent's child too, in the host's).  The
# host's user namespace is never taken: rk_kill SIGKILLs what is in the recorded one.
# Return: 1 (with a message) when there is no such child.
rk_find_child() {
  local c ns
  CHILD="" USERNS=""
  if [[ -s $1/child_pid ]]; then
    CHILD=$(cat "$1/child_pid")
  else
    for c in $(descendants "$PID"); do
      ns=$(readlink "/proc/$c/ns/user" 2>/dev/null) || continue
      [[ $ns != "$(readlink /proc/self/ns/user)" ]] && { CHILD=$c; break; }
    done
  fi
  [[ -n $CHILD ]] && USERNS=$(readlink "/proc/$CHILD/ns/user" 2>/dev/null)
  if [[ -z $USERNS || $USERNS == "$(readlink /proc/self/ns/user)" ||
    $USERNS == "$(readlink /proc/1/ns/user)" ]]; then
    echo "$NAME: no rootlesskit child of $PID in a user namespace of its own" >&2
    return 1
  fi
}

# rk_signal SIG SECS: record the processes in REC.procs, send SIG to the parent, and wait
# up to SECS for it to end
rk_signal() {
  local sig=$1 secs=$2 p
  for p in $(rk_pids); do
    echo "$p $(starttime "$p") $(cat /proc/"$p"/comm 2>/dev/null)"
  done >"$REC.procs"
  kill -s "$sig" "$PID" 2>/dev/null || true
  for _ in $(seq $((secs * 10))); do live "$PID" || break; sleep 0.1; done
  ! live "$PID" || die "pid $PID still there $secs s after SIG$sig"
}

# left_now: rk_left's lines, as things are this instant
left_now() {
  local p st comm
  while read -r p st comm; do
    [[ $(starttime "$p") == "$st" ]] && live "$p" && echo "pid $p $comm"
  done <"$REC.procs"
  in_userns "$USERNS" | sed 's/^/pid-in-userns /'
  if [[ -n $STATE ]]; then
    grep -F " $STATE" /proc/self/mountinfo | sed 's/^/mount /' || true
    if [[ -e $STATE ]]; then find "$STATE" | sed 's/^/file /'; fi
  fi
  return 0
}

# rk_left: what is left after rk_signal, one line each: "pid N COMM" (of REC.procs, same
# start time), "pid-in-userns N", "mount LINE" (the state dir in this mount ns), "file PATH".
# Processes need a moment to go after their parent (a teardown, PDEATHSIG), and one a
# shim forks while it stops is in no REC.procs: what is still there after 10 s is left.
rk_left() {
  local left
  for _ in $(seq 100); do
    left=$(left_now)
    [[ -z $left ]] && break
    sleep 0.1
  done
  [[ -z $left ]] || printf '%s\n' "$left"
}

# rk_kill: SIGTERM the parent (30 s), then SIGKILL it, what REC.procs lists, and what is
# in the recorded user namespace
rk_kill() {
  local p st left
  if [[ -n $PID ]] && live "$PID"; then
    kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 300); do live "$PID" || break; sleep 0.1; done
    if live "$PID"; then kill -KILL "$PID" 2>/dev/null || true; fi
  fi
  if [[ -e $REC.procs ]]; then
    while read -r p st _; do
      if [[ $(starttime "$p") == "$st" ]]; then kill -KILL "$p" 2>/dev/null || true; fi
    done <"$REC.procs"
  fi
  if [[ $USERNS == "$(readlink /proc/self/ns/user)" || $USERNS == "$(readlink /proc/1/ns/user)" ]]; then
    USERNS=""
  fi
  for _ in $(seq 50); do
    left=$(in_userns "$USERNS")
    [[ -z $left ]] && break
    # shellcheck disable=SC2086 # a list of PIDs, one word each
    kill -KILL $left 2>/dev/null || true
    sleep 0.1
  done
}

# rk_wait_ready READY WHAT: run the function READY every 0.1 s for 60 s until it succeeds;
# when the parent ends first, or time runs out: its log's tail, cmd_clean (the caller's), die
rk_wait_ready() {
  for _ in $(seq 600); do
    if ! live "$PID"; then
      tail -30 "$REC.log" >&2
      cmd_clean "$REC" >/dev/null 2>&1 || true
      die "$2 exited during start (its log above)"
    fi
    "$1" && return 0
    sleep 0.1
  done
  tail -30 "$REC.log" >&2
  cmd_clean "$REC" >/dev/null 2>&1 || true
  die "$2: not ready in 60 s"
}

# rk_make_xdg: the user's runtime dir as pam_systemd would make it (no logind here)
rk_make_xdg() {
  MADE_XDG=0
  if [[ ! -d $XDG ]]; then
    install -d -m 0700 -o "$UID_" -g "$GID_" "$XDG"
    MADE_XDG=1
  fi
}

# rk_forget: after rk_kill and the caller's own removals: the state dir, the runtime dir if
# made, the record
rk_forget() {
  case $STATE in /tmp/rootlesskit* | "$XDG"/*) rm -rf "$STATE" ;; esac
  if [[ $MADE_XDG == 1 ]]; then rmdir "$XDG" 2>/dev/null || true; fi
  rm -f "$REC" "$REC.procs"
}
