#!/usr/bin/env bats
# netnest as RootlessKit: `rootlesskit` (a symlink to netnest, first in PATH as
# dockerd-rootless.sh finds it) and `netnest rootlesskit`.  As nntest with its subuid range,
# against Debian's rootlesskit 1.1.0 where both can run the same child.

load helpers/common

setup() {
  TMP=$(mktemp -d /tmp/netnest-rk.XXXXXX)
  chmod 0755 "$TMP"
  mkdir "$TMP/u" && chown "$NN_USER" "$TMP/u"
  PIDS=()   # rootlesskit processes this test started (killed in teardown)
  RKPATH="$NN_RKDIR:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  XDG=/run/user/$(nn_uid)
  TMP_RK_BEFORE=$(tmp_rk_dirs)
}

teardown() {
  local p
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait_until "! alive $p" || true; done
  rm -rf "$TMP" "$XDG/rk-$BATS_TEST_NUMBER"
}

# rk ARGS...: netnest's rootlesskit as nntest, run from /tmp
rk() { (cd /tmp && as_user env PATH="$RKPATH" rootlesskit "$@"); }
# rk_debian ARGS...: Debian's
rk_debian() { (cd /tmp && as_user env PATH="$RKPATH" /usr/bin/rootlesskit "$@"); }

# rk_bg OUT ARGS...: rk in the background, stdout and stderr to OUT, then "rc=STATUS" there
# when it ends; $TOP is the PID of the rootlesskit process itself
rk_bg() {
  local out=$1; shift
  (cd /tmp && as_user sh -c 'export PATH="$1"; shift; rootlesskit "$@" & echo $! >"$0"; wait $!; echo "rc=$?"' \
    "$TMP/u/top.pid" "$RKPATH" "$@" >"$out" 2>&1 3>&- &)
  wait_for test -s "$TMP/u/top.pid"
  TOP=$(cat "$TMP/u/top.pid"); rm -f "$TMP/u/top.pid"
  PIDS+=("$TOP")
}

# alive PID: PID exists and is not a zombie (this VM's init does not reap orphans)
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# in_userns INO: live processes whose user namespace is INO
in_userns() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(stat -L -c %i "$p/ns/user" 2>/dev/null)" = "$1" ] && alive "${p#/proc/}" && echo "${p#/proc/}"
  done
  true
}

tmp_rk_dirs() { ls -d /tmp/rootlesskit* 2>/dev/null || true; }

# rk_probe_mask: what may differ between two runs of the probe goes (the device numbers of
# the mounts made anew too: whatever the kernel has free; and the length of a symlink into
# .roNNNN: NNNN has 9 or 10 digits; and tap0's vnet_hdr, on for netnest's engine, which takes
# 64 KiB segments from the kernel: docs/engines.md)
rk_probe_mask() {
  sed -E -e 's/"tentative":true,//g' \
    -e 's/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g' -e 's/fe80::[0-9a-f:]+/FE80/g' \
    -e 's/ vnet_hdr (on|off) / vnet_hdr V /' \
    -e 's/rootlesskit[0-9]+/rootlesskitN/g' -e 's/\.ro[0-9]+/.roN/g' \
    -e 's/^(l[rwx-]{9} +[0-9]+ +[a-z]+ +[a-z]+ +)[0-9]+ (.* -> \.roN)/\1N \2/' \
    -e 's/[A-Z][a-z]{2} +[0-9]+ +[0-9]{2}:[0-9]{2}/DATE/g' -e 's/\[[0-9]+\]/[N]/g' \
    -e 's/^my pid [0-9]+, ppid [0-9]+$/my pid N/' \
    -e 's/ 0:[0-9]+ (.* - [a-z0-9]+ none )/ 0:N \1/' |
  awk 'function flush(i, f, p) {
         for (i = 1; i <= nb; i++) {
           split(buf[i], f, " "); p = (f[2] in id) ? id[f[2]] : "P"
           sub(/^[0-9]+ [0-9]+/, i " " p, buf[i]); print buf[i]
         }
         nb = 0; split("", id)
       }
       /^### / { sec = $0 }
       sec ~ /mountinfo/ && /^[0-9]+ [0-9]+ / { buf[++nb] = $0; id[$1] = nb; next }
       { flush() }
       sec ~ /child_pid; echo$/ && /^[0-9]+$/ { print "PID"; next }
       { print }
       END { flush() }'
}

