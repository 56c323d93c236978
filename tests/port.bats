#!/usr/bin/env bats
# netnest port add|ls|rm: published ports, the splice(2) port driver.
# Rootless as nntest unless a test says "as root".

load helpers/common
load helpers/ports

setup() { ports_setup; }
teardown() { ports_teardown; }

@test "bad port specs are refused naming the spec and the reason, and nothing is published" {
  up_nest user
  local -A why=(
    [80]="missing sandbox port"
    [0:80]="port 0 is out of range 1-65535"
    [65536:80]="port 65536 is out of range 1-65535"
    [abc:80]='"abc" is not a port number'
    ['[::1:8080:80']="missing ']'"
  )
  for spec in "${!why[@]}"; do
    run nnu port add --nest "$NEST" "$spec"
    [ "$status" -eq 2 ]
    [[ $output == *"port spec \"$spec\": ${why[$spec]}"* ]] || { echo "$spec: $output"; false; }
  done
  run nnu port ls --nest "$NEST" --json
  [ "$(jq -c .ports <<<"$output")" = "[]" ]
}

@test "sctp is refused naming it, and nothing is published" {
  up_nest user
  p=$(free_port)
  run nnu port add --nest "$NEST" "$p:80/sctp"
  [ "$status" -eq 2 ]
  [[ $output == *"port spec \"$p:80/sctp\": sctp is not supported: netnest publishes tcp and udp"* ]]
  run nnu run --nest "$NEST" -p "$p:80/sctp" -- true
  [ "$status" -eq 2 ]
  [[ $output == *"sctp is not supported"* ]]
  run nnu port ls --nest "$NEST" --json
  [ "$(jq -c .ports <<<"$output")" = "[]" ]
}

@test "a host port already in use is refused naming the port" {
  up_nest user
  p=$(free_port)
  iperf3 -s -D -p "$p" -I "$TMP/iperf.pid" 3>&-
  PIDFILES+=("$TMP/iperf.pid")
  wait_for sh -c "ss -Htln 'sport = :$p' | grep -q ."
  run nnu port add --nest "$NEST" "$p:80"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: host port $p is already in use: bind [::]:$p: another socket is bound to it" ]
  run nnu port ls --nest "$NEST" --json
  [ "$(jq -c .ports <<<"$output")" = "[]" ]
  # held on [::1] alone: the address named is the one netnest binds, [::], not a free 0.0.0.0
  q=$(free_port)
  hold_port tcp ::1 "$q"
  run nnu port add --nest "$NEST" "$q:80"
  release_port "$q"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: host port $q is already in use: bind [::]:$q: another socket is bound to it" ]
}

@test "a rootless nest cannot publish a host port below net.ipv4.ip_unprivileged_port_start" {
  start=$(sysctl -n net.ipv4.ip_unprivileged_port_start)
  ((start > 1)) || skip "ip_unprivileged_port_start is $start: every port is unprivileged"
  up_nest user
  low=$((start > 80 ? 80 : start - 1))
  run nnu port add --nest "$NEST" "$low:80"
  [ "$status" -eq 1 ]
  [[ $output == *"privileged port $low"*"net.ipv4.ip_unprivileged_port_start ($start)"* ]]
  run nnu port ls --nest "$NEST" --json
  [ "$(jq -c .ports <<<"$output")" = "[]" ]
}

