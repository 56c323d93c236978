#!/usr/bin/env bash
# Joining one sandbox to the bridge (lease, veth pair, port of the bridge, address, default
# route), side by side:
#   netnest   `netnest run -d -- sleep` as nntest against a rootless nest: the whole command,
#             from exec of netnest to the sandbox's exec (setns, unshare, bind mounts, POST,
#             veth, lease, addresses, record, pidfd)
#   CNI       Debian's /usr/lib/cni/bridge + host-local (the plugins nerdctl runs; the nerdctl
#             chain adds portmap, firewall, tuning: 332-349 ms,
#             docs/facts-cni.md#chain-timing), as root, ADD into a throwaway netns from a
#             throwaway "nest" netns holding the bridge
# Flatness: the median of the first 10 joins against the median of the last 10 of $N.
# Run by bench/run (as root); no traffic is sent anywhere.
set -uo pipefail
: "${NETNEST:?run through bench/run}"
source "$NN_ROOT/tests/helpers/common.bash"
N=${N:-200}                   # a /24 holds 253 leases
SUBNET=${SUBNET:-10.4.0.0/24} # e.g. N=1000 SUBNET=10.4.0.0/22
tmp=$(mktemp -d /tmp/netnest-bench-join.XXXXXX)
chmod 0755 "$tmp"
nest=benchjoin$$
hostns=nnbench-host$$
cleanup() {
  as_user "$NETNEST" down --nest "$nest" >/dev/null 2>&1
  for i in $(seq "$N"); do ip netns del "nnbench$$-$i" 2>/dev/null; done
  ip netns del "$hostns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# median_ms FILE FROM TO: median of lines FROM..TO (microseconds) in ms
median_ms() {
  sed -n "$2,$3p" "$1" | sort -n | awk '{a[NR]=$1} END{printf "%.2f", a[int((NR+1)/2)]/1000}'
}

report() { # NAME FILE
  printf '%-26s first 10: %7s ms   last 10 (of %d): %7s ms   all: %7s ms\n' "$1" \
    "$(median_ms "$2" 1 10)" "$N" "$(median_ms "$2" $((N - 9)) "$N")" "$(median_ms "$2" 1 "$N")"
}

# --- netnest, rootless ---
as_user "$NETNEST" up -d --nest "$nest" --subnet "$SUBNET" || exit 1
state=/run/user/$(id -u "$NN_USER")/netnest/$nest
cpid=$(cat "$state/child_pid")
# The daemon's join alone: POST a PID whose netns belongs to the nest's user namespace (as
# `netnest run` makes it), timed by curl on the unix socket.
cat >"$tmp/join.sh" <<'EOF'
n=$1 cpid=$2 sock=$3
for i in $(seq "$n"); do
  nsenter -t "$cpid" -U -m --preserve-credentials unshare -n sleep 600 </dev/null >/dev/null 2>&1 &
  pids+=($!)
done
i=0
for p in "${pids[@]}"; do
  i=$((i + 1))
  # before unshare(2) it is still in the host netns, which the daemon refuses
  while [[ $(readlink "/proc/$p/ns/net") == $(readlink /proc/self/ns/net) ]]; do sleep 0.01; done
  t=$(curl -sf -o /dev/null -w '%{time_total}' --unix-socket "$sock" -X POST \
    -d "{\"name\":\"j$i\",\"pid\":$p}" http://netnest/netnest/v1/sandboxes) || exit 1
  awk -v t="$t" 'BEGIN{printf "%d\n", t * 1000000}'
done
EOF
# The whole user-visible command: exec of netnest to the sandbox's exec.
cat >"$tmp/run.sh" <<'EOF'
n=$1 nest=$2
for i in $(seq "$n"); do
  s=$(date +%s%N)
  "$NETNEST" run -d --nest "$nest" --name "b$i" -- sleep 600 >/dev/null 2>&1 || exit 1
  e=$(date +%s%N)
  echo $(((e - s) / 1000))
done
EOF
as_user bash "$tmp/join.sh" "$N" "$cpid" "$state/api.sock" >"$tmp/join.us" ||
  { echo "POST /netnest/v1/sandboxes failed"; exit 1; }
report "netnest join (POST)" "$tmp/join.us"
as_user "$NETNEST" down --nest "$nest" >/dev/null
as_user "$NETNEST" up -d --nest "$nest" --subnet "$SUBNET" || exit 1
as_user bash "$tmp/run.sh" "$N" "$nest" >"$tmp/netnest.us" || { echo "netnest run failed"; exit 1; }
report "netnest run -d (command)" "$tmp/netnest.us"
as_user "$NETNEST" down --nest "$nest" >/dev/null

# --- CNI bridge + host-local, as root ---
ip netns add "$hostns"
cat >"$tmp/bridge.json" <<EOF
{"cniVersion": "1.0.0", "name": "bench", "type": "bridge", "bridge": "nnbench0",
 "isGateway": true, "mtu": 65520,
 "ipam": {"type": "host-local", "dataDir": "$tmp/cni",
          "ranges": [[{"subnet": "$SUBNET"}]],
          "routes": [{"dst": "0.0.0.0/0"}]}}
EOF
for i in $(seq "$N"); do
  ip netns add "nnbench$$-$i"
  s=$(date +%s%N)
  CNI_COMMAND=ADD CNI_CONTAINERID="b$i" CNI_NETNS="/run/netns/nnbench$$-$i" CNI_IFNAME=eth0 \
    CNI_PATH=/usr/lib/cni nsenter --net="/run/netns/$hostns" /usr/lib/cni/bridge \
    <"$tmp/bridge.json" >/dev/null || { echo "CNI ADD failed"; exit 1; }
  e=$(date +%s%N)
  echo $(((e - s) / 1000))
done >"$tmp/cni.us"
report "CNI bridge + host-local" "$tmp/cni.us"
ratio() { # A B: median of all A / median of all B
  awk -v a="$(median_ms "$1" 1 "$N")" -v b="$(median_ms "$2" 1 "$N")" 'BEGIN{printf "%.1fx", a / b}'
}
echo "CNI bridge + host-local / netnest join: $(ratio "$tmp/cni.us" "$tmp/join.us")"
echo "CNI bridge + host-local / netnest run -d: $(ratio "$tmp/cni.us" "$tmp/netnest.us")"
echo "nerdctl CNI chain (332 ms, docs/facts-cni.md#chain-timing) / netnest join: $(awk -v b="$(median_ms "$tmp/join.us" 1 "$N")" 'BEGIN{printf "%.0fx", 332 / b}')"
