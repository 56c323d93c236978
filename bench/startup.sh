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

as_user hyperfine -N --style basic --warmup 3 --runs "$N" \
  --export-json "$tmp/nn.json" "sh -c '$cmd'" >/dev/null || exit 1
as_user hyperfine -N --style basic --warmup 3 --runs "$N" \
  --export-json "$tmp/rk.json" \
  "rootlesskit --net=slirp4netns --port-driver=builtin true" >/dev/null || exit 1

# where the time goes: one exec of netnest (dynamic loading of its libraries) against /bin/true
as_user hyperfine -N --style basic --warmup 3 --runs "$N" \
  --export-json "$tmp/exec.json" "$NETNEST --version" "true" >/dev/null || exit 1

nn=$(jq '.results[0].median * 1000' "$tmp/nn.json")
rk=$(jq '.results[0].median * 1000' "$tmp/rk.json")
printf 'netnest %-48s median %8.1f ms\n' "($what)" "$nn"
printf 'rootlesskit --net=slirp4netns true %-26s median %8.1f ms\n' "" "$rk"
awk -v a="$rk" -v b="$nn" 'BEGIN { printf "netnest is %.1fx faster (goal: at least 10x)\n", a / b }'
printf 'of which each of the 3 netnest execs: netnest --version median %.1f ms, true %.1f ms\n' \
  "$(jq '.results[0].median * 1000' "$tmp/exec.json")" "$(jq '.results[1].median * 1000' "$tmp/exec.json")"
