#!/usr/bin/env bash
# The main job, end to end, on built-in defaults (README, first command). Runs as root, and
# re-runs itself through sudo when started by another user:
#   bash scripts/demo.sh
# It installs what is missing (Debian packages), builds netnest, and then, as the
# unprivileged user nntest (created with a subuid range if missing):
#   netnest up -d; netnest run -d --name web -p 8080:80 -- nginx ...; curl; ps; topo;
#   netnest stop web; netnest down
# and shows that nothing is left behind. Every command is printed before it runs.
set -euo pipefail
# as root: it installs packages and creates the user nntest
[ "$(id -u)" = 0 ] || exec sudo --preserve-env=NN_BUILD -- bash "$0" "$@"
cd "$(dirname "$0")/.."
root=$(pwd)
source tests/helpers/nginx.sh

bash tests/helpers/setup-host.sh >/dev/null
build=${NN_BUILD:-build}
[[ -d $build ]] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null

work=$(mktemp -d /tmp/netnest-demo.XXXXXX)
chmod 0755 "$work"
install -m 0755 "$build/netnest" "$work/netnest"
user=nntest uid=$(id -u nntest)
port=8080
while ss -Htln "sport = :$port" | grep -q .; do port=$((port + 1)); done

# nginx serving a 1 MiB file, everything under the demo dir
mkdir -p "$work/www" "$work/nginx"
head -c 1048576 /dev/urandom >"$work/www/file"
echo "hello from a netnest sandbox" >"$work/www/index.html"
nginx_conf "$work/nginx" "$work/www" >"$work/nginx/nginx.conf"
chown -R "$user:$user" "$work/www" "$work/nginx"

as_user() {
  runuser -u "$user" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="/home/$user" \
    USER="$user" XDG_RUNTIME_DIR="/run/user/$uid" "$@"
}
show() { printf '\n$ %s\n' "$*" | sed "s|$work/netnest|netnest|g"; as_user "$@"; }
cleanup() {
  as_user "$work/netnest" stop web >/dev/null 2>&1 || true
  as_user "$work/netnest" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

nn="$work/netnest"
echo "netnest demo as user $user (uid $uid), published port $port"
before=$(find "/run/user/$uid" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)
show "$nn" up -d
show "$nn" run -d --name web -p "$port:80" -- nginx -c "$work/nginx/nginx.conf" -g 'daemon off;'
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
show curl -sS "http://127.0.0.1:$port/"
got=$(curl -sS "http://127.0.0.1:$port/file" | sha256sum | cut -d' ' -f1)
want=$(sha256sum <"$work/www/file" | cut -d' ' -f1)
printf '\n1 MiB through the published port: sha256 %s (%s)\n' "$got" \
  "$([[ $got == "$want" ]] && echo intact || echo "MISMATCH, want $want")"
show "$nn" ps
show "$nn" topo
show "$nn" stop web
show "$nn" down
after=$(find "/run/user/$uid" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)
# live processes only: a daemon that `up -d` left to init is a zombie until init reaps it,
# and some container inits (PID 1 not systemd) reap late; a zombie holds no resource
left=$(ps -u "$user" -o pid=,stat=,args= | awk '$2 !~ /^Z/ && /netnest/' || true)
printf '\nleft behind: processes: %s; files in /run/user/%s: %s\n' "${left:-none}" "$uid" \
  "$(if [[ $before == "$after" ]]; then echo none; else comm -13 <(echo "$before") <(echo "$after"); fi)"
[[ $got == "$want" && -z $left && $before == "$after" ]]
