#!/usr/bin/env bats
# netnest exec: run a command in a netns, as ip netns exec does, rootless too.

load helpers/common
load helpers/inspect
bats_require_minimum_version 1.5.0

setup() {
  inspect_setup
  NESTS=()
}

teardown() {
  nests_down
  inspect_teardown
}

# start_rootlesskit: a rootlesskit child as nntest (slirp4netns on tap0); $CHILD is its PID
start_rootlesskit() {
  bgu rootlesskit --state-dir="$TMP/u/rk" --net=slirp4netns --mtu=65520 --port-driver=builtin \
    sleep infinity
  wait_for test -e "$TMP/u/rk/child_pid"
  CHILD=$(cat "$TMP/u/rk/child_pid")
  wait_for nsenter -t "$CHILD" -U --preserve-credentials -n ip link show tap0
}

@test "as nntest, exec by a rootlesskit child's PID enters its user namespace first and shows tap0 at 10.0.2.100" {
  start_rootlesskit
  run nnu exec "$CHILD" -- ip -br -4 addr show tap0
  [ "$status" -eq 0 ]
  [[ $output == "tap0 "*" UP "*"10.0.2.100/24"* ]]
  # the netns exec saw is the child's, not the host's
  run nnu exec "$CHILD" -- readlink /proc/self/ns/net
  [ "$output" = "net:[$(ns_ino /proc/$CHILD/ns/net)]" ]
  # and /sys is the netns's own
  run nnu exec "$CHILD" -- ls /sys/class/net
  [ "$(echo $output)" = "lo tap0" ]
  # root needs no user namespace to get there, and stays root of the host
  run "$NETNEST" exec "$CHILD" -- sh -c 'readlink /proc/self/ns/user; ls /sys/class/net'
  [ "$status" -eq 0 ]
  [ "$(echo $output)" = "user:[$(ns_ino /proc/self/ns/user)] lo tap0" ]
}

@test "as root, exec into an ip netns add namespace passes the exit status through, 127 or 126 when the command cannot run" {
  n=$(unique_name exn); NETNS+=("$n"); ip netns add "$n"
  run "$NETNEST" exec "$n" -- sh -c 'exit 7'
  [ "$status" -eq 7 ]
  run "$NETNEST" exec "$n" -- true
  [ "$status" -eq 0 ]
  run "$NETNEST" exec "$n" -- sh -c 'kill -TERM $$'
  [ "$status" -eq 143 ]
  run "$NETNEST" exec "$n" -- readlink /proc/self/ns/net
  [ "$output" = "net:[$(ns_ino /run/netns/$n)]" ]
  # a command that cannot be run: 127 not found, 126 not executable, as nsenter and run
  run -127 "$NETNEST" exec "$n" -- /nonexistent/cmd
  [ "$output" = "netnest: execute /nonexistent/cmd: No such file or directory" ]
  printf 'not a program\n' >"$TMP/plain"; chmod 0644 "$TMP/plain"
  run -126 "$NETNEST" exec "$n" -- "$TMP/plain"
  [ "$output" = "netnest: execute $TMP/plain: Permission denied" ]
}

@test "inside exec, /sys/class/net matches ip link" {
  n=$(unique_name exs); NETNS+=("$n"); ip netns add "$n"
  ip -n "$n" link add exv0 type veth peer name exv1
  run "$NETNEST" exec "$n" -- sh -c 'ls /sys/class/net | sort | tr "\n" " "; echo; ip -o link | cut -d: -f2 | cut -d@ -f1 | sort | tr -d " " | tr "\n" " "'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "exv0 exv1 lo " ]
  [ "${lines[0]}" = "${lines[1]}" ]
}

@test "exec binds /etc/netns/NAME files over /etc for a named netns" {
  n=$(unique_name exe); NETNS+=("$n"); ip netns add "$n"
  mkdir -p "/etc/netns/$n"; echo "nameserver 127.0.0.53 # $n" > "/etc/netns/$n/resolv.conf"
  run "$NETNEST" exec "$n" -- cat /etc/resolv.conf
  rm -rf "/etc/netns/$n"
  [ "$output" = "nameserver 127.0.0.53 # $n" ]
}

