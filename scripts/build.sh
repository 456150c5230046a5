#!/usr/bin/env bash
# Configures and builds trawl into ./build (or $TRAWL_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${TRAWL_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-Release} "$@" > "$build_dir.configure.log" 2>&1 \
  || { cat "$build_dir.configure.log"; exit 1; }
cmake --build "$build_dir" -j "$(nproc)"
