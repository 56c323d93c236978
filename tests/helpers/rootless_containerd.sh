#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Debian's containerd 1.6, rootless, under `rootlesskit` with the flags of nerdctl's
# extras/rootless/containerd-rootless.sh, and `ctr run` containers joined to bridge nerdctl0
# (10.4.0.0/24) by Debian's CNI bridge + host-local plugins run in RootlessKit's network
# namespace, as nerdctl's OCI hook runs them: the detached one ($STATE/netns) when
# rootlesskit has --detach-netns, else the child's own (Debian's rootlesskit 1.1 has none).
# The child steps of containerd-rootless.sh are redone here in its own words.  Run as root.
#
#   rootless_containerd.sh start USER REC [RKDIR]  start; RKDIR goes first in PATH; wait until
#                                                  `ctr version` answers
#   rootless_containerd.sh ctr REC ARGS...         ctr ARGS inside the user + mount namespaces,
#                                                  as nerdctl re-execs itself there
#   rootless_containerd.sh nsexec REC CMD...       CMD there and in the network namespace the
#                                                  CNI plugins run in
#   rootless_containerd.sh netns REC               that network namespace, as a path the host
#                                                  can open
#   rootless_containerd.sh run REC IMAGE NAME CMD...  ctr run -d, then CNI ADD: prints the task
#                                                  PID and its eth0 address (10.4.0.N/24)
#   rootless_containerd.sh rm REC NAME             CNI DEL, kill and delete the task
#   rootless_containerd.sh pids|signal|left REC ...  as rootless_docker.sh
#   rootless_containerd.sh clean REC               SIGKILL what is left, remove the dirs and REC
#
# NN_NO_CGROUP=1 (the default on a cgroup v1 host: a rootless runc cannot mkdir in the v1
# hierarchies) runs containers with --cgroup "" --cpu-shares 0.
set -euo pipefail
# shellcheck disable=SC2034 # rootless_lib.sh names the script with it
NAME=rootless_containerd.sh
# shellcheck source=rootless_lib.sh
# shellcheck source=tests/helpers/rootless_lib.sh disable=SC1091
. "$(dirname "$0")/rootless_lib.sh"