@test "--help goes to stdout in RootlessKit's shape, --detach-netns among its words; --version" {
  run rk --help
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "NAME:" ]
  [[ $output == *"USAGE:"*"OPTIONS:"* ]]
  grep -qw -- --detach-netns <<<"$output"
  for f in --net --mtu --cidr --ifname --disable-host-loopback --port-driver --copy-up \
    --copy-up-mode --propagation --state-dir --pidns --cgroupns --utsns --ipcns --reaper \
    --evacuate-cgroup2 --subid-source --slirp4netns-sandbox --slirp4netns-seccomp --debug; do
    grep -q -- "^    $f" <<<"$output"
  done
  [ -z "$(rk --help 2>&1 >/dev/null)" ]
  # even with a command after it, as urfave/cli does, and -h is the same
  [ "$(rk -h sh -c 'echo ran')" = "$output" ]
  run rk --version
  [ "$status" -eq 0 ]
  [[ $output == "rootlesskit version "* ]]
  [ "$(rk -v)" = "$output" ]
  # netnest rootlesskit is the same command line
  run nnu rootlesskit --help
  [ "$status" -eq 0 ]
  grep -qw -- --detach-netns <<<"$output"
}

@test "flags parse the urfave/cli way: --x v, -x=v, the last one wins, -- dropped, the command verbatim" {
  run rk --net host -net=slirp4netns -disable-host-loopback --disable-host-loopback=false -- \
    sh -c 'ip -br -4 a show tap0; echo "args: $*"' x --net=foo --help "two words"
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == "tap0 "*" UP "*"10.0.2.100/24"* ]]
  [ "${lines[1]}" = "args: --net=foo --help two words" ]
  # a bool takes no separate value: "false" is the command
  run rk --net=slirp4netns --disable-host-loopback false
  [ "$status" -eq 1 ]
  [ "$output" = "$(printf '%s\n' '[rootlesskit:child ] error: command [false] exited: exit status 1' \
    '[rootlesskit:parent] error: child exited: exit status 1')" ]
  # --copy-up repeats, in both forms
  run rk --copy-up=/etc --copy-up /run stat -f -c %T /etc /run
  [ "$status" -eq 0 ]
  [ "$(echo $output)" = "tmpfs tmpfs" ]
}

@test "the child is root with every capability in the nest's user namespace, mapped as RootlessKit maps it" {
  run rk --net=slirp4netns sh -c 'id; grep -E "^Cap(Eff|Prm|Bnd|Inh|Amb)" /proc/self/status; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; grep -E "NoNewPrivs|Seccomp:" /proc/self/status'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "uid=0(root) gid=0(root) groups=0(root)" ]
  grep -qx $'CapEff:\t000001ffffffffff' <<<"$output"
  grep -qx $'CapPrm:\t000001ffffffffff' <<<"$output"
  grep -qx $'CapAmb:\t0000000000000000' <<<"$output"
  start=$(awk -F: -v u="$NN_USER" '$1 == u {print $2; exit}' /etc/subuid)
  count=$(awk -F: -v u="$NN_USER" '$1 == u {print $3; exit}' /etc/subuid)
  [ "$(grep -E '^ +[0-9]' <<<"$output" | awk '{print $1, $2, $3}' | head -2 | paste -sd,)" = "0 $(nn_uid) 1,1 $start $count" ]
  grep -qx allow <<<"$output"
  grep -qx $'NoNewPrivs:\t0' <<<"$output"
}

