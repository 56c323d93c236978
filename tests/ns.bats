#!/usr/bin/env bats
# netnest ns: the namespaces of a process, explained.

load helpers/common
load helpers/inspect

setup() { inspect_setup; }
teardown() { inspect_teardown; }

# row KIND: the JSON row of kind KIND in $output (first process)
row() { jq -c --arg k "$1" '.processes[0].namespaces[] | select(.kind==$k)' <<<"$output"; }

@test "ns explains a process started with unshare -n -u: its net and uts are its own, the rest are the host's" {
  bg unshare -n -u sleep 1000; p=$BG
  wait_for netns_differs "$p"
  run "$NETNEST" ns --json "$p"
  [ "$status" -eq 0 ]
  [ "$(jq '.processes[0].pid' <<<"$output")" = "$p" ]
  [ "$(jq -r '.processes[0].command' <<<"$output")" = "sleep 1000" ]
  for k in cgroup ipc mnt net pid pid_for_children time time_for_children user uts; do
    r=$(row $k)
    base=${k%_for_children}
    [ "$(jq .ns <<<"$r")" = "$(ns_ino /proc/$p/ns/$k)" ] || { echo "$k: $r"; false; }
    if [ "$k" = net ] || [ "$k" = uts ]; then
      [ "$(jq .initial <<<"$r")" = false ]
      [ "$(jq .ns <<<"$r")" != "$(ns_ino /proc/self/ns/$k)" ]
    else
      [ "$(jq .ns <<<"$r")" = "$(ns_ino /proc/self/ns/$base)" ]
      [[ $k == *_for_children ]] || [ "$(jq .initial <<<"$r")" = true ]
    fi
  done
  [ "$(jq -c '[.userns, .owner_uid]' <<<"$(row net)")" = "[$(ns_ino /proc/self/ns/user),0]" ]
  run "$NETNEST" ns "$p"
  [[ $output == *"net               $(ns_ino /proc/$p/ns/net)  no "*"its own, separate from the host: interfaces, addresses, routes, firewall rules and sockets, owned by user:[$(ns_ino /proc/self/ns/user)] (uid 0)"* ]]
  [[ $output == *"uts               $(ns_ino /proc/$p/ns/uts)  no "*"its own, separate from the host: hostname"* ]]
  [[ $output == *"mnt               $(ns_ino /proc/self/ns/mnt)  yes "*"shared with the host: mount table"* ]]
}

@test "as nntest, ns shows a rootless process's user, net and uts as its own, owned by nntest" {
  bgu unshare -r -n -u sleep 1000; p=$BG
  wait_for netns_differs "$p"
  run nnu ns --json "$p"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.initial, .userns, .owner_uid]' <<<"$(row net)")" = "[false,$(ns_ino /proc/$p/ns/user),$(nn_uid)]" ]
  [ "$(jq -c '[.initial, .ns]' <<<"$(row user)")" = "[false,$(ns_ino /proc/$p/ns/user)]" ]
  # its user namespace was made by nntest, inside the host's (its parent, the owner)
  [[ $(jq -r .explanation <<<"$(row user)") == *", made by uid $(nn_uid) in user:[$(ns_ino /proc/self/ns/user)]" ]]
  [ "$(jq -c '[.initial, .ns]' <<<"$(row uts)")" = "[false,$(ns_ino /proc/$p/ns/uts)]" ]
  [ "$(jq -c '[.initial, .ns]' <<<"$(row ipc)")" = "[true,$(ns_ino /proc/self/ns/ipc)]" ]
  [ "$(jq -c '[.initial, .ns]' <<<"$(row mnt)")" = "[true,$(ns_ino /proc/self/ns/mnt)]" ]
}

@test "ns of the caller (no argument) is all the host's" {
  run "$NETNEST" ns --json
  [ "$status" -eq 0 ]
  [ "$(jq '[.processes[0].namespaces[] | select(.kind | endswith("_for_children") | not) | .initial] | all' <<<"$output")" = true ]
  [ "$(jq '.processes[0].namespaces | length' <<<"$output")" = 10 ]
}

@test "pid_for_children is shown empty until the first child, after unshare -p without a fork" {
  bg unshare -p sleep 1000; p=$BG
  wait_for sh -c "[ \"\$(cat /proc/$p/comm)\" = sleep ]"
  run "$NETNEST" ns --json "$p"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.ns, .explanation]' <<<"$(row pid_for_children)")" = '[null,"empty: pid_for_children is set when the first child is created"]' ]
  [ "$(jq '.initial' <<<"$(row pid)")" = true ]
}

@test "ns of a name in /run/netns shows that netns" {
  n=$(unique_name nsn); NETNS+=("$n"); ip netns add "$n"
  run "$NETNEST" ns --json "$n"
  [ "$status" -eq 0 ]
  [ "$(jq -c '.processes[0] | [.path, (.namespaces[] | [.kind, .ns, .initial])]' <<<"$output")" = "[\"/run/netns/$n\",[\"net\",$(ns_ino /run/netns/$n),false]]" ]
}

