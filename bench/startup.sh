#!/usr/bin/env bash
# Start-up cost of a whole nest, side by side, both rootless as nntest (median of $N runs,
# hyperfine, each command through the same shell):
#   netnest      `netnest up -d` + `netnest run -- true` + `netnest down`
#   rootlesskit  `rootlesskit --net=slirp4netns --port-driver=builtin true` (the anchor:
#                39-64 ms when the goal was set, docs/benchmarks.md#goals)
# If `netnest run` does not work in this build, up + down alone is measured and the line
# says so.  Run by bench/run (as root); nothing is sent anywhere.
set -uo pipefail
: "${NETNEST:?run through bench/run}"
source "$NN_ROOT/tests/helpers/common.bash"
N=${N:-30}
nest=benchstart$$
tmp=$(mktemp -d /tmp/netnest-bench-start.XXXXXX)
chmod 0777 "$tmp"
cleanup() {
  as_user "$NETNEST" down --nest "$nest" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

what="up -d + run true + down"
cmd="$NETNEST up -d --nest $nest && $NETNEST run --nest $nest -- true && $NETNEST down --nest $nest"
if ! as_user sh -c "$cmd" >/dev/null 2>&1; then
  as_user "$NETNEST" down --nest "$nest" >/dev/null 2>&1
  what="up -d + down (netnest run failed in this build)"
  cmd="$NETNEST up -d --nest $nest && $NETNEST down --nest $nest"
fi

# -i: a failed start (Debian's rootlesskit 1.1 fails about 1 in 30 here with ".bp.sock:
# connection reset by peer") is counted and left out of the median, never an abort
as_user hyperfine -N -i --style basic --warmup 3 --runs "$N" \
  --export-json "$tmp/nn.json" "sh -c '$cmd'" >/dev/null || exit 1
as_user hyperfine -N -i --style basic --warmup 3 --runs "$N" \
  --export-json "$tmp/rk.json" \
  "sh -c 'rootlesskit --net=slirp4netns --port-driver=builtin true 2>>$tmp/rk.err'" \
  >/dev/null || exit 1
# median_ok FILE: the median in ms of the runs that exited 0; failed FILE: how many did not
median_ok() {
  jq '.results[0] | [.times, .exit_codes] | transpose | map(select(.[1] == 0) | .[0]) | sort
      | if length == 0 then 0 else .[length / 2 | floor] * 1000 end' "$1"
}
failed() { jq '[.results[0].exit_codes[] | select(. != 0)] | length' "$1"; }

# where the time goes: one exec of netnest (dynamic loading of its libraries) against /bin/true
as_user hyperfine -N --style basic --warmup 3 --runs "$N" \
  --export-json "$tmp/exec.json" "$NETNEST --version" "true" >/dev/null || exit 1

nn=$(median_ok "$tmp/nn.json")
rk=$(median_ok "$tmp/rk.json")
printf 'netnest %-48s median %8.1f ms (%d of %d runs failed)\n' "($what)" "$nn" \
  "$(failed "$tmp/nn.json")" "$N"
printf 'rootlesskit --net=slirp4netns true %-26s median %8.1f ms (%d of %d runs failed)\n' "" \
  "$rk" "$(failed "$tmp/rk.json")" "$N"
if (($(failed "$tmp/rk.json"))); then
  echo "rootlesskit's own failures (its stderr, once each):"
  grep -o 'error: .*' "$tmp/rk.err" | sort | uniq -c | head -n 5 || true
fi
awk -v a="$rk" -v b="$nn" 'BEGIN { printf "netnest is %.1fx faster (goal: at least 10x)\n", a / b }'
printf 'of which each of the 3 netnest execs: netnest --version median %.1f ms, true %.1f ms\n' \
  "$(jq '.results[0].median * 1000' "$tmp/exec.json")" "$(jq '.results[1].median * 1000' "$tmp/exec.json")"
