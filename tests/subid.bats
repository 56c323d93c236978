#!/usr/bin/env bats
# Subordinate IDs as real machines have them: several ranges, keyed by name or by uid, the
# NSS source (getsubids), ranges that cannot be mapped, and helpers that cannot work.
# nntest3 (tests/helpers/setup-host.sh) has "nntest3:400000:65536" and "UID:500000:65536".

load helpers/common

U3=nntest3

setup() {
  NEST=$(unique_name subid)
  TMP=$(mktemp -d /tmp/netnest-subid.XXXXXX)
  chmod 0755 "$TMP"
  UID3=$(id -u "$U3")
  GID3=$(id -g "$U3")
  STATE=/run/user/$UID3/netnest/$NEST
  UP=0  # 1: nest $NEST of nntest3 to take down; 2: of nntest2
}

teardown() {
  ((UP == 1)) && as_user -u "$U3" "$NETNEST" down --nest "$NEST" >/dev/null 2>&1
  ((UP == 2)) && as_user -u "$NN_USER_NOSUBID" "$NETNEST" down --nest "$NEST" >/dev/null 2>&1
  rm -rf "$TMP"
}

# up3 [ENV=VALUE...]: netnest up -d as nntest3, with ENV added to its clean environment
# (callers set UP=1 first: `run` runs this in a subshell)
up3() {
  as_user -u "$U3" env "$@" "$NETNEST" up -d --nest "$NEST"
}

maps() { # PID: "uid_map lines | gid_map lines", fields single-spaced
  echo "$(awk '{print $1, $2, $3}' /proc/"$1"/uid_map | paste -sd,) | $(awk '{print $1, $2, $3}' /proc/"$1"/gid_map | paste -sd,)"
}

@test "a user with a range by name and one by uid gets both, packed from 1 after 0 -> the user" {
  UP=1
  run up3
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
  pid=$(cat "$STATE/child_pid")
  [ "$(maps "$pid")" = "0 $UID3 1,1 400000 65536,65537 500000 65536 | 0 $GID3 1,1 400000 65536,65537 500000 65536" ]
}

@test "through getsubids (the NSS source) the range keyed by uid, listed twice, is mapped once" {
  # shadow's getsubids lists the uid-keyed line for the name as well as for the uid, so
  # RootlessKit's dynamic source maps it twice and newuidmap fails (spec section 9)
  [ "$(getsubids "$U3" | wc -l)" -eq 2 ]
  [ "$(getsubids "$UID3" | wc -l)" -eq 1 ]
  UP=1
  run up3 GETSUBIDS=/usr/bin/getsubids
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
  pid=$(cat "$STATE/child_pid")
  [ "$(maps "$pid")" = "0 $UID3 1,1 400000 65536,65537 500000 65536 | 0 $GID3 1,1 400000 65536,65537 500000 65536" ]
}

@test "a range that holds the user's own uid is left out, with a warning" {
  # a getsubids that adds a range around the user's own uid and gid (never written to
  # /etc/subuid: newuidmap never sees it)
  cat >"$TMP/getsubids" <<EOF
#!/bin/sh
if [ "\$1" = -g ]; then g=-g; shift; own=$GID3; else g=; own=$UID3; fi
[ "\$1" = $U3 ] && echo "0: $U3 \$((own - 5)) 10"
exec /usr/bin/getsubids \$g "\$@"
EOF
  chmod 0755 "$TMP/getsubids"
  UP=1
  run up3 GETSUBIDS="$TMP/getsubids"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [ "${lines[0]}" = "netnest: warning: subuid range $((UID3 - 5))-$((UID3 + 4)) (10 IDs) holds the user's own ID, which ID 0 maps: left out; subgid range $((GID3 - 5))-$((GID3 + 4)) (10 IDs) holds the user's own ID, which ID 0 maps: left out" ]
  pid=$(cat "$STATE/child_pid")
  [ "$(maps "$pid")" = "0 $UID3 1,1 400000 65536,65537 500000 65536 | 0 $GID3 1,1 400000 65536,65537 500000 65536" ]
}

