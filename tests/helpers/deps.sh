#!/usr/bin/env bash
# Installs what building, the demo, the tests, CI and the benchmarks need, from Debian 12's
# packages. Idempotent: does nothing when everything is there. Run as root.
set -euo pipefail
pkgs=(
  build-essential meson ninja-build pkg-config
  libmnl-dev libjansson-dev libnftnl-dev libseccomp-dev libslirp-dev libglib2.0-dev
  libevent-dev libcmocka-dev
  bats nftables uidmap iproute2 util-linux procps psmisc curl jq python3 perl
  nginx-light iperf3 busybox graphviz
  # strace holds up a run's connect(2) so that a down catches it starting: tests/nest.bats
  strace
  # a real DNS server (the binary only: dnsmasq-base starts no service) and its client:
  # tests/udp.bats (in a sandbox behind -p P:53/udp), tests/engine.bats (a loopback stub)
  dnsmasq-base bind9-dnsutils
  # the port driver's load tests and connection-rate benchmark (tests/portload.bats, bench/)
  apache2-utils wrk
  rootlesskit slirp4netns passt containernetworking-plugins hyperfine
  # .ci/run: the clang build, the sanitizers' and fuzzers' runtime, the analysis targets
  clang libclang-rt-14-dev clang-tidy clang-format cppcheck shellcheck
  # the man page's render check (docs/meson.build) and the completion tests
  man-db bash-completion
  # the rootless Docker and containerd tests (tests/docker.bats, tests/containerd.bats)
  docker.io containerd runc iptables
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # docker.io and containerd start system daemons from their postinst (a root dockerd
  # would put docker0 and its iptables rules in the host's netns): policy-rc.d(8) says no,
  # to invoke-rc.d and deb-systemd-invoke alike, for the time of the install
  made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# tests/helpers/deps.sh: no service starts during the install\nexit 101\n' \
      >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    # shellcheck disable=SC2034 # read by the EXIT trap
    made_policy=1
  fi
  trap 'if ((made_policy)); then rm -f /usr/sbin/policy-rc.d; fi' EXIT
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# nginx-light's package starts a system nginx on port 80; the tests bring their own. A
# site policy-rc.d that let the install start docker or containerd: those are stopped too
# (the tests run rootless ones; a system daemon that was running before is left alone).
units=(nginx)
[[ " ${missing[*]} " == *" docker.io "* ]] && units+=(docker.socket docker)
[[ " ${missing[*]} " == *" containerd "* ]] && units+=(containerd)
if command -v systemctl >/dev/null; then
  for unit in "${units[@]}"; do
    if systemctl is-active -q "$unit" 2>/dev/null; then systemctl stop "$unit" || true; fi
  done
fi
# busybox-static for tests/helpers/docker_image.sh: downloaded, never installed (it
# conflicts with busybox)
cache=/var/cache/netnest-test
if ! ls "$cache"/busybox-static_*.deb >/dev/null 2>&1; then
  mkdir -p "$cache"
  (cd "$cache" && apt-get download -q busybox-static >/dev/null 2>&1) ||
    { apt-get update -q && (cd "$cache" && apt-get download -q busybox-static); }
  chmod 0644 "$cache"/busybox-static_*.deb
fi
