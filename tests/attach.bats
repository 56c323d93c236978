#!/usr/bin/env bats
# netnest attach: make `ip netns` see a netns under a name.

load helpers/common
load helpers/inspect

setup() { inspect_setup; }
teardown() { inspect_teardown; }

# a process in a new netns with a dummy interface whose name proves where we are
start_netns_proc() {
  bg unshare -n sh -c 'ip link add veth-at0 type veth peer name peer-at0 && ip link set veth-at0 up && exec sleep 1000'
  P=$BG
  wait_for sh -c "nsenter -t $P -n ip link show veth-at0"
  INO=$(ns_ino "/proc/$P/ns/net")
}

@test "attach makes ip netns list and ip netns exec NAME ip a work, and the bind mount keeps the netns after the process exits" {
  start_netns_proc
  n=$(unique_name att); NETNS+=("$n")
  run "$NETNEST" attach "$n" "$P"
  [ "$status" -eq 0 ]
  ip netns list | grep -qx "$n\( (id: [0-9]*)\)\?"
  run ip netns exec "$n" ip -br link show veth-at0
  [ "$status" -eq 0 ]
  [[ $output == "veth-at0@peer-at0 "* ]]
  [ "$(ns_ino /run/netns/$n)" = "$INO" ]
  grep -q " /run/netns/$n .* - nsfs " /proc/self/mountinfo
  kill "$P"; while kill -0 "$P" 2>/dev/null; do sleep 0.05; done
  run ip netns exec "$n" ip -br link show veth-at0
  [ "$status" -eq 0 ]
  run "$NETNEST" attach --json
  [ "$(jq -c --arg n "$n" '.names[] | select(.name==$n) | [.kind, .ns, .stale]' <<<"$output")" = "[\"bind_mount\",$INO,false]" ]
}

@test "attach -d removes the name: the mount and the file are gone" {
  start_netns_proc
  n=$(unique_name att); NETNS+=("$n")
  "$NETNEST" attach "$n" "$P"
  run "$NETNEST" attach -d "$n"
  [ "$status" -eq 0 ]
  [ ! -e "/run/netns/$n" ]
  ! grep -q " /run/netns/$n " /proc/self/mountinfo || false
  ! ip netns list | grep -q "^$n\b" || false
  run "$NETNEST" attach --delete "$n"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: delete netns name $n (/run/netns/$n): No such file or directory" ]
}

@test "attach --symlink works with ip netns, warns, and after the process exits ls and attach report it stale" {
  start_netns_proc
  n=$(unique_name ats); NETNS+=("$n")
  run "$NETNEST" attach --symlink "$n" "$P"
  [ "$status" -eq 0 ]
  [[ $output == *"warning: /run/netns/$n is a symlink to /proc/$P/ns/net: it does not keep the netns alive, goes stale when pid $P exits"* ]]
  [ "$(readlink /run/netns/$n)" = "/proc/$P/ns/net" ]
  run ip netns exec "$n" ip -br link show veth-at0
  [ "$status" -eq 0 ]
  run "$NETNEST" ls --type net --json
  [ "$(jq -c --argjson i "$INO" '.namespaces[] | select(.ns==$i) | .names' <<<"$output")" = "[\"$n\"]" ]
  kill "$P"; while kill -0 "$P" 2>/dev/null; do sleep 0.05; done
  run "$NETNEST" ls --type net --json
  [ "$(jq -r --arg p "/run/netns/$n" '.stale[] | select(.path==$p) | .why' <<<"$output")" = "symlink to /proc/$P/ns/net, which is gone (No such file or directory)" ]
  run "$NETNEST" ls --type net
  [[ $output == *"stale: /run/netns/$n: symlink to /proc/$P/ns/net, which is gone"* ]]
  run "$NETNEST" attach
  [[ $output == *"$n"*"symlink"*"-> /proc/$P/ns/net (stale: the symlink's target is gone)"* ]]
  run "$NETNEST" attach --json
  [ "$(jq -c --arg n "$n" '.names[] | select(.name==$n) | [.kind, .ns, .stale, .target]' <<<"$output")" = "[\"symlink\",null,true,\"/proc/$P/ns/net\"]" ]
  run "$NETNEST" exec "$n" -- true
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: open /run/netns/$n: a stale symlink to /proc/$P/ns/net (its process is gone): No such file or directory" ]
}

