#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A container image made without the network, for the RootlessKit drop-in tests (issue 7):
# Debian's busybox-static (each applet a symlink to /bin/busybox, as `busybox --install -s`
# makes them), iperf3 with the libraries ldd lists, /etc/passwd and group, and /www with
# index.html and a 1 MiB random file (its sha256 in /www/1m.bin.sha256).
#
#   docker_image.sh rootfs DIR               build DIR/rootfs.tar (and DIR/rootfs/); print its path
#   docker_image.sh docker IMAGE [DOCKER]    build and `DOCKER import` it as IMAGE (DOCKER defaults
#                                            to /usr/bin/docker; DOCKER_HOST picks the daemon)
#   docker_image.sh oci IMAGE OUT.tar        build an OCI image layout tar (oci-layout, index.json,
#                                            manifest, config, one uncompressed layer) that
#                                            `ctr images import OUT.tar` stores as IMAGE; print
#                                            the full name (docker.io/library/NAME:TAG)
#
# Any user who can write DIR can run it.  busybox-static is never installed (it conflicts
# with busybox): its .deb comes from $NN_DEB_CACHE (tests/helpers/deps.sh puts it there),
# else from `apt-get download`.  NN_BUSYBOX=/path/to/a/static/busybox skips both.
set -euo pipefail

: "${NN_DEB_CACHE:=/var/cache/netnest-test}"

die() { echo "docker_image.sh: $*" >&2; exit 1; }

# static_busybox WORKDIR: print the path of a statically linked busybox
static_busybox() {
  local w=$1 deb
  if [[ -n ${NN_BUSYBOX:-} ]]; then
    echo "$NN_BUSYBOX"
    return
  fi
  # shellcheck disable=SC2012 # Debian package file names: no blanks or newlines
  deb=$(ls "$NN_DEB_CACHE"/busybox-static_*.deb 2>/dev/null | tail -1 || true)
  if [[ -z $deb ]]; then
    mkdir -p "$w/deb"
    (cd "$w/deb" && apt-get download busybox-static >/dev/null 2>&1) ||
      die "apt-get download busybox-static failed (apt-get update first?)"
    # shellcheck disable=SC2012 # Debian package file names: no blanks or newlines
    deb=$(ls "$w"/deb/busybox-static_*.deb | tail -1)
  fi
  mkdir -p "$w/deb/x"
  dpkg-deb -x "$deb" "$w/deb/x"
  # a static binary has no program interpreter (elf(5) PT_INTERP)
  ! readelf -l "$w/deb/x/bin/busybox" | grep -q 'program interpreter' ||
    die "$deb: bin/busybox is not statically linked"
  echo "$w/deb/x/bin/busybox"
}

# copy_with_libs ROOTFS BINARY: BINARY and every library ldd lists, at the same paths
copy_with_libs() {
  local r=$1 bin=$2 lib
  install -D -m 0755 "$bin" "$r$bin"
  # "libx.so => /path (0x...)" lines, and the loader's own "/lib64/ld-linux... (0x...)"
  # line (mawk has no \s: spell the blanks out)
  for lib in $(ldd "$bin" | awk '/=> \// {print $3} /^[ \t]*\// {print $1}'); do
    install -D -m 0755 "$(readlink -f "$lib")" "$r$lib"
  done
}

