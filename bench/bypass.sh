#!/usr/bin/env bash
# The socket bypass (issue 9, docs/bypass.md): TCP throughput with and without
# `netnest run --bypass`, against loopback, in one run.
#   sandbox -> host: iperf3 -c 10.0.2.2 in a sandbox (host loopback allowed) to a server on
#                    the host's 127.0.0.1, without and with --bypass
#   host -> port:    iperf3 -c 127.0.0.1:P on the host to a server in a sandbox published
#                    with -p P:5201, without and with --bypass
#   loopback:        iperf3 -c 127.0.0.1 on the host
# Everything runs in a scratch netns that plays the host (lo and an uplink whose default
# route leads nowhere), the nest rootless as the test user.  One stream, DURATION seconds,
# ROUNDS rounds interleaved; prints the median Gbps and the ratio to loopback.
# Goal: with bypass both directions >= 0.9x loopback.
#   DURATION=5 ROUNDS=3 bash bench/bypass.sh
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
source tests/helpers/common.bash
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
NEST=$(unique_name benchby)
H=$(unique_name nnbenchh)
TMP=$(mktemp -d /tmp/netnest-bench-bypass.XXXXXX)
chmod 0755 "$TMP"

cleanup() {
  [[ -s $TMP/iperf.pid ]] && kill "$(cat "$TMP/iperf.pid")" 2>/dev/null
  as_user -n "$H" "$NETNEST" down --nest "$NEST" >/dev/null 2>&1
  wait 2>/dev/null
  ip netns del "$H" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

die() { echo "bypass: $*" >&2; exit 1; }

scratch_host "$H" || die "the scratch host netns $H could not be made"

nnh() { as_user -n "$H" "$NETNEST" "$@"; }
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > 0 ? a / b : 0) }'; }
# gbps CMD...: the receiver's Gbps of the iperf3 -J run CMD makes
gbps() { "$@" | jq '.end.sum_received.bits_per_second / 1e9'; }

srv=$(free_port) || die "no free port"
ip netns exec "$H" iperf3 -s -D -B 127.0.0.1 -p "$srv" -I "$TMP/iperf.pid" 3>&- ||
  die "iperf3 -s failed"
nnh up -d --nest "$NEST" --allow-host-loopback 3>&- || die "netnest up failed"
plain=$(free_port) || die "no free port"
byp=$(free_port_ss -Htln 0) || die "no free port"
# 3>&-: the servers outlive this script's commands, and must not hold bench/run's lock fd
nnh run -d --nest "$NEST" --name srv -p "127.0.0.1:$plain:5201" -- iperf3 -s -p 5201 \
  >/dev/null 3>&- || die "run -p failed"
nnh run -d --nest "$NEST" --name srvby --bypass -p "127.0.0.1:$byp:5201" -- iperf3 -s -p 5201 \
  >/dev/null 3>&- || die "run --bypass -p failed"
wait_for ip netns exec "$H" sh -c "ss -Htln 'sport = :$byp' | grep -q ." || die "no bypass listener"
sleep 0.5

# ic ADDR ARGS...: iperf3 -c ADDR as root in the scratch host
ic() { ip netns exec "$H" timeout $((DURATION + 20)) iperf3 -c "$@" -t "$DURATION" -J; }
for f in lo out outby in inby; do : >"$TMP/$f"; done
for _ in $(seq "$ROUNDS"); do
  gbps ic 127.0.0.1 -p "$srv" >>"$TMP/lo"
  gbps nnh run --nest "$NEST" -- timeout $((DURATION + 20)) iperf3 -c 10.0.2.2 -p "$srv" \
    -t "$DURATION" -J >>"$TMP/out"
  gbps nnh run --nest "$NEST" --bypass -- timeout $((DURATION + 20)) iperf3 -c 10.0.2.2 \
    -p "$srv" -t "$DURATION" -J >>"$TMP/outby"
  gbps ic 127.0.0.1 -p "$plain" >>"$TMP/in"
  gbps ic 127.0.0.1 -p "$byp" >>"$TMP/inby"
done
l=$(median <"$TMP/lo")
printf '%-44s %7s  %s\n' "iperf3 -t $DURATION, 1 stream, median of $ROUNDS" Gbps "x loopback"
printf '%-44s %7.2f  %.2f\n' "loopback 127.0.0.1" "$l" 1
for row in "out:sandbox -> host (10.0.2.2), engine" "outby:sandbox -> host (10.0.2.2), --bypass" \
  "in:host -> published port, port driver" "inby:host -> published port, --bypass"; do
  v=$(median <"$TMP/${row%%:*}")
  printf '%-44s %7.2f  %.2f\n' "${row#*:}" "$v" "$(div "$v" "$l")"
done
