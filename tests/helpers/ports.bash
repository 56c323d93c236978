# Shared by tests/port.bats, api.bats, ipv6.bats and hairpin.bats: a nest per test, servers
# inside its netns.
# Load after helpers/common.

# ports_setup: per-test state.  WHO is "user" (nntest, rootless) or "root".
ports_setup() {
  NEST=$(unique_name port)
  TMP=$(mktemp -d /tmp/netnest-port.XXXXXX)
  chmod 0755 "$TMP"
  PIDFILES=() # servers this test started (killed by PID in teardown)
  UP=()       # nests to take down: "user NAME" or "root NAME"
}

ports_teardown() {
  local n f pid
  for f in "${PIDFILES[@]}"; do
    [[ -s $f ]] && kill "$(cat "$f")" 2>/dev/null
  done
  for n in "${UP[@]}"; do
    if [[ $n == root\ * ]]; then nn down --nest "${n#root }"; else nnu down --nest "${n#user }"; fi
  done >/dev/null 2>&1
  # after down, which stops each sandbox with SIGTERM (nginx takes its workers along): what
  # a dead daemon left, by the records keep_sandbox kept, if the PID is still that process
  for f in "$TMP"/records/*.json; do
    [[ -e $f ]] || continue
    pid=$(jq -r .pid "$f")
    [[ $(awk '{sub(/.*\) /, ""); print $20}' "/proc/$pid/stat" 2>/dev/null) == "$(jq -r .starttime "$f")" ]] &&
      kill -9 "$pid"
  done
  rm -rf "$TMP"
}

# up_nest user|root [UP-OPTIONS...]: start nest $NEST as the test user or as root; sets
# STATE and NNX (the netnest command for that user)
up_nest() {
  if [[ $1 == root ]]; then
    STATE=/run/netnest/$NEST
    NNX=(nn)
  else
    STATE=/run/user/$(nn_uid)/netnest/$NEST
    NNX=(nnu)
  fi
  "${NNX[@]}" up -d --nest "$NEST" "${@:2}"
  UP+=("$1 $NEST")
  [ -S "$STATE/api.sock" ]
}

# keep_sandbox NAME: keep a copy of sandbox NAME's record, for teardown
keep_sandbox() {
  mkdir -p "$TMP/records"
  cp "$STATE/sandboxes/$1.json" "$TMP/records/"
}

# in_nest CMD...: run CMD (as root) in the nest's detached netns
in_nest() {
  nsenter --net="/proc/$(cat "$STATE/child_pid")/root$STATE/netns" "$@"
}

# serve_http PORT [IP]: busybox httpd on IP:PORT (default 127.0.0.1; [::1] for IPv6)
# inside the nest serving $TMP/www, with a 1 MiB random file "file" and "index.html"
# saying hello (made by the first call)
serve_http() {
  local addr=${2:-127.0.0.1} pidf
  pidf="$TMP/httpd.$(tr -dc 0-9a-f <<<"$addr").$1.pid"
  if [[ ! -e $TMP/www/file ]]; then
    mkdir -p "$TMP/www"
    head -c 1048576 /dev/urandom > "$TMP/www/file"
    echo "hello from the nest" > "$TMP/www/index.html"
    chmod -R a+rX "$TMP/www"
  fi
  PIDFILES+=("$pidf")
  in_nest sh -c "echo \$\$ > $pidf; exec busybox httpd -f -p $addr:$1 -h $TMP/www" \
    >/dev/null 2>&1 3>&- &
  wait_for in_nest sh -c "ss -Htln 'sport = :$1' | grep -qF '$addr:$1'"
}

# api CURL_ARGS... PATH: a request to the nest's API with curl; prints the body, then the
# HTTP status on the last line
api() {
  local path=${*: -1}
  curl -s --unix-socket "$STATE/api.sock" -w '\n%{http_code}' "${@:1:$#-1}" "http://localhost$path"
}

# free_udp_port: a port nothing listens on, TCP or UDP, in 20000-59999 (and the next one
# free of UDP too, for tests that take it)
free_udp_port() { free_port_ss -Htuln 1; }

# hold_port tcp|udp ADDR PORT: another process (not netnest) holds ADDR:PORT on the host,
# a listening TCP or a bound UDP socket, for 60 s at most or until release_port PORT
hold_port() {
  PIDFILES+=("$TMP/hold-$3.pid")
  /usr/bin/python3 -c 'import socket,sys,time
a, p = sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET,
                  socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind((a, p))
if sys.argv[1] == "tcp": s.listen()
time.sleep(60)' "$@" 3>&- &
  echo $! >"$TMP/hold-$3.pid"
  wait_for sh -c "ss -Hln$([[ $1 == udp ]] && echo u || echo t) 'sport = :$3' | grep -q ."
}
release_port() { kill "$(cat "$TMP/hold-$1.pid")"; }

# serve_udp_echo ADDR:PORT...: a UDP echo inside the nest answering "echo <text>" on each
# address ([::1]:7 for IPv6)
serve_udp_echo() {
  PIDFILES+=("$TMP/udpecho.pid")
  in_nest /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" serve "$TMP/udpecho.pid" "$@" \
    >/dev/null 2>&1 3>&- &
  wait_for test -s "$TMP/udpecho.pid"
}

# udp_ask HOST PORT TEXT: send TEXT to HOST:PORT over UDP and print the answer
udp_ask() { /usr/bin/python3 "$NN_ROOT/tests/helpers/udp_echo.py" ask "$@"; }