@test "the child's netns: lo, tap0 10.0.2.100/24 UP at MTU 65520, default via 10.0.2.2, a fresh /sys keeping the cgroup mounts" {
  run rk --net=slirp4netns --mtu=65520 --disable-host-loopback sh -c 'ip -j a; echo; ip -j route; echo; cat /proc/sys/net/ipv4/ip_forward; ls /sys/class/net; ls /sys/fs/cgroup | wc -l; grep -c " /sys/fs/cgroup" /proc/self/mountinfo; readlink /proc/self/ns/net'
  [ "$status" -eq 0 ]
  addrs=${lines[0]}
  [ "$(jq -r '[.[].ifname] | join(" ")' <<<"$addrs")" = "lo tap0" ]
  [ "$(jq -c '.[] | select(.ifname == "tap0") | [.mtu, .operstate, (.addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)")]' <<<"$addrs")" = '[65520,"UP","10.0.2.100/24"]' ]
  [ "$(jq -c '.[] | select(.ifname == "lo") | [.addr_info[].local]' <<<"$addrs")" = '["127.0.0.1","::1"]' ]
  [ "$(jq -r '.[] | select(.dst == "default") | .gateway + " " + .dev' <<<"${lines[1]}")" = "10.0.2.2 tap0" ]
  [ "${lines[2]}" = 0 ]
  [ "${lines[3]}" = lo ] && [ "${lines[4]}" = tap0 ]
  [ "${lines[5]}" = "$(ls /sys/fs/cgroup | wc -l)" ]
  [ "${lines[6]}" -ge 2 ]   # the old /sys's cgroup mounts and the ones moved under the new
  [ "${lines[7]}" != "$(readlink /proc/self/ns/net)" ]
  # --cidr and --ifname move it, resolv.conf follows
  run rk --net=slirp4netns --cidr=10.0.3.0/24 --ifname=eth7 --copy-up=/etc sh -c 'ip -br -4 a show eth7; ip route show default; cat /etc/resolv.conf'
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == "eth7 "*"10.0.3.100/24"* ]]
  [[ ${lines[1]} == "default via 10.0.3.2 dev eth7"* ]]
  [ "${lines[2]}" = "nameserver 10.0.3.3" ]
}

@test "--ipv6: tap0 has fd00::100/64 at once (no DAD, no router advertisement taken), a default route via fd00::2, and the host's ::1 at fd00::2 with --disable-host-loopback=false" {
  port=$(free_port)
  mkdir -p "$TMP/www" && echo "host ::1 rk" >"$TMP/www/index.html" && chmod -R a+rX "$TMP/www"
  busybox httpd -f -p "[::1]:$port" -h "$TMP/www" &
  PIDS+=($!)
  wait_for curl -sfg -o /dev/null "http://[::1]:$port/"
  # no sleep before the request: RootlessKit's own --ipv6 test waits 3 s for SLAAC
  run rk --net=slirp4netns --ipv6 --disable-host-loopback=false sh -c "ip -j -6 addr show tap0 | tr -d '\n'; echo; ip -6 route show default; cat /proc/sys/net/ipv6/conf/tap0/accept_ra; curl -sg --noproxy '*' --max-time 5 http://[fd00::2]:$port/"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.[0].addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen) \(.nodad)"' <<<"${lines[0]}")" = "fd00::100/64 true" ]
  [[ ${lines[1]} == "default via fd00::2 dev tap0"* ]]
  [ "${lines[2]}" = 0 ]
  [ "${lines[3]}" = "host ::1 rk" ]
  # the child's resolv.conf lists fd00::3 after 10.0.2.3, as RootlessKit's with --ipv6
  # (its slirp4netns driver's DNS), bind-mounted from the state dir or written into a
  # copied-up /etc alike
  for copy in "" --copy-up=/etc; do
    run rk --net=slirp4netns --ipv6 $copy cat /etc/resolv.conf
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'nameserver 10.0.2.3\nnameserver fd00::3')" ] || { echo "$copy: $output"; false; }
  done
  # without --ipv6, as RootlessKit: no address but the link-local one
  run rk --net=slirp4netns sh -c 'ip -j -6 addr show tap0'
  [ "$(jq -r '[.[0].addr_info[] | select(.scope == "global")] | length' <<<"$output")" = 0 ]
  run rk --net=none --ipv6 true
  [ "$status" -eq 1 ]
  [[ $output == *"--ipv6: only supported for --net=slirp4netns, not --net=none"* ]]
}

