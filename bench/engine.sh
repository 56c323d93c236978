#!/usr/bin/env bash
# Sandbox -> host TCP through each user-mode engine (issue 9 "Performance"), at MTU 65520
# and at MTU 1500, side by side in one run: iperf3 -c 10.0.2.2 -t DURATION from
#   netnest            a sandbox of `netnest up --mtu M` (the built-in libslirp engine)
#   --net slirp4netns  the same, Debian's slirp4netns as the engine
#   --net pasta        the same, Debian's pasta as the engine
#   rootlesskit        Debian's rootlesskit --net=slirp4netns --mtu=M alone, iperf3 in its
#                      child's netns
#   nerdctl-style      (MTU 1500 rows only) rootlesskit + slirp4netns at MTU 65520 and a
#                      container netns on CNI bridge nerdctl0 at MTU 1500 (bridge +
#                      host-local plugins, nerdctl's settings: tests/helpers/rk_cni_fixture.sh)
# against iperf3 -c 127.0.0.1 (host loopback).  Every system's 10.0.2.2 is the host's
# 127.0.0.1 (host loopback allowed), where one iperf3 server listens.
# "The host" is a scratch netns this script makes: lo, and an uplink that leads nowhere
# (a veth pair with both ends in it, 198.51.100.1/24, default route via .254, nothing
# behind it; this kernel may lack the dummy driver): no engine can reach the real network,
# and pasta finds the default route it needs.  ROUNDS rounds, the systems interleaved in
# each; prints the median Gbps, x loopback, and netnest / slirp4netns at the same MTU
# (goals: 1.5x at 65520, 3x at 1500).  A system that fails to start or to run is reported
# as "failed" and the others go on.
# NN_BEFORE=PATH adds a row "netnest before": the built-in engine of another netnest binary
# (an older build), for before/after figures in the same run.
# Run as root (bench/run); everything rootless runs as the test user nntest.
#   DURATION=4 ROUNDS=3 MTUS="65520 1500" [NN_BEFORE=old/netnest] bash bench/run engine
set -uo pipefail
: "${NETNEST:?run through bench/run}"
cd "$(dirname "$0")/.." || exit 1
source tests/helpers/common.bash
source tests/helpers/spawn.bash
DURATION=${DURATION:-4}
ROUNDS=${ROUNDS:-3}
MTUS=${MTUS:-65520 1500}
H=$(unique_name nnbeng)
TMP=$(mktemp -d /tmp/netnest-bench-engine.XXXXXX)
chmod 0755 "$TMP"
RUN=$TMP/run
mkdir "$RUN" && chown "$NN_USER:" "$RUN"
NESTS=()  # nests this script started
FIXES=()  # rk_cni_fixture.sh dirs