@test "attach refuses a name that exists, a bad name, and a target that is not a netns" {
  start_netns_proc
  n=$(unique_name atx); NETNS+=("$n")
  "$NETNEST" attach "$n" "$P"
  run "$NETNEST" attach "$n" "$P"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: attach netns $n: /run/netns/$n already exists" ]
  run "$NETNEST" attach "../x" "$P"
  [ "$status" -eq 1 ]
  [[ $output == "netnest: netns name '../x' "* ]]
  run "$NETNEST" attach "$n-b" /etc/hostname
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: /etc/hostname is not a namespace file (not on nsfs)" ]
  [ ! -e "/run/netns/$n-b" ]
  run "$NETNEST" attach "$n-c" "/proc/$P/ns/uts"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: /proc/$P/ns/uts is a uts namespace, not net" ]
  run "$NETNEST" attach "$n-d" 999999999
  [ "$status" -eq 1 ]
  [[ $output == *"process 999999999 does not exist"* ]]
  [ ! -e "/run/netns/$n-d" ]
  run "$NETNEST" attach onlyname
  [ "$status" -eq 2 ]
}

@test "as nntest, attach refuses a bind mount clearly and makes a symlink in XDG_RUNTIME_DIR/netns" {
  bgu unshare -r -n sleep 1000; p=$BG
  wait_for netns_differs "$p"
  n=$(unique_name atu); USER_NETNS+=("$n")
  run nnu attach "$n" "$p"
  [ "$status" -eq 1 ]
  [[ $output == *"bind mounts need CAP_SYS_ADMIN in the initial user namespace (mount(2)); use --symlink"* ]]
  [ ! -e "/run/user/$(nn_uid)/netns/$n" ]
  # a bad name is said first, with or without --symlink
  for opt in plain --symlink; do
    o=(); [ "$opt" = plain ] || o=("$opt")
    run nnu attach "${o[@]}" ../evil "$p"
    [ "$status" -eq 1 ]
    [ "$output" = "netnest: netns name '../evil' contains '/'" ]
    run nnu attach "${o[@]}" "" "$p"
    [ "$status" -eq 1 ]
    [ "$output" = "netnest: netns name '' is empty" ]
  done
  run nnu attach --symlink "$n" "$p"
  [ "$status" -eq 0 ]
  [ "$(readlink "/run/user/$(nn_uid)/netns/$n")" = "/proc/$p/ns/net" ]
  # peer -n finds the name there, as exec and ns do (its lo is no veth)
  run nnu peer lo -n "$n"
  [ "$status" -eq 1 ]
  [[ $output == "netnest: lo in netns $(ns_ino /proc/$p/ns/net) is not a veth"* ]]
  run nnu ls --type net --json
  [ "$(jq -c --argjson i "$(ns_ino /proc/$p/ns/net)" '.namespaces[] | select(.ns==$i) | .names' <<<"$output")" = "[\"/run/user/$(nn_uid)/netns/$n\"]" ]
  run nnu attach -d "$n"
  [ "$status" -eq 0 ]
  [ ! -e "/run/user/$(nn_uid)/netns/$n" ]
}