@test "with no_new_privs set the nest maps only the user, and the notice says that is why" {
  UP=1
  run as_user -u "$U3" setpriv --no-new-privs "$NETNEST" up -d --nest "$NEST"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [ "${lines[0]}" = "netnest: warning: /usr/bin/newuidmap cannot work: no_new_privs is set on this process (NoNewPrivs: 1 in /proc/self/status), so execve(2) grants no setuid: the nest maps only uid $UID3 (as root)" ]
  pid=$(cat "$STATE/child_pid")
  [ "$(maps "$pid")" = "0 $UID3 1 | 0 $GID3 1" ]
  [ "$(cat /proc/"$pid"/setgroups)" = deny ]
}

# in_mntns SCRIPT ARGS...: SCRIPT as root in a mount namespace of this test only, so the
# system's helpers stay as they are for everyone else
in_mntns() { unshare -m --propagation private sh -c "$@"; }

# up3_in_mntns SETUP: netnest up -d as nntest3 after the shell text SETUP (run as root)
up3_in_mntns() {
  in_mntns "$1"' &&
    runuser -u "$1" -- env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="/run/user/$2" \
      "$3" up -d --nest "$4"' sh "$U3" "$UID3" "$NETNEST" "$NEST"
}

@test "a newuidmap without its setuid bit, not executable, or missing is named in the notice" {
  install -m 0755 /usr/bin/newuidmap "$TMP/newuidmap"
  UP=1
  run up3_in_mntns "mount --bind $TMP/newuidmap /usr/bin/newuidmap"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [ "${lines[0]}" = "netnest: warning: /usr/bin/newuidmap cannot work: it has neither the setuid bit (owner root) nor a file capability: the nest maps only uid $UID3 (as root)" ]
  [ "$(maps "$(cat "$STATE/child_pid")")" = "0 $UID3 1 | 0 $GID3 1" ]
  as_user -u "$U3" "$NETNEST" down --nest "$NEST"

  chmod 0644 "$TMP/newuidmap"
  UP=1
  run up3_in_mntns "mount --bind $TMP/newuidmap /usr/bin/newgidmap"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "netnest: warning: /usr/bin/newgidmap is not executable: the nest maps only uid $UID3 (as root)" ]
  as_user -u "$U3" "$NETNEST" down --nest "$NEST"

  # an overlay whose upper dir holds a whiteout: /usr/bin without newuidmap
  mkdir "$TMP/upper" "$TMP/work"
  mknod "$TMP/upper/newuidmap" c 0 0
  UP=1
  run up3_in_mntns "mount -t overlay none -o lowerdir=/usr/bin,upperdir=$TMP/upper,workdir=$TMP/work /usr/bin && ! test -e /usr/bin/newuidmap"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "netnest: warning: /usr/bin/newuidmap is missing: the nest maps only uid $UID3 (as root)" ]
  [ "$(maps "$(cat "$STATE/child_pid")")" = "0 $UID3 1 | 0 $GID3 1" ]
}

@test "a user without a range through getsubids is told so and gets the single mapping" {
  u=$NN_USER_NOSUBID
  uid=$(id -u "$u")
  UP=2
  run as_user -u "$u" env GETSUBIDS=/usr/bin/getsubids "$NETNEST" up -d --nest "$NEST"
  [ "$status" -eq 0 ]
  # auto: getsubids found nothing, so the files were read (and have nothing either)
  [ "${lines[0]}" = "netnest: warning: user $u has no range in /etc/subuid and /etc/subgid: the nest maps only uid $uid (as root)" ]
  state=/run/user/$uid/netnest/$NEST
  [ "$(maps "$(cat "$state/child_pid")")" = "0 $uid 1 | 0 $(id -g "$u") 1" ]
  as_user -u "$u" "$NETNEST" down --nest "$NEST"
}
