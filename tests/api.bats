#!/usr/bin/env bats
# The control API on $STATE/api.sock: RootlessKit's /v1/ shapes, with Debian's rootlessctl
# (rootlesskit package) as the conformance client.  Rootless as nntest unless "as root".

load helpers/common
load helpers/ports

setup() { ports_setup; }
teardown() { ports_teardown; }

rlctl() { as_user rootlessctl --socket "$STATE/api.sock" "$@"; }

@test "api.sock is a socket of mode 0600 owned by the user" {
  up_nest user
  run stat -c '%F %a %U' "$STATE/api.sock"
  [ "$output" = "socket 600 $NN_USER" ]
}

@test "rootlessctl info shows the state dir, the child pid and the drivers" {
  up_nest user
  run rlctl info
  [ "$status" -eq 0 ]
  [[ $output == *"- REST API version: 1.1.1"* ]]
  [[ $output == *"- State Directory: $STATE"* ]]
  [[ $output == *"- Child PID: $(cat "$STATE/child_pid")"* ]]
  [[ $output == *"- Port Driver: builtin"* ]]
  run rlctl info --json
  [ "$(jq -r '.networkDriver.dns[0], .networkDriver.childIP, .portDriver.protos[0]' <<<"$output" \
      | tr '\n' ' ')" = "10.0.2.3 10.0.2.100 tcp " ]
}

