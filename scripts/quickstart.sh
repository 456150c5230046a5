#!/usr/bin/env bash
# The quickstart: installs what is missing, builds trawl, makes the digits data
# set, trains a base model, then fine-tunes it over a grid of learning rate x
# optimizer x weight decay (2 seeds) with 2 MPI ranks, and prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DTRAWL_BUILD_TESTS=OFF
trawl=$PWD/${TRAWL_BUILD_DIR:-build}/apps/trawl/trawl

if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
cd examples
rm -rf runs/digits-base runs/digits-finetune
mkdir -p data
/usr/bin/python3 make_digits.py data/digits.h5

echo "== base model: 300 training digits (runs/digits-base)"
"$trawl" run digits-base.toml --save-final
echo "== plan of the fine-tuning sweep"
"$trawl" plan digits-finetune.toml --ranks 2
echo "== fine-tuning sweep under mpirun with 2 ranks"
mpirun --oversubscribe -np 2 "$trawl" run digits-finetune.toml
echo "== summary"
"$trawl" status runs/digits-finetune
echo
echo "results: $PWD/runs/digits-finetune/results.h5"
echo "read them with h5py or pandas: see docs/results-file.md"
