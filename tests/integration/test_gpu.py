"""The GPU path: a small GPT sweep in bf16 on CUDA with 2 ranks per trial
(NCCL all-reduce). It needs a GPU and a trawl built against a CUDA libtorch
(scripts/gpu-check builds one and sets TRAWL_GPU_BIN); everywhere else it is
skipped with the reason."""
import os
import shutil

import h5py
import numpy as np
import pytest

from conftest import mpirun, run
from test_data_parallel import GPT, text_data


def gpu_binary():
    binary = os.environ.get("TRAWL_GPU_BIN")
    if not (os.path.exists("/dev/nvidia0") or shutil.which("nvidia-smi")):
        pytest.skip("no GPU on this machine: the NCCL backend is compiled (build-cuda/) but not run")
    if not binary:
        pytest.skip("a GPU is here but TRAWL_GPU_BIN is unset: scripts/gpu-check builds trawl against a CUDA libtorch")
    return binary


def gpu_count():
    import subprocess
    listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True).stdout
    return max(1, sum(1 for line in listing.splitlines() if line.startswith("GPU ")))


def test_gpt_in_bf16_on_the_gpus(tmp_path):
    """2 ranks per trial over NCCL where there are 2 GPUs, else 1 rank."""
    trawl = gpu_binary()
    ranks = min(2, gpu_count())
    text_data(tmp_path)
    sweep = GPT.format(ranks=ranks, accum=1, bucket_mb=1).replace("[train]",
                                                                  '[train]\ndevice = "cuda"\nprecision = "bf16"')
    (tmp_path / "s.toml").write_text(sweep)
    command = [trawl, "run", "s.toml"]
    _, out, _ = run(mpirun(ranks, *command) if ranks > 1 else command, cwd=tmp_path)
    assert "on cuda" in out
    if ranks > 1:
        assert "nccl all-reduce" in out
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        perplexity = f["curves/val.perplexity"][:]
    assert np.isfinite(perplexity).all() and (perplexity[:, -1] < perplexity[:, 0]).all()
