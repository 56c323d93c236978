#!/usr/bin/env bash
# Rootless Docker on netnest and on Debian's rootlesskit + slirp4netns, side by side in one
# run (issue 7 "Performance"): Debian's docker.io 20.10 and its unchanged dockerd-rootless.sh
# as the test user nntest, with DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS=--disable-host-loopback=false
# so that a container can reach the host's 127.0.0.1 through 10.0.2.2; one start per side
# (tests/helpers/rootless_docker.sh) in each of PASSES (4) passes, the order of the sides
# swapped every pass (this 2-core machine drifts by 20% within minutes), then:
#   run      `docker run --rm IMAGE true`, RUNS (5) per pass after one warm-up: the median of
#            PASSES x RUNS
#   c->host  iperf3 in a container to 10.0.2.2:P, an iperf3 server on the host's 127.0.0.1
#            (docker0 at MTU 1500, then the engine), -t DURATION, ROUNDS (1) per pass
#   host->p  iperf3 on the host to 127.0.0.1:P published with -p 127.0.0.1:P:5201, median
#   memory   RSS and PSS of the network stack's processes with that container running:
#            rootlesskit parent + child + slirp4netns + rootlesskit-docker-proxy, against
#            netnest's parent + daemon + engine + child + rootlesskit-docker-proxy
#            (docker-proxy, dockerd and containerd are Docker's, the same on both sides)
# A failure on either side (RootlessKit 1.1's occasional ".bp.sock: connection reset by
# peer" on a published port, a start that does not come up) is retried up to 3 times,
# counted and reported; the other rows go on.
# Run by bench/run (as root), which sets NN_RKDIR; traffic stays on loopback and docker0.
#   PASSES=4 RUNS=5 DURATION=5 ROUNDS=1 bash bench/run docker
set -uo pipefail
: "${NETNEST:?run through bench/run}" "${NN_RKDIR:?run through bench/run}"
source "$NN_ROOT/tests/helpers/common.bash"
source "$NN_ROOT/bench/timing.bash"
PASSES=${PASSES:-4}
RUNS=${RUNS:-5}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-1}
IMG=netnest-test:latest
RD="$NN_ROOT/tests/helpers/rootless_docker.sh"
WORK=$(mktemp -d /tmp/netnest-bench-docker.XXXXXX)
chmod 0755 "$WORK"
REC=$WORK/docker.rec
srv=

cleanup() {
  bash "$RD" clean "$REC" >/dev/null 2>&1
  [[ -n $srv ]] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

dk() { timeout $((DURATION + 60)) bash "$RD" docker "$REC" "$@"; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "-"}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }

# note SIDE TEXT: a failure worth reporting, kept for the summary
note() { echo "$1: $2" >>"$WORK/notes"; }

# try SIDE WHAT CMD...: CMD, retried up to 3 times; its stdout on success; each failure noted
try() {
  local side=$1 what=$2 i out
  shift 2
  for i in 1 2 3; do
    if out=$("$@" 2>"$WORK/err"); then
      printf '%s\n' "$out"
      return 0
    fi
    note "$side" "$what, try $i: $(tr '\n' ' ' <"$WORK/err" | cut -c1-200)"
  done
  return 1
}

# ms CMD...: wall time of CMD in milliseconds (CMD's output dropped), fails with CMD
ms() {
  local t0 t1
  now_us t0
  "$@" >/dev/null || return 1
  now_us t1
  echo $(((t1 - t0) / 1000))
}

# iperf_gbps JSON_TEXT: received Gbps (iperf3 -J), fails on an error report
iperf_gbps() { jq -e '.end.sum_received.bits_per_second / 1e9 * 100 | round / 100' <<<"$1"; }

c_to_host() { # one container -> host run
  local out
  out=$(dk run --rm --pull=never "$IMG" iperf3 -c 10.0.2.2 -p "$p_host" -t "$DURATION" -J) || return 1
  iperf_gbps "$out"
}

host_to_port() { # one host -> published port run
  local out
  out=$(timeout $((DURATION + 30)) iperf3 -c 127.0.0.1 -p "$p_pub" -t "$DURATION" -J) || return 1
  iperf_gbps "$out"
}

# stack_kb SIDE: "RSS PSS N" in kB over the network stack's processes
stack_kb() {
  local p comm rss=0 pss=0 n=0 v
  for p in $(bash "$RD" pids "$REC"); do
    comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    case $comm in
      rootlesskit | exe | slirp4netns | netnest | netnest-engine | rootlesskit-doc*) ;;
      *) continue ;;
    esac
    v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null)
    rss=$((rss + ${v:-0}))
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
    pss=$((pss + ${v:-0}))
    n=$((n + 1))
    echo "$comm ${v:-0} $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null)" >>"$WORK/$1.procs"
  done
  echo "$rss $pss $n"
}

