#!/usr/bin/env bash
# Installs what building, the demo, the tests, CI and the benchmarks need, from Debian 12's
# packages. Idempotent: does nothing when everything is there. Run as root.
set -euo pipefail
pkgs=(
  build-essential meson ninja-build pkg-config
  libmnl-dev libjansson-dev libnftables-dev libseccomp-dev libslirp-dev libglib2.0-dev
  libmicrohttpd-dev libcurl4-openssl-dev libcmocka-dev
  bats nftables uidmap iproute2 util-linux procps psmisc curl jq python3 perl
  nginx-light iperf3 busybox graphviz
  rootlesskit slirp4netns passt containernetworking-plugins hyperfine
  # .ci/run: the clang build, the sanitizers' and fuzzers' runtime, the analysis targets
  clang libclang-rt-14-dev clang-tidy clang-format cppcheck shellcheck
  # the man page's render check (docs/meson.build) and the completion tests
  man-db bash-completion
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# nginx-light's package starts a system nginx on port 80; the tests bring their own.
if command -v systemctl >/dev/null && systemctl is-active -q nginx 2>/dev/null; then
  systemctl stop nginx || true
fi
