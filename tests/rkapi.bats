#!/usr/bin/env bats
# RootlessKit's clients against a nest, and the network RootlessKit gives a child's own
# bridges: Debian's rootlessctl, Debian's rootlesskit-docker-proxy driven the way dockerd
# 20.10 drives it (in the nest's netns, with ROOTLESSKIT_STATE_DIR), and a bridge made by
# hand in the nest.  Rootless as nntest.  Traffic goes only to loopback and to namespaces
# the tests make.

load helpers/common
load helpers/ports

setup() {
  ports_setup
  PROXIES=() # rootlesskit-docker-proxy PIDs this test started
}

teardown() {
  local p
  for p in "${PROXIES[@]}"; do kill -INT "$p" 2>/dev/null; done
  for p in "${PROXIES[@]}"; do wait_for test ! -d "/proc/$p"; done
  if [[ -n ${DEBPID:-} ]]; then
    rm -f "$TMP/deb.run" # its child ends, and rootlesskit with it
    wait_until "gone $DEBPID" || kill -9 "$DEBPID"
  fi
  ports_teardown
}

# gone PID: no such process, or a zombie (this VM's init does not reap orphans)
gone() { [ ! -d "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# deb_up: Debian's rootlesskit 1.1, the anchor, as nntest with a state dir of its own
# ($DEB) and the builtin port driver; its child waits while $TMP/deb.run is there
# (teardown removes it, so rootlesskit ends as it does when its child exits)
deb_up() {
  mkdir -p "$TMP/u" && chown "$NN_USER" "$TMP/u"
  DEB=$TMP/u/rk
  touch "$TMP/deb.run"
  (cd /tmp && as_user sh -c 'echo $$ >"$0"; exec /usr/bin/rootlesskit --state-dir="$1" \
    --net=slirp4netns --port-driver=builtin sh -c "while [ -e \"\$0\" ]; do sleep 0.2; done" "$2"' \
    "$TMP/u/deb.pid" "$DEB" "$TMP/deb.run" >"$TMP/deb.log" 2>&1 3>&- &)
  wait_for test -S "$DEB/api.sock" || { cat "$TMP/deb.log"; false; }
  DEBPID=$(cat "$TMP/u/deb.pid")
}

# status SOCKET CURL_ARGS... PATH: "STATUS [ALLOW]" of a request to the API on SOCKET
status() {
  local sock=$1 path=${*: -1}
  curl -s -o /dev/null -D - --unix-socket "$sock" "${@:2:$#-2}" "http://localhost$path" |
    awk 'NR == 1 { s = $2 } tolower($1) == "allow:" { sub(/\r$/, ""); sub(/^[^:]*: */, ""); a = $0 }
         END { print s " [" a "]" }'
}

rlctl() { as_user rootlessctl --socket "$STATE/api.sock" "$@"; }

# sandbox_ip NAME: the lease of sandbox NAME
sandbox_ip() { nnu ps --nest "$NEST" --json | jq -r ".sandboxes[] | select(.name == \"$1\") | .ip"; }

# docker_proxy PROTO HOSTIP HOSTPORT CONTAINERIP CONTAINERPORT: rootlesskit-docker-proxy as
# dockerd runs it for one (proto, host IP) of a -p: in the nest's netns, with the state
# dir in ROOTLESSKIT_STATE_DIR and a status pipe on fd 3, where docker-proxy writes "0"
# once it listens (on the nest's loopback).  Its PID goes to PROXIES.
docker_proxy() {
  local st pid
  st="$TMP/proxy.$1.$3.$(tr -dc 0-9 <<<"$2").status"
  nnu exec --nest "$NEST" nest -- env ROOTLESSKIT_STATE_DIR="$STATE" \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin rootlesskit-docker-proxy -proto "$1" -host-ip "$2" \
    -host-port "$3" -container-ip "$4" -container-port "$5" 3>"$st" >"$st.log" 2>&1 &
  wait_until "grep -qx 0 '$st'" || { cat "$st" "$st.log"; false; }
  pid=$(pgrep -f -- "^rootlesskit-docker-proxy -proto $1 -host-ip $2 -host-port $3 ")
  [[ $pid =~ ^[0-9]+$ ]]
  PROXIES+=("$pid")
}

# docker_publish PROTO HOSTPORT CONTAINERIP CONTAINERPORT: what dockerd 20.10 does for
# -p HOSTPORT:CONTAINERPORT[/udp]: a proxy for host IP 0.0.0.0 and one for ::, which post
# PROTO4 0.0.0.0:HOSTPORT and PROTO6 :::HOSTPORT (childPort = HOSTPORT, issue7-spec 8.1)
docker_publish() {
  docker_proxy "$1" 0.0.0.0 "$2" "$3" "$4"
  docker_proxy "$1" :: "$2" "$3" "$4"
  run api /v1/ports
  [ "$(jq -c '[.[] | .spec | [.proto, .parentIP, .parentPort, .childPort]] | sort' <<<"${lines[0]}")" = "[[\"${1}4\",\"0.0.0.0\",$2,$2],[\"${1}6\",\"::\",$2,$2]]" ]
}

@test "the tools are there: rootlessctl, rootlesskit-docker-proxy and the docker-proxy it runs" {
  command -v rootlessctl
  command -v rootlesskit-docker-proxy
  [ -x /usr/sbin/docker-proxy ] || [ -x /usr/bin/docker-proxy ]
}

@test "GET /v1/info is RootlessKit 1.1.1's object field for field, and rootlessctl info reads it" {
  up_nest user
  run api /v1/info
  [ "${lines[1]}" = 200 ]
  ver=$(nnu --version | awk '{print $2}')
  expected=$(printf '{"apiVersion":"1.1.1","version":"%s","stateDir":"%s","childPID":%s,%s,%s}' \
    "$ver" "$STATE" "$(cat "$STATE/child_pid")" \
    '"networkDriver":{"driver":"slirp4netns","dns":["10.0.2.3","fd00::3"],"childIP":"10.0.2.100"}' \
    '"portDriver":{"driver":"builtin","protos":["tcp","tcp4","tcp6","udp","udp4","udp6"],"disallowLoopbackChildIP":false}')
  [ "${lines[0]}" = "$expected" ]
  run rlctl info
  [[ $output == *"- Network Driver: slirp4netns"* ]]
  [[ $output == *"- Supported protocols: [tcp tcp4 tcp6 udp udp4 udp6]"* ]]
}

@test "rootlessctl add-ports tcp4 0.0.0.0:P and tcp6 [::]:P: two sockets side by side, each carries the file" {
  up_nest user
  serve_http 80
  serve_http 80 [::1]
  p=$(free_port)
  run rlctl add-ports "0.0.0.0:$p:80/tcp4"
  [ "$output" = 1 ]
  run rlctl add-ports "[::]:$p:80/tcp6"
  [ "$output" = 2 ]
  [ "$(ss -Htln "sport = :$p" | awk '{print $4}' | sort | paste -sd' ')" = "0.0.0.0:$p [::]:$p" ]
  [ "$(curl -sf "http://127.0.0.1:$p/file" | sha256sum)" = "$(sha256sum < "$TMP/www/file")" ]
  [ "$(curl -sfg "http://[::1]:$p/file" | sha256sum)" = "$(sha256sum < "$TMP/www/file")" ]
  run rlctl list-ports --json
  [ "${lines[0]}" = "{\"id\":1,\"spec\":{\"proto\":\"tcp4\",\"parentIP\":\"0.0.0.0\",\"parentPort\":$p,\"childPort\":80}}" ]
  [ "${lines[1]}" = "{\"id\":2,\"spec\":{\"proto\":\"tcp6\",\"parentIP\":\"::\",\"parentPort\":$p,\"childPort\":80}}" ]
  # within a family the wildcard still meets every address
  run rlctl add-ports "127.0.0.1:$p:80/tcp4"
  [ "$status" -ne 0 ]
  [[ $output == *"host port $p is already in use: it conflicts with published port 1 (tcp4 0.0.0.0:$p)"* ]]
  run rlctl add-ports "[::1]:$p:80/tcp6"
  [[ $output == *"conflicts with published port 2 (tcp6 [::]:$p)"* ]]
  # each family goes with its own socket
  rlctl remove-ports 1
  run curl -s "http://127.0.0.1:$p/index.html"
  [ "$status" -eq 7 ]
  run curl -sfg "http://[::1]:$p/index.html"
  [ "$output" = "hello from the nest" ]
  rlctl remove-ports 2
  [ -z "$(ss -Htln "sport = :$p")" ]
}

@test "rootlessctl add-ports honours the child address, across families too" {
  up_nest user
  serve_http 80
  mkdir -p "$TMP/www2" && echo "sandbox web2" > "$TMP/www2/index.html" && chmod -R a+rX "$TMP/www2"
  nnu run -d --nest "$NEST" --name web2 -- busybox httpd -f -p 80 -h "$TMP/www2"
  ip=$(sandbox_ip web2)
  p=$(free_port) q=$(free_port)
  # IPv6 clients of a tcp6 port, served by the nest's 127.0.0.1
  run rlctl add-ports "[::1]:$p:127.0.0.1:80/tcp6"
  [ "$output" = 1 ]
  run curl -sfg "http://[::1]:$p/index.html"
  [ "$output" = "hello from the nest" ]
  run rlctl add-ports "127.0.0.1:$q:$ip:80/tcp4"
  [ "$output" = 2 ]
  wait_for curl -sf "http://127.0.0.1:$q/index.html"
  run curl -sf "http://127.0.0.1:$q/index.html"
  [ "$output" = "sandbox web2" ]
  run rlctl list-ports --json
  [ "${lines[0]}" = "{\"id\":1,\"spec\":{\"proto\":\"tcp6\",\"parentIP\":\"::1\",\"parentPort\":$p,\"childPort\":80,\"childIP\":\"127.0.0.1\"}}" ]
  nnu stop --nest "$NEST" web2
}

@test "rootlessctl add-ports udp4 and udp6 on one port answer each client from the nest" {
  up_nest user
  p=$(free_udp_port)
  serve_udp_echo 127.0.0.1:7 [::1]:7
  run rlctl add-ports "0.0.0.0:$p:7/udp4"
  [ "$output" = 1 ]
  run rlctl add-ports "[::]:$p:7/udp6"
  [ "$output" = 2 ]
  [ "$(ss -Huln "sport = :$p" | awk '{print $4}' | sort | paste -sd' ')" = "0.0.0.0:$p [::]:$p" ]
  run udp_ask 127.0.0.1 "$p" "four $NEST"
  [ "$output" = "echo four $NEST" ]
  run udp_ask ::1 "$p" "six $NEST"
  [ "$output" = "echo six $NEST" ]
  run rlctl list-ports
  [[ ${lines[1]} =~ ^1\ +udp4\ +0\.0\.0\.0\ +$p\ +7\ +$ ]]
  [[ ${lines[2]} =~ ^2\ +udp6\ +::\ +$p\ +7\ +$ ]]
  rlctl remove-ports 1 2
  [ -z "$(ss -Huln "sport = :$p")" ]
}

@test "rootlesskit-docker-proxy, as dockerd runs it for -p P:80, publishes tcp4 and tcp6 and both carry a 1 MiB file" {
  up_nest user
  mkdir -p "$TMP/www" && head -c 1048576 /dev/urandom > "$TMP/www/file" && chmod -R a+rX "$TMP/www"
  nnu run -d --nest "$NEST" --name web -- busybox httpd -f -p 80 -h "$TMP/www"
  ip=$(sandbox_ip web)
  p=$(free_port)
  docker_publish tcp "$p" "$ip" 80
  [ "$(ss -Htln "sport = :$p" | awk '{print $4}' | sort | paste -sd' ')" = "0.0.0.0:$p [::]:$p" ]
  [ "$(curl -sf "http://127.0.0.1:$p/file" | sha256sum)" = "$(sha256sum < "$TMP/www/file")" ]
  [ "$(curl -sfg "http://[::1]:$p/file" | sha256sum)" = "$(sha256sum < "$TMP/www/file")" ]
  # SIGINT, as dockerd stops it: the proxy removes its port
  kill -INT "${PROXIES[@]}"
  wait_until '[ "$(api /v1/ports | head -1)" = "[]" ]'
  [ -z "$(ss -Htln "sport = :$p")" ]
  nnu stop --nest "$NEST" web
}

@test "rootlesskit-docker-proxy -proto udp, as dockerd runs it for -p P:7/udp, answers over IPv4 and IPv6" {
  up_nest user
  mkdir -m 0777 "$TMP/u"
  install -m 0755 "$NN_ROOT/tests/helpers/udp_echo.py" "$TMP/u/"
  nnu run -d --nest "$NEST" --name echo -- /usr/bin/python3 "$TMP/u/udp_echo.py" \
    serve "$TMP/u/echo.pid" 0.0.0.0:7
  wait_for test -s "$TMP/u/echo.pid"
  ip=$(sandbox_ip echo)
  p=$(free_udp_port)
  docker_publish udp "$p" "$ip" 7
  [ "$(ss -Huln "sport = :$p" | awk '{print $4}' | sort | paste -sd' ')" = "0.0.0.0:$p [::]:$p" ]
  run udp_ask 127.0.0.1 "$p" "docker four"
  [ "$output" = "echo docker four" ]
  run udp_ask ::1 "$p" "docker six"
  [ "$output" = "echo docker six" ]
  kill -INT "${PROXIES[@]}"
  wait_until '[ "$(api /v1/ports | head -1)" = "[]" ]'
  nnu stop --nest "$NEST" echo
}

@test "a bridge the nest's user makes gets out through tap0, masqueraded, as under RootlessKit" {
  mkdir -p "$TMP/host"
  echo "host loopback $NEST" > "$TMP/host/index.html"
  chmod -R a+rX "$TMP/host"
  hp=$(free_port)
  PIDFILES+=("$TMP/hosthttpd.pid")
  sh -c "echo \$\$ > $TMP/hosthttpd.pid; exec busybox httpd -f -p 127.0.0.1:$hp -h $TMP/host" 3>&- &
  wait_for curl -sf "http://127.0.0.1:$hp/index.html"
  STATE=/run/user/$(nn_uid)/netnest/$NEST
  nnu up -d --nest "$NEST" --allow-host-loopback
  UP+=("user $NEST")
  # as the nest's root: bridge r3br0 172.31.250.1/24, a veth into a netns of our own (a
  # sleep's, killed by teardown)
  mkdir -m 0777 "$TMP/u"
  PIDFILES+=("$TMP/u/sleep.pid")
  run nnu exec --nest "$NEST" nest -- sh -ec '
    ip link add r3br0 type bridge
    ip addr add 172.31.250.1/24 dev r3br0
    ip link set r3br0 up
    unshare -n sleep 300 </dev/null >/dev/null 2>&1 3>&- &
    p=$!
    echo "$p" > "$1/sleep.pid"
    # the sleep is in a netns of its own once unshare(2) has run
    for i in $(seq 50); do
      [ "$(readlink /proc/$p/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
      sleep 0.1
    done
    ip link add r3veth0 type veth peer name r3veth1
    ip link set r3veth1 netns "$p"
    ip link set r3veth0 master r3br0 up
    nsenter -t "$p" -n ip addr add 172.31.250.2/24 dev r3veth1
    nsenter -t "$p" -n ip link set r3veth1 up
    nsenter -t "$p" -n ip route add default via 172.31.250.1' sh "$TMP/u" 3>&-
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  pid=$(cat "$TMP/u/sleep.pid")
  # the host's loopback, through the engine's gateway: forwarded from r3br0, masqueraded
  run nnu exec --nest "$NEST" nest -- nsenter -t "$pid" -n curl -sS --max-time 5 \
    "http://10.0.2.2:$hp/index.html"
  [ "$status" -eq 0 ]
  [ "$output" = "host loopback $NEST" ]
  run nnu exec --nest "$NEST" nest -- nft list chain ip netnest postrouting
  [[ $output == *'oifname "tap0" fib saddr type != local masquerade'* ]]
  # netnest's own sandboxes keep theirs
  run nnu run --nest "$NEST" -- curl -sS --max-time 5 "http://10.0.2.2:$hp/index.html"
  [ "$output" = "host loopback $NEST" ]
}

@test "an IPv4-mapped parentIP listens on its IPv4 address and is reported back as given, as RootlessKit's" {
  up_nest user
  serve_http 80
  p=$(free_port)
  run api -X POST -d "{\"proto\":\"tcp\",\"parentIP\":\"::ffff:127.0.0.1\",\"parentPort\":$p,\"childPort\":80}" /v1/ports
  [ "${lines[1]}" = 201 ]
  [ "${lines[0]}" = "{\"id\":1,\"spec\":{\"proto\":\"tcp\",\"parentIP\":\"::ffff:127.0.0.1\",\"parentPort\":$p,\"childPort\":80}}" ]
  [ "$(ss -Htln "sport = :$p" | awk '{print $4}')" = "127.0.0.1:$p" ]
  [ "$(curl -sf "http://127.0.0.1:$p/index.html")" = "hello from the nest" ]
  run api /v1/ports
  [ "${lines[0]}" = "[{\"id\":1,\"spec\":{\"proto\":\"tcp\",\"parentIP\":\"::ffff:127.0.0.1\",\"parentPort\":$p,\"childPort\":80}}]" ]
  # it is 127.0.0.1: that address conflicts, ::1 does not
  run api -X POST -d "{\"proto\":\"tcp\",\"parentIP\":\"127.0.0.1\",\"parentPort\":$p,\"childPort\":80}" /v1/ports
  [ "${lines[1]}" = 400 ]
  [[ ${lines[0]} == *"conflicts with published port 1"* ]]
  run api -X POST -d "{\"proto\":\"tcp\",\"parentIP\":\"::1\",\"parentPort\":$p,\"childPort\":80}" /v1/ports
  [ "${lines[1]}" = 201 ]
  # tcp4 takes it; tcp6 does not (Go: "no suitable address")
  q=$(free_port)
  run api -X POST -d "{\"proto\":\"tcp4\",\"parentIP\":\"::ffff:127.0.0.1\",\"parentPort\":$q,\"childPort\":80}" /v1/ports
  [ "${lines[1]}" = 201 ]
  [ "$(ss -Htln "sport = :$q" | awk '{print $4}')" = "127.0.0.1:$q" ]
  r=$(free_port)
  run api -X POST -d "{\"proto\":\"tcp6\",\"parentIP\":\"::ffff:127.0.0.1\",\"parentPort\":$r,\"childPort\":80}" /v1/ports
  [ "${lines[1]}" = 400 ]
  [ "${lines[0]}" = '{"message":"port spec: host address ::ffff:127.0.0.1 is not an IPv6 address (tcp6): an IPv4-mapped address is its IPv4 address"}' ]
  # netnest port add takes it the same way
  s=$(free_port)
  run nnu port add --nest "$NEST" "[::ffff:127.0.0.1]:$s:80"
  [ "$status" -eq 0 ]
  [ "$(ss -Htln "sport = :$s" | awk '{print $4}')" = "127.0.0.1:$s" ]
  [ "$(curl -sf "http://127.0.0.1:$s/index.html")" = "hello from the nest" ]
}

@test "/v1/ports takes GET and POST, /v1/ports/{id} DELETE, /v1/info GET: 405 with that path's Allow, 404 past them, as RootlessKit's mux routes them" {
  up_nest user
  deb_up
  # method, path, netnest's answer; Debian's has the same status (its 405 has no Allow)
  while read -r m path want; do
    [ "$(status "$STATE/api.sock" -X "$m" "$path")" = "$want" ] ||
      { echo "netnest $m $path: $(status "$STATE/api.sock" -X "$m" "$path"), not $want"; false; }
    [ "$(status "$DEB/api.sock" -X "$m" "$path")" = "${want%% *} []" ] ||
      { echo "Debian $m $path: $(status "$DEB/api.sock" -X "$m" "$path")"; false; }
  done <<'EOF'
GET /v1/ports/1 405 [DELETE]
POST /v1/ports/1 405 [DELETE]
PUT /v1/ports/1 405 [DELETE]
PUT /v1/ports 405 [GET, POST]
DELETE /v1/ports 405 [GET, POST]
POST /v1/info 405 [GET]
GET /v1/ports/ 404 []
DELETE /v1/ports/ 404 []
DELETE /v1/ports/1/2 404 []
GET /v1/info/ 404 []
GET /v1/nothing 404 []
GET /v1/info 200 []
GET /v1/ports 200 []
DELETE /v1/ports/1 400 []
EOF
  # a routing miss says so, never an errno's text
  run api /v1/ports/
  [ "$output" = $'{"message":"no route for GET /v1/ports/"}\n404' ]
  run api -X DELETE /v1/ports/
  [ "$output" = $'{"message":"no route for DELETE /v1/ports/"}\n404' ]
  run api /v1/ports/1
  [ "$output" = $'{"message":"method GET is not allowed on /v1/ports/1 (allowed: DELETE)"}\n405' ]
  run api /v1/info/
  [ "${lines[1]}" = 404 ]
}

@test "POST /v1/ports reads its body as Go does: keys in any case, the first JSON value, as Debian's rootlesskit" {
  up_nest user
  deb_up
  # each body to both, NNP a free port of each: the same answers, id for id
  while read -r body; do
    p=$(free_port)
    mine=$(api -X POST -d "${body//NNP/$p}" /v1/ports | sed "s/$p/NNP/g")
    p=$(free_port)
    deb=$(curl -s --unix-socket "$DEB/api.sock" -w '\n%{http_code}' -X POST -d "${body//NNP/$p}" \
      http://localhost/v1/ports | sed "s/$p/NNP/g")
    [ "$mine" = "$deb" ] || { echo "$body: netnest $mine, Debian $deb"; false; }
    [ "${mine##*$'\n'}" = 201 ]
  done <<'EOF'
{"Proto":"tcp","ParentIP":"127.0.0.1","ParentPort":NNP,"ChildPort":80}
{"PROTO":"tcp4","parentip":"127.0.0.1","PARENTPORT":NNP,"childport":80}
{"PROTO":"udp","proto":"tcp","parentPort":NNP,"childPort":80}
{"proto":"tcp","parentPort":NNP,"childPort":80} trailing
{"proto":"tcp","parentPort":NNP,"childPort":80}{}
{"proto":"tcp","parentIP":"::ffff:127.0.0.1","parentPort":NNP,"childPort":80}
EOF
  # the first listens where it said
  run api /v1/ports
  p=$(jq -r '.[0].spec.parentPort' <<<"${lines[0]}")
  [ "$(ss -Htln "sport = :$p" | awk '{print $4}')" = "127.0.0.1:$p" ]
  # what does not start as JSON still is not
  run api -X POST -d 'trailing {"proto":"tcp"}' /v1/ports
  [ "${lines[1]}" = 400 ]
  [[ ${lines[0]} == '{"message":"bad JSON in the request body: '* ]]
}
