#!/usr/bin/env bash
# Prepares this machine for the tests, as root: packages, the unprivileged test users,
# and /dev/net/tun at Debian's usual mode 0666 (HACKING.md#what-tests-may-touch).
#   nntest    has a subuid/subgid range (the normal rootless user)
#   nntest2   has none (for the "no subuid range" case)
#   nntest3   has two ranges, the second keyed by its uid (subuid(5) allows both)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/deps.sh"

add_user() { # NAME WANT_SUBIDS (yes, no, or keep: left to the caller)
  local u=$1
  id "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash "$u"
  if [[ $2 == yes ]]; then
    grep -q "^$u:" /etc/subuid 2>/dev/null || usermod --add-subuids 300000-365535 "$u"
    grep -q "^$u:" /etc/subgid 2>/dev/null || usermod --add-subgids 300000-365535 "$u"
  elif [[ $2 == no ]]; then
    sed -i "/^$u:/d" /etc/subuid /etc/subgid 2>/dev/null || true
  fi
  local uid; uid=$(id -u "$u")
  install -d -m 0700 -o "$u" -g "$u" "/run/user/$uid"
}
# two_ranges USER START1 START2: exactly the lines "USER:START1:65536" and
# "UID:START2:65536" for USER in /etc/subuid and /etc/subgid (useradd may have added one of
# its own); the files are rewritten only when they differ
two_ranges() {
  local u=$1 uid f want; uid=$(id -u "$u")
  want=$(printf '%s:%s:65536\n%s:%s:65536' "$u" "$2" "$uid" "$3")
  for f in /etc/subuid /etc/subgid; do
    [[ $(grep -E "^($u|$uid):" "$f" 2>/dev/null) == "$want" ]] && continue
    sed -i -E "/^($u|$uid):/d" "$f"
    echo "$want" >>"$f"
  done
}
add_user nntest yes
add_user nntest2 no
add_user nntest3 keep
two_ranges nntest3 400000 500000
chmod 0666 /dev/net/tun
