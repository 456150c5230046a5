#!/usr/bin/env bash
# Installs trawl from BUILD_DIR into a temporary prefix, then configures,
# builds and runs tests/package/consumer against it with find_package(trawl).
set -euo pipefail
build_dir=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
test -x "$work/prefix/bin/trawl"
test -f "$work/prefix/lib/cmake/trawl/trawlConfig.cmake"
test -f "$work/prefix/include/trawl/grid/grid.hpp"
test ! -e "$work/prefix/include/trawl/store/layout.hpp"  # internal headers stay in the source tree
"$work/prefix/bin/trawl" --version
cmake -S "$here/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release \
  > "$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/consumer" -j "$(nproc)" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
"$work/consumer/consumer"