@test "exec --all prints netns: NAME and runs the command in each named netns" {
  a=$(unique_name exa); b=$(unique_name exb); NETNS+=("$a" "$b")
  ip netns add "$a"; ip netns add "$b"
  run "$NETNEST" exec --all -- readlink /proc/self/ns/net
  grep -A1 -x "netns: $a" <<<"$output" | grep -qx "net:\[$(ns_ino /run/netns/$a)\]"
  grep -A1 -x "netns: $b" <<<"$output" | grep -qx "net:\[$(ns_ino /run/netns/$b)\]"
}

@test "exec by path and by PID reaches the same netns" {
  bg unshare -n sleep 1000; p=$BG
  wait_for netns_differs "$p"
  run "$NETNEST" exec "/proc/$p/ns/net" -- readlink /proc/self/ns/net
  [ "$output" = "net:[$(ns_ino /proc/$p/ns/net)]" ]
  run "$NETNEST" exec "$p" -- readlink /proc/self/ns/net
  [ "$output" = "net:[$(ns_ino /proc/$p/ns/net)]" ]
}

@test "netnest exec nest -- ip a as nntest shows tap0 and netnest0" {
  NEST=$(unique_name exnest); NESTS+=("user $NEST")
  run nnu up -d --nest "$NEST"
  [ "$status" -eq 0 ] # netnest up must work here; its own tests are in nest.bats
  run nnu exec --nest "$NEST" nest -- ip -br -4 a
  [ "$status" -eq 0 ]
  [[ $output == *"tap0 "*"10.0.2.100/24"* ]]
  [[ $output == *"netnest0 "*"10.4.0.1/24"* ]]
  # ns shows the daemon's namespaces and the detached netns beside them
  state=/run/user/$(nn_uid)/netnest/$NEST
  child=$(cat "$state/child_pid")
  run nnu ns --nest "$NEST" --json nest
  [ "$status" -eq 0 ]
  [ "$(jq -c '.processes[0] | [.pid, .detached.path, (.detached.namespaces[] | [.kind, .ns, .initial])]' <<<"$output")" = "[$child,\"/proc/$child/root$state/netns\",[\"net\",$(ns_ino /proc/$child/root$state/netns),false]]" ]
  # root reaches the same nest through its state dir, without entering the user namespace
  run env NETNEST_STATE_DIR="/run/user/$(nn_uid)/netnest/$NEST" "$NETNEST" exec nest -- \
    sh -c 'id -u; ip -br -4 a show tap0'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [[ ${lines[1]} == "tap0 "*"10.0.2.100/24"* ]]
  # and as root, a nest that is not running is named in the error
  run "$NETNEST" exec --nest "$NEST" nest -- true
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: no nest named $NEST is running (state dir /run/netnest/$NEST)" ]
}

@test "exec refuses bad targets and bad usage with clear messages" {
  run "$NETNEST" exec 999999999 -- true
  [ "$status" -eq 1 ]
  [[ $output == *"process 999999999 does not exist"* ]]
  run "$NETNEST" exec no-such-ns -- true
  [ "$status" -eq 1 ]
  [[ $output == "netnest: no netns named 'no-such-ns'"* ]]
  n=$(unique_name exf); NETNS+=("$n"); mkdir -p /run/netns; : > "/run/netns/$n"
  run "$NETNEST" exec "$n" -- true
  [ "$status" -eq 1 ]
  [[ $output == "netnest: /run/netns/$n is an empty file, not a namespace"* ]]
  run "$NETNEST" exec /etc/hostname -- true
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: /etc/hostname is not a namespace file (not on nsfs)" ]
  m=$(unique_name exg); NETNS+=("$m"); ip netns add "$m"
  run -127 "$NETNEST" exec "$m" -- /no/such/command
  [ "$output" = "netnest: execute /no/such/command: No such file or directory" ]
  run "$NETNEST" exec "$m"
  [ "$status" -eq 2 ]
  run "$NETNEST" exec
  [ "$status" -eq 2 ]
}

