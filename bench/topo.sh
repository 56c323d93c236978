#!/usr/bin/env bash
# Topology of 300 netns, each with a veth pair to the host (docs/benchmarks.md#goals):
# netnest topo --json, side by side with a loop of `ip -n NAME -j link` over them and with
# `lsns -t net -J`. Prints how many of the 301 netns (300 + host) each finds, the times,
# and the ratios (medians of $RUNS interleaved runs). Not a test.
# Run as root: bash bench/run topo   (or: NETNEST=build-x/netnest bash bench/topo.sh)
# NN_BEFORE=path/to/an/older/netnest times that one too, in the same interleaved runs,
# and checks that both print the same topo --json (a before/after of one change).
set -euo pipefail
source "${NN_ROOT:-$(dirname "$0")/..}/bench/timing.bash"
N=${N:-300}
RUNS=${RUNS:-5}
NETNEST=${NETNEST:-$(dirname "$0")/../build/netnest}
NN_BEFORE=${NN_BEFORE:-}
pfx=nnb$$x
tmp=$(mktemp -d)

cleanup() {
  for i in $(seq "$N"); do echo "netns del $pfx$i"; done | ip -force -batch - 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

{
  for i in $(seq "$N"); do
    echo "netns add $pfx$i"
    echo "link add $pfx-h$i type veth peer name eth0 netns $pfx$i"
  done
} | ip -batch -

# timed FILE CMD...: append the wall time of one run of CMD to FILE, in microseconds
timed() {
  local f=$1 t0 t1; shift
  now_us t0; "$@" >/dev/null; now_us t1
  echo $((t1 - t0)) >>"$f"
}
median_ms() { sort -n "$1" | awk '{a[NR] = $1} END {printf "%.3f", a[int((NR + 1) / 2)] / 1000}'; }

# the 301 inodes: host + ours
{ stat -L -c %i /proc/1/ns/net 2>/dev/null || stat -L -c %i /proc/self/ns/net
  for i in $(seq "$N"); do stat -L -c %i "/run/netns/$pfx$i"; done; } | sort -u >"$tmp/want"
total=$(wc -l <"$tmp/want")

ip_loop() { for i in $(seq "$N"); do ip -n "$pfx$i" -j link; done; }

"$NETNEST" topo --json >"$tmp/topo.json"
jq '.netns[].ns' "$tmp/topo.json" | sort -u | comm -12 - "$tmp/want" | wc -l >"$tmp/nn_found"
paired=$(jq --arg p "$pfx-h" '[.netns[].interfaces[] | select((.ifname | startswith($p)) and .peer.ifname == "eth0" and .peer.symmetric)] | length' "$tmp/topo.json")
ip_loop | grep -c '"ifname":"eth0"' >"$tmp/ip_found" || true
lsns -t net -J | jq '.namespaces[].ns' | sort -u | comm -12 - "$tmp/want" | wc -l >"$tmp/lsns_found"
if [[ $NN_BEFORE ]]; then
  # the same output, netns for netns (processes elsewhere may come and go between runs)
  same() { "$1" topo --json | jq -c --arg p "$pfx" '.netns[] | select(.names[0] // "" | startswith($p))'; }
  if cmp -s <(same "$NN_BEFORE") <(same "$NETNEST"); then old_same=yes; else old_same=NO; fi
fi

# interleaved, so that load from elsewhere falls on all three alike
for _ in $(seq "$RUNS"); do
  timed "$tmp/t_nn" "$NETNEST" topo --json
  timed "$tmp/t_ip" ip_loop
  timed "$tmp/t_lsns" lsns -t net -J
  [[ -z $NN_BEFORE ]] || timed "$tmp/t_old" "$NN_BEFORE" topo --json
done
t_nn=$(median_ms "$tmp/t_nn") t_ip=$(median_ms "$tmp/t_ip") t_lsns=$(median_ms "$tmp/t_lsns")

printf '%-32s %10s %14s\n' tool "median ms" "netns found"
printf '%-32s %10s %14s\n' "netnest topo --json" "$t_nn" "$(cat "$tmp/nn_found")/$total ($paired veth pairs)"
printf '%-32s %10s %14s\n' "loop of ip -n NAME -j link" "$t_ip" "$(cat "$tmp/ip_found")/$N (named only)"
printf '%-32s %10s %14s\n' "lsns -t net -J" "$t_lsns" "$(cat "$tmp/lsns_found")/$total"
if [[ $NN_BEFORE ]]; then
  t_old=$(median_ms "$tmp/t_old")
  printf '%-32s %10s %14s\n' "older netnest topo --json" "$t_old" "same netns output: $old_same"
  awk -v a="$t_ip" -v b="$t_old" 'BEGIN { printf "the older netnest topo is %.1fx faster than the ip loop\n", a / b }'
fi
awk -v a="$t_ip" -v b="$t_nn" -v c="$t_lsns" 'BEGIN {
  printf "netnest topo is %.1fx faster than the ip loop (goal >= 50x), %.2fx the time of lsns\n", a / b, b / c }'
