#!/usr/bin/env bash
# Configures and builds trawl into ./build (or $TRAWL_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${TRAWL_BUILD_DIR:-build}
# ccache hits across clones in other folders (CI's) and across the
# precompiled torch header of lib/train.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-Release} "$@" > "$build_dir.configure.log" 2>&1 \
  || { cat "$build_dir.configure.log"; exit 1; }
cmake --build "$build_dir" -j "$(nproc)"
