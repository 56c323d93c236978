#!/usr/bin/env bash
# Namespace discovery (docs/benchmarks.md#goals, "lsns -t net finds 1 of 301"): 300 netns held
# only by bind mounts in /run/netns, one held only by an open fd, one held only by a bind
# mount in a private mount namespace. netnest ls side by side with lsns, as root and as the
# test user. Prints how many of the 302 each finds and the median times. Not a test.
# Run as root: bash bench/run ls (or NETNEST=... bash bench/ls.sh)
set -euo pipefail
source "${NN_ROOT:-$(dirname "$0")/..}/bench/timing.bash"
N=${N:-300}
RUNS=${RUNS:-5}
NETNEST=${NETNEST:-$(dirname "$0")/../build/netnest}
pfx=nnl$$x
tmp=$(mktemp -d)
chmod 0755 "$tmp"
pids=()

cleanup() {
  exec 2>/dev/null # bash reports each killed sleeper as "Killed"; nothing else is said here
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait || true
  for i in $(seq "$N"); do echo "netns del $pfx$i"; done | ip -force -batch - 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

for i in $(seq "$N"); do echo "netns add $pfx$i"; done | ip -batch -
# held by fd 7 of a sleeper only
unshare -n sleep 1000 3>&- & x=$!; pids+=("$x")
while [ "$(stat -L -c %i /proc/$x/ns/net)" = "$(stat -L -c %i /proc/self/ns/net)" ]; do sleep 0.05; done
bash -c "exec 7</proc/$x/ns/net; exec sleep 1000" 3>&- & h=$!; pids+=("$h")
while [ ! -e /proc/$h/fd/7 ]; do sleep 0.05; done
kill $x
# held by a bind mount in a private mount ns only
: >"$tmp/pin"
# shellcheck disable=SC2016 # the inner bash expands them
unshare -m --propagation private bash -c '
  unshare -n sleep 1000 & x=$!
  while [ "$(stat -L -c %i /proc/$x/ns/net)" = "$(stat -L -c %i /proc/self/ns/net)" ]; do sleep 0.05; done
  mount --bind /proc/$x/ns/net "$0/pin"; kill $x; wait $x; exec sleep 1000' "$tmp" 3>&- & m=$!
pids+=("$m")
while ! grep -q " $tmp/pin " /proc/$m/mountinfo 2>/dev/null; do sleep 0.05; done
sleep 0.2

{ for i in $(seq "$N"); do stat -L -c %i "/run/netns/$pfx$i"; done
  stat -L -c %i "/proc/$h/fd/7"; stat -L -c %i "/proc/$m/root$tmp/pin"; } | sort -u >"$tmp/want"
total=$(wc -l <"$tmp/want")

median_ms() {
  local t0 t1
  for _ in $(seq "$RUNS"); do
    now_us t0; "$@" >/dev/null; now_us t1
    echo $((t1 - t0))
  done | sort -n | awk '{a[NR] = $1} END {printf "%.3f", a[int((NR + 1) / 2)] / 1000}'
}
found() { jq '.namespaces[].ns' | sort -u | comm -12 - "$tmp/want" | wc -l; }
as_user() { runuser -u nntest -- env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="/run/user/$(id -u nntest)" "$@"; }

printf '%-34s %10s %12s\n' tool "median ms" "found"
printf '%-34s %10s %12s\n' "netnest ls -t net --json (root)" \
  "$(median_ms "$NETNEST" ls -t net --json)" "$("$NETNEST" ls -t net --json | found)/$total"
printf '%-34s %10s %12s\n' "lsns -t net -J (root)" \
  "$(median_ms lsns -t net -J)" "$(lsns -t net -J | found)/$total"
printf '%-34s %10s %12s\n' "netnest ls --json (root, all types)" \
  "$(median_ms "$NETNEST" ls --json)" "-"
printf '%-34s %10s %12s\n' "netnest ls -t net --json (nntest)" \
  "$(median_ms as_user "$NETNEST" ls -t net --json)" "$(as_user "$NETNEST" ls -t net --json | found)/$total"
printf '%-34s %10s %12s\n' "lsns -t net -J (nntest)" \
  "$(median_ms as_user lsns -t net -J)" "$(as_user lsns -t net -J | found)/$total"
