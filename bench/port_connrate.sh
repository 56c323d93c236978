#!/usr/bin/env bash
# Connection rate and idle cost of published ports (docs/benchmarks.md#goals): ab (Debian's
# apache2-utils) sends short HTTP/1.0 requests, one connection each, at concurrency 1, 32
# and 1000 to the same nginx set-up three ways: on the host's loopback, in a netnest
# sandbox behind a published port, and as RootlessKit's command behind its builtin port
# driver (rootlesskit --net=slirp4netns --port-driver=builtin + rootlessctl add-ports);
# ROUNDS rounds interleaved, the median requests/s and the ratio to loopback.  Then the
# RSS that 1,000 idle connections (nn-loadclient -i) add to netnest's daemon and to the
# rootlesskit process.  Goals: >= 0.8x loopback at every concurrency, <= 1 KiB per idle
# connection.  Run as root (bench/run); the servers and clients run as the test user.
#   N=20000 ROUNDS=3 bash bench/port_connrate.sh
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
source tests/helpers/common.bash
source tests/helpers/spawn.bash
source tests/helpers/nginx.sh
N=${N:-20000}
ROUNDS=${ROUNDS:-3}
NEST=$(unique_name bench)
TMP=$(mktemp -d /tmp/netnest-bench-conn.XXXXXX)
chmod 0755 "$TMP"
# shellcheck disable=SC2119 # nn_uid with no argument is the test user's
STATE=/run/user/$(nn_uid)/netnest/$NEST
RK=$TMP/rk   # rootlesskit's state dir
RUN=$TMP/run # pid files of the servers and clients
LOADCLIENT=$(dirname "$NETNEST")/nn-loadclient # installed there by bench/run
mkdir "$RK" "$RUN" "$TMP/www" && chown "$NN_USER:" "$RK" "$RUN"

cleanup() {
  spawned_kill
  nnu stop --nest "$NEST" web >/dev/null 2>&1
  nnu down --nest "$NEST" >/dev/null 2>&1
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

die() { echo "port_connrate: $*" >&2; exit 1; }

# conf NAME LISTEN [DIRECTIVE...]: an nginx.conf for 12,000 clients in TMP/NAME
conf() {
  local name=$1 listen=$2
  shift 2
  mkdir -p "$TMP/$name"
  NGINX_CONNECTIONS=12000 NGINX_LISTEN="$listen backlog=8192" nginx_conf "$TMP/$name" \
    "$TMP/www" "daemon off;" "worker_rlimit_nofile 16384;" "$@" >"$TMP/$name/nginx.conf"
  chown -R "$NN_USER:" "$TMP/$name"
}

# rps PORT C: requests/s of one ab run of N requests at concurrency C to 127.0.0.1:PORT
rps() {
  # shellcheck disable=SC2016 # $0..$2 are the inner sh's
  as_user sh -c 'ulimit -n "$(ulimit -Hn)"; exec ab -q -n "$0" -c "$1" "$2"' "$N" "$2" \
    "http://127.0.0.1:$1/small" 2>/dev/null | awk '/^Requests per second/ {print $4}'
}

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > 0 ? a / b : 0) }'; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# idle_kib PID PORT: KiB that 1,000 idle connections to 127.0.0.1:PORT add to PID's RSS
idle_kib() {
  local before after
  before=$(rss_kib "$1")
  as_user "$LOADCLIENT" -i -n 1000 127.0.0.1 "$2" / >"$TMP/idle.out" 2>&1 &
  wait_for grep -q '^held' "$TMP/idle.out"
  sleep 1 # every dial done
  after=$(rss_kib "$1")
  kill "$(awk '/^held/ {print $4}' "$TMP/idle.out")"
  wait 2>/dev/null
  echo $((after - before))
}

echo "hello, client" >"$TMP/www/small"
chmod -R a+rX "$TMP/www"

# loopback: nginx on the host
lo=$(free_port) || die "no free port"
conf ngx-lo "127.0.0.1:$lo"
spawn nginx-lo nginx -e "$TMP/ngx-lo/error.log" -c "$TMP/ngx-lo/nginx.conf"

# netnest: nginx in a sandbox behind -p
nnu up -d --nest "$NEST" || die "netnest up failed"
nn_port=$(free_port) || die "no free port"
conf ngx-nn 80 "user root root;"
nnu run --nest "$NEST" -d --name web -p "127.0.0.1:$nn_port:80" -- \
  nginx -e "$TMP/ngx-nn/error.log" -c "$TMP/ngx-nn/nginx.conf" >/dev/null || die "netnest run failed"
daemon=$(cat "$STATE/child_pid")

# RootlessKit: nginx is rootlesskit's command (inside its netns)
conf ngx-rk 80 "user root root;"
spawn rootlesskit rootlesskit --state-dir="$RK" --net=slirp4netns --mtu=65520 \
  --disable-host-loopback --port-driver=builtin nginx -e "$TMP/ngx-rk/error.log" \
  -c "$TMP/ngx-rk/nginx.conf"
wait_for test -S "$RK/api.sock" || die "rootlesskit did not start"
rk_port=$(free_port) || die "no free port"
as_user rootlessctl --socket "$RK/api.sock" add-ports "127.0.0.1:$rk_port:80/tcp" >/dev/null ||
  die "rootlessctl add-ports failed"
for p in "$lo" "$nn_port" "$rk_port"; do
  wait_for curl -sf -o /dev/null "http://127.0.0.1:$p/small" || die "no answer on port $p"
done

# first, on fresh processes: after the ab runs their heaps have room to spare
nk=$(idle_kib "$daemon" "$nn_port")
rk=$(idle_kib "$(cat "$RUN/rootlesskit.pid")" "$rk_port")

printf '%-6s %12s %12s %6s %12s %6s %8s\n' "ab -c" "loopback" netnest x rootlesskit x "nn/rk"
for c in 1 32 1000; do
  : >"$TMP/lo.r"; : >"$TMP/nn.r"; : >"$TMP/rk.r"
  for _ in $(seq "$ROUNDS"); do
    rps "$lo" "$c" >>"$TMP/lo.r"
    rps "$nn_port" "$c" >>"$TMP/nn.r"
    rps "$rk_port" "$c" >>"$TMP/rk.r"
  done
  l=$(median <"$TMP/lo.r"); n=$(median <"$TMP/nn.r"); r=$(median <"$TMP/rk.r")
  printf '%-6s %12.0f %12.0f %6.2f %12.0f %6.2f %8.2f\n' "$c" "$l" "$n" "$(div "$n" "$l")" \
    "$r" "$(div "$r" "$l")" "$(div "$n" "$r")"
done
echo "(requests/s, median of $ROUNDS runs of $N HTTP/1.0 requests; x: ratio to loopback)"

printf 'RSS per 1,000 idle connections: netnest daemon %s KiB, rootlesskit %s KiB\n' "$nk" "$rk"