@test "copy-up: /etc and /run are tmpfs of symlinks into .roNNNN, /etc/ssl resolves, resolv.conf and hosts are files" {
  echo host >"$TMP/u/keep"
  run rk --net=slirp4netns --copy-up=/etc --copy-up=/run sh -c '
    stat -f -c %T /etc /run
    ls -la /etc | grep -c "^l" ; ls -A /etc | wc -l
    readlink /etc/ssl; realpath /etc/ssl; readlink /etc/mtab
    [ "$(stat -f -c %T /etc/ssl/)" = "$(stat -f -c %T /)" ] && echo ssl-is-the-hosts
    stat -c "%F %a %s" /etc/resolv.conf /etc/hosts
    cat /etc/resolv.conf; tail -2 /etc/hosts
    rm -f /run/xtables.lock /run/docker && echo rm-ok
    echo new >/etc/netnest-rk-test && echo write-ok'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = tmpfs ] && [ "${lines[1]}" = tmpfs ]
  # every entry but .roNNNN and the two files is a symlink
  [ "${lines[2]}" -eq $(( ${lines[3]} - 3 )) ]
  [[ ${lines[4]} =~ ^\.ro[0-9]+/ssl$ ]]
  [[ ${lines[5]} =~ ^/etc/\.ro[0-9]+/ssl$ ]]
  [ "${lines[6]}" = "$(readlink /etc/mtab)" ]
  [ "${lines[7]}" = ssl-is-the-hosts ]
  [ "${lines[8]}" = "regular file 644 20" ]
  h=$(hostname)
  [ "${lines[9]}" = "regular file 644 $(( $(stat -c %s /etc/hosts) + 1 + 2 * ${#h} + 16 ))" ]
  [ "${lines[10]}" = "nameserver 10.0.2.3" ]
  [ "${lines[11]}" = "127.0.0.1 $(hostname)" ] && [ "${lines[12]}" = "::1 $(hostname)" ]
  [ "${lines[13]}" = rm-ok ] && [ "${lines[14]}" = write-ok ]
  # the host's /etc is untouched, and no temp dir was left in /tmp
  [ ! -e /etc/netnest-rk-test ]
  [ "$(tmp_rk_dirs)" = "$TMP_RK_BEFORE" ]
  ! ls -d /tmp/rootlesskit-b* /tmp/rksys* 2>/dev/null
}

@test "the command's environment is the caller's plus ROOTLESSKIT_STATE_DIR, _PARENT_EUID and _PARENT_EGID" {
  before=$(cd /tmp && as_user env PATH="$RKPATH" FOO=bar env | sort)
  run rk env FOO=bar env
  [ "$status" -eq 0 ]
  after=$(sort <<<"$output")
  [ "$(comm -13 <(echo "$before") <(echo "$after") | cut -d= -f1 | paste -sd' ')" = "ROOTLESSKIT_PARENT_EGID ROOTLESSKIT_PARENT_EUID ROOTLESSKIT_STATE_DIR" ]
  [ -z "$(comm -23 <(echo "$before") <(echo "$after"))" ]
  grep -qx "ROOTLESSKIT_PARENT_EUID=$(nn_uid)" <<<"$after"
  grep -qx "ROOTLESSKIT_PARENT_EGID=$(id -g "$NN_USER")" <<<"$after"
  [[ $(grep ^ROOTLESSKIT_STATE_DIR= <<<"$after") =~ ^ROOTLESSKIT_STATE_DIR=/tmp/rootlesskit[0-9]+$ ]]
  # only the caller's fds reach the command, none of netnest's
  fds='ls /proc/self/fd | sort -n | paste -sd" "'
  [ "$(rk sh -c "$fds" 3>&-)" = "$(cd /tmp && as_user sh -c "$fds" 3>&-)" ]
}

