#!/usr/bin/env bash
# Memory of a running idle nest, side by side, both rootless as nntest:
#   netnest      every process of the nest: the daemon (child_pid) and the engine (engine_pid)
#   rootlesskit  `rootlesskit --net=slirp4netns --port-driver=builtin --disable-host-loopback
#                sleep infinity` (Debian's 1.1.0 has no --detach-netns): parent, child and
#                slirp4netns, not the sleep it runs (about 22 MB in docs/benchmarks.md#goals)
# RSS is summed from /proc/PID/status VmRSS, PSS from /proc/PID/smaps_rollup (proc(5)).
# Run by bench/run (as root); nothing is sent anywhere.
# shellcheck disable=SC2086 # PID lists are words, split on purpose
set -uo pipefail
: "${NETNEST:?run through bench/run}"
source "$NN_ROOT/tests/helpers/common.bash"
nest=benchmem$$
rkpid=
cleanup() {
  as_user "$NETNEST" down --nest "$nest" >/dev/null 2>&1
  [[ -n ${top:-} ]] && kill "$top" 2>/dev/null
  [[ -n $rkpid ]] && wait "$rkpid" 2>/dev/null
}
trap cleanup EXIT

# descendants PID: PID and every process below it
descendants() {
  local p=$1 c
  echo "$p"
  for c in $(pgrep -P "$p"); do descendants "$c"; done
}

# sum_kb FIELD PIDS...: sum of a kB field over the processes (Rss from status, Pss from smaps_rollup)
sum_kb() {
  local field=$1 p total=0 v; shift
  for p in "$@"; do
    if [[ $field == Pss ]]; then
      v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
    else
      v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null)
    fi
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

as_user "$NETNEST" up -d --nest "$nest" || exit 1
state=/run/user/$(id -u "$NN_USER")/netnest/$nest
sleep 1 # idle
nn_pids=$(descendants "$(cat "$state/child_pid")")
nn_rss=$(sum_kb Rss $nn_pids)
nn_pss=$(sum_kb Pss $nn_pids)
# the same nest right after three `run -- true`, and 3 s later (the daemon gives back, once
# idle for 2 s, what the requests mapped: docs/benchmarks.md)
for _ in 1 2 3; do as_user "$NETNEST" run --nest "$nest" -- true; done
busy_rss=$(sum_kb Rss $nn_pids) busy_pss=$(sum_kb Pss $nn_pids)
sleep 3
calm_rss=$(sum_kb Rss $nn_pids) calm_pss=$(sum_kb Pss $nn_pids)

as_user rootlesskit --net=slirp4netns --port-driver=builtin --disable-host-loopback \
  sleep infinity 2>/dev/null &
rkpid=$!
wait_for pgrep -u "$NN_USER" -x slirp4netns
sleep 1
# $! is the shell running as_user; below it runuser, then the rootlesskit parent
top=$(for p in $(descendants "$rkpid"); do
  [[ $(cat "/proc/$p/comm" 2>/dev/null) == rootlesskit ]] && echo "$p"; done | head -1)
rk_pids=$(for p in $(descendants "$top"); do
  [[ $(cat "/proc/$p/comm" 2>/dev/null) != sleep ]] && echo "$p"; done)
rk_rss=$(sum_kb Rss $rk_pids)
rk_pss=$(sum_kb Pss $rk_pids)

printf 'netnest idle nest (%d processes)            RSS %6d kB   PSS %6d kB\n' \
  "$(wc -w <<<"$nn_pids")" "$nn_rss" "$nn_pss"
printf '  right after 3 x run -- true                RSS %6d kB   PSS %6d kB\n' "$busy_rss" "$busy_pss"
printf '  3 s after                                  RSS %6d kB   PSS %6d kB\n' "$calm_rss" "$calm_pss"
printf 'rootlesskit + slirp4netns (%d processes)    RSS %6d kB   PSS %6d kB\n' \
  "$(wc -w <<<"$rk_pids")" "$rk_rss" "$rk_pss"
awk -v a="$rk_rss" -v b="$nn_rss" -v c="$rk_pss" -v d="$nn_pss" 'BEGIN {
  printf "rootlesskit / netnest: RSS %.1fx, PSS %.1fx (goal: netnest at most 4 MB)\n", a / b, c / d }'
