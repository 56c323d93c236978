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
# Then, at $LEVELS sandboxes alive at once (default 1 100 1000, in a --subnet $SUBNET22 nest):
#   netnest   `netnest run -- true` (hyperfine, $RUNS runs, median), the nest's pool warm;
#             the daemon's RSS, and per sandbox; `run -d` of the 1st against the last
#   CNI       nerdctl's chain (bridge with ipMasq and hairpinMode + host-local, portmap with
#             one port, firewall, tuning; docs/facts-cni.md#nerdctl-default-network) ADD,
#             each plugin exec'd with the previous one's result as libcni does, as root;
#             the time is the four plugin execs ($RUNS_CNI per level, median).  The sandboxes
#             that fill up to a level are made with the same chain up to $CHAIN_FILL_MAX
#             and with bridge + host-local beyond (a full chain is ~0.3 s each).
# Run by bench/run (as root); no traffic is sent anywhere.
set -uo pipefail
: "${NETNEST:?run through bench/run}"
source "$NN_ROOT/tests/helpers/common.bash"
source "$NN_ROOT/bench/timing.bash"
N=${N:-200}                   # a /24 holds 253 leases
SUBNET=${SUBNET:-10.4.0.0/24} # e.g. N=1000 SUBNET=10.4.0.0/22
LEVELS=${LEVELS:-1 100 1000}
SUBNET22=${SUBNET22:-10.4.0.0/22}
RUNS=${RUNS:-30}
RUNS_CNI=${RUNS_CNI:-5}
CHAIN_FILL_MAX=${CHAIN_FILL_MAX:-100}
tmp=$(mktemp -d /tmp/netnest-bench-join.XXXXXX)
chmod 0755 "$tmp"
nest=benchjoin$$
hostns=nnbench-host$$
cleanup() {
  as_user "$NETNEST" down --nest "$nest" >/dev/null 2>&1
  for i in $(seq "$N"); do ip netns del "nnbench$$-$i" 2>/dev/null; done
  for f in /run/netns/nnlvl"$$"-*; do [[ -e $f ]] && ip netns del "${f##*/}"; done
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
{ declare -f now_us; cat <<'EOF'
n=$1 nest=$2
for i in $(seq "$n"); do
  now_us s
  "$NETNEST" run -d --nest "$nest" --name "b$i" -- sleep 600 >/dev/null 2>&1 || exit 1
  now_us e
  echo $((e - s))
done
EOF
} >"$tmp/run.sh"
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
  now_us s
  CNI_COMMAND=ADD CNI_CONTAINERID="b$i" CNI_NETNS="/run/netns/nnbench$$-$i" CNI_IFNAME=eth0 \
    CNI_PATH=/usr/lib/cni nsenter --net="/run/netns/$hostns" /usr/lib/cni/bridge \
    <"$tmp/bridge.json" >/dev/null || { echo "CNI ADD failed"; exit 1; }
  now_us e
  echo $((e - s))
done >"$tmp/cni.us"
report "CNI bridge + host-local" "$tmp/cni.us"
ratio() { # A B: median of all A / median of all B
  awk -v a="$(median_ms "$1" 1 "$N")" -v b="$(median_ms "$2" 1 "$N")" 'BEGIN{printf "%.1fx", a / b}'
}
echo "CNI bridge + host-local / netnest join: $(ratio "$tmp/cni.us" "$tmp/join.us")"
echo "CNI bridge + host-local / netnest run -d: $(ratio "$tmp/cni.us" "$tmp/netnest.us")"
echo "nerdctl CNI chain (332 ms, docs/facts-cni.md#chain-timing) / netnest join: $(awk -v b="$(median_ms "$tmp/join.us" 1 "$N")" 'BEGIN{printf "%.0fx", 332 / b}')"

# ---- at 1, 100, 1000 sandboxes alive ----
echo
echo "at $LEVELS sandboxes alive (--subnet $SUBNET22); run -- true: median of $RUNS, CNI chain: median of $RUNS_CNI"
as_user "$NETNEST" up -d --nest "$nest" --subnet "$SUBNET22" || exit 1
dpid=$(cat "$state/child_pid")
rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$dpid/status"; }
mkdir "$tmp/user" && chown "$NN_USER" "$tmp/user" # hyperfine's results, written as the user
{ declare -f now_us; cat <<'EOF'
from=$1 to=$2 nest=$3
for i in $(seq "$from" "$to"); do
  now_us s
  "$NETNEST" run -d --nest "$nest" --name "l$i" -- sleep 3600 >/dev/null 2>&1 || exit 1
  now_us e
  echo $((e - s))
done
EOF
} >"$tmp/fill.sh"
as_user "$NETNEST" run --nest "$nest" -- true # the pool fills after the first run
alive=0
declare -A nn_med rss cni_med
for l in $LEVELS; do
  if ((l > alive)); then
    as_user bash "$tmp/fill.sh" $((alive + 1)) "$l" "$nest" >>"$tmp/fill.us" ||
      { echo "netnest run -d failed"; exit 1; }
    alive=$l
  fi
  sleep 2 # the pool refilled, the kernel done with the netns of the last exits
  rss[$l]=$(rss_kb)
  as_user hyperfine -N -w 3 -r "$RUNS" --export-json "$tmp/user/h$l.json" \
    "$NETNEST run --nest $nest -- true" >/dev/null 2>&1 || { echo "hyperfine failed"; exit 1; }
  nn_med[$l]=$(jq '.results[0].median * 1000' "$tmp/user/h$l.json")
  printf 'netnest run -- true at %4d alive: %6.2f ms   daemon RSS %6d kB\n' "$l" "${nn_med[$l]}" \
    "${rss[$l]}"
done
first=$(head -1 "$tmp/fill.us") last=$(tail -1 "$tmp/fill.us")
printf 'netnest run -d: 1st %.2f ms, %dth %.2f ms (%.2fx); median of the first 10 %s ms, last 10 %s ms\n' \
  "$(awk -v t="$first" 'BEGIN{print t / 1000}')" "$alive" "$(awk -v t="$last" 'BEGIN{print t / 1000}')" \
  "$(awk -v a="$first" -v b="$last" 'BEGIN{print b / a}')" "$(median_ms "$tmp/fill.us" 1 10)" \
  "$(median_ms "$tmp/fill.us" $((alive - 9)) "$alive")"
read -r lo _ <<<"$LEVELS"
for l in $LEVELS; do
  ((l == lo)) && continue
  printf 'daemon RSS per sandbox, %d -> %d alive: %.1f KiB\n' "$lo" "$l" \
    "$(awk -v a="${rss[$lo]}" -v b="${rss[$l]}" -v n=$((l - lo)) 'BEGIN{print (b - a) / n}')"
done
t0='' t1='' # set by now_us
now_us t0
as_user "$NETNEST" down --nest "$nest" >/dev/null
now_us t1
echo "down with $alive sandboxes alive: $(((t1 - t0) / 1000)) ms"

# --- the CNI chain, as root, into a throwaway host netns ---
ip netns add "nnlvl$$-host"
cat >"$tmp/chain.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "bench", "plugins": [
 {"type": "bridge", "bridge": "nnlvl0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
  "ipam": {"type": "host-local", "dataDir": "$tmp/cnil", "ranges": [[{"subnet": "$SUBNET22"}]],
           "routes": [{"dst": "0.0.0.0/0"}]}},
 {"type": "portmap", "capabilities": {"portMappings": true}},
 {"type": "firewall", "ingressPolicy": "same-bridge"},
 {"type": "tuning"}]}
