#!/usr/bin/env bash
# Prepares this machine for the tests, as root: packages, the unprivileged test users,
# and /dev/net/tun at Debian's usual mode 0666 (HACKING.md#what-tests-may-touch).
#   nntest    has a subuid/subgid range (the normal rootless user)
#   nntest2   has none (for the "no subuid range" case)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/deps.sh"

add_user() { # NAME WANT_SUBIDS
  local u=$1
  id "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash "$u"
  if [[ $2 == yes ]]; then
    grep -q "^$u:" /etc/subuid 2>/dev/null || usermod --add-subuids 300000-365535 "$u"
    grep -q "^$u:" /etc/subgid 2>/dev/null || usermod --add-subgids 300000-365535 "$u"
  else
    sed -i "/^$u:/d" /etc/subuid /etc/subgid 2>/dev/null || true
  fi
  local uid; uid=$(id -u "$u")
  install -d -m 0700 -o "$u" -g "$u" "/run/user/$uid"
}
add_user nntest yes
add_user nntest2 no
chmod 0666 /dev/net/tun