# build_rootfs DIR: make DIR/rootfs and DIR/rootfs.tar; print the tar's path
build_rootfs() {
  local d=$1 r bb a iperf
  iperf=$(command -v iperf3) || die "iperf3 is not installed (apt-get install iperf3)"
  iperf=$(readlink -f "$iperf")
  mkdir -p "$d"
  d=$(cd "$d" && pwd)
  r=$d/rootfs
  rm -rf "$r" "$d/rootfs.tar"
  mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,root,tmp,var/tmp,www}
  chmod 1777 "$r/tmp" "$r/var/tmp"
  bb=$(static_busybox "$d")
  install -m 0755 "$bb" "$r/bin/busybox"
  # what `busybox --install -s` does, without running it against this host's /
  for a in $("$r/bin/busybox" --list-full); do
    [[ $a == bin/busybox ]] && continue
    mkdir -p "$r/$(dirname "$a")"
    ln -sf /bin/busybox "$r/$a"
  done
  copy_with_libs "$r" "$iperf"
  [[ -e $r/usr/bin/iperf3 ]] || ln -s "$iperf" "$r/usr/bin/iperf3"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  echo 'netnest test image' >"$r/www/index.html"
  head -c 1048576 /dev/urandom >"$r/www/1m.bin"
  (cd "$r/www" && sha256sum 1m.bin >1m.bin.sha256)
  # owned by 0:0 whoever builds it, in a stable order
  tar --numeric-owner --owner=0 --group=0 --sort=name -C "$r" -cf "$d/rootfs.tar" .
  chmod 0644 "$d/rootfs.tar"
  echo "$d/rootfs.tar"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# full_name REF: the name ctr and nerdctl store REF under (docker.io/library/NAME:TAG)
full_name() {
  local ref=$1 name tag
  name=${ref%:*} tag=${ref##*:}
  [[ $name == "$ref" ]] && tag=latest
  [[ $name == */* ]] || name=library/$name
  case ${name%%/*} in
    *.* | *:* | localhost) echo "$name:$tag" ;;
    *) echo "docker.io/$name:$tag" ;;
  esac
}

# build_oci REF OUT: an OCI image layout tar at OUT (OCI image-layout.md, manifest.md,
# config.md); print the image's full name
build_oci() {
  local ref=$1 out=$2 w o layer cfg man full
  w=$(mktemp -d /tmp/nn-oci.XXXXXX)
  trap 'rm -rf "$w"' RETURN
  build_rootfs "$w" >/dev/null
  o=$w/oci
  mkdir -p "$o/blobs/sha256"
  layer=$(sha "$w/rootfs.tar")
  cp "$w/rootfs.tar" "$o/blobs/sha256/$layer"
  printf '%s' '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:'"$layer"'"]},"history":[{"created_by":"netnest tests/helpers/docker_image.sh"}]}' \
    >"$w/config.json"
  cfg=$(sha "$w/config.json")
  cp "$w/config.json" "$o/blobs/sha256/$cfg"
  printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'"$cfg"'","size":'"$(stat -c %s "$w/config.json")"'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:'"$layer"'","size":'"$(stat -c %s "$w/rootfs.tar")"'}]}' \
    >"$w/manifest.json"
  man=$(sha "$w/manifest.json")
  cp "$w/manifest.json" "$o/blobs/sha256/$man"
  full=$(full_name "$ref")
  printf '%s' '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:'"$man"'","size":'"$(stat -c %s "$w/manifest.json")"',"annotations":{"io.containerd.image.name":"'"$full"'","org.opencontainers.image.ref.name":"'"${full##*:}"'"}}]}' \
    >"$o/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$o/oci-layout"
  tar --numeric-owner --owner=0 --group=0 -C "$o" -cf "$out" oci-layout index.json blobs
  chmod 0644 "$out"
  echo "$full"
}

case ${1:-} in
  rootfs)
    (($# == 2)) || die "usage: $0 rootfs DIR"
    build_rootfs "$2"
    ;;
  docker)
    (($# >= 2)) || die "usage: $0 docker IMAGE [DOCKER]"
    w=$(mktemp -d /tmp/nn-img.XXXXXX)
    trap 'rm -rf "$w"' EXIT
    build_rootfs "$w" >/dev/null
    "${3:-/usr/bin/docker}" import --change 'CMD ["/bin/sh"]' "$w/rootfs.tar" "$2"
    ;;
  oci)
    (($# == 3)) || die "usage: $0 oci IMAGE OUT.tar"
    build_oci "$2" "$(cd "$(dirname "$3")" && pwd)/$(basename "$3")"
    ;;
  *)
    sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
