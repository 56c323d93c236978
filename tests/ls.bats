#!/usr/bin/env bats
# netnest ls: every namespace on the machine and what keeps it alive.

load helpers/common
load helpers/inspect

setup() { inspect_setup; }
teardown() { inspect_teardown; }

# make_bind_held N: N netns held only by bind mounts in /run/netns ($PREFIX-1..N)
make_bind_held() {
  PREFIX=$(unique_name lsb)
  for i in $(seq "$1"); do NETNS+=("$PREFIX-$i"); done
  printf 'netns add %s\n' "${NETNS[@]}" | ip -batch -
}

# make_fd_held: a netns held only by fd 7 of $FDHOLDER (its first process has exited)
make_fd_held() {
  local x
  bg unshare -n sleep 1000; x=$BG
  wait_for netns_differs "$x"
  bg bash -c "exec 7</proc/$x/ns/net; exec sleep 1000"; FDHOLDER=$BG
  wait_for test -e "/proc/$FDHOLDER/fd/7"
  FD_INO=$(ns_ino "/proc/$FDHOLDER/fd/7")
  kill "$x"
  while kill -0 "$x" 2>/dev/null; do sleep 0.05; done
}

# make_mount_held: a netns held only by a bind mount on $TMP/pin inside the private mount
# ns of $MNTHOLDER; from the host $TMP/pin is an empty file
make_mount_held() {
  : > "$TMP/pin"
  bg unshare -m --propagation private bash -c '
    unshare -n sleep 1000 & x=$!
    while [ "$(stat -L -c %i /proc/$x/ns/net)" = "$(stat -L -c %i /proc/self/ns/net)" ]; do
      sleep 0.05; done
    mount --bind /proc/$x/ns/net "$0/pin"; kill $x; wait $x; exec sleep 1000' "$TMP"
  MNTHOLDER=$BG
  wait_for sh -c "grep -q ' $TMP/pin ' /proc/$MNTHOLDER/mountinfo && pgrep -xP $MNTHOLDER sleep >/dev/null; [ \$? -ne 0 ] && grep -q ' $TMP/pin ' /proc/$MNTHOLDER/mountinfo"
  MNT_INO=$(ns_ino "/proc/$MNTHOLDER/root$TMP/pin")
  MNTNS=$(ns_ino "/proc/$MNTHOLDER/ns/mnt")
}

@test "ls finds all 302 netns the test made: 300 held by bind mounts, one by an open fd, one by a mount in another mount namespace" {
  make_bind_held 300
  make_fd_held
  make_mount_held
  want=$( { for n in "${NETNS[@]}"; do ns_ino "/run/netns/$n"; done; echo "$FD_INO"; echo "$MNT_INO"; } | sort -u)
  [ "$(wc -l <<<"$want")" -eq 302 ]
  run "$NETNEST" ls --type net --json
  [ "$status" -eq 0 ]
  echo "$output" > "$TMP/ls.json"
  got=$(jq '.namespaces[].ns' "$TMP/ls.json" | sort -u)
  found=$(comm -12 <(echo "$want") <(echo "$got") | wc -l)
  echo "found $found of 302"
  [ "$found" -eq 302 ]
  # why each is alive
  # held in our mount ns; the private mount ns of make_mount_held got a copy too (other
  # mount namespaces on the machine may also have copies: /run/netns is a shared mount)
  e=$(jq -c --arg n "$PREFIX-7" '.namespaces[] | select(any(.names[]; . == $n))' "$TMP/ls.json")
  [ "$(jq -c '[.nprocs, .nsfs]' <<<"$e")" = "[0,[\"/run/netns/$PREFIX-7\"]]" ]
  jq -e --argjson h "$(ns_ino /proc/self/ns/mnt)" --argjson m "$MNTNS" --arg p "/run/netns/$PREFIX-7" \
    '[.holders[] | select(.kind=="bind_mount") | [.path, .mntns]] | contains([[$p, $h], [$p, $m]])' <<<"$e"
  # (a netnest ls or topo of another user of this machine may pin it too, for a moment)
  jq -e --argjson i "$FD_INO" --argjson p "$FDHOLDER" '.namespaces[] | select(.ns==$i) | .nprocs == 0 and any(.holders[]; .kind=="fd" and .pid==$p and .fd==7)' "$TMP/ls.json"
  [ "$(jq -c --argjson i "$MNT_INO" '.namespaces[] | select(.ns==$i) | [.nprocs, (.holders[] | select(.kind=="bind_mount") | [.path, .mntns, .visible_here])]' "$TMP/ls.json")" = "[0,[\"$TMP/pin\",$MNTNS,false]]" ]
  # from the host the mount point is an empty file, and the text output says why
  [ -f "$TMP/pin" ] && [ ! -s "$TMP/pin" ]
  run "$NETNEST" ls --type net
  [ "$status" -eq 0 ]
  [[ $output == *"note: net:[$MNT_INO] is held by a bind mount on $TMP/pin that exists only in mount namespace mnt:[$MNTNS]; from here $TMP/pin is an empty file. Open it as /proc/$MNTHOLDER/root$TMP/pin."* ]]
}

