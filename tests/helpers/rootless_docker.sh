#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Rootless Docker as an unprivileged user, started and stopped cleanly: Debian's docker.io
# 20.10 and its unchanged /usr/share/docker.io/contrib/dockerd-rootless.sh, under whatever
# `rootlesskit` comes first in PATH (RKDIR, a dir with netnest's `rootlesskit` symlink, or
# Debian's /usr/bin/rootlesskit).  For tests/docker.bats and bench/docker.sh.  Run as root.
#
#   rootless_docker.sh start USER REC [RKDIR]  start the script as USER; wait until `docker info`
#                                              answers; REC (a file) records what was started
#   rootless_docker.sh docker REC ARGS...      /usr/bin/docker ARGS as the user, against it
#   rootless_docker.sh pids REC                every live process the start made: the script's
#                                              process, its descendants, and everything in the
#                                              rootlesskit child's user namespace (zombies,
#                                              which this VM's init may never reap, are not)
#   rootless_docker.sh signal REC SIG [SECS]   send SIG to the script's process (the rootlesskit
#                                              parent) and wait up to SECS (30) for it to end;
#                                              the processes it had are kept in REC.procs
#   rootless_docker.sh left REC                after signal: what is still there, one line each
#                                              ("pid N COMM", "mount LINE", "file PATH"); the
#                                              processes are those of REC.procs, by start time
#   rootless_docker.sh clean REC               SIGKILL what is left (by PID, and in the recorded
#                                              user namespace), remove the user's Docker dirs and
#                                              the state dir, and REC; idempotent
#
# Environment: NN_DOCKER_FLAGS (dockerd flags, default --storage-driver=overlay2),
# DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS (handed to the script).  /usr/bin/docker is used, never
# /usr/local/bin/docker (a newer static CLI on some machines).  Only PIDs this script
# started are signalled.  USER needs /etc/subuid and /etc/subgid ranges.
set -euo pipefail

SCRIPT=/usr/share/docker.io/contrib/dockerd-rootless.sh
DOCKER=/usr/bin/docker

die() { echo "rootless_docker.sh: $*" >&2; exit 1; }

# load REC: U UID_ GID_ HOME_ XDG RKDIR PID CHILD USERNS STATE MADE_XDG from the record
load() {
  REC=$1
  [[ -e $REC ]] || die "$REC: nothing started"
  # shellcheck disable=SC1090
  . "$REC"
}

user_env() { # UENV: the environment of the user's commands, as env(1) arguments
  UENV=(env -i HOME="$HOME_" USER="$U" LOGNAME="$U" SHELL=/bin/sh
    PATH="${RKDIR:+$RKDIR:}/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
    XDG_RUNTIME_DIR="$XDG" DOCKER_HOST="unix://$XDG/docker.sock")
  [[ -n ${DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS:-} ]] &&
    UENV+=(DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS="$DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS")
  return 0
}

# as_user CMD...: CMD as the user (setpriv and env exec: no process in between)
as_user() {
  user_env
  setpriv --reuid="$UID_" --regid="$GID_" --init-groups -- "${UENV[@]}" "$@"
}

starttime() { awk '{sub(/.*\) /, ""); print $20}' "/proc/$1/stat" 2>/dev/null; }
state_of() { awk '{sub(/.*\) /, ""); print $1}' "/proc/$1/stat" 2>/dev/null; }
live() { [[ -e /proc/$1 && $(state_of "$1") != Z ]]; }

