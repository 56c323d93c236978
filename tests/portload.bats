#!/usr/bin/env bats
# The TCP port driver under load: thousands of clients at once, 100,000 one after another,
# stalled clients beside a fresh one, a descriptor limit reached. nginx in a sandbox behind
# -p; rootless as nntest. The clients are nn-loadclient (tests/tools), ab and curl.

load helpers/common
load helpers/ports
load helpers/nginx.sh

setup() {
  ports_setup
  LOADCLIENT=$(dirname "$NETNEST")/nn-loadclient # installed there by tests/run
}

teardown() {
  # nginx's master stops its workers on SIGTERM (nnu stop); any process left with its log
  # open is this test's nginx
  [[ -n ${STATE:-} && -e $STATE/sandboxes/web.json ]] && nnu stop --nest "$NEST" web
  kill_nginx
  ports_teardown
}

# kill_nginx: the nginx processes of the test user with this test's log open
kill_nginx() {
  local p
  for p in $(pgrep -u "$NN_USER" -x nginx); do
    ls -l "/proc/$p/fd" 2>/dev/null | grep -qF "$TMP/nginx/error.log" && kill "$p"
  done
  return 0
}

# web_up: a nest, and nginx in its sandbox "web" behind 127.0.0.1:$PORT:80, set for 12,000
# clients, serving $TMP/www: small (14 bytes), f64k (64 KiB), file (1 MiB), reply (2 MiB),
# big (16 MiB);
# sets DAEMON (the nest daemon's PID)
web_up() {
  up_nest user
  PORT=$(free_port)
  mkdir -p "$TMP/www" "$TMP/nginx"
  echo "hello, client" >"$TMP/www/small"
  head -c 65536 /dev/urandom >"$TMP/www/f64k"
  head -c 1048576 /dev/urandom >"$TMP/www/file"
  head -c 2M /dev/urandom >"$TMP/www/reply"
  head -c 16M /dev/urandom >"$TMP/www/big"
  chmod -R a+rwX "$TMP"
  NGINX_CONNECTIONS=12000 NGINX_LISTEN="80 backlog=8192" nginx_conf "$TMP/nginx" "$TMP/www" \
    "daemon off;" "user root root;" "worker_rlimit_nofile 16384;" >"$TMP/nginx.conf"
  nnu run --nest "$NEST" -d --name web -p "127.0.0.1:$PORT:80" -- \
    nginx -e "$TMP/nginx/error.log" -c "$TMP/nginx.conf"
  wait_for curl -sf -o /dev/null "http://127.0.0.1:$PORT/small"
  DAEMON=$(cat "$STATE/child_pid")
}

# load_bg OUT ARGS...: nn-loadclient ARGS as the test user in the background, its output in
# OUT; waits (60 s at most) for its "held N pid P" line and remembers P for the teardown
load_bg() {
  local out=$1
  shift
  as_user "$LOADCLIENT" "$@" >"$out" 2>&1 3>&- &
  for _ in $(seq 600); do grep -q '^held' "$out" && break; sleep 0.1; done
  grep '^held' "$out" | awk '{print $4}' >"$out.pid"
  PIDFILES+=("$out.pid")
  grep -q '^held' "$out" || { cat "$out"; false; }
}

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

@test "8,000 clients at once through one published port each get 64 KiB intact, held open 2 s" {
  web_up
  rss0=$(rss_kib "$DAEMON")
  load_bg "$TMP/load" -n 8000 -H 2000 -f "$TMP/www/f64k" 127.0.0.1 "$PORT" /f64k
  rss=$(rss_kib "$DAEMON")
  open=$(ss -Htn state established "( sport = :$PORT )" | wc -l)
  echo "# daemon RSS: $rss0 KiB idle, $rss KiB with $open connections open" >&3
  wait_until 'grep -q "^ok" "$TMP/load"'
  cat "$TMP/load"
  [ "$(tail -1 "$TMP/load")" = "ok 8000 eof 0 reset 0 bad 0 timeout 0" ]
  [ "$open" -ge 7900 ] # all but the few nginx or the client closed already
}

@test "100,000 short connections one after another are all answered, none reset" {
  web_up
  run as_user ab -q -n 100000 -c 1 "http://127.0.0.1:$PORT/small"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"Complete requests:      100000"* ]]
  [[ $output == *"Failed requests:        0"* ]]
  [[ $output != *"Non-2xx"* ]]
  echo "# $(grep -E '^(Time taken|Requests per second)' <<<"$output" | tr -s ' ' | paste -sd';')" >&3
}

@test "while 1,000 clients stall (they never read), a fresh client gets 1 MiB intact" {
  web_up
  # 2 MiB replies: more than the client's socket holds (tcp_rmem's 128 KiB when it does not
  # read), so each stalls the daemon's side with a pipe full; larger replies would take the
  # host's TCP memory past tcp_mem with nginx's own send buffers (1.4 MiB each)
  load_bg "$TMP/stall" -s -n 1000 127.0.0.1 "$PORT" /reply
  [ "$(head -1 "$TMP/stall" | cut -d' ' -f2)" = 1000 ]
  sleep 1 # their replies fill every buffer on the way
  run curl -sf --max-time 20 -o "$TMP/got" -w '%{time_total} %{speed_download}' \
    "http://127.0.0.1:$PORT/file"
  [ "$status" -eq 0 ]
  cmp "$TMP/got" "$TMP/www/file"
  echo "# fresh client beside 1000 stalled: $output (s, bytes/s);" \
    "$(grep ^TCP: /proc/net/sockstat)" >&3
  # the stalled ones are still there
  [ "$(ss -Htn state established "( sport = :$PORT )" | wc -l)" -ge 1000 ]
}

@test "out of descriptors, the daemon refuses new clients, logs it once, keeps the live ones" {
  web_up
  # a transfer in progress: 16 MiB at 4 MiB/s
  curl -s --limit-rate 4M -o "$TMP/slow" "http://127.0.0.1:$PORT/big" 3>&- &
  slow=$!
  wait_until 'test -s "$TMP/slow"'
  # the daemon may now hold only a few descriptors more than it does
  fds=$(ls "/proc/$DAEMON/fd" | wc -l)
  # (as its user: root here may lack CAP_SYS_RESOURCE, prlimit(2))
  hard=$(awk '/^Max open files/ {print $5}' "/proc/$DAEMON/limits")
  as_user prlimit --pid "$DAEMON" --nofile=$((fds + 40)):"$hard"
  load_bg "$TMP/idle" -i -n 200 127.0.0.1 "$PORT" /
  run curl -s --max-time 5 "http://127.0.0.1:$PORT/small"
  [ "$output" != "hello, client" ] # refused: no answer
  wait "$slow"
  cmp "$TMP/slow" "$TMP/www/big"
  [ "$(grep -c 'new connections refused' "$STATE/log")" = 1 ]
  grep -E "new connections refused at (accept|the dial inside the nest): Too many open files \(this one on host port $PORT; 1 refused" "$STATE/log"
  # once the idle clients go, new ones are served again
  kill "$(cat "$TMP/idle.pid")"
  wait_until 'test "$(curl -s --max-time 5 "http://127.0.0.1:$PORT/small")" = "hello, client"'
  as_user prlimit --pid "$DAEMON" --nofile="$hard:$hard" # for the teardown's stop
}