@test "port add, ls and rm: a published port serves a 1 MiB file intact" {
  up_nest user
  serve_http 80
  p=$(free_port)
  run nnu port add --nest "$NEST" "127.0.0.1:$p:80"
  [ "$status" -eq 0 ]
  id=$output
  [ "$id" = 1 ]
  [ "$(curl -sf "http://127.0.0.1:$p/file" | sha256sum)" = "$(sha256sum < "$TMP/www/file")" ]
  # 10 clients at once, each gets the whole file
  local clients=()
  for i in $(seq 10); do curl -sf -o "$TMP/got$i" "http://127.0.0.1:$p/file" & clients+=($!); done
  for c in "${clients[@]}"; do wait "$c"; done
  for i in $(seq 10); do cmp "$TMP/got$i" "$TMP/www/file"; done
  run nnu port ls --nest "$NEST"
  [ "${lines[0]}" = "ID   PROTO HOSTIP          HOSTPORT SANDBOX          CHILDIP         CHILDPORT CHILDIP6" ]
  [[ ${lines[1]} =~ ^1\ +tcp\ +127\.0\.0\.1\ +$p\ +-\ +127\.0\.0\.1\ +80\ +-$ ]]
  run nnu port ls --nest "$NEST" --json
  [ "$(jq -c '.ports[0]' <<<"$output")" = "{\"id\":1,\"proto\":\"tcp\",\"host_ip\":\"127.0.0.1\",\"host_port\":$p,\"sandbox\":null,\"child_ip\":\"127.0.0.1\",\"child_port\":80}" ]
  run nnu port rm --nest "$NEST" "$id"
  [ "$status" -eq 0 ]
  run curl -s "http://127.0.0.1:$p/file"
  [ "$status" -eq 7 ]
  run nnu port rm --nest "$NEST" "$id"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: nest $NEST: remove port: unknown id: $id" ]
}

@test "50 clients at once are served, and the daemon keeps no thread or fd after them" {
  up_nest user
  serve_http 80
  p=$(free_port)
  nnu port add --nest "$NEST" "127.0.0.1:$p:80"
  child=$(cat "$STATE/child_pid")
  fds() { ls "/proc/$child/fd" | wc -l; }
  threads() { ls "/proc/$child/task" | wc -l; }
  # the API worker that answered `port add` leaves after 1 s idle: count without it
  wait_until '! grep -qx netnest-api /proc/$child/task/*/comm'
  # shellcheck disable=SC2034 # read by the wait_until texts below
  fd0=$(fds) th0=$(threads)
  local clients=()
  for i in $(seq 50); do curl -sf -o "$TMP/got$i" "http://127.0.0.1:$p/file" & clients+=($!); done
  for c in "${clients[@]}"; do wait "$c"; done
  for i in $(seq 50); do cmp "$TMP/got$i" "$TMP/www/file"; done
  wait_until 'test "$(fds)" -eq "$fd0"'
  wait_until 'test "$(threads)" -eq "$th0"'
}

@test "a port published on [::1] answers over IPv6 only, and a conflict names it in brackets" {
  up_nest user
  serve_http 80
  p=$(free_port)
  run nnu port add --nest "$NEST" "[::1]:$p:80"
  [ "$output" = 1 ]
  run curl -sfg "http://[::1]:$p/index.html"
  [ "$output" = "hello from the nest" ]
  run curl -s "http://127.0.0.1:$p/index.html"
  [ "$status" -eq 7 ]
  run nnu port ls --nest "$NEST" --json
  [ "$(jq -r '.ports[0].host_ip' <<<"$output")" = "::1" ]
  run nnu port add --nest "$NEST" "[::1]:$p:81"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: host port $p is already in use: it conflicts with published port 1 (tcp [::1]:$p)" ]
}

@test "clients that hang up early, and removing a port mid-transfer, leave the nest serving" {
  up_nest user
  serve_http 80
  p=$(free_port)
  nnu port add --nest "$NEST" "127.0.0.1:$p:80"
  child=$(cat "$STATE/child_pid")
  for i in $(seq 5); do curl -s "http://127.0.0.1:$p/file" | head -c 1000 > /dev/null; done
  # a transfer in progress ends when its port is removed (32 MiB: more than socket buffers hold)
  head -c 32M /dev/zero > "$TMP/www/big"
  chmod a+r "$TMP/www/big"
  curl -s --limit-rate 1M -o /dev/null "http://127.0.0.1:$p/big" 3>&- &
  slow=$!
  sleep 1
  nnu port rm --nest "$NEST" 1
  # in this shell, not run's subshell, which cannot wait for this shell's child
  status=0; wait "$slow" || status=$?
  [ "$status" -eq 18 ] || [ "$status" -eq 56 ] || { echo "curl: $status"; false; } # cut short, not the whole file at 1 MiB/s
  kill -0 "$child"    # the daemon is alive
  run nnu port add --nest "$NEST" "127.0.0.1:$p:80"
  [ "$output" = 2 ]
  [ "$(curl -sf "http://127.0.0.1:$p/file" | sha256sum)" = "$(sha256sum < "$TMP/www/file")" ]
}

@test "a client that half-closes its side still receives the whole reply" {
  up_nest user
  PIDFILES+=("$TMP/nc.pid")
  # the server reads until EOF, then answers with the sha256 of what it read
  in_nest sh -c "echo \$\$ > $TMP/nc.pid; exec busybox nc -ll -p 9000 -e sha256sum" \
    >/dev/null 2>&1 3>&- &
  wait_for in_nest sh -c "ss -Htln 'sport = :9000' | grep -q ."
  p=$(free_port)
  nnu port add --nest "$NEST" "127.0.0.1:$p:9000"
  head -c 1048576 /dev/urandom > "$TMP/data"
  run perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0]) or die "$!";
    open(my $f, "<", $ARGV[1]) or die; binmode $f; local $/; my $d = <$f>; print {$s} $d;
    shutdown($s, 1);              # SHUT_WR: the server sees EOF
    print while <$s>;' "$p" "$TMP/data"
  [ "$status" -eq 0 ]
  [ "${output%% *}" = "$(sha256sum < "$TMP/data" | cut -d' ' -f1)" ]
}

