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
#                                              rootlesskit child's user namespace
#   rootless_docker.sh signal REC SIG [SECS]   send SIG to the script's process (the rootlesskit
#                                              parent) and wait up to SECS (30) for it to end
#   rootless_docker.sh left REC                after signal: what is still there, one line each
#                                              ("pid N COMM", "mount LINE", "file PATH")
#   rootless_docker.sh clean REC               SIGKILL what is left (by PID, and in the recorded
#                                              user namespace), remove the user's Docker dirs, the
#                                              state dir and REC; idempotent
#
# Environment: NN_DOCKER_FLAGS (dockerd flags, default --storage-driver=overlay2),
# DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS (handed to the script).  /usr/bin/docker is used, never
# /usr/local/bin/docker (a newer static CLI on some machines).  Only PIDs this script
# started are signalled.  USER needs /etc/subuid and /etc/subgid ranges.
set -euo pipefail
# shellcheck disable=SC2034 # rootless_lib.sh names the script with it
NAME=rootless_docker.sh
# shellcheck source=rootless_lib.sh
# shellcheck source=tests/helpers/rootless_lib.sh disable=SC1091
. "$(dirname "$0")/rootless_lib.sh"

SCRIPT=/usr/share/docker.io/contrib/dockerd-rootless.sh
DOCKER=/usr/bin/docker

user_env() {
  UENV=(env -i HOME="$HOME_" USER="$U" LOGNAME="$U" SHELL=/bin/sh
    PATH="${RKDIR:+$RKDIR:}/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
    XDG_RUNTIME_DIR="$XDG" DOCKER_HOST="unix://$XDG/docker.sock")
  [[ -n ${DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS:-} ]] &&
    UENV+=(DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS="$DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS")
  return 0
}

docker_ready() { as_user timeout 5 "$DOCKER" info >/dev/null 2>&1; }

cmd_start() {
  local rec=$2 c
  rk_user "$1"
  RKDIR=${3:-}
  [[ -e $rec ]] && die "$rec exists: clean first"
  grep -q "^$U:" /etc/subuid || die "$U has no /etc/subuid range"
  rk_make_xdg
  # setsid, setpriv, env, the script and rootlesskit all exec: PID is the rootlesskit parent
  # shellcheck disable=SC2086 # the flags are split into words on purpose, as the scripts do
  rk_spawn "$rec.log" "$SCRIPT" ${NN_DOCKER_FLAGS:---storage-driver=overlay2}
  rk_record "$rec"
  # shellcheck disable=SC2034 # rk_wait_ready (rootless_lib.sh) reads REC
  REC=$rec
  rk_wait_ready docker_ready dockerd-rootless.sh
  STATE=
  for c in $(descendants "$PID"); do
    STATE=$(tr '\0' '\n' <"/proc/$c/environ" 2>/dev/null | sed -n 's/^ROOTLESSKIT_STATE_DIR=//p')
    [[ -n $STATE ]] && break
  done
  rk_find_child "$STATE" || { cmd_clean "$rec"; exit 1; }
  rk_record "$rec"
}

cmd_clean() {
  [[ -e $1 ]] || return 0
  rk_load "$1"
  rk_kill
  # dockerd's rootless defaults: data-root, exec-root, pidfile, socket, config
  rm -rf "$HOME_/.local/share/docker" "$XDG/docker" "$XDG/docker.pid" "$XDG/docker.sock" \
    "$XDG/dockerd-rootless" "$XDG/containerd" "$HOME_/.docker" "$HOME_/.config/docker"
  rk_forget
}

case ${1:-} in
  start) shift; (($# >= 2)) || die "usage: start USER REC [RKDIR]"; cmd_start "$@" ;;
  docker) shift; rk_load "$1"; shift; as_user "$DOCKER" "$@" ;;
  pids) rk_load "$2"; rk_pids ;;
  signal) (($# >= 3)) || die "usage: signal REC SIG [SECS]"; rk_load "$2"; rk_signal "$3" "${4:-30}" ;;
  left) rk_load "$2"; rk_left ;;
  clean) cmd_clean "$2" ;;
  *) sed -n '3,25p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