# measure SIDE RKDIR: every row for one side, added to $WORK/SIDE.*
measure() {
  local side=$1 rkdir=$2 i t
  : >"$WORK/$side.procs" # the last pass's
  if ! try "$side" "start" env DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS=--disable-host-loopback=false \
    bash "$RD" start "$NN_USER" "$REC" "$rkdir" >/dev/null; then
    bash "$RD" clean "$REC" >/dev/null 2>&1
    return
  fi
  try "$side" "import" dk import --change 'CMD ["/bin/sh"]' "$WORK/rootfs.tar" "$IMG" >/dev/null
  dk run --rm --pull=never "$IMG" true >/dev/null 2>&1 # warm-up
  for i in $(seq "$RUNS"); do
    t=$(try "$side" "run true" ms dk run --rm --pull=never "$IMG" true) && echo "$t" >>"$WORK/$side.run"
  done
  for i in $(seq "$ROUNDS"); do
    try "$side" "container -> host iperf3" c_to_host >>"$WORK/$side.c2h"
  done
  if try "$side" "run -d -p 127.0.0.1:$p_pub:5201" dk run -d --pull=never \
    -p "127.0.0.1:$p_pub:5201" "$IMG" iperf3 -s -p 5201 >/dev/null; then
    wait_for sh -c "ss -Htln 'sport = :$p_pub' | grep -q ."
    sleep 0.5
    for i in $(seq "$ROUNDS"); do
      try "$side" "host -> published port iperf3" host_to_port >>"$WORK/$side.h2p"
    done
    stack_kb "$side" >>"$WORK/$side.mem"
  fi
  bash "$RD" clean "$REC" >/dev/null 2>&1
}

bash "$NN_ROOT/tests/helpers/docker_image.sh" rootfs "$WORK" >/dev/null || exit 1
p_host=$(free_port) && p_pub=$(free_port) || exit 1
# the host side of container -> host: an iperf3 server on the host's loopback only
iperf3 -s -B 127.0.0.1 -p "$p_host" >/dev/null 2>&1 3>&- &
srv=$!
wait_for sh -c "ss -Htln 'sport = :$p_host' | grep -q ."

for s in netnest rootlesskit; do : >"$WORK/$s.run"; : >"$WORK/$s.c2h"; : >"$WORK/$s.h2p"; : >"$WORK/$s.mem"; done
for pass in $(seq "$PASSES"); do
  if ((pass % 2)); then
    measure netnest "$NN_RKDIR"; measure rootlesskit ""
  else
    measure rootlesskit ""; measure netnest "$NN_RKDIR"
  fi
done

row() { # LABEL UNIT NN RK BETTER(lower|higher)
  local r
  if [[ $5 == lower ]]; then r=$(div "$4" "$3"); else r=$(div "$3" "$4"); fi
  printf '%-44s %12s %12s   %sx\n' "$1" "$3${3:+ $2}" "$4${4:+ $2}" "$r"
}
mem() { # SIDE FIELD(1 RSS, 2 PSS): the median over the passes, MB
  [[ -s $WORK/$1.mem ]] && awk -v f="$2" '{print $f / 1024}' "$WORK/$1.mem" | median |
    awk '{printf "%.1f", $1}'
}
printf '%-44s %12s %12s   %s\n' "rootless Docker (median)" netnest rootlesskit "netnest ahead by"
row "docker run --rm IMAGE true ($((PASSES * RUNS)) runs)" ms "$(median <"$WORK/netnest.run")" \
  "$(median <"$WORK/rootlesskit.run")" lower
row "container -> host TCP, 10.0.2.2 (x$((PASSES * ROUNDS)))" Gbps "$(median <"$WORK/netnest.c2h")" \
  "$(median <"$WORK/rootlesskit.c2h")" higher
row "host -> published port TCP (x$((PASSES * ROUNDS)))" Gbps "$(median <"$WORK/netnest.h2p")" \
  "$(median <"$WORK/rootlesskit.h2p")" higher
row "network stack RSS, one published port" MB "$(mem netnest 1)" "$(mem rootlesskit 1)" lower
row "network stack PSS, one published port" MB "$(mem netnest 2)" "$(mem rootlesskit 2)" lower
for s in netnest rootlesskit; do
  # lines "COMM PSS RSS" (kB): per command, how many and their RSS
  echo "$s processes (RSS): $(sort "$WORK/$s.procs" | awk '
    { n[$1]++; r[$1] += $3 } END { for (c in n) printf "%s x%d %.1f MB; ", c, n[c], r[c] / 1024 }')"
done
echo "iperf3 -t $DURATION; runs done: netnest $(wc -l <"$WORK/netnest.run")/$((PASSES * RUNS)), rootlesskit $(wc -l <"$WORK/rootlesskit.run")/$((PASSES * RUNS))"
if [[ -s $WORK/notes ]]; then
  echo "failures (retried up to 3 times):"
  sed 's/^/  /' "$WORK/notes"
fi
echo "goal: netnest ahead on every row, with at most half the memory (issue 7: rootlesskit measured 328 ms, 0.63 Gbps, 8.38 Gbps, 28.7 MB)"
