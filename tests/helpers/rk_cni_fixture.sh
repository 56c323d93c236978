#!/usr/bin/env bash
# The stack the seed took apart, built from Debian's parts: RootlessKit + slirp4netns with
# tap0 10.0.2.100/24 (MTU 65520), and inside RootlessKit's child netns one "container" netns
# joined to bridge nerdctl0 10.4.0.0/24 by the CNI bridge + host-local plugins with
# nerdctl's settings (docs/facts-rootlesskit.md#nerdctl-on-rootlesskit,
# docs/facts-cni.md#nerdctl-default-network).
# Debian's rootlesskit 1.1.0 has no --detach-netns: the child's own netns plays that part.
#
#   rk_cni_fixture.sh start DIR   run as the user who owns the stack; when it returns,
#                                 DIR holds rk_pid (RootlessKit parent), child_pid (its
#                                 child, in the child netns), slirp_pid, ctr_pid (a process
#                                 in the container netns), cni_result.json
#   rk_cni_fixture.sh stop DIR    CNI DEL, then ends the PIDs it started; idempotent
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?fixture dir}

cni_conf() { # the bridge plugin config, as nerdctl writes it (nerdctl-bridge.conflist)
  cat <<EOF
{"cniVersion":"1.0.0","name":"bridge","type":"bridge","bridge":"nerdctl0",
 "isGateway":true,"ipMasq":true,"hairpinMode":true,
 "ipam":{"type":"host-local","routes":[{"dst":"0.0.0.0/0"}],
         "ranges":[[{"subnet":"10.4.0.0/24","gateway":"10.4.0.1"}]],"dataDir":"$dir/cni"}}
EOF
}

# inside_child CMD...: run CMD in RootlessKit's child user, mount and net namespaces
inside_child() {
  nsenter -t "$(cat "$dir/child_pid")" -U -m -n --preserve-credentials -- "$@"
}

start() {
  mkdir -p "$dir/state" "$dir/cni"
  cni_conf >"$dir/cni.json"
  # The child: a container netns (unshare -n, by PID), CNI ADD into it, then wait.
  cat >"$dir/child.sh" <<EOF
set -e
echo \$\$ >"$dir/child_pid.tmp"
unshare -n sleep infinity &
echo \$! >"$dir/ctr_pid"
for _ in \$(seq 100); do
  [ "\$(readlink /proc/\$!/ns/net)" != "\$(readlink /proc/self/ns/net)" ] && break; sleep 0.05
done
CNI_COMMAND=ADD CNI_CONTAINERID=topo-fixture CNI_NETNS=/proc/\$!/ns/net CNI_IFNAME=eth0 \
  CNI_PATH=/usr/lib/cni /usr/lib/cni/bridge <"$dir/cni.json" >"$dir/cni_result.json"
mv "$dir/child_pid.tmp" "$dir/child_pid"
exec sleep infinity
EOF
  setsid rootlesskit --net=slirp4netns --mtu=65520 --copy-up=/etc --copy-up=/run \
    --port-driver=builtin --state-dir="$dir/state" sh "$dir/child.sh" \
    >"$dir/rk.log" 2>&1 </dev/null &
  echo $! >"$dir/rk_pid"
  for _ in $(seq 200); do
    [[ -s $dir/child_pid ]] && break
    kill -0 "$(cat "$dir/rk_pid")" 2>/dev/null || { cat "$dir/rk.log" >&2; return 1; }
    sleep 0.05
  done
  [[ -s $dir/child_pid ]] || { echo "fixture: CNI ADD did not finish" >&2; cat "$dir/rk.log" >&2; return 1; }
  pgrep -P "$(cat "$dir/rk_pid")" -x slirp4netns >"$dir/slirp_pid"
}

stop() {
  [[ -d $dir ]] || return 0
  if [[ -s $dir/child_pid && -s $dir/ctr_pid ]] && kill -0 "$(cat "$dir/ctr_pid")" 2>/dev/null; then
    jq --slurpfile r "$dir/cni_result.json" '. + {prevResult: $r[0]}' "$dir/cni.json" |
      CNI_COMMAND=DEL CNI_CONTAINERID=topo-fixture CNI_NETNS="/proc/$(cat "$dir/ctr_pid")/ns/net" \
        CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni inside_child /usr/lib/cni/bridge || true
  fi
  local f pid
  for f in ctr_pid child_pid rk_pid slirp_pid; do
    [[ -s $dir/$f ]] || continue
    pid=$(cat "$dir/$f")
    kill "$pid" 2>/dev/null || true
  done
  if [[ -s $dir/rk_pid ]]; then
    for _ in $(seq 100); do kill -0 "$(cat "$dir/rk_pid")" 2>/dev/null || break; sleep 0.05; done
  fi
  rm -rf "$dir"
}

"$cmd"