@test "exec and ns reach a netnest sandbox by its name, as nntest" {
  NEST=$(unique_name exsb); NESTS+=("user $NEST")
  run nnu up -d --nest "$NEST"
  [ "$status" -eq 0 ] # netnest up must work here; its own tests are in nest.bats
  sb=$(unique_name sb)
  run nnu run -d --nest "$NEST" --name "$sb" -- sleep 1000
  [ "$status" -eq 0 ]
  state=/run/user/$(nn_uid)/netnest/$NEST
  wait_for test -s "$state/sandboxes/$sb.json"
  pid=$(jq .pid "$state/sandboxes/$sb.json")
  run nnu exec --nest "$NEST" "$sb" -- ip -br -4 a show eth0
  [ "$status" -eq 0 ]
  [[ $output == "eth0"*" UP "*"10.4.0."*"/24"* ]]
  run nnu exec --nest "$NEST" "$sb" -- readlink /proc/self/ns/net
  [ "$output" = "net:[$(ns_ino /proc/$pid/ns/net)]" ]
  # the sandbox's mount namespace too, as docker exec: its resolver, its hosts file
  run nnu exec --nest "$NEST" "$sb" -- cat /etc/resolv.conf /etc/hosts
  [ "$output" = "$(nsenter -t "$pid" -m cat /etc/resolv.conf /etc/hosts)" ]
  [[ $output == *"nameserver 10.0.2.3"* ]]
  run nnu ns --nest "$NEST" --json "$sb"
  [ "$status" -eq 0 ]
  [ "$(jq -c '.processes[0] | [.pid, (.namespaces[] | select(.kind=="net") | [.ns, .initial])]' <<<"$output")" = "[$pid,[$(ns_ino /proc/$pid/ns/net),false]]" ]
  run nnu exec --nest "$NEST" no-such-sandbox -- true
  [ "$status" -eq 1 ]
  [[ $output == "netnest: no netns named 'no-such-sandbox' (looked in /run/netns, \$XDG_RUNTIME_DIR/netns and the sandboxes of nest $NEST)"* ]]
}

@test "with --nest given, a sandbox's name beats a name root made in /run/netns; without it the name comes first, as ip netns exec" {
  NEST=$(unique_name exsh); NESTS+=("user $NEST")
  nnu up -d --nest "$NEST"
  sb=$(unique_name sh); NETNS+=("$sb"); ip netns add "$sb"
  nnu run -d --nest "$NEST" --name "$sb" -- sleep 1000 >/dev/null
  pid=$(jq .pid "/run/user/$(nn_uid)/netnest/$NEST/sandboxes/$sb.json")
  run nnu exec --nest "$NEST" "$sb" -- readlink /proc/self/ns/net
  [ "$status" -eq 0 ]
  [ "$output" = "net:[$(ns_ino /proc/$pid/ns/net)]" ]
  run nnu ns --nest "$NEST" --json "$sb"
  [ "$(jq -c '[.processes[0].pid]' <<<"$output")" = "[$pid]" ]
  run nnu exec "$sb" -- true
  [ "$status" -eq 1 ]
  [[ $output == "netnest: enter the netns of netns $sb: "* ]]
}

@test "as nntest, exec into root's netns is refused saying which capability is missing" {
  n=$(unique_name exp); NETNS+=("$n"); ip netns add "$n"
  run nnu exec "$n" -- true
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: enter the netns of netns $n: it belongs to our own user namespace, where we lack CAP_SYS_ADMIN (run as root): Operation not permitted" ]
}

@test "exec into a process that shares our netns runs the command there (its sysfs is already on /sys)" {
  bg sleep 1000; p=$BG
  run "$NETNEST" exec "$p" -- sh -c 'readlink /proc/self/ns/net; ls /sys/class/net'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "net:[$(ns_ino /proc/self/ns/net)]" ]
  [[ $output == *$'\nlo'* ]]
  run "$NETNEST" exec /proc/self/ns/net -- true
  [ "$status" -eq 0 ]
}

