#!/usr/bin/env bash
# Installs what is missing, builds trawl with its tests, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DTRAWL_BUILD_TESTS=ON
cd "${TRAWL_BUILD_DIR:-build}"
ctest --output-on-failure -j 2 --timeout 1500