@test "the state dir holds lock, child_pid and api.sock as RootlessKit's; child_pid is the child; all of it goes at the end" {
  state=$XDG/rk-$BATS_TEST_NUMBER/state
  rk_bg "$TMP/out" --state-dir="$state" --net=slirp4netns --port-driver=builtin \
    --copy-up=/etc --copy-up=/run sleep 1000
  wait_for test -S "$state/api.sock"
  [ "$(stat -c %a "$state")" = 755 ]
  [ "$(cd "$state" && stat -c '%n %a %F' *)" = "$(printf '%s\n' 'api.sock 755 socket' 'child_pid 444 regular file' 'lock 600 regular empty file')" ]
  [ "$(ls -A "$state" | grep -v '^\.' | paste -sd' ')" = "api.sock child_pid lock" ]
  child=$(cat "$state/child_pid")
  [ "$(stat -c %s "$state/child_pid")" = "${#child}" ]   # no newline
  [ "$(ps -o ppid= -p "$child" | tr -d ' ')" != "$TOP" ]
  # the child, not the command: the command is the child's child
  cmd=$(pgrep -P "$child" -x sleep)
  [ -n "$cmd" ]
  # recipes enter it by child_pid: nsenter -t $(cat child_pid) -U -n
  run as_user nsenter -t "$child" -U --preserve-credentials -n ip -br -4 a show tap0
  [ "$status" -eq 0 ]
  [[ $output == "tap0 "*"10.0.2.100/24"* ]]
  # the API answers on it (rootlessctl, as RootlessKit's clients)
  run as_user rootlessctl --socket "$state/api.sock" info --json
  [ "$status" -eq 0 ]
  [ "$(jq -r .stateDir <<<"$output")" = "$state" ]
  # the command's end is the end: the whole dir goes, --state-dir too
  kill -TERM "$TOP"
  wait_until "! alive $TOP"
  [ ! -e "$state" ]
  # a relative --state-dir is made absolute against the working directory
  run rk --state-dir=rel-state sh -c 'echo "$ROOTLESSKIT_STATE_DIR"'
  [ "$output" = /tmp/rel-state ]
  [ ! -e /tmp/rel-state ]
}

@test "--detach-netns: the command stays in the host netns, the nest's is \$STATE/netns in its mount namespace only" {
  state=$XDG/rk-$BATS_TEST_NUMBER/state
  run rk --state-dir="$state" --net=slirp4netns --detach-netns --copy-up=/etc --copy-up=/run \
    sh -c 'readlink /proc/self/ns/net; stat -c "%s" $ROOTLESSKIT_STATE_DIR/netns; grep -c " $ROOTLESSKIT_STATE_DIR/netns .* nsfs " /proc/self/mountinfo; nsenter -n$ROOTLESSKIT_STATE_DIR/netns ip -br -4 a show tap0; nsenter -n$ROOTLESSKIT_STATE_DIR/netns sysctl -w net.ipv4.ip_forward=1; cat $ROOTLESSKIT_STATE_DIR/resolv.conf; ls /sys/class/net | wc -l'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(readlink /proc/self/ns/net)" ]
  [ "${lines[1]}" = 0 ]
  [ "${lines[2]}" = 1 ]
  [[ ${lines[3]} == "tap0 "*"10.0.2.100/24"* ]]
  [ "${lines[4]}" = "net.ipv4.ip_forward = 1" ]
  [ "${lines[5]}" = "nameserver 10.0.2.3" ]
  [ "${lines[6]}" = "$(ls /sys/class/net | wc -l)" ]   # the host's /sys, untouched
  # the host sees the 0-byte file only, and nothing is left after
  [ ! -e "$state" ]
  ! grep -q "$state" /proc/self/mountinfo
}

@test "the exit status is the command's, 255 when a signal ended it, with RootlessKit's two lines; 1 with a message when it cannot run" {
  # the same status and words as Debian's rootlesskit (without its warnings)
  for cmd in 'exit 7' 'kill -TERM $$' 'kill -KILL $$'; do
    run rk_debian sh -c "$cmd"
    deb_status=$status deb=$(grep -v '^time=' <<<"$output")
    run rk sh -c "$cmd"
    [ "$status" -eq "$deb_status" ] || { echo "$cmd: $status, Debian's $deb_status"; false; }
    [ "$output" = "$deb" ] || { echo "$cmd: $output"; echo "Debian's: $deb"; false; }
  done
  run rk sh -c 'exit 7'
  [ "$status" -eq 7 ]
  [ "$output" = "$(printf '%s\n' '[rootlesskit:child ] error: command [sh -c exit 7] exited: exit status 7' \
    '[rootlesskit:parent] error: child exited: exit status 7')" ]
  run rk sh -c 'kill -TERM $$'
  [ "$status" -eq 255 ]
  [ "$output" = "$(printf '%s\n' '[rootlesskit:child ] error: command [sh -c kill -TERM $$] exited: signal: terminated' \
    '[rootlesskit:parent] error: child exited: exit status 255')" ]
  run rk sh -c 'kill -KILL $$'
  [ "$status" -eq 255 ]
  [[ ${lines[0]} == *"exited: signal: killed" ]]
  run rk /nonexistent
  [ "$status" -eq 1 ]
  [ "$output" = "[rootlesskit:parent] error: run the command /nonexistent: No such file or directory" ]
  run rk true
  [ "$status" -eq 0 ]
  run nnu rootlesskit sh -c 'exit 3'
  [ "$status" -eq 3 ]
  [ "$(tmp_rk_dirs)" = "$TMP_RK_BEFORE" ]
}

