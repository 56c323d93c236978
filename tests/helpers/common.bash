# Shared by the bats files: load with `load helpers/common`.
# $NETNEST is the binary under test (tests/run sets it); $NN_ROOT the source tree.

: "${NETNEST:=$NN_ROOT/build/netnest}"
NN_USER=nntest          # has a subuid range
# shellcheck disable=SC2034 # read by the bats files that load this one
NN_USER_NOSUBID=nntest2 # has none

nn_uid() { id -u "${1:-$NN_USER}"; }

# as_user [-u USER] [-n NETNS] CMD...: run CMD as the unprivileged test user, with a clean
# login-like environment (XDG_RUNTIME_DIR set, as systemd-logind would), in the `ip netns`
# NETNS when given (only its netns: nsenter --net); a sanitizer's *SAN_OPTIONS pass
# through, so a sanitized build is checked as the user too (.ci/run).
as_user() {
  local u=$NN_USER in=()
  if [[ ${1:-} == -u ]]; then u=$2; shift 2; fi
  if [[ ${1:-} == -n ]]; then in=(nsenter "--net=/run/netns/$2"); shift 2; fi
  local uid; uid=$(id -u "$u")
  "${in[@]}" runuser -u "$u" -- env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME="/home/$u" USER="$u" XDG_RUNTIME_DIR="/run/user/$uid" NETNEST="$NETNEST" \
    ${ASAN_OPTIONS+"ASAN_OPTIONS=$ASAN_OPTIONS"} ${LSAN_OPTIONS+"LSAN_OPTIONS=$LSAN_OPTIONS"} \
    ${UBSAN_OPTIONS+"UBSAN_OPTIONS=$UBSAN_OPTIONS"} "$@"
}

# nests_down: take down every nest in the caller's NESTS array, each "root NAME", "user NAME"
# or "user2 NAME" (the user without subordinate IDs); quiet, for teardowns
nests_down() {
  local n
  for n in "${NESTS[@]}"; do
    case $n in
      root\ *) nn down --nest "${n#root }" ;;
      user2\ *) as_user -u "$NN_USER_NOSUBID" "$NETNEST" down --nest "${n#user2 }" ;;
      *) nnu down --nest "${n#user }" ;;
    esac
  done >/dev/null 2>&1
}

# nn [ARGS...]: netnest as root; nnu [ARGS...]: netnest as the test user
nn() { "$NETNEST" "$@"; }
nnu() { as_user "$NETNEST" "$@"; }

# free_port_ss SS-FLAGS NEXT: a port below the kernel's ephemeral range (10000-32767 with
# Debian's ip_local_port_range 32768-60999) that `ss SS-FLAGS` shows no listener on, nor on
# the NEXT ports after it (NEXT=1: the port after it too).  Below the range: an outgoing connection's local port, or its
# TIME_WAIT after a load test, also makes bind(2) of 0.0.0.0:P fail with EADDRINUSE, even
# with SO_REUSEADDR (net/ipv4/inet_connection_sock.c inet_bind_conflict), and only
# connect(2) picks ports inside the range (ip(7) ip_local_port_range).
free_port_ss() {
  local p filter low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)
  ((low > 12000)) || low=60000 # a range that starts low: above it, as before
  for _ in $(seq 50); do
    if ((low == 60000)); then p=$((60000 + RANDOM % 5000)); else p=$((10000 + RANDOM % (low - 10001))); fi
    filter="sport = :$p"
    (($2)) && filter="( sport >= :$p and sport <= :$((p + $2)) )"
    ss "$1" "$filter" | grep -q . || { echo "$p"; return 0; }
  done
  return 1
}

# free_port: a TCP port nothing listens on, below the ephemeral range
free_port() { free_port_ss -Htln 0; }

# unique_name PREFIX: a name no other concurrent test run uses
unique_name() { echo "$1$$$RANDOM"; }

# scratch_host NAME: a new netns NAME that plays the host for an engine, so nothing can reach
# the real network even by mistake: lo up, and an uplink whose default route leads nowhere
# (a veth pair with both ends in NAME, 198.51.100.1/24 via 198.51.100.254, no router
# behind; this kernel may have no dummy driver).  Fails, leaving nothing, when a step fails.
scratch_host() {
  ip netns add "$1" || return 1
  if ! { ip -n "$1" link set lo up &&
    ip -n "$1" link add up0 type veth peer name up1 &&
    ip -n "$1" addr add 198.51.100.1/24 dev up0 &&
    ip -n "$1" link set up0 up &&
    ip -n "$1" link set up1 up &&
    ip -n "$1" route add default via 198.51.100.254 dev up0; }; then
    ip netns del "$1"
    return 1
  fi
}

# netns_procs INO: the processes whose netns has inode INO, one PID a line (a zombie has
# left its namespaces and is not one: proc(5))
netns_procs() {
  local p
  for p in /proc/[0-9]*; do
    [[ $(stat -L -c %i "$p/ns/net" 2>/dev/null) == "$1" ]] && echo "${p#/proc/}"
  done
  return 0
}

# own_netns_procs INO: the processes of that netns join the caller's PIDS array, so its
# teardown ends any that a failed test left
own_netns_procs() {
  local found
  mapfile -t found < <(netns_procs "$1")
  PIDS+=("${found[@]}")
}

# wait_for CMD...: retry CMD for up to 10 s
wait_for() {
  for _ in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  "$@"
}

# wait_until 'SHELL TEXT': retry the text for up to 10 s, evaluated afresh each time (so a
# "$(...)" in it is read again on every try, which wait_for's arguments are not)
wait_until() {
  for _ in $(seq 100); do eval "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  eval "$1"
}

# up_root_dangling_resolv: as root, up -d nest $NEST from a mount namespace whose /etc is a
# copy of the host's with resolv.conf a dangling symlink to $TMP/run/resolv.conf (the
# nest's mount namespace is a copy of that one); adds it to NESTS
# shellcheck disable=SC2016,SC2153 # sh -c's own $1..$3; NEST is the calling test's
up_root_dangling_resolv() {
  mkdir -p "$TMP/etc" "$TMP/run"
  cp -a /etc/. "$TMP/etc/"
  ln -sfn "$TMP/run/resolv.conf" "$TMP/etc/resolv.conf"
  unshare -m --propagation private sh -c 'mount --bind "$1/etc" /etc && exec "$2" up -d --nest "$3"' \
    sh "$TMP" "$NETNEST" "$NEST"
  NESTS+=("root $NEST")
}