@test "a reset from either side reaches the other as a reset, not as an EOF" {
  up_nest user
  PIDFILES+=("$TMP/srv.pid")
  # connection 1: the server reads, and says what its second read saw when the client
  # resets; connection 2: the server resets after one byte
  cat >"$TMP/rst.pl" <<'PERL'
use Socket; use IO::Socket::INET;
my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1:9001", Listen => 5, ReuseAddr => 1)
  or die;
open(my $f, ">", $ARGV[0]) or die;
my $c = $l->accept; sysread($c, my $b, 1); my $n = sysread($c, $b, 1);
print {$f} defined $n ? "eof\n" : $!{ECONNRESET} ? "reset\n" : "$!\n"; close $f;
$c = $l->accept; sysread($c, $b, 1);
setsockopt($c, SOL_SOCKET, SO_LINGER, pack("ii", 1, 0)); close $c; sleep 5;
PERL
  chmod a+r "$TMP/rst.pl"
  in_nest sh -c "echo \$\$ > $TMP/srv.pid; exec perl $TMP/rst.pl $TMP/srv.out" \
    >/dev/null 2>&1 3>&- &
  wait_for in_nest sh -c "ss -Htln 'sport = :9001' | grep -q ."
  p=$(free_port)
  nnu port add --nest "$NEST" "127.0.0.1:$p:9001"
  # the client resets (SO_LINGER 0, then close) once the server has its byte
  perl -MSocket -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0]) or die "$!";
    syswrite($s, "x"); select(undef, undef, undef, 0.5);
    setsockopt($s, SOL_SOCKET, SO_LINGER, pack("ii", 1, 0)); close $s;' "$p"
  wait_until 'test -s "$TMP/srv.out"'
  [ "$(cat "$TMP/srv.out")" = reset ]
  # the server resets: the client's read fails with ECONNRESET
  run perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0]) or die "$!";
    syswrite($s, "x"); my $n = sysread($s, my $b, 1);
    print defined $n ? "eof" : $!{ECONNRESET} ? "reset" : "$!";' "$p"
  [ "$output" = reset ]
}