@test "as root, attach NAME nest exposes a rootless nest's detached netns to ip netns" {
  NEST=$(unique_name atn)
  run nnu up -d --nest "$NEST"
  [ "$status" -eq 0 ] # netnest up must work here; its own tests are in nest.bats
  n=$(unique_name atn); NETNS+=("$n")
  state=/run/user/$(nn_uid)/netnest/$NEST
  NETNEST_STATE_DIR=$state run "$NETNEST" attach "$n" nest
  st=$status
  run ip netns exec "$n" ip -br -4 a show tap0
  nnu down --nest "$NEST" >/dev/null 2>&1
  [ "$st" -eq 0 ]
  [[ $output == "tap0 "*"10.0.2.100/24"* ]]
}

@test "attach --list says what is wrong with a directory, a socket and a symlink to a uts namespace in /run/netns" {
  bg unshare -u sleep 1000; p=$BG
  wait_for sh -c "[ \"\$(stat -L -c %i /proc/$p/ns/uts)\" != \"\$(stat -L -c %i /proc/self/ns/uts)\" ]"
  d=$(unique_name atd); s=$(unique_name atk); u=$(unique_name atu); NETNS+=("$s" "$u")
  mkdir -p /run/netns; mkdir "/run/netns/$d"
  python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "/run/netns/$s"
  ln -s "/proc/$p/ns/uts" "/run/netns/$u"
  run "$NETNEST" attach --json
  rmdir "/run/netns/$d"
  [ "$status" -eq 0 ]
  [ "$(jq -c --arg n "$d" '.names[] | select(.name==$n) | [.kind, .stale, .why]' <<<"$output")" = '["directory",true,"a directory, not a namespace file"]' ]
  [ "$(jq -c --arg n "$s" '.names[] | select(.name==$n) | [.kind, .stale, .why]' <<<"$output")" = '["socket",true,"a socket, not a namespace file"]' ]
  [ "$(jq -c --arg n "$u" '.names[] | select(.name==$n) | [.kind, .stale, .why]' <<<"$output")" = '["symlink",true,"it leads to a uts namespace, not net"]' ]
}

@test "attach --symlink NAME with a relative path links to where the path leads from here, not from /run/netns" {
  start_netns_proc
  n=$(unique_name atr); NETNS+=("$n")
  cd "/proc/$P"
  run "$NETNEST" attach --symlink "$n" ns/net
  cd - >/dev/null
  [ "$status" -eq 0 ]
  [ "$(readlink "/run/netns/$n")" = "/proc/$P/ns/net" ]
  [[ $output == *"/run/netns/$n is a symlink to /proc/$P/ns/net:"* ]]
  run "$NETNEST" exec "$n" -- readlink /proc/self/ns/net
  [ "$status" -eq 0 ]
  [ "$output" = "net:[$INO]" ]
}

@test "as nntest, attach --list shows a symlink to a live root process's netns as unreadable, not stale" {
  start_netns_proc
  n=$(unique_name atp); USER_NETNS+=("$n")
  as_user mkdir -p "$USER_NETNS_DIR"
  as_user ln -s "/proc/$P/ns/net" "$USER_NETNS_DIR/$n"
  run nnu attach --list --json
  [ "$status" -eq 0 ]
  [ "$(jq -c --arg n "$n" '.names[] | select(.name==$n) | [.kind, .ns, .stale, .target, .why]' <<<"$output")" = "[\"symlink\",null,false,\"/proc/$P/ns/net\",\"this user may not read it: Permission denied\"]" ]
  run nnu attach --list
  [[ $output == *"$n "*" -> /proc/$P/ns/net (not covered: this user may not read it: Permission denied)"* ]]
  # ns and exec say why too, and do not call it stale
  run nnu ns "$n"
  [ "$status" -eq 1 ]
  [[ $output == *"open $USER_NETNS_DIR/$n: Permission denied"* ]]
  [[ $output != *stale* ]]
  # once the process is gone it is stale
  kill "$P"
  while kill -0 "$P" 2>/dev/null; do sleep 0.05; done
  run nnu attach --list --json
  [ "$(jq -c --arg n "$n" '.names[] | select(.name==$n) | [.stale, .why]' <<<"$output")" = '[true,"the symlink'"'"'s target is gone"]' ]
}