@test "signals to the rootlesskit process reach the command's traps; its exit is the trap's" {
  # rk_bg's `&` job starts with SIGQUIT ignored (bash without job control); the command
  # still traps it, as under RootlessKit, whose Go processes reset it
  script='trap "echo got-USR1" USR1; trap "echo got-HUP" HUP; trap "echo got-QUIT" QUIT; trap "echo got-TERM; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
  rk_bg "$TMP/out" --net=slirp4netns sh -c "$script"
  wait_until "grep -q ready $TMP/out"
  kill -USR1 "$TOP"
  wait_until "grep -q got-USR1 $TMP/out"
  kill -HUP "$TOP"
  wait_until "grep -q got-HUP $TMP/out"
  kill -QUIT "$TOP"
  wait_until "grep -q got-QUIT $TMP/out"
  alive "$TOP"
  kill -TERM "$TOP"
  wait_until "grep -q got-TERM $TMP/out"
  wait_until "grep -qx rc=3 $TMP/out"
  [ "$(cat "$TMP/out")" = "$(printf '%s\n' ready got-USR1 got-HUP got-QUIT got-TERM \
    "[rootlesskit:child ] error: command [sh -c $script] exited: exit status 3" \
    '[rootlesskit:parent] error: child exited: exit status 3' rc=3)" ]
}

@test "SIGKILL of the rootlesskit process leaves no process, mount or state file behind" {
  state=$XDG/rk-$BATS_TEST_NUMBER/state
  port=$(free_port)
  rk_bg "$TMP/out" --state-dir="$state" --net=slirp4netns --port-driver=builtin \
    --copy-up=/etc --copy-up=/run -p "127.0.0.1:$port:80/tcp" --detach-netns \
    sh -c 'setsid sleep 1001 & (sleep 1002 &) ; sleep 1003'
  wait_for test -S "$state/api.sock"
  child=$(cat "$state/child_pid")
  userns=$(stat -L -c %i "/proc/$child/ns/user")
  wait_until "[ \$(in_userns $userns | wc -l) -ge 6 ]"   # daemon, engine, child, sh, 3 sleeps
  ss -Htln "sport = :$port" | grep -q .
  kill -KILL "$TOP"
  wait_until "[ -z \"\$(in_userns $userns)\" ]"
  wait_until "[ ! -e $state ]"
  ! grep -qs "$state" /proc/[0-9]*/mountinfo || false
  wait_until "! ss -Htln 'sport = :$port' | grep -q ."
  wait_until "grep -qx rc=137 $TMP/out"
}

@test "SIGKILL of the nest daemon: the rootlesskit process says so, and ends what it started and the state dir" {
  state=$XDG/rk-$BATS_TEST_NUMBER/state
  rk_bg "$TMP/out" --state-dir="$state" --net=slirp4netns --copy-up=/etc \
    sh -c 'setsid sleep 1011 & sleep 1012'
  wait_for test -S "$state/api.sock"
  child=$(cat "$state/child_pid")
  userns=$(stat -L -c %i "/proc/$child/ns/user")
  daemon=$(pgrep -P "$TOP")
  [ "$(cat "/proc/$daemon/comm")" = netnest ]
  [ "$(stat -L -c %i "/proc/$daemon/ns/user")" = "$userns" ]
  wait_until "[ \$(in_userns $userns | wc -l) -ge 5 ]"   # daemon, engine, child, sh, 2 sleeps
  kill -KILL "$daemon"
  wait_until "grep -qx rc=1 $TMP/out"
  grep -F "the nest daemon (pid $daemon) was killed by signal 9" "$TMP/out"
  [ -z "$(in_userns "$userns")" ]
  [ ! -e "$state" ]
}