@test "port add to a sandbox publishes its port, and the port goes when the sandbox stops" {
  up_nest user
  mkdir -p "$TMP/www" && echo "hello from web" > "$TMP/www/index.html" && chmod -R a+rX "$TMP/www"
  nnu run -d --nest "$NEST" --name web -- busybox httpd -f -p 80 -h "$TMP/www"
  ip=$(nnu ps --nest "$NEST" --json | jq -r '.sandboxes[] | select(.name == "web") | .ip')
  [[ $ip == 10.4.0.* ]]
  p=$(free_port)
  run nnu port add --nest "$NEST" web "$p:80"
  [ "$status" -eq 0 ]
  wait_for curl -sf "http://127.0.0.1:$p/index.html"
  run curl -sf "http://127.0.0.1:$p/index.html"
  [ "$output" = "hello from web" ]
  run nnu port ls --nest "$NEST" --json
  [ "$(jq -c '.ports[0] | [.sandbox, .child_ip, .child_port]' <<<"$output")" = "[\"web\",\"$ip\",80]" ]
  [ "$(jq -c .ports "$STATE/sandboxes/web.json")" = "[1]" ]
  nnu stop --nest "$NEST" web
  run nnu port ls --nest "$NEST" --json
  [ "$(jq -c .ports <<<"$output")" = "[]" ]
  run curl -s "http://127.0.0.1:$p/"
  [ "$status" -eq 7 ]
  run nnu port add --nest "$NEST" nosuch "$p:80"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: nest $NEST: no sandbox named nosuch" ]
}

@test "port rm of a sandbox's port takes it out of ps and out of the sandbox's record" {
  up_nest user
  nnu run -d --nest "$NEST" --name web -- sleep 1000
  p1=$(free_port) p2=$(free_port)
  id1=$(nnu port add --nest "$NEST" web "$p1:80")
  id2=$(nnu port add --nest "$NEST" web "127.0.0.1:$p2:81")
  [ "$(jq -c .ports "$STATE/sandboxes/web.json")" = "[$id1,$id2]" ]
  run nnu port rm --nest "$NEST" "$id1"
  [ "$status" -eq 0 ]
  [ "$(jq -c .ports "$STATE/sandboxes/web.json")" = "[$id2]" ]
  [ "$(nnu ps --nest "$NEST" --json | jq -c '[.sandboxes[0].ports[].id]')" = "[$id2]" ]
  run as_user rootlessctl --socket "$STATE/api.sock" remove-ports "$id2"
  [ "$status" -eq 0 ]
  [ "$(jq -c .ports "$STATE/sandboxes/web.json")" = "[]" ]
  [ -z "$(ss -Htln "( sport = :$p1 or sport = :$p2 )")" ]
  run nnu port rm --nest "$NEST" "$id1"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: nest $NEST: remove port: unknown id: $id1" ]
  nnu stop --nest "$NEST" web
}

