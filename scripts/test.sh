#!/usr/bin/env bash
# Installs what is missing, builds trawl with its tests, starts a one-node
# Slurm cluster for the Slurm tests, and runs every test.
# Where CUDA with NCCL is installed (/usr/local/cuda), it also builds the NCCL
# backend (-DTRAWL_WITH_CUDA=ON) into build-cuda/ to prove it still compiles
# and links; with no GPU here it is not run (the GPU test says it skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DTRAWL_BUILD_TESTS=ON

cuda_root=${CUDA_HOME:-/usr/local/cuda}
if [ -f "$cuda_root/include/nccl.h" ] || [ -f /usr/include/nccl.h ]; then
  echo "== build-cuda: the NCCL backend against $cuda_root"
  TRAWL_BUILD_DIR=build-cuda bash scripts/build.sh -DTRAWL_WITH_CUDA=ON -DTRAWL_BUILD_TESTS=OFF -DTRAWL_BUILD_BENCH=OFF
else
  echo "== build-cuda: skipped, no CUDA toolkit with nccl.h at $cuda_root"
fi

# The Slurm tests need a cluster: a one-node one on this machine (as root).
if [ "$(id -u)" -eq 0 ]; then
  if ! bash scripts/slurm-cluster.sh status; then
    # Started here, stopped here when the tests are over.
    trap "bash $PWD/scripts/slurm-cluster.sh down >/dev/null 2>&1 || true" EXIT
  fi
  bash scripts/slurm-cluster.sh up || echo "== slurm: the one-node cluster did not start; the Slurm tests will say they were skipped"
else
  echo "== slurm: not root, no one-node cluster; the Slurm tests will say they were skipped"
fi

cd "${TRAWL_BUILD_DIR:-build}"
ctest --output-on-failure -j 2 --timeout 1500