# descendants PID: PID and every live process below it
descendants() {
  local todo=("$1") p c
  while ((${#todo[@]})); do
    p=${todo[0]} todo=("${todo[@]:1}")
    live "$p" && echo "$p"
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

cmd_pids() {
  load "$1"
  { [[ -n $PID ]] && descendants "$PID"; in_userns "$USERNS"; } | sort -un
}

cmd_start() {
  local u=$1 rec=$2 rkdir=${3:-} pid i c hostns made_xdg=0 log
  id "$u" >/dev/null 2>&1 || die "no user $u"
  [[ -e $rec ]] && die "$rec exists: clean first"
  grep -q "^$u:" /etc/subuid || die "$u has no /etc/subuid range"
  U=$u UID_=$(id -u "$u") GID_=$(id -g "$u") RKDIR=$rkdir
  HOME_=$(getent passwd "$u" | cut -d: -f6) XDG=/run/user/$UID_
  if [[ ! -d $XDG ]]; then
    # no systemd-logind here: the runtime dir as pam_systemd would make it
    install -d -m 0700 -o "$UID_" -g "$GID_" "$XDG"
    made_xdg=1
  fi
  log=$rec.log
  user_env
  # setsid (not a group leader, so it does not fork), setpriv, env, the script and
  # rootlesskit all exec: $! is the rootlesskit parent
  setsid setpriv --reuid="$UID_" --regid="$GID_" --init-groups -- "${UENV[@]}" \
    "$SCRIPT" ${NN_DOCKER_FLAGS:---storage-driver=overlay2} >"$log" 2>&1 </dev/null 3>&- &
  pid=$!
  printf 'U=%q\nUID_=%q\nGID_=%q\nHOME_=%q\nXDG=%q\nRKDIR=%q\nPID=%q\nMADE_XDG=%q\nCHILD=\nUSERNS=\nSTATE=\n' \
    "$U" "$UID_" "$GID_" "$HOME_" "$XDG" "$RKDIR" "$pid" "$made_xdg" >"$rec"
  for i in $(seq 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -30 "$log" >&2
      cmd_clean "$rec" >/dev/null 2>&1 || true
      die "dockerd-rootless.sh exited during start (its log above)"
    fi
    as_user timeout 5 "$DOCKER" info >/dev/null 2>&1 && break
    sleep 0.1
  done
  as_user timeout 5 "$DOCKER" info >/dev/null 2>&1 ||
    { tail -30 "$log" >&2; cmd_clean "$rec" >/dev/null 2>&1; die "docker info: no answer in 60 s"; }
  # the rootlesskit child: the parent's child that lives in another user namespace (with
  # Debian's rootlesskit slirp4netns is the parent's child too, in the host's).  Never
  # record the host's user namespace: clean SIGKILLs what is in the recorded one.
  hostns=$(readlink /proc/self/ns/user)
  for c in $(descendants "$pid"); do
    local ns; ns=$(readlink "/proc/$c/ns/user" 2>/dev/null) || continue
    if [[ $ns != "$hostns" && $ns != "$(readlink /proc/1/ns/user)" ]]; then
      CHILD=$c USERNS=$ns
      break
    fi
  done
  [[ -n ${CHILD:-} ]] || { cmd_clean "$rec"; die "no process of $pid in a user namespace"; }
  STATE=
  for c in $(descendants "$pid"); do
    STATE=$(tr '\0' '\n' <"/proc/$c/environ" 2>/dev/null | sed -n 's/^ROOTLESSKIT_STATE_DIR=//p')
    [[ -n $STATE ]] && break
  done
  # RootlessKit's own word for its child, when it gives one (child_pid, spec section 6)
  if [[ -n $STATE && -s $STATE/child_pid ]]; then
    CHILD=$(cat "$STATE/child_pid")
  fi
  sed -i -e "s|^CHILD=.*|CHILD=$CHILD|" -e "s|^USERNS=.*|USERNS=$USERNS|" \
    -e "s|^STATE=.*|STATE=$(printf %q "$STATE")|" "$rec"
}

cmd_signal() {
  local sig=$2 secs=${3:-30} p i
  load "$1"
  : >"$REC.procs"
  for p in $(cmd_pids "$REC"); do echo "$p $(starttime "$p") $(cat /proc/"$p"/comm 2>/dev/null)"; done >"$REC.procs"
  kill -s "$sig" "$PID" 2>/dev/null || true
  for i in $(seq $((secs * 10))); do live "$PID" || break; sleep 0.1; done
  wait "$PID" 2>/dev/null || true
  ! live "$PID" || die "pid $PID still there $secs s after SIG$sig"
}

cmd_left() {
  local p st comm i
  load "$1"
  # processes need a moment to go after their parent: a teardown, PDEATHSIG
  for i in $(seq 50); do
    left=0
    while read -r p st comm; do
      [[ $(starttime "$p") == "$st" ]] && live "$p" && left=1
    done <"$REC.procs"
    ((left)) || break
    sleep 0.1
  done
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

cmd_clean() {
  local p i left
  [[ -e $1 ]] || return 0
  load "$1"
  if [[ -n $PID ]] && live "$PID"; then
    kill -TERM "$PID" 2>/dev/null || true
    for i in $(seq 300); do live "$PID" || break; sleep 0.1; done
    live "$PID" && kill -KILL "$PID" 2>/dev/null || true
  fi
  wait "$PID" 2>/dev/null || true
  if [[ -e $REC.procs ]]; then
    while read -r p st _; do
      [[ $(starttime "$p") == "$st" ]] && kill -KILL "$p" 2>/dev/null || true
    done <"$REC.procs"
  fi
  if [[ $USERNS == "$(readlink /proc/self/ns/user)" || $USERNS == "$(readlink /proc/1/ns/user)" ]]; then
    USERNS=""
  fi
  for i in $(seq 50); do
    left=$(in_userns "$USERNS")
    [[ -z $left ]] && break
    kill -KILL $left 2>/dev/null || true
    sleep 0.1
  done
  # dockerd's rootless defaults: data-root, exec-root, pidfile, socket, config
  rm -rf "$HOME_/.local/share/docker" "$XDG/docker" "$XDG/docker.pid" "$XDG/docker.sock" \
    "$XDG/dockerd-rootless" "$XDG/containerd" "$HOME_/.docker" "$HOME_/.config/docker"
  case $STATE in /tmp/rootlesskit* | "$XDG"/*) rm -rf "$STATE" ;; esac
  [[ $MADE_XDG == 1 ]] && rmdir "$XDG" 2>/dev/null || true
  rm -f "$REC" "$REC.procs"
  return 0
}

case ${1:-} in
  start) shift; (($# >= 2)) || die "usage: start USER REC [RKDIR]"; cmd_start "$@" ;;
  docker) shift; load "$1"; shift; as_user "$DOCKER" "$@" ;;
  pids) shift; cmd_pids "$1" ;;
  signal) shift; (($# >= 2)) || die "usage: signal REC SIG [SECS]"; cmd_signal "$@" ;;
  left) shift; cmd_left "$1" ;;
  clean) shift; cmd_clean "$1" ;;
  *) sed -n '3,28p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