cleanup() {
  local n f
  nests_down
  for f in "${FIXES[@]}"; do as_user bash tests/helpers/rk_cni_fixture.sh stop "$f" >/dev/null 2>&1; done
  spawned_kill
  wait 2>/dev/null
  ip netns del "$H" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

# nests_down: down every nest in NESTS ("BINARY NAME" each), with the binary that made it
nests_down() {
  local b n
  for b in "${NESTS[@]}"; do
    n=${b##* }
    as_user -n "$H" "${b% *}" down --nest "$n" >/dev/null 2>&1
  done
  NESTS=()
}

scratch_host "$H" || exit 1
# spawn_h NAME CMD...: spawn (tests/helpers/spawn.bash), in the scratch host netns
spawn_h() {
  local name=$1
  shift
  # shellcheck disable=SC2016 # $$ and $@ are the inner sh's
  as_user -n "$H" sh -c 'echo $$ > "$0"; exec "$@"' "$RUN/$name.pid" "$@" >/dev/null 2>&1 &
}
# the server: the host's 127.0.0.1:5201, which every engine maps 10.0.2.2 to
spawn_h iperf3-host iperf3 -s -B 127.0.0.1 -p 5201
server_up() { [[ -n $(ip netns exec "$H" ss -Htln sport = 5201) ]]; }
wait_for server_up || { echo "engine: no iperf3 server"; exit 1; }

# gbps_of CMD...: the Gbps of iperf3 -c 10.0.2.2 run as CMD's tail, or "failed"
gbps_of() {
  local out
  out=$("$@" iperf3 -c "${SERVER:-10.0.2.2}" -p 5201 -t "$DURATION" -J 2>/dev/null |
    jq -r '.end.sum_received.bits_per_second / 1e9' 2>/dev/null)
  [[ $out =~ ^[0-9.e+-]+$ ]] && echo "$out" || echo failed
}

# in_rk DIR CMD...: CMD as the user in rootlesskit's child (user and net namespaces)
in_rk() {
  local d=$1
  shift
  as_user nsenter -t "$(cat "$d")" -U -n --preserve-credentials -- "$@"
}

# start_SYSTEM NAME MTU...: bring the system up; pre[NAME] becomes the command prefix
# that runs a client in it, or stays empty when it did not start (its log on stderr)
start_netnest() { # NAME MTU [--net ENGINE]; BIN: the netnest binary
  local n
  n=$(unique_name nnbe)
  NESTS+=("${BIN:-$NETNEST} $n")
  as_user -n "$H" "${BIN:-$NETNEST}" up -d --nest "$n" --mtu "$2" --allow-host-loopback "${@:3}" \
    >"$TMP/$n.log" 2>&1 || { echo "$1 at MTU $2 did not start:" >&2; cat "$TMP/$n.log" >&2; return 1; }
  pre[$1]="as_user -n $H ${BIN:-$NETNEST} run --nest $n --"
}
start_rootlesskit() { # NAME MTU
  local d=$TMP/rk$2
  mkdir "$d" && chown "$NN_USER:" "$d"
  spawn_h "rk$2" rootlesskit --net=slirp4netns --mtu="$2" --state-dir="$d/state" sleep infinity
  wait_for test -s "$d/state/child_pid" || { echo "rootlesskit did not start" >&2; return 1; }
  pre[$1]="in_rk $d/state/child_pid"
}
start_nerdctl() { # NAME (bridge 1500, tap 65520, as the fixture and nerdctl make them)
  local d=$TMP/fix
  mkdir "$d" && chown "$NN_USER:" "$d"
  FIXES+=("$d")
  as_user -n "$H" bash tests/helpers/rk_cni_fixture.sh start "$d" >/dev/null ||
    { echo "the nerdctl-style stack did not start" >&2; return 1; }
  pre[$1]="in_rk $d/ctr_pid"
}

median() { sort -g | awk '{v[NR]=$1} END {if (NR) printf "%.2f\n", v[int((NR+1)/2)]; else print "failed"}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }

for mtu in $MTUS; do
  names=(loopback netnest slirp4netns pasta rootlesskit)
  declare -A pre=([loopback]="ip netns exec $H")
  start_netnest netnest "$mtu"
  if [[ -n ${NN_BEFORE:-} ]]; then
    names+=(before)
    BIN=$NN_BEFORE start_netnest before "$mtu"
  fi
  start_netnest slirp4netns "$mtu" --net slirp4netns
  start_netnest pasta "$mtu" --net pasta
  start_rootlesskit rootlesskit "$mtu"
  if [[ $mtu == 1500 ]]; then
    names+=(nerdctl)
    start_nerdctl nerdctl
  fi
  for s in "${names[@]}"; do : >"$TMP/$s.$mtu"; done
  for _ in $(seq "$ROUNDS"); do
    for s in "${names[@]}"; do
      if [[ -z ${pre[$s]:-} ]]; then echo failed >>"$TMP/$s.$mtu"; continue; fi
      # shellcheck disable=SC2086 # the prefix is words
      if [[ $s == loopback ]]; then SERVER=127.0.0.1 gbps_of ${pre[$s]} >>"$TMP/$s.$mtu"
      else gbps_of ${pre[$s]} >>"$TMP/$s.$mtu"; fi
    done
  done
  unset pre
  declare -A g=()
  for s in "${names[@]}"; do
    g[$s]=$(grep -v failed "$TMP/$s.$mtu" | median)
  done
  printf '%-44s %7s  %s\n' "MTU $mtu: sandbox -> host, iperf3 -t $DURATION, median of $ROUNDS" Gbps "x loopback"
  for s in "${names[@]}"; do
    case $s in
      loopback) label="host loopback 127.0.0.1" ;;
      netnest) label="netnest (built-in engine)" ;;
      before) label="netnest before (NN_BEFORE)" ;;
      slirp4netns) label="netnest --net slirp4netns" ;;
      pasta) label="netnest --net pasta" ;;
      rootlesskit) label="rootlesskit --net=slirp4netns" ;;
      nerdctl) label="rootlesskit + CNI bridge (MTU 1500)" ;;
    esac
    fails=$(grep -c failed "$TMP/$s.$mtu")
    printf '%-44s %7s  %s%s\n' "$label" "${g[$s]}" "$(div "${g[$s]}" "${g[loopback]}")" \
      "$( ((fails)) && echo "  ($fails of $ROUNDS failed)")"
  done
  goal=1.5
  [[ $mtu == 1500 ]] && goal=3
  printf 'netnest / slirp4netns at MTU %s: %sx (goal %sx); / rootlesskit: %sx\n' "$mtu" \
    "$(div "${g[netnest]}" "${g[slirp4netns]}")" "$goal" "$(div "${g[netnest]}" "${g[rootlesskit]}")"
  [[ $mtu == 1500 ]] && printf 'netnest / nerdctl-style stack: %sx\n' "$(div "${g[netnest]}" "${g[nerdctl]}")"
  [[ -n ${NN_BEFORE:-} ]] && printf 'netnest after / before: %sx; before / slirp4netns: %sx\n' \
    "$(div "${g[netnest]}" "${g[before]}")" "$(div "${g[before]}" "${g[slirp4netns]}")"
  unset g
  # down before the next MTU: the 2 cores are shared
  nests_down
  for f in "${FIXES[@]}"; do as_user bash tests/helpers/rk_cni_fixture.sh stop "$f" >/dev/null 2>&1; done
  FIXES=()
  [[ -s $RUN/rk$mtu.pid ]] && kill "$(cat "$RUN/rk$mtu.pid")" 2>/dev/null
  echo
done
