#!/usr/bin/env bash
# A nest cycle of two builds, alternated in one run, with the anchor between them: as nntest,
# round after round, one each of
#   after        `netnest up -d` + `netnest run -- true` + `netnest down` of this build
#   before       the same with $NN_BEFORE, another build's netnest binary
#   rootlesskit  `rootlesskit --net=slirp4netns --port-driver=builtin true` (bench/startup.sh)
# so the machine's load moves all three alike; prints the medians of $N rounds and the ratios.
#   NN_BEFORE=/path/to/old/build/netnest bash bench/run cycle_ab
# Run by bench/run (as root); nothing is sent anywhere.
set -uo pipefail
: "${NETNEST:?run through bench/run}" "${NN_BEFORE:?NN_BEFORE=the netnest binary of the other build}"
source "$NN_ROOT/tests/helpers/common.bash"
source "$NN_ROOT/bench/timing.bash"
N=${N:-30}
nest=benchab$$
tmp=$(mktemp -d /tmp/netnest-bench-ab.XXXXXX)
chmod 0777 "$tmp"
cleanup() {
  as_user "$NETNEST" down --nest "$nest" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

# one script as the user, so each time is the commands' own (no runuser in it): "name ms"
{ declare -f now_us; cat <<'LOOP'
set -u
cycle() { "$1" up -d --nest "$2" && "$1" run --nest "$2" -- true && "$1" down --nest "$2"; }
ms() { local a b; now_us a; "$@" >/dev/null 2>&1 || return 1; now_us b
  echo $((b - a)); }
for ((i = 0; i < N + 3; i++)); do
  a=$(ms cycle "$AFTER" "$NEST") b=$(ms cycle "$BEFORE" "$NEST")
  r=$(ms rootlesskit --net=slirp4netns --port-driver=builtin true)
  ((i < 3)) && continue # warm-up
  echo "after ${a:-fail}"; echo "before ${b:-fail}"; echo "rootlesskit ${r:-fail}"
done
LOOP
} >"$tmp/loop.sh"
as_user env N="$N" AFTER="$NETNEST" BEFORE="$NN_BEFORE" NEST="$nest" bash "$tmp/loop.sh" \
  > "$tmp/times" || exit 1
# median NAME: of the runs that did not fail, in ms
median() {
  awk -v n="$1" '$1 == n && $2 != "fail" { print $2 / 1000 }' "$tmp/times" | sort -n |
    awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'
}
failed() { awk -v n="$1" '$1 == n && $2 == "fail"' "$tmp/times" | wc -l; }
a=$(median after) b=$(median before) r=$(median rootlesskit)
for w in after before rootlesskit; do
  printf '%-12s median %7.1f ms of %d rounds (%d failed)\n' "$w" "$(median "$w")" "$N" "$(failed "$w")"
done
awk -v a="$a" -v b="$b" -v r="$r" 'BEGIN {
  printf "after is %.2fx before; against rootlesskit: after %.2fx, before %.2fx (goal: 10x)\n",
    b / a, r / a, r / b }'