@test "exec NAME ls -a (no --) passes -a to ls, never taken as exec --all" {
  n=$(unique_name exo); NETNS+=("$n"); ip netns add "$n"
  run "$NETNEST" exec "$n" ls -a /sys/class/net
  [ "$status" -eq 0 ]
  [ "$output" = $'.\n..\nlo' ]
  run "$NETNEST" exec "$n" -- ls -a /sys/class/net
  [ "$output" = $'.\n..\nlo' ]
  run "$NETNEST" exec -- true
  [ "$status" -eq 2 ]
  [[ $output == "netnest exec: no TARGET given before --"* ]]
  run "$NETNEST" exec "$n" --
  [ "$status" -eq 2 ]
  [[ $output == "netnest exec: no command given after $n"* ]]
}

@test "exec of an unknown name says no netns is named so, even without XDG_RUNTIME_DIR or with a name too long for a sandbox" {
  run runuser -u "$NN_USER" -- env -u XDG_RUNTIME_DIR "$NETNEST" exec no-such-ns -- true
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: no netns named 'no-such-ns' (looked in /run/netns; the sandboxes of nest default were not searched: state dir of nest default: XDG_RUNTIME_DIR is not set): No such file or directory" ]
  long=$(printf 'n%.0s' $(seq 100))
  run "$NETNEST" exec "$long" -- true
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: no netns named '$long' (looked in /run/netns; not a sandbox name: it is longer than 64 bytes): No such file or directory" ]
  # a name that long is still a valid /run/netns name
  NETNS+=("$long"); ip netns add "$long"
  run "$NETNEST" exec "$long" -- readlink /proc/self/ns/net
  [ "$status" -eq 0 ]
  [ "$output" = "net:[$(ns_ino /run/netns/$long)]" ]
}

@test "every name ip netns add accepts (_x, a..b, a:b, 'a b', .x) works with exec, ns, exec --all, attach --list and attach -d" {
  s=$(unique_name ""); names=("_ex$s" "ex$s..b" "ex$s:b" "ex$s b" ".ex$s")
  for n in "${names[@]}"; do NETNS+=("$n"); ip netns add "$n"; done
  for n in "${names[@]}"; do
    run "$NETNEST" exec "$n" -- readlink /proc/self/ns/net
    [ "$status" -eq 0 ] || { echo "$n: $output"; false; }
    [ "$output" = "net:[$(ns_ino "/run/netns/$n")]" ]
    run "$NETNEST" ns --json "$n"
    [ "$(jq '.processes[0].namespaces[0].ns' <<<"$output")" = "$(ns_ino "/run/netns/$n")" ]
  done
  run "$NETNEST" exec --all -- true
  grep -qxF "netns: .ex$s" <<<"$output"
  run "$NETNEST" attach --json
  [ "$(jq --arg n ".ex$s" '[.names[] | select(.name==$n)] | length' <<<"$output")" = 1 ]
  run "$NETNEST" attach -d "ex$s b"
  [ "$status" -eq 0 ]
  [ ! -e "/run/netns/ex$s b" ]
  run "$NETNEST" exec .. -- true
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: netns name '..' is a directory entry of its own" ]
}

@test "killing netnest exec (TERM or KILL) does not leave the command running, and TERM reaches the command" {
  n=$(unique_name exk); NETNS+=("$n"); ip netns add "$n"
  for sig in TERM KILL; do
    "$NETNEST" exec "$n" -- sh -c "echo \$\$ > $TMP/cmd.$sig; exec sleep 1000" 3>&- &
    p=$!; PIDS+=("$p")
    wait_for test -s "$TMP/cmd.$sig"; c=$(cat "$TMP/cmd.$sig"); PIDS+=("$c")
    wait_for sh -c "[ \"\$(cat /proc/$c/comm)\" = sleep ]"
    kill -"$sig" "$p"
    wait_for sh -c "! kill -0 $c"
    st=0; wait "$p" || st=$?
    [ "$st" -eq $((128 + $(kill -l "$sig"))) ]
  done
  # a command that handles TERM gets it and its own exit status comes back
  "$NETNEST" exec "$n" -- sh -c "trap 'exit 3' TERM; echo ready > $TMP/ready; while :; do sleep 0.05; done" 3>&- &
  p=$!; PIDS+=("$p")
  wait_for test -s "$TMP/ready"
  kill -TERM "$p"
  st=0; wait "$p" || st=$?
  [ "$st" -eq 3 ]
}
