#!/usr/bin/env bash
# Host to published port, TCP and UDP (docs/benchmarks.md#goals): iperf3 on the host to
# 127.0.0.1:P through netnest's port driver, through RootlessKit's builtin port driver
# (rootlesskit --net=slirp4netns --port-driver=builtin + rootlessctl add-ports), and plain
# loopback (iperf3 -c 127.0.0.1), one stream and 8 parallel ones (-P 8), each DURATION
# seconds, ROUNDS rounds interleaved; prints the median Gbps and the ratio to loopback.
# Goals: netnest >= 0.7x loopback and >= 1.5x RootlessKit (issue 8).  UDP (the
# same servers, P/udp published beside P/tcp): iperf3 -u -b 0 (as fast as the client
# can), what arrives: Gbps of 1400-byte datagrams, and thousands of 64-byte datagrams a
# second (kpps); both with -w 4M, the server's socket buffer.
# Run as root (bench/run); the nests and the servers run as the test user nntest.
#   DURATION=5 ROUNDS=3 bash bench/port_throughput.sh
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
source tests/helpers/common.bash
source tests/helpers/spawn.bash
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

cleanup() {
  spawned_kill
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
lo=$(free_port_ss -Htuln 0) || die "no free port"
spawn iperf3-lo iperf3 -s -p "$lo"

# netnest: a server inside the nest's netns (as the user, in the nest's user namespace)
nnu up -d --nest "$NEST" || die "netnest up failed"
child=$(cat "$STATE/child_pid")
spawn iperf3-nn nsenter -t "$child" -U --preserve-credentials -n"/proc/$child/root$STATE/netns" \
  iperf3 -s -p 5201
nn_port=$(free_port_ss -Htuln 0) || die "no free port"
for proto in tcp udp; do
  nnu port add --nest "$NEST" "127.0.0.1:$nn_port:5201/$proto" >/dev/null ||
    die "netnest port add $proto failed"
done

# RootlessKit: the server is rootlesskit's command (inside its netns)
spawn rootlesskit rootlesskit --state-dir="$RK" --net=slirp4netns --mtu=65520 \
  --disable-host-loopback --port-driver=builtin iperf3 -s -p 5201
wait_for test -e "$RK/child_pid" || die "rootlesskit did not start"
rk_port=$(free_port_ss -Htuln 0) || die "no free port"
as_user rootlessctl --socket "$RK/api.sock" add-ports "127.0.0.1:$rk_port:5201/tcp" \
  "127.0.0.1:$rk_port:5201/udp" >/dev/null || die "rootlessctl add-ports failed"
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

# udp PORT LEN: one iperf3 -u run to 127.0.0.1:PORT; prints the Gbps and kpps that arrived
udp() {
  iperf3 -c 127.0.0.1 -p "$1" -u -b 0 -l "$2" -w 4M -t "$DURATION" -J |
    jq -r '.end.sum_received | "\(.bits_per_second / 1e9) \((.packets - .lost_packets) / .seconds / 1e3)"'
}
for side in lo nn rk; do : > "$TMP/$side.udp1400"; : > "$TMP/$side.udp64"; done
for _ in $(seq "$ROUNDS"); do
  for side in lo nn rk; do
    case $side in lo) port=$lo ;; nn) port=$nn_port ;; rk) port=$rk_port ;; esac
    udp "$port" 1400 | cut -d' ' -f1 >> "$TMP/$side.udp1400"
    udp "$port" 64 | cut -d' ' -f2 >> "$TMP/$side.udp64"
  done
done
echo
printf '%-34s %9s %6s %9s %6s\n' "UDP (iperf3 -u -b 0, median of $ROUNDS)" "Gbps@1400" "x lo" kpps@64 "x lo"
lg=$(median < "$TMP/lo.udp1400") lp=$(median < "$TMP/lo.udp64")
for side in lo nn rk; do
  g=$(median < "$TMP/$side.udp1400") k=$(median < "$TMP/$side.udp64")
  case $side in
    lo) label="loopback 127.0.0.1" ;; nn) label="netnest port (relay)" ;;
    rk) label="rootlesskit builtin port driver" ;;
  esac
  printf '%-34s %9.2f %6.2f %9.0f %6.2f\n' "$label" "$g" "$(div "$g" "$lg")" "$k" "$(div "$k" "$lp")"
done
printf 'netnest / rootlesskit, udp: %.2fx Gbps, %.2fx kpps\n' \
  "$(div "$(median < "$TMP/nn.udp1400")" "$(median < "$TMP/rk.udp1400")")" \
  "$(div "$(median < "$TMP/nn.udp64")" "$(median < "$TMP/rk.udp64")")"