@test "rootlessctl add-ports serves a file from the nest, list-ports shows it, remove-ports closes it" {
  up_nest user
  serve_http 80
  p=$(free_port)
  run rlctl add-ports "0.0.0.0:$p:80/tcp"
  [ "$status" -eq 0 ]
  [ "$output" = 1 ]
  run curl -sf "http://127.0.0.1:$p/index.html"
  [ "$output" = "hello from the nest" ]
  [ "$(curl -sf "http://127.0.0.1:$p/file" | sha256sum)" = "$(sha256sum < "$TMP/www/file")" ]
  run rlctl list-ports
  [ "${lines[0]}" = "ID    PROTO    PARENTIP    PARENTPORT    CHILDIP    CHILDPORT    " ]
  [[ ${lines[1]} =~ ^1\ +tcp\ +0\.0\.0\.0\ +$p\ +80\ +$ ]]
  run rlctl list-ports --json
  [ "$output" = "{\"id\":1,\"spec\":{\"proto\":\"tcp\",\"parentIP\":\"0.0.0.0\",\"parentPort\":$p,\"childPort\":80}}" ]
  run rlctl remove-ports 1
  [ "$status" -eq 0 ]
  run curl -s "http://127.0.0.1:$p/index.html"
  [ "$status" -eq 7 ] # could not connect: nothing listens any more
  run rlctl list-ports
  [ "${#lines[@]}" -eq 1 ]
}

@test "rootlessctl add-ports to a sandbox's address serves its file" {
  up_nest user
  mkdir -p "$TMP/www" && head -c 1048576 /dev/urandom > "$TMP/www/file" && chmod -R a+rX "$TMP/www"
  nnu run -d --nest "$NEST" --name web -- busybox httpd -f -p 80 -h "$TMP/www"
  ip=$(nnu ps --nest "$NEST" --json | jq -r '.sandboxes[] | select(.name == "web") | .ip')
  [[ $ip == 10.4.0.* ]]
  p=$(free_port)
  run rlctl add-ports "0.0.0.0:$p:$ip:80/tcp"
  [ "$output" = 1 ]
  run rlctl list-ports
  [[ ${lines[1]} =~ ^1\ +tcp\ +0\.0\.0\.0\ +$p\ +${ip//./\\.}\ +80\ +$ ]]
  wait_for curl -sf -o /dev/null "http://127.0.0.1:$p/file"
  [ "$(curl -sf "http://127.0.0.1:$p/file" | sha256sum)" = "$(sha256sum < "$TMP/www/file")" ]
  run rlctl remove-ports 1
  run curl -s "http://127.0.0.1:$p/file"
  [ "$status" -eq 7 ]
  nnu stop --nest "$NEST" web
}

@test "a conflicting port is refused with 400 and a message naming the port" {
  up_nest user
  p=$(free_port)
  run api -X POST -d "{\"proto\":\"tcp\",\"parentPort\":$p,\"childPort\":80}" /v1/ports
  [ "${lines[1]}" = 201 ]
  [ "$(jq -c . <<<"${lines[0]}")" = "{\"id\":1,\"spec\":{\"proto\":\"tcp\",\"parentPort\":$p,\"childPort\":80}}" ]
  run api -X POST -d "{\"proto\":\"tcp\",\"parentIP\":\"127.0.0.1\",\"parentPort\":$p,\"childPort\":81}" /v1/ports
  [ "${lines[1]}" = 400 ]
  [[ $(jq -r .message <<<"${lines[0]}") == "host port $p is already in use"* ]]
  run rlctl add-ports "127.0.0.1:$p:82/tcp"
  [ "$status" -ne 0 ]
  [[ $output == *"error: host port $p is already in use"* ]]
}

@test "POST /v1/ports takes every proto: tcp4 and tcp6 on one port get 201, a same-family overlap 400" {
  up_nest user
  p=$(free_udp_port)
  run api -X POST -d "{\"proto\":\"tcp4\",\"parentIP\":\"0.0.0.0\",\"parentPort\":$p,\"childIP\":\"127.0.0.1\",\"childPort\":$p}" /v1/ports
  [ "${lines[1]}" = 201 ]
  [ "${lines[0]}" = "{\"id\":1,\"spec\":{\"proto\":\"tcp4\",\"parentIP\":\"0.0.0.0\",\"parentPort\":$p,\"childPort\":$p,\"childIP\":\"127.0.0.1\"}}" ]
  run api -X POST -d "{\"proto\":\"tcp6\",\"parentIP\":\"::\",\"parentPort\":$p,\"childIP\":\"::1\",\"childPort\":$p}" /v1/ports
  [ "${lines[1]}" = 201 ]
  for proto in udp4 udp6; do
    run api -X POST -d "{\"proto\":\"$proto\",\"parentPort\":$p,\"childPort\":$p}" /v1/ports
    [ "${lines[1]}" = 201 ]
  done
  run api -X POST -d "{\"proto\":\"tcp\",\"parentIP\":\"127.0.0.1\",\"parentPort\":$p,\"childPort\":80}" /v1/ports
  [ "${lines[1]}" = 400 ]
  [ "$(jq -r .message <<<"${lines[0]}")" = "host port $p is already in use: it conflicts with published port 1 (tcp4 0.0.0.0:$p)" ]
  run api -X POST -d "{\"proto\":\"udp\",\"parentPort\":$p,\"childPort\":80}" /v1/ports
  [ "${lines[1]}" = 400 ]
  [ "$(jq -r .message <<<"${lines[0]}")" = "host port $p/udp is already in use: it conflicts with published port 3 (udp4 0.0.0.0:$p)" ]
  run api -X POST -d "{\"proto\":\"tcp4\",\"parentIP\":\"::1\",\"parentPort\":$((p + 1)),\"childPort\":80}" /v1/ports
  [ "${lines[1]}" = 400 ]
  [ "$(jq -r .message <<<"${lines[0]}")" = "port spec: host address ::1 is not an IPv4 address (tcp4)" ]
  run api -X POST -d "{\"proto\":\"sctp\",\"parentPort\":$((p + 1)),\"childPort\":80}" /v1/ports
  [ "${lines[1]}" = 400 ]
  [ "$(jq -r .message <<<"${lines[0]}")" = "port spec: sctp is not supported: netnest publishes tcp and udp" ]
  [ "$(ss -Htuln "sport = :$p" | awk '{print $1, $5}' | sort | paste -sd,)" = "tcp 0.0.0.0:$p,tcp [::]:$p,udp 0.0.0.0:$p,udp [::]:$p" ]
  run api /v1/ports
  [ "$(jq -c '[.[] | .spec.proto]' <<<"${lines[0]}")" = '["tcp4","tcp6","udp4","udp6"]' ]
}

@test "bad JSON, a bad spec and an oversized body are refused with 400 or 413 and a message" {
  up_nest user
  run api -X POST -d '{bad' /v1/ports
  [ "${lines[1]}" = 400 ]
  [[ $(jq -r .message <<<"${lines[0]}") == "bad JSON in the request body"* ]]
  run api -X POST -d '{"proto":"tcp","parentPort":0,"childPort":80}' /v1/ports
  [ "${lines[1]}" = 400 ]
  [ "$(jq -r .message <<<"${lines[0]}")" = "port spec: parentPort 0 is out of range 1-65535" ]
  run api -X POST -d '{"proto":"sctp","parentPort":8080,"childPort":80}' /v1/ports
  [ "${lines[1]}" = 400 ]
  head -c 70000 /dev/zero | tr '\0' ' ' > "$TMP/big"
  run api -X POST --data-binary "@$TMP/big" /v1/ports
  [ "${lines[1]}" = 413 ]
  [ "$(jq -r .message <<<"${lines[0]}")" = "request body is larger than 65536 bytes" ]
  run api /v1/nothing
  [ "${lines[1]}" = 404 ]
  [ "$(jq -r .message <<<"${lines[0]}")" = "no route for GET /v1/nothing" ]
}

@test "a slow DELETE of a sandbox does not hold up GET /v1/info on another connection" {
  up_nest user
  # a sandbox that notes SIGTERM and goes on, so its DELETE waits out the 5 s grace
  install -d -o "$NN_USER" "$TMP/s"
  nnu run -d --nest "$NEST" --name slow -- \
    sh -c "trap 'touch $TMP/s/term' TERM; touch $TMP/s/ready; while :; do sleep 0.2; done"
  wait_for test -e "$TMP/s/ready"
  api -X DELETE /netnest/v1/sandboxes/slow > "$TMP/delete" &
  del=$!
  wait_for test -e "$TMP/s/term"
  run api /v1/info
  [ "${lines[1]}" = 200 ]
  [ "$(jq -r .stateDir <<<"${lines[0]}")" = "$STATE" ]
  # the info came back while the DELETE was still in its grace
  kill -0 "$del"
  wait "$del"
  [ "$(tail -n1 "$TMP/delete")" = 200 ]
  run api /netnest/v1/sandboxes
  [ "${lines[1]}" = 200 ]
  [ "$(jq -c '[.sandboxes[].name]' <<<"${lines[0]}")" = '[]' ]
}

@test "removing an unknown port id says unknown id, as RootlessKit" {
  up_nest user
  run rlctl remove-ports 99
  [ "$status" -eq 1 ]
  [[ $output == *"error: unknown id: 99"* ]]
  run api -X DELETE /v1/ports/99
  [ "${lines[1]}" = 400 ]
  [ "$(jq -r .message <<<"${lines[0]}")" = "unknown id: 99" ]
  run api -X DELETE /v1/ports/abc
  [ "${lines[1]}" = 400 ]
}

@test "as root, rootlessctl publishes a port of a root nest" {
  up_nest root
  run stat -c '%F %a %U' "$STATE/api.sock"
  [ "$output" = "socket 600 root" ]
  serve_http 80
  p=$(free_port)
  run rootlessctl --socket "$STATE/api.sock" add-ports "127.0.0.1:$p:80/tcp"
  [ "$output" = 1 ]
  [ "$(curl -sf "http://127.0.0.1:$p/file" | sha256sum)" = "$(sha256sum < "$TMP/www/file")" ]
  run rootlessctl --socket "$STATE/api.sock" info
  [[ $output == *"- Child PID: $(cat "$STATE/child_pid")"* ]]
  rootlessctl --socket "$STATE/api.sock" remove-ports 1
  run curl -s "http://127.0.0.1:$p/"
  [ "$status" -eq 7 ]
}
