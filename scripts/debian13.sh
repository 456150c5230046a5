#!/usr/bin/env bash
# A Debian 13 (trixie) root on this machine, to build and test trawl against
# what Debian 13 ships (libtorch 2.6, HDF5 1.14, OpenMPI 5, Catch2 3,
# Slurm 24.11, GCC 14, Python 3.13) from a Debian 12 host, as root.
#
#   scripts/debian13.sh make        debootstrap the root (minbase, from this
#                                   machine's own Debian mirror) unless a
#                                   complete one is there; a damaged or
#                                   half-made root is made again
#   scripts/debian13.sh run CMD...  run CMD in the root, in this repository
#                                   (mounted at the same path), with /proc,
#                                   /sys (cgroups too), /dev and /etc/hosts;
#                                   trawl's scripts there build into
#                                   build-debian13/ (TRAWL_BUILD_DIR), e.g.
#                                   run bash scripts/quickstart.sh
#   scripts/debian13.sh test [ARGS] make, then run scripts/test.sh ARGS in it
#   scripts/debian13.sh remove      delete the root
#
# The root lives in $TRAWL_DEBIAN13_ROOT (default /var/cache/trawl/debian13)
# and is kept between runs, with its installed packages and its ccache.
# Every run happens in a mount and PID namespace of its own: its mounts go
# away with it, and daemons started inside (Slurm, munge) cannot see or
# signal the host's processes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${TRAWL_DEBIAN13_ROOT:-/var/cache/trawl/debian13}
stamp=$root/etc/trawl-root-complete

# The host's Debian mirror: the first URI of a Debian suite in its apt sources.
host_mirror() {
  local uri
  uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
          /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -v -e security -e '\[' | grep -oE 'https?://[^ ]+/debian/?' | head -n1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

usable() {
  [ -f "$stamp" ] && chroot "$root" /bin/true 2>/dev/null
}

# Nothing may be mounted below the root when it is deleted: a bind mount of
# the repository would be deleted with it.
remove() {
  [ -d "$root" ] || return 0
  if findmnt -rn -o TARGET | grep -q "^$root/"; then
    echo "debian13: something is still mounted below $root; not deleting it" >&2
    findmnt -rn -o TARGET | grep "^$root/" >&2
    return 1
  fi
  rm -rf --one-file-system "$root"
}

make_root() {
  if usable; then return 0; fi
  [ "$(id -u)" -eq 0 ] || { echo "debian13: run as root" >&2; exit 1; }
  if ! command -v debootstrap >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
  fi
  if [ -d "$root" ]; then
    echo "debian13: $root is incomplete or damaged; making it again"
    remove
  fi
  local mirror
  mirror=$(host_mirror)
  echo "debian13: debootstrap trixie from $mirror into $root"
  mkdir -p "$(dirname "$root")"
  debootstrap --variant=minbase trixie "$root" "$mirror" > "$root.debootstrap.log" 2>&1 \
    || { tail -n 30 "$root.debootstrap.log" >&2; exit 1; }
  # Nothing but git, as on a fresh machine: the test command installs the
  # rest (ca-certificates only for an https mirror).
  in_root bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends git ca-certificates >/dev/null'
  date -u +%FT%TZ > "$stamp"
}

# Runs "$@" inside the root, in fresh mount and PID namespaces.
in_root() {
  cp -f /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  [ -e "$root/etc/hosts" ] || : > "$root/etc/hosts"
  unshare --mount --pid --fork --propagation private \
    bash -euc '
      root=$1 repo=$2; shift 2
      mount -t proc proc "$root/proc"
      mount --rbind /sys "$root/sys"
      mount --rbind /dev "$root/dev"
      mount --bind /etc/hosts "$root/etc/hosts"
      mount -t tmpfs tmpfs "$root/tmp"
      # After /tmp: a checkout below /tmp must not be hidden by it.
      mkdir -p "$root$repo"
      mount --bind "$repo" "$root$repo"
      mkdir -p "$root/run/lock"
      # The npm packages the tokenizer tests compare with, as this machine
      # installed them (the root may not reach the registry through its TLS).
      if [ -d /var/cache/trawl/npm-references ]; then
        mkdir -p "$root/var/cache/trawl/npm-references"
        mount --bind /var/cache/trawl/npm-references "$root/var/cache/trawl/npm-references"
      fi
      exec chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 CI="${CI:-}" TERM="${TERM:-dumb}" TRAWL_BUILD_DIR="${TRAWL_BUILD_DIR:-build-debian13}" bash -c "cd \"\$0\" && exec \"\$@\"" "$repo" "$@"
    ' in_root "$root" "$repo" "$@"
}

case "${1:-}" in
  make) make_root ;;
  run) shift; make_root; in_root "$@" ;;
  test) shift; make_root; in_root bash scripts/test.sh "$@" ;;
  remove) remove ;;
  *) sed -n '2,20p' "$0"; exit 2 ;;
esac