@test "--state-dir of a dir holding other files is refused, and the files stay" {
  d=$XDG/rk-$BATS_TEST_NUMBER
  as_user mkdir -p "$d/sub"
  as_user sh -c "echo keep >'$d/keep.txt'"
  run rk --state-dir="$d" true
  [ "$status" -eq 1 ]
  [[ $output == *"--state-dir=$d: not empty and not a state dir (no lock file)"* ]]
  [ "$(cat "$d/keep.txt")" = keep ] && [ -d "$d/sub" ]
  # an empty dir, and one an earlier instance left (it holds lock), are taken and removed
  as_user mkdir -p "$d/empty" "$d/old"
  as_user sh -c "touch '$d/old/lock' '$d/old/child_pid'"
  rk --state-dir="$d/empty" true
  rk --state-dir="$d/old" true
  [ ! -e "$d/empty" ] && [ ! -e "$d/old" ]
}

# serve_child HOSTIP: an httpd in the child's netns on 8080, published as HOSTIP:$port:8080
# (a free $port), up once 127.0.0.1:$port serves its page
serve_child() {
  mkdir "$TMP/www" && echo "hello from the child" >"$TMP/www/index.html" && chmod -R a+rX "$TMP/www"
  port=$(free_port)
  rk_bg "$TMP/out" --net=slirp4netns --port-driver=builtin -p "$1:$port:8080/tcp" \
    busybox httpd -f -p 8080 -h "$TMP/www"
  wait_for curl -sf --max-time 2 "http://127.0.0.1:$port/index.html"
}