EOF
# chain_add N: ADD container cN through the four plugins into a new netns, each given the
# previous one's result (prevResult) as libcni does; prints the microseconds of the four execs
chain_add() {
  local prev=null conf out s e us=0 p
  ip netns add "nnlvl$$-$1" || return 1
  for p in bridge portmap firewall tuning; do
    conf=$(jq -c --arg p "$p" --argjson prev "$prev" --argjson port $((20000 + $1)) '
      .name as $n | .cniVersion as $v | .plugins[] | select(.type == $p)
      | . + {name: $n, cniVersion: $v}
      | if $prev != null then . + {prevResult: $prev} else . end
      | if $p == "portmap" then . + {runtimeConfig: {portMappings:
          [{hostPort: $port, containerPort: 80, protocol: "tcp"}]}} else . end' \
      "$tmp/chain.conflist")
    now_us s
    out=$(CNI_COMMAND=ADD CNI_CONTAINERID="c$1" CNI_NETNS="/run/netns/nnlvl$$-$1" CNI_IFNAME=eth0 \
      CNI_PATH=/usr/lib/cni nsenter --net="/run/netns/nnlvl$$-host" "/usr/lib/cni/$p" <<<"$conf") ||
      { echo "CNI $p ADD failed: $out" >&2; return 1; }
    now_us e
    us=$((us + e - s))
    prev=$out
  done
  echo "$us"
}
# bridge_add N: bridge + host-local only (the fill beyond CHAIN_FILL_MAX)
bridge_add() {
  ip netns add "nnlvl$$-$1" || return 1
  jq -c '.plugins[0] + {name: .name, cniVersion: .cniVersion}' "$tmp/chain.conflist" |
    CNI_COMMAND=ADD CNI_CONTAINERID="c$1" CNI_NETNS="/run/netns/nnlvl$$-$1" CNI_IFNAME=eth0 \
      CNI_PATH=/usr/lib/cni nsenter --net="/run/netns/nnlvl$$-host" /usr/lib/cni/bridge >/dev/null
}
alive=0
for l in $LEVELS; do
  while ((alive < l)); do
    alive=$((alive + 1))
    if ((alive <= CHAIN_FILL_MAX)); then chain_add "$alive" >/dev/null; else bridge_add "$alive"; fi ||
      { echo "CNI fill failed"; exit 1; }
  done
  for _ in $(seq "$RUNS_CNI"); do
    alive=$((alive + 1))
    chain_add "$alive" || { echo "CNI chain failed"; exit 1; }
  done >"$tmp/cni$l.us"
  cni_med[$l]=$(median_ms "$tmp/cni$l.us" 1 "$RUNS_CNI")
  printf 'CNI chain ADD at %4d alive: %7.2f ms   / netnest run -- true: %5.1fx\n' "$l" \
    "${cni_med[$l]}" "$(awk -v a="${cni_med[$l]}" -v b="${nn_med[$l]}" 'BEGIN{print a / b}')"
done