CNI_BIN=/usr/lib/cni
[[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] || : "${NN_NO_CGROUP:=1}"

user_env() {
  UENV=(env -i HOME="$HOME_" USER="$U" LOGNAME="$U" SHELL=/bin/sh
    PATH="${RKDIR:+$RKDIR:}/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
    XDG_RUNTIME_DIR="$XDG" XDG_DATA_HOME="$HOME_/.local/share"
    XDG_CONFIG_HOME="$HOME_/.config")
}

# detached: does the child keep the nest's netns at $STATE/netns (RootlessKit 2)?
detached() {
  [[ $(stat -f -c %T "/proc/$CHILD/root$STATE/netns" 2>/dev/null) == nsfs ]]
}

# netns_path: the netns the CNI plugins run in, as the host opens it
netns_path() {
  if detached; then echo "/proc/$CHILD/root$STATE/netns"; else echo "/proc/$CHILD/ns/net"; fi
}

# in_ns [-n] CMD...: CMD in RootlessKit's user + mount namespaces (-n: and its netns)
in_ns() {
  local net=()
  if [[ ${1:-} == -n ]]; then net=("--net=$(netns_path)"); shift; fi
  user_env
  setpriv --reuid="$UID_" --regid="$GID_" --init-groups -- "${UENV[@]}" \
    ROOTLESSKIT_STATE_DIR="$STATE" \
    nsenter -t "$CHILD" -U --preserve-credentials -m "${net[@]}" -- "$@"
}

write_child_script() { # the command rootlesskit runs: containerd-rootless.sh's child part
  cat >"$1" <<'EOF'
#!/bin/sh
# in RootlessKit's namespaces as "root": private /run, /var/lib and /etc for containerd
set -eu
rm -f /run/containerd /run/nri /run/xtables.lock /var/lib/containerd /var/lib/cni /etc/containerd
ssl=$(realpath /etc/ssl)
rm -f /etc/ssl
mkdir /etc/ssl
mount --rbind "$ssl" /etc/ssl
for pair in "$XDG_RUNTIME_DIR/containerd:/run/containerd" \
  "$XDG_DATA_HOME/containerd:/var/lib/containerd" "$XDG_DATA_HOME/cni:/var/lib/cni" \
  "$XDG_CONFIG_HOME/containerd:/etc/containerd"; do
  mkdir -p "${pair%%:*}" "${pair#*:}"
  mount --bind "${pair%%:*}" "${pair#*:}"
done
exec containerd "$@"
EOF
  chmod 0755 "$1"
}

containerd_ready() {
  [[ -S $XDG/containerd/containerd.sock && -s $STATE/child_pid ]] || return 1
  CHILD=$(cat "$STATE/child_pid")
  in_ns ctr version >/dev/null 2>&1
}

cmd_start() {
  local rec=$2 rk detach=()
  rk_user "$1"
  RKDIR=${3:-}
  [[ -e $rec ]] && die "$rec exists: clean first"
  STATE=$XDG/containerd-rootless
  rk_make_xdg
  write_child_script "$rec.child.sh"
  user_env
  rk=$(PATH="${RKDIR:+$RKDIR:}$PATH" command -v rootlesskit) || die "no rootlesskit in PATH"
  # containerd-rootless.sh: CONTAINERD_ROOTLESS_ROOTLESSKIT_DETACH_NETNS=auto
  if "$rk" --help 2>/dev/null | grep -qw -- --detach-netns; then detach=(--detach-netns); fi
  # shellcheck disable=SC2086 # the extra flags are split into words, as the script does
  rk_spawn "$rec.log" "$rk" --state-dir="$STATE" --net=slirp4netns --mtu=65520 \
    --slirp4netns-sandbox=auto --slirp4netns-seccomp=auto \
    --disable-host-loopback --port-driver=builtin \
    --copy-up=/etc --copy-up=/run --copy-up=/var/lib --propagation=rslave \
    "${detach[@]}" ${CONTAINERD_ROOTLESS_ROOTLESSKIT_FLAGS:-} "$rec.child.sh"
  rk_record "$rec"
  REC=$rec
  rk_wait_ready containerd_ready rootlesskit
  rk_find_child "$STATE" || { cmd_clean "$rec"; exit 1; }
  rk_record "$rec"
}

cni_conf() { # nerdctl's default network (its bridge plugin part)
  cat <<'EOF'
{"cniVersion":"1.0.0","name":"bridge","type":"bridge","bridge":"nerdctl0","isGateway":true,
 "ipMasq":true,"hairpinMode":true,"mtu":65520,
 "ipam":{"type":"host-local","routes":[{"dst":"0.0.0.0/0"}],
         "ranges":[[{"subnet":"10.4.0.0/24","gateway":"10.4.0.1"}]]}}
EOF
}

cni() { # ADD|DEL NAME NETNS_PATH (as the mount namespace sees it)
  cni_conf | in_ns -n env CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_NETNS="$3" \
    CNI_IFNAME=eth0 CNI_PATH="$CNI_BIN" "$CNI_BIN/bridge"
}

task_pid() { in_ns ctr task ls | awk -v n="$1" '$1 == n {print $2}'; }

cmd_run() { # IMAGE NAME CMD...
  local img=$1 name=$2 tpid
  shift 2
  in_ns ctr run -d --snapshotter overlayfs \
    ${NN_NO_CGROUP:+--cgroup= --cpu-shares=0} "$img" "$name" "$@" >/dev/null
  tpid=$(task_pid "$name")
  # the task PID is a host PID (no --pidns): its netns path works in the mount ns too
  cni ADD "$name" "/proc/$tpid/ns/net" >"$REC.cni-$name.json"
  echo "$tpid $(jq -r '.ips[0].address' "$REC.cni-$name.json")"
}

cmd_rm() { # NAME
  local name=$1 tpid
  tpid=$(task_pid "$name")
  if [[ -n $tpid ]]; then cni DEL "$name" "/proc/$tpid/ns/net" >/dev/null 2>&1 || true; fi
  in_ns ctr task kill -s KILL "$name" >/dev/null 2>&1 || true
  for _ in $(seq 50); do in_ns ctr task ls | grep -q "^$name .*RUNNING" || break; sleep 0.1; done
  in_ns ctr task delete "$name" >/dev/null 2>&1 || true
  in_ns ctr container delete "$name" >/dev/null
  rm -f "$REC.cni-$name.json"
}

cmd_clean() {
  [[ -e $1 ]] || return 0
  rk_load "$1"
  rk_kill
  rm -rf "$XDG/containerd" "$HOME_/.local/share/containerd" "$HOME_/.local/share/cni" \
    "$HOME_/.config/containerd" "$REC.child.sh" "$REC".cni-*.json
  rk_forget
}

case ${1:-} in
  start) shift; (($# >= 2)) || die "usage: start USER REC [RKDIR]"; cmd_start "$@" ;;
  ctr) rk_load "$2"; shift 2; in_ns ctr "$@" ;;
  nsexec) rk_load "$2"; shift 2; in_ns -n "$@" ;;
  netns) rk_load "$2"; netns_path ;;
  run) rk_load "$2"; shift 2; cmd_run "$@" ;;
  rm) rk_load "$2"; cmd_rm "$3" ;;
  pids) rk_load "$2"; rk_pids ;;
  signal) (($# >= 3)) || die "usage: signal REC SIG [SECS]"; rk_load "$2"; rk_signal "$3" "${4:-30}" ;;
  left) rk_load "$2"; rk_left ;;
  clean) cmd_clean "$2" ;;
  *) sed -n '3,26p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