@test "a published port (-p, --port-driver=builtin) reaches a server in the child's netns" {
  serve_child 127.0.0.1
  [ "$(curl -s "http://127.0.0.1:$port/index.html")" = "hello from the child" ]
}

@test "-p with an IPv4-mapped parent IP listens on the IPv4 address, as Debian's rootlesskit does" {
  serve_child "[::ffff:127.0.0.1]"
  [ "$(ss -Htln "sport = :$port" | awk '{print $4}')" = "127.0.0.1:$port" ]
  # the anchor, on the same spec
  port=$(free_port)
  rk_debian --net=slirp4netns --port-driver=builtin -p "[::ffff:127.0.0.1]:$port:8080/tcp" \
    sleep 3 >"$TMP/deb" 2>&1 3>&- &
  wait_until "ss -Htln 'sport = :$port' | grep -q ." || { cat "$TMP/deb"; false; }
  [ "$(ss -Htln "sport = :$port" | awk '{print $4}')" = "127.0.0.1:$port" ]
  wait
}

@test "--net=host keeps the host's netns, --net=none gives lo alone; --pidns makes the child PID 1" {
  run rk sh -c 'readlink /proc/self/ns/net; id -u'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(readlink /proc/self/ns/net)" ]
  [ "${lines[1]}" = 0 ]
  run rk --net=none sh -c 'ip -br a | cut -d" " -f1'
  [ "$output" = lo ]
  run rk --net=slirp4netns --pidns --utsns --ipcns --cgroupns sh -c 'echo $$; ps -o pid= -p 1 | tr -d " "; for n in pid uts ipc cgroup; do readlink /proc/self/ns/$n; done; grep -c " /proc proc\| /proc .* - proc none" /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" -gt 1 ]
  [ "${lines[1]}" = 1 ]
  [ "${lines[2]}" != "$(readlink /proc/self/ns/pid)" ]
  [ "${lines[3]}" != "$(readlink /proc/self/ns/uts)" ]
  [ "${lines[4]}" != "$(readlink /proc/self/ns/ipc)" ]
  [ "${lines[5]}" != "$(readlink /proc/self/ns/cgroup)" ]
}

@test "the same child under Debian's rootlesskit and netnest's sees the same, but for addresses and PIDs" {
  cp "$NN_ROOT/tests/helpers/rk_child_probe.sh" "$TMP/probe.sh" && chmod 0755 "$TMP/probe.sh"
  for shape in "--net=slirp4netns --copy-up=/etc --copy-up=/run --port-driver=builtin --disable-host-loopback" \
               "--net=slirp4netns --disable-host-loopback --utsns --ipcns --cgroupns"; do
    rk_debian $shape sh "$TMP/probe.sh" >"$TMP/debian.txt" 2>&1
    rk $shape sh "$TMP/probe.sh" >"$TMP/netnest.txt" 2>&1
    # Debian's warns (on stderr) when resolv.conf is bind-mounted without a copied-up /etc
    grep -v '^time=.*level=warning' "$TMP/debian.txt" | rk_probe_mask >"$TMP/debian.m"
    rk_probe_mask <"$TMP/netnest.txt" >"$TMP/netnest.m"
    diff -u "$TMP/debian.m" "$TMP/netnest.m"
  done
}

@test "bad input is refused by name, exits non-zero and leaves nothing behind" {
  refused() { # MESSAGE-PART ARGS...
    local want=$1; shift
    run rk "$@"
    [ "$status" -eq 1 ]
    [[ $output == *"[rootlesskit:parent] error: "*"$want"* ]] || { echo "got: $output"; false; }
  }
  refused "flag provided but not defined: -nope" --nope true
  [[ ${lines[0]} == "Incorrect Usage. flag provided but not defined: -nope" ]]
  refused "--net=vpnkit: not supported by netnest" --net=vpnkit true
  refused "--pasta-binary=/opt/pasta: not supported by netnest" --net=pasta --pasta-binary=/opt/pasta true
  refused "--port-driver=slirp4netns: port driver requires non-host network" \
    --net=host --port-driver=slirp4netns true
  refused "--port-driver=slirp4netns: port driver requires slirp4netns network" \
    --net=none --port-driver=slirp4netns true
  refused "--copy-up=/nonexistent: no such directory" --net=slirp4netns --copy-up=/nonexistent true
  refused "--copy-up=/tmp: /tmp cannot be copied up" --copy-up=/tmp true
  refused "--evacuate-cgroup2=x: not supported by netnest" --evacuate-cgroup2=x true
  refused "no command specified" --net=slirp4netns
  # --cidr takes what up --cidr takes: a LAN
  refused "--cidr 224.0.0.0/24: a multicast range, not a LAN" --net=slirp4netns \
    --cidr=224.0.0.0/24 true
  refused "--cidr 127.0.0.0/24: a loopback range, not a LAN" --net=slirp4netns \
    --cidr=127.0.0.0/24 true
  # called as netnest rootlesskit, the same lines: RootlessKit's frame on stderr, the
  # complaint and the help on stdout
  for args in "--nope true" "--net=vpnkit true" "--net=slirp4netns"; do
    # shellcheck disable=SC2086 # the words of each case
    (cd /tmp && as_user "$NETNEST" rootlesskit $args) >"$TMP/v.out" 2>"$TMP/v.err" && false
    # shellcheck disable=SC2086
    rk $args >"$TMP/s.out" 2>"$TMP/s.err" && false
    diff -u "$TMP/s.err" "$TMP/v.err"
    [[ $(cat "$TMP/v.err") == "[rootlesskit:parent] error: "* ]]
    diff -u <(sed 's/netnest rootlesskit/rootlesskit/' "$TMP/v.out") "$TMP/s.out"
  done
  [ "$(tmp_rk_dirs)" = "$TMP_RK_BEFORE" ]
  # a state dir a live instance holds
  state=$XDG/rk-$BATS_TEST_NUMBER/state
  rk_bg "$TMP/out" --state-dir="$state" --net=slirp4netns sleep 1000
  wait_for test -S "$state/api.sock"
  child=$(cat "$state/child_pid")
  before=$(ls -A "$state")
  refused "--state-dir=$state: failed to lock $state/lock, another RootlessKit" \
    --state-dir="$state" --net=slirp4netns true
  [ "$(ls -A "$state")" = "$before" ]
  alive "$child"
  # and nothing of the refused runs is left running
  [ "$(pgrep -u "$NN_USER" -f -- "--net=slirp4netns true" | wc -l)" -eq 0 ]
}
