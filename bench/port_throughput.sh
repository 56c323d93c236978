#!/usr/bin/env bash
# Host to published port, TCP (docs/benchmarks.md#goals): iperf3 on the host to 127.0.0.1:P
# through netnest's port driver, through RootlessKit's builtin port driver
# (rootlesskit --net=slirp4netns --port-driver=builtin + rootlessctl add-ports), and plain
# loopback (iperf3 -c 127.0.0.1), one stream and 8 parallel ones (-P 8), each DURATION
# seconds, ROUNDS rounds interleaved; prints the median Gbps and the ratio to loopback.
# Goals: netnest >= 0.7x loopback and >= 1.5x RootlessKit (issue 8).
# Run as root (bench/run); the nests and the servers run as the test user nntest.
#   DURATION=5 ROUNDS=3 bash bench/port_throughput.sh
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
source tests/helpers/common.bash
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
NEST=$(unique_name bench)
TMP=$(mktemp -d /tmp/netnest-bench-port.XXXXXX)
chmod 0755 "$TMP"
# shellcheck disable=SC2119 # nn_uid with no argument is the test user's
STATE=/run/user/$(nn_uid)/netnest/$NEST
RK=$TMP/rk   # rootlesskit's state dir
RUN=$TMP/run # pid files of the servers
mkdir "$RK" "$RUN" && chown "$NN_USER:" "$RK" "$RUN"

# spawn NAME CMD...: run CMD in the background as the test user; its PID goes to RUN/NAME.pid
# (runuser does not pass SIGTERM on, so cleanup kills the command itself)
spawn() {
  local name=$1; shift
  # shellcheck disable=SC2016 # $$ and $@ are the inner sh's
  as_user sh -c 'echo $$ > "$0"; exec "$@"' "$RUN/$name.pid" "$@" >/dev/null 2>&1 &
}

cleanup() {
  for f in "$RUN"/*.pid; do [[ -s $f ]] && kill "$(cat "$f")" 2>/dev/null; done
  nnu down --nest "$NEST" >/dev/null 2>&1
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

die() { echo "port_throughput: $*" >&2; exit 1; }

# gbps PORT STREAMS: one iperf3 run to 127.0.0.1:PORT, in Gbps
gbps() {
  iperf3 -c 127.0.0.1 -p "$1" -P "$2" -t "$DURATION" -J |
    jq '.end.sum_received.bits_per_second / 1e9'
}

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# loopback: a server on the host
lo=$(free_port) || die "no free port"
spawn iperf3-lo iperf3 -s -p "$lo"

# netnest: a server inside the nest's netns (as the user, in the nest's user namespace)
nnu up -d --nest "$NEST" || die "netnest up failed"
child=$(cat "$STATE/child_pid")
spawn iperf3-nn nsenter -t "$child" -U --preserve-credentials -n"/proc/$child/root$STATE/netns" \
  iperf3 -s -p 5201
nn_port=$(free_port) || die "no free port"
nnu port add --nest "$NEST" "127.0.0.1:$nn_port:5201" >/dev/null || die "netnest port add failed"

# RootlessKit: the server is rootlesskit's command (inside its netns)
spawn rootlesskit rootlesskit --state-dir="$RK" --net=slirp4netns --mtu=65520 \
  --disable-host-loopback --port-driver=builtin iperf3 -s -p 5201
wait_for test -e "$RK/child_pid" || die "rootlesskit did not start"
rk_port=$(free_port) || die "no free port"
as_user rootlessctl --socket "$RK/api.sock" add-ports "127.0.0.1:$rk_port:5201/tcp" >/dev/null ||
  die "rootlessctl add-ports failed"
sleep 0.5

div() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > 0 ? a / b : 0) }'; }
for streams in 1 8; do
  : > "$TMP/lo.gbps"; : > "$TMP/nn.gbps"; : > "$TMP/rk.gbps"
  for _ in $(seq "$ROUNDS"); do
    gbps "$lo" "$streams" >> "$TMP/lo.gbps"
    gbps "$nn_port" "$streams" >> "$TMP/nn.gbps"
    gbps "$rk_port" "$streams" >> "$TMP/rk.gbps"
  done
  l=$(median < "$TMP/lo.gbps"); n=$(median < "$TMP/nn.gbps"); r=$(median < "$TMP/rk.gbps")
  printf '%-34s %7s  %s\n' "iperf3 -P $streams -t $DURATION, median of $ROUNDS" Gbps "x loopback"
  printf '%-34s %7.2f  %.2f\n' "loopback 127.0.0.1" "$l" 1
  printf '%-34s %7.2f  %.2f\n' "netnest port (splice)" "$n" "$(div "$n" "$l")"
  printf '%-34s %7.2f  %.2f\n' "rootlesskit builtin port driver" "$r" "$(div "$r" "$l")"
  printf 'netnest / rootlesskit: %.2fx\n' "$(div "$n" "$r")"
done
