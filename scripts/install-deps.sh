#!/usr/bin/env bash
# Installs the Debian packages trawl builds, runs and tests with (as root),
# for the release /etc/os-release names: Debian 12 (bookworm) or 13 (trixie).
# Does nothing when they are all there already.
set -euo pipefail

codename=unknown
[ -r /etc/os-release ] && codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-unknown}")
case "$codename" in
  bookworm | trixie) ;;
  *) echo "install-deps: '$codename' is not a release trawl is tested on (Debian 12 bookworm, 13 trixie);" \
       "trying Debian 13's package names" >&2 ;;
esac

packages=(
  build-essential cmake pkg-config ccache procps
  faketime iproute2 util-linux
  libopenmpi-dev openmpi-bin
  libtorch-dev
  libhdf5-dev hdf5-tools
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libxxhash-dev xxhash libonig-dev libutf8proc-dev
  catch2
  python3 python3-h5py python3-numpy python3-pandas python3-matplotlib python3-pytest python3-sklearn python3-torch
  python3-venv python3-setuptools python3-sentencepiece python3-jinja2 perl-doc
  chromium
)
# Both releases name all of these alike; a name that differs would be picked
# here from $codename.

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root or install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