@test "as root, a published port of a root nest serves a file intact" {
  up_nest root
  serve_http 80
  p=$(free_port)
  run nn port add --nest "$NEST" "$p:80"
  [ "$output" = 1 ]
  [ "$(curl -sf "http://127.0.0.1:$p/file" | sha256sum)" = "$(sha256sum < "$TMP/www/file")" ]
  nn port rm --nest "$NEST" 1
}

@test "a port published on all addresses serves the file over 127.0.0.1 and [::1] from one dual-stack socket" {
  up_nest user
  serve_http 80
  p=$(free_port)
  run nnu port add --nest "$NEST" "$p:80"
  [ "$output" = 1 ]
  [ "$(ss -Htln "sport = :$p" | awk '{print $4}')" = "*:$p" ]
  [ "$(curl -sf "http://127.0.0.1:$p/file" | sha256sum)" = "$(sha256sum < "$TMP/www/file")" ]
  [ "$(curl -sfg "http://[::1]:$p/file" | sha256sum)" = "$(sha256sum < "$TMP/www/file")" ]
  # the wildcard still meets every address of its families
  run nnu port add --nest "$NEST" "127.0.0.1:$p:80"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: host port $p is already in use: it conflicts with published port 1 (tcp 0.0.0.0:$p)" ]
}

@test "udp: a published port answers each client from the nest, over IPv4 and IPv6" {
  up_nest user
  p=$(free_udp_port) q=$(free_udp_port)
  serve_udp_echo 127.0.0.1:7 [::1]:7
  run nnu port add --nest "$NEST" "$p:7/udp"
  [ "$output" = 1 ]
  run nnu port add --nest "$NEST" "[::1]:$q:7/udp6"
  [ "$output" = 2 ]
  run nnu port ls --nest "$NEST" --json
  [ "$(jq -c '[.ports[] | [.proto, .host_ip, .child_ip]]' <<<"$output")" = '[["udp","0.0.0.0","127.0.0.1"],["udp6","::1","::1"]]' ]
  [ "$(ss -Huln "sport = :$p" | awk '{print $4}')" = "*:$p" ]
  [ "$(ss -Huln "sport = :$q" | awk '{print $4}')" = "[::1]:$q" ]
  # two clients at once, each gets its own answer; the reply comes from the address asked
  udp_ask 127.0.0.1 "$p" "one $NEST" > "$TMP/a1" &
  a1=$!
  udp_ask ::1 "$p" "two $NEST" > "$TMP/a2" &
  a2=$!
  wait "$a1"
  wait "$a2"
  [ "$(cat "$TMP/a1")" = "echo one $NEST" ]
  [ "$(cat "$TMP/a2")" = "echo two $NEST" ]
  run udp_ask ::1 "$q" "six"
  [ "$output" = "echo six" ]
  # a port already taken on the host is named with its protocol
  run nnu port add --nest "$NEST" "[::1]:$q:7/udp6"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: host port $q/udp is already in use: it conflicts with published port 2 (udp6 [::1]:$q)" ]
  hold_port udp 127.0.0.1 "$((q + 1))"
  run nnu port add --nest "$NEST" "127.0.0.1:$((q + 1)):7/udp"
  release_port "$((q + 1))"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: host port $((q + 1))/udp is already in use: bind 127.0.0.1:$((q + 1)): another socket is bound to it" ]
}

@test "udp: flows hold a socket each, nothing runs once the traffic stops, port rm frees them all" {
  up_nest user
  p=$(free_udp_port)
  serve_udp_echo 127.0.0.1:7
  child=$(cat "$STATE/child_pid")
  fds() { ls "/proc/$child/fd" | wc -l; }
  threads() { ls "/proc/$child/task" | wc -l; }
  cpu() { awk '{print $14 + $15}' "/proc/$child/stat"; }
  # shellcheck disable=SC2034 # read by the wait_until texts below
  fd0=$(fds) th0=$(threads)
  nnu port add --nest "$NEST" "127.0.0.1:$p:7/udp"
  for i in $(seq 5); do [ "$(udp_ask 127.0.0.1 "$p" "c$i")" = "echo c$i" ]; done
  # the relay thread; its epoll, eventfd, nest netns fd, host socket, one flow per client
  wait_until 'test "$(threads)" -eq "$((th0 + 1))"'
  wait_until 'test "$(fds)" -eq "$((fd0 + 4 + 5))"'
  # idle flows wait for their timeout without a tick: no CPU in 3 s
  t0=$(cpu)
  sleep 3
  [ "$(cpu)" -eq "$t0" ]
  nnu port rm --nest "$NEST" 1
  wait_until 'test "$(fds)" -eq "$fd0"'
  wait_until 'test "$(threads)" -eq "$th0"'
  [ -z "$(ss -Huln "sport = :$p")" ]
}

# free_ports N: the first of N ports in a row nothing listens on
free_ports() { free_port_ss -Htln $(($1 - 1)); }

# ports_answer P N: what each of host ports P .. P+N-1 answers, on a line ("80 81 82")
ports_answer() {
  local i out=()
  for ((i = 0; i < $2; i++)); do
    out+=("$(curl -sS --max-time 5 "http://127.0.0.1:$(($1 + i))/")")
  done
  echo "${out[*]}"
}

@test "run -p with port ranges of one size publishes each port to its own: traffic reaches each, ps shows the range, port ls a row each" {
  up_nest user
  p=$(free_ports 3)
  nnu run -d --nest "$NEST" --name web -p "$p-$((p + 2)):80-82" -- \
    /usr/bin/python3 "$NN_ROOT/tests/helpers/http_port.py" 80 81 82 >/dev/null 3>&-
  wait_for curl -sf "http://127.0.0.1:$((p + 2))/"
  [ "$(ports_answer "$p" 3)" = "80 81 82" ]
  # and over IPv6, from the same dual-stack sockets
  [ "$(curl -sS --max-time 5 -g "http://[::1]:$((p + 1))/")" = 81 ]
  run nnu ps --nest "$NEST"
  [[ ${lines[1]} =~ ^web\ .*\ 0\.0\.0\.0:$p-$((p + 2))-\>80-82/tcp\  ]] || { echo "$output"; false; }
  run nnu ps --nest "$NEST" --json
  [ "$(jq -c '[.sandboxes[0].ports[] | [.host_port, .sandbox_port]]' <<<"$output")" = "[[$p,80],[$((p + 1)),81],[$((p + 2)),82]]" ]
  run nnu port ls --nest "$NEST" --json
  [ "$(jq -c '[.ports[] | [.id, .host_port, .sandbox, .child_port]]' <<<"$output")" = "[[1,$p,\"web\",80],[2,$((p + 1)),\"web\",81],[3,$((p + 2)),\"web\",82]]" ]
  run nnu port ls --nest "$NEST"
  [ "${#lines[@]}" -eq 4 ]
  # port add takes a range too: one ID a line, each port its own
  q=$(free_ports 2)
  run nnu port add --nest "$NEST" web "127.0.0.1:$q-$((q + 1)):81-82"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '4\n5')" ]
  [ "$(ports_answer "$q" 2)" = "81 82" ]
  run nnu ps --nest "$NEST"
  [[ ${lines[1]} == *"0.0.0.0:$p-$((p + 2))->80-82/tcp,127.0.0.1:$q-$((q + 1))->81-82/tcp "* ]] || { echo "$output"; false; }
  # the sandbox's end takes all of them
  nnu stop --nest "$NEST" web
  run nnu port ls --nest "$NEST" --json
  [ "$(jq -c .ports <<<"$output")" = "[]" ]
  [ -z "$(ss -Htln "( sport >= :$p and sport <= :$((p + 2)) ) or ( sport >= :$q and sport <= :$((q + 1)) )")" ]
}

@test "a range with one host port taken publishes nothing, on run -p and on port add, and the error names that port" {
  up_nest user
  p=$(free_ports 3)
  taken=$((p + 1))
  iperf3 -s -D -p "$taken" -I "$TMP/iperf.pid" 3>&-
  PIDFILES+=("$TMP/iperf.pid")
  wait_for sh -c "ss -Htln 'sport = :$taken' | grep -q ."
  spec="$p-$((p + 2)):80-82"
  run nnu run --nest "$NEST" --name web -p "$spec" -- true
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: sandbox web: port spec \"$spec\" (host port $taken/tcp of the range): host port $taken is already in use: bind [::]:$taken: another socket is bound to it" ]
  run nnu port add --nest "$NEST" "$spec"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: port spec \"$spec\" (host port $taken/tcp of the range): host port $taken is already in use: bind [::]:$taken: another socket is bound to it" ]
  # nothing of either is left: no port, no sandbox, no listener but the taker's
  run nnu port ls --nest "$NEST" --json
  [ "$(jq -c .ports <<<"$output")" = "[]" ]
  run nnu ps --nest "$NEST" --json
  [ "$(jq -c .sandboxes <<<"$output")" = "[]" ]
  [ -z "$(ss -Htln "( sport = :$p or sport = :$((p + 2)) )")" ]
  # a range that meets another -p of the same run is bad usage, naming the first shared port
  run nnu run --nest "$NEST" -p "$p-$((p + 2)):80-82" -p "$((p + 2)):90" -- true
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "netnest run: -p $p-$((p + 2)):80-82 and -p $((p + 2)):90 both want host port $((p + 2))" ]
}