@test "lsns -t net sees none of the bind- or fd-held netns that ls finds (the anchor)" {
  make_bind_held 3
  make_fd_held
  run lsns -t net -n -o NS
  for n in "${NETNS[@]}"; do ! grep -qx " *$(ns_ino /run/netns/$n)" <<<"$output" || false; done
  ! grep -qx " *$FD_INO" <<<"$output" || false
  run "$NETNEST" ls --type net --json
  for n in "${NETNS[@]}"; do jq -e --argjson i "$(ns_ino /run/netns/$n)" 'any(.namespaces[]; .ns==$i)' <<<"$output"; done
  jq -e --argjson i "$FD_INO" 'any(.namespaces[]; .ns==$i)' <<<"$output"
}

@test "as nntest, ls still lists the bind-mounted netns and reports what root holds as not covered" {
  make_bind_held 5
  make_fd_held
  run nnu ls --type net --json
  [ "$status" -eq 0 ]
  for n in "${NETNS[@]}"; do
    [ "$(jq -r --argjson i "$(ns_ino /run/netns/$n)" '.namespaces[] | select(.ns==$i) | .names[0]' <<<"$output")" = "$n" ]
  done
  [ "$(jq -r --arg w "/proc/$FDHOLDER/fd" '.gaps[] | select(.what==$w) | .reason' <<<"$output")" = "permission" ]
  run nnu ls --type net
  line=$(grep '^not covered (permission: Permission denied):' <<<"$output")
  [[ " $line " == *" /proc/$FDHOLDER/fd "* ]]
}

@test "as nntest, ls finds its own netns held by an fd and by a mount in its private mount namespace" {
  bgu unshare -Urn sleep 1000; x=$BG
  wait_for netns_differs "$x"
  bgu bash -c "exec 7</proc/$x/ns/net; exec sleep 1000"; h=$BG
  wait_for test -e "/proc/$h/fd/7"
  ino=$(ns_ino "/proc/$h/fd/7")
  kill "$x"
  run nnu ls --type net --json
  [ "$status" -eq 0 ]
  jq -e --argjson i "$ino" --argjson p "$h" '.namespaces[] | select(.ns==$i) | .nprocs == 0 and .user == "nntest" and any(.holders[]; .kind=="fd" and .pid==$p and .fd==7)' <<<"$output"
  [ "$(jq -r --argjson i "$ino" '.namespaces[] | select(.ns==$i) | .owner_uid' <<<"$output")" = "$(nn_uid)" ]
  # a user + mount namespace of nntest's own, holding a netns by a bind mount only
  : > "$TMP/u/pin"; chown "$NN_USER" "$TMP/u/pin"
  bgu unshare -Urm --propagation private bash -c '
    unshare -n sleep 1000 & x=$!
    while [ "$(stat -L -c %i /proc/$x/ns/net)" = "$(stat -L -c %i /proc/self/ns/net)" ]; do
      sleep 0.05; done
    mount --bind /proc/$x/ns/net "$0"; kill $x; wait $x; exec sleep 1000' "$TMP/u/pin"
  m=$BG
  wait_for sh -c "grep -q ' $TMP/u/pin ' /proc/$m/mountinfo && ! pgrep -P $m >/dev/null"
  mino=$(ns_ino "/proc/$m/root$TMP/u/pin")
  run nnu ls --type net --json
  [ "$(jq -c --argjson i "$mino" '.namespaces[] | select(.ns==$i) | [.nprocs, (.holders[] | select(.kind=="bind_mount") | [.path, .mntns, .pid, .visible_here])]' <<<"$output")" = "[0,[\"$TMP/u/pin\",$(ns_ino /proc/$m/ns/mnt),$m,false]]" ]
}

