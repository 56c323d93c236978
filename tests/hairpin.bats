#!/usr/bin/env bats
# Hairpin: a sandbox reaches another through a published port at the engine's host-loopback
# addresses (10.0.2.2:P, [fd00::2]:P: the host's 127.0.0.1 and ::1, with up
# --allow-host-loopback), and directly over the bridge, both ways.  Rootless as nntest;
# the traffic goes to the host's loopback and the nest's namespaces only.

load helpers/common
load helpers/nginx.sh
load helpers/ports.bash
bats_require_minimum_version 1.5.0

setup() { ports_setup; }
teardown() { ports_teardown; }

# two_webs [UP OPTIONS...]: a nest and two nginx sandboxes, a (10.4.0.2) behind -p PA:80
# and b (10.4.0.3) behind -p PB:80, each serving its own 1 MiB file
two_webs() {
  local s
  up_nest user "$@"
  PA=$(free_port) PB=$(free_port)
  for s in a b; do
    mkdir -p "$TMP/www-$s" "$TMP/tmp-$s"
    head -c 1048576 /dev/urandom >"$TMP/www-$s/file"
    chmod -R a+rwX "$TMP"
    NGINX_SERVER="listen 80; listen [::]:80 ipv6only=on;" \
      nginx_conf "$TMP/tmp-$s" "$TMP/www-$s" "daemon off;" "user root root;" >"$TMP/$s.conf"
  done
  nnu run --nest "$NEST" -d --name a -p "$PA:80" -- nginx -e "$TMP/tmp-a/e.log" -c "$TMP/a.conf"
  keep_sandbox a
  nnu run --nest "$NEST" -d --name b -p "$PB:80" -- nginx -e "$TMP/tmp-b/e.log" -c "$TMP/b.conf"
  keep_sandbox b
  [ "$(jq -r .ip "$STATE/sandboxes/b.json")" = 10.4.0.3 ]
  wait_for curl -sf -o /dev/null "http://127.0.0.1:$PA/file"
  wait_for curl -sf -o /dev/null "http://127.0.0.1:$PB/file"
  WANT_A=$(sha256sum <"$TMP/www-a/file") WANT_B=$(sha256sum <"$TMP/www-b/file")
}

# fetch FROM URL: the sha256 of URL fetched by curl inside sandbox FROM
fetch() {
  nnu exec --nest "$NEST" "$1" -- curl -sfg --noproxy '*' --max-time 10 "$2" | sha256sum
}

@test "with up --allow-host-loopback each sandbox reaches the other through its published port at 10.0.2.2:P and [fd00::2]:P" {
  two_webs --allow-host-loopback
  [ "$(fetch a "http://10.0.2.2:$PB/file")" = "$WANT_B" ]
  [ "$(fetch b "http://10.0.2.2:$PA/file")" = "$WANT_A" ]
  [ "$(fetch a "http://[fd00::2]:$PB/file")" = "$WANT_B" ]
  [ "$(fetch b "http://[fd00::2]:$PA/file")" = "$WANT_A" ]
}

@test "each sandbox reaches the other directly over the bridge, in both families, and without host loopback 10.0.2.2:P is closed" {
  two_webs
  [ "$(fetch a "http://10.4.0.3/file")" = "$WANT_B" ]
  [ "$(fetch b "http://10.4.0.2/file")" = "$WANT_A" ]
  [ "$(fetch a "http://[fd00:4::3]/file")" = "$WANT_B" ]
  [ "$(fetch b "http://[fd00:4::2]/file")" = "$WANT_A" ]
  run nnu exec --nest "$NEST" a -- curl -sf --noproxy '*' --max-time 5 -o /dev/null "http://10.0.2.2:$PB/file"
  [ "$status" -ne 0 ]
}