@test "ns of any namespace file by path shows its type" {
  bg unshare -u sleep 1000; p=$BG
  wait_for sh -c "[ \"\$(stat -L -c %i /proc/$p/ns/uts)\" != \"\$(stat -L -c %i /proc/self/ns/uts)\" ]"
  run "$NETNEST" ns --json "/proc/$p/ns/uts"
  [ "$status" -eq 0 ]
  [ "$(jq -c '.processes[0].namespaces[] | [.kind, .ns]' <<<"$output")" = "[\"uts\",$(ns_ino /proc/$p/ns/uts)]" ]
}

@test "ns refuses bad targets naming the object and the reason" {
  run "$NETNEST" ns 999999999
  [ "$status" -eq 1 ]
  [[ $output == *"process 999999999 does not exist"* ]]
  run "$NETNEST" ns --json no-such-name
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: no netns named 'no-such-name' (looked in /run/netns and the sandboxes of nest default): No such file or directory" ]
  run "$NETNEST" ns /etc/hostname
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: /etc/hostname is not a namespace file (not on nsfs)" ]
  n=$(unique_name nse); NETNS+=("$n"); mkdir -p /run/netns; : > "/run/netns/$n"
  run "$NETNEST" ns "$n"
  [ "$status" -eq 1 ]
  [[ $output == "netnest: /run/netns/$n is an empty file, not a namespace: no nsfs is mounted on it"* ]]
  run "$NETNEST" ns --bogus
  [ "$status" -eq 2 ]
}

@test "ns of a process that exits is a clear error, not a crash" {
  bg sleep 0.2; p=$BG
  while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
  run "$NETNEST" ns "$p"
  [ "$status" -eq 1 ]
  [[ $output == *"process $p does not exist"* ]]
}

@test "ns, exec and attach of a zombie say it has exited, not that it does not exist" {
  # the child 'sleep 0' exits; its parent (now sleep 1000) never reaps it
  bg sh -c "sleep 0 & echo \$! > $TMP/z; exec sleep 1000"
  wait_for test -s "$TMP/z"; z=$(cat "$TMP/z")
  wait_for grep -q '^State:.*Z' "/proc/$z/status"
  run "$NETNEST" ns "$z"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: open /proc/$z/ns/net: process $z has exited (a zombie its parent has not reaped), so it has no namespaces: No such process" ]
  run "$NETNEST" exec "$z" -- true
  [ "$status" -eq 1 ]
  [[ $output == *"process $z has exited (a zombie"* ]]
  n=$(unique_name nsz); NETNS+=("$n")
  run "$NETNEST" attach "$n" "$z"
  [ "$status" -eq 1 ]
  [ ! -e "/run/netns/$n" ]
}

@test "ns PID --json gives JSON: options may follow the target, as in ip and podman" {
  bg unshare -n sleep 1000; p=$BG
  wait_for netns_differs "$p"
  run "$NETNEST" ns "$p" --json
  [ "$status" -eq 0 ]
  [ "$(jq '.processes[0].pid' <<<"$output")" = "$p" ]
  run "$NETNEST" ns "$p" --bogus
  [ "$status" -eq 2 ]
}

@test "ns, exec and attach refuse a directory, a device, a FIFO, a socket and a dangling symlink by what they are, without opening them" {
  mkfifo "$TMP/fifo"
  python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TMP/sock"
  ln -s "$TMP/nothing" "$TMP/dangling"
  run "$NETNEST" ns /dev/null
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: /dev/null is a character device, not a namespace file" ]
  run "$NETNEST" ns "$TMP"
  [ "$output" = "netnest: $TMP is a directory, not a namespace file" ]
  # a FIFO with no writer would block an open(2) without O_NONBLOCK; it is never opened
  run timeout 5 "$NETNEST" exec "$TMP/fifo" -- true
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: $TMP/fifo is a FIFO, not a namespace file" ]
  run "$NETNEST" exec "$TMP/sock" -- true
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: $TMP/sock is a socket, not a namespace file" ]
  run "$NETNEST" ns "$TMP/dangling"
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: open $TMP/dangling: a dangling symlink to $TMP/nothing: No such file or directory" ]
  n=$(unique_name nsd); NETNS+=("$n")
  run "$NETNEST" attach "$n" /dev/null
  [ "$status" -eq 1 ]
  [ ! -e "/run/netns/$n" ]
}

@test "ns 0 and ns of a number too big for a PID say it cannot be a PID" {
  run "$NETNEST" ns 0
  [ "$status" -eq 1 ]
  [ "$output" = "netnest: no netns named '0' (looked in /run/netns and the sandboxes of nest default), and it cannot be a PID (PIDs are 1 or more and fit in 32 bits): No such file or directory" ]
  run "$NETNEST" exec 99999999999 -- true
  [ "$status" -eq 1 ]
  [[ $output == *"and it cannot be a PID"* ]]
}

@test "ns --json of a process whose command line is not UTF-8 keeps the command, with the bad bytes as \\xNN" {
  cp /bin/sleep "$TMP/sl$(printf '\xff\x1b')ép"
  bg "$TMP/sl$(printf '\xff\x1b')ép" 1000; p=$BG
  wait_until 'test "$(cat /proc/$p/comm 2>/dev/null)" != sh'
  run "$NETNEST" ns --json "$p"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.processes[0].command' <<<"$output")" = "$TMP/sl\\xff\\x1bép 1000" ]
  run "$NETNEST" ns "$p"
  [ "${lines[0]}" = "pid $p ($TMP/sl\\xff\\x1bép 1000)" ]
}