@test "ls shows a thread that sits in a netns other than its process's" {
  bg python3 -c '
import ctypes, threading, time
def t():
    ctypes.CDLL(None, use_errno=True).unshare(0x40000000)  # CLONE_NEWNET, this thread only
    time.sleep(1000)
threading.Thread(target=t, daemon=True).start()
time.sleep(1000)'
  p=$BG
  wait_for sh -c "for t in /proc/$p/task/*; do [ \"\$(stat -L -c %i \$t/ns/net)\" != \"\$(stat -L -c %i /proc/self/ns/net)\" ] && exit 0; done; exit 1"
  tid=$(for t in /proc/$p/task/*; do [ "$(ns_ino $t/ns/net)" != "$(ns_ino /proc/self/ns/net)" ] && basename $t; done)
  ino=$(ns_ino "/proc/$p/task/$tid/ns/net")
  run "$NETNEST" ls --type net --json
  [ "$(jq -c --argjson i "$ino" '.namespaces[] | select(.ns==$i) | [.nprocs, (.holders[] | select(.kind=="thread") | [.pid, .tid])]' <<<"$output")" = "[0,[$p,$tid]]" ]
}

@test "ls with an unknown --type is a usage error naming the type" {
  run "$NETNEST" ls --type bogus
  [ "$status" -eq 2 ]
  [[ $output == *"unknown namespace type 'bogus'"* ]]
  run "$NETNEST" ls extra
  [ "$status" -eq 2 ]
}

@test "ls --json uses lsns -J keys and numbers for ns, nprocs and pid" {
  run "$NETNEST" ls --type uts --json
  [ "$status" -eq 0 ]
  host=$(ns_ino /proc/self/ns/uts)
  [ "$(jq -c --argjson i "$host" '.namespaces[] | select(.ns==$i) | [.type, (.nprocs|type), (.pid|type), .initial, .netnsid]' <<<"$output")" = '["uts","number","number",true,null]' ]
}

@test "ls shows the nsid a netns has in ours (ip netns set), and null when unassigned" {
  a=$(unique_name lsi); b=$(unique_name lsj); NETNS+=("$a" "$b")
  ip netns add "$a"; ip netns add "$b"
  for _ in 1 2 3 4 5; do  # an nsid no other test has taken in our netns
    id=$((100000 + RANDOM * 8 + RANDOM % 8))
    ip netns set "$a" "$id" 2>/dev/null && break
  done
  [ "$(ip netns list | sed -n "s/^$a (id: \([0-9]*\))\$/\1/p")" = "$id" ]
  run "$NETNEST" ls --type net --json
  [ "$(jq --argjson i "$(ns_ino /run/netns/$a)" '.namespaces[] | select(.ns==$i) | .netnsid' <<<"$output")" = "$id" ]
  [ "$(jq --argjson i "$(ns_ino /run/netns/$b)" '.namespaces[] | select(.ns==$i) | .netnsid' <<<"$output")" = null ]
  run "$NETNEST" ls --type net
  grep -E "^$(ns_ino /run/netns/$b) +net +0 +- +root +unassigned " <<<"$output"
  grep -E "^$(ns_ino /run/netns/$a) +net +0 +- +root +$id " <<<"$output"
}

@test "ls keeps working while processes exit during the scan" {
  bg bash -c 'while :; do for i in 1 2 3 4 5 6 7 8; do unshare -n true & done; wait; done'
  for _ in 1 2 3 4 5; do
    run "$NETNEST" ls --json
    [ "$status" -eq 0 ]
    jq -e '.namespaces | length > 0' <<<"$output"
  done
}

@test "ls finds a netns kept alive only by a socket of a process in another netns" {
  n=$(unique_name lss); NETNS+=("$n"); ip netns add "$n"
  ino=$(ns_ino "/run/netns/$n")
  bg python3 -c '
import ctypes, os, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
home = os.open("/proc/self/ns/net", os.O_RDONLY)
there = os.open(sys.argv[1], os.O_RDONLY)
libc.setns(there, 0x40000000)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
libc.setns(home, 0x40000000)
os.close(there)
open(sys.argv[2], "w").write(str(s.fileno()))
time.sleep(1000)' "/run/netns/$n" "$TMP/sockfd"
  p=$BG
  wait_for test -s "$TMP/sockfd"
  ip netns delete "$n"
  [ "$(ns_ino /proc/$p/ns/net)" = "$(ns_ino /proc/self/ns/net)" ]
  run "$NETNEST" ls --type net --json
  [ "$status" -eq 0 ]
  jq -e --argjson i "$ino" --argjson p "$p" --argjson fd "$(cat "$TMP/sockfd")" \
    '.namespaces[] | select(.ns==$i) | .nprocs == 0 and .names == [] and any(.holders[]; .kind=="socket" and .pid==$p and .fd==$fd)' <<<"$output"
  run "$NETNEST" ls --type net
  [[ $output == *"socket $p/$(cat "$TMP/sockfd")"* ]]
}

@test "ls -t without a type and ls with an unknown option say which, exit 2, and print no getopt noise" {
  run "$NETNEST" ls -t
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "netnest ls: option -t needs an argument" ]
  run "$NETNEST" ls --frob
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "netnest ls: unknown option --frob" ]
  run "$NETNEST" ns --nest
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "netnest ns: option --nest needs an argument" ]
  run "$NETNEST" exec -n
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "netnest exec: option -n needs an argument" ]
  run "$NETNEST" attach -q
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "netnest attach: unknown option -q" ]
}

@test "ls lists a /run/netns symlink to a uts namespace as stale, not as a netns" {
  bg unshare -u sleep 1000; p=$BG
  wait_for sh -c "[ \"\$(stat -L -c %i /proc/$p/ns/uts)\" != \"\$(stat -L -c %i /proc/self/ns/uts)\" ]"
  n=$(unique_name lsu); NETNS+=("$n"); mkdir -p /run/netns
  ln -s "/proc/$p/ns/uts" "/run/netns/$n"
  run "$NETNEST" ls --json
  [ "$status" -eq 0 ]
  [ "$(jq -r --arg p "/run/netns/$n" '.stale[] | select(.path==$p) | .why' <<<"$output")" = "a uts namespace, not a netns" ]
  [ "$(jq --arg n "$n" '[.namespaces[] | select(.names | index($n))] | length' <<<"$output")" = 0 ]
  [ "$(jq --argjson i "$(ns_ino /proc/$p/ns/uts)" '[.namespaces[] | select(.ns==$i) | .type]' <<<"$output" | jq -c .)" = '["uts"]' ]
}

@test "ls finds a netns held by an fd opened through its /run/netns bind mount, and still after ip netns del" {
  n=$(unique_name lsp); NETNS+=("$n"); ip netns add "$n"
  ino=$(ns_ino "/run/netns/$n")
  # the fd reads as the mount point, not as net:[INO]
  bg sleep 1000 9<"/run/netns/$n"; h=$BG
  wait_for test -e "/proc/$h/fd/9"
  [ "$(readlink "/proc/$h/fd/9")" = "/run/netns/$n" ]
  run "$NETNEST" ls --type net --json
  [ "$status" -eq 0 ]
  jq -e --argjson i "$ino" --argjson p "$h" '.namespaces[] | select(.ns==$i) | .names == ["'"$n"'"] and any(.holders[]; .kind=="fd" and .pid==$p and .fd==9)' <<<"$output"
  # the scan's order: the fd (pid order) before the bind mounts
  [ "$(jq -c --argjson i "$ino" --argjson p "$h" '[.namespaces[] | select(.ns==$i) | .holders[] | select(.kind=="bind_mount" or .pid==$p) | .kind][0]' <<<"$output")" = '"fd"' ]
  # detached: the fd now reads as "/", and it alone holds the netns
  ip netns delete "$n"
  [ "$(readlink "/proc/$h/fd/9")" = / ]
  [ "$(ns_ino "/proc/$h/fd/9")" = "$ino" ]
  run "$NETNEST" ls --type net --json
  [ "$status" -eq 0 ]
  jq -e --argjson i "$ino" --argjson p "$h" '.namespaces[] | select(.ns==$i) | .nprocs == 0 and .names == [] and .nsfs == [] and any(.holders[]; .kind=="fd" and .pid==$p and .fd==9) and all(.holders[]; .kind=="fd")' <<<"$output"
  run "$NETNEST" ls --type net
  grep -E "^$ino +net +0 " <<<"$output"
  [[ $output == *"open fd $h/9"* ]]
}

@test "as nntest, a /run/netns symlink to the netns of a live root process is not covered (permission), not stale" {
  bg unshare -n sleep 1000; p=$BG
  wait_for netns_differs "$p"
  n=$(unique_name lsl); NETNS+=("$n"); mkdir -p /run/netns
  ln -s "/proc/$p/ns/net" "/run/netns/$n"
  run nnu ls --type net --json
  [ "$status" -eq 0 ]
  [ "$(jq --arg p "/run/netns/$n" '[.stale[] | select(.path==$p)] | length' <<<"$output")" = 0 ]
  [ "$(jq -c --arg w "/run/netns/$n (symlink to /proc/$p/ns/net)" '[.gaps[] | select(.what==$w) | [.reason, .error]]' <<<"$output")" = '[["permission","Permission denied"]]' ]
  run nnu ls --type net
  ! grep -q "^stale: /run/netns/$n:" <<<"$output" || false
  line=$(grep '^not covered (permission: Permission denied):' <<<"$output")
  [[ $line == *" /run/netns/$n (symlink to /proc/$p/ns/net)"* ]]
  # once the process is gone the symlink is stale, for nntest as for root
  kill "$p"
  while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
  run nnu ls --type net --json
  [ "$(jq -r --arg p "/run/netns/$n" '.stale[] | select(.path==$p) | .why' <<<"$output")" = "symlink to /proc/$p/ns/net, which is gone (No such file or directory)" ]
}
