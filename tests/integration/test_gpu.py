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


def test_gpt_in_bf16_on_two_gpus_or_ranks(tmp_path):
    trawl = gpu_binary()
    text_data(tmp_path)
    sweep = GPT.format(ranks=2, accum=1, bucket_mb=1).replace("[train]", '[train]\ndevice = "cuda"\nprecision = "bf16"')
    (tmp_path / "s.toml").write_text(sweep)
    _, out, _ = run(mpirun(2, trawl, "run", "s.toml"), cwd=tmp_path)
    assert "nccl all-reduce" in out
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        perplexity = f["curves/val.perplexity"][:]
    assert np.isfinite(perplexity).all() and (perplexity[:, -1] < perplexity[:, 0]).all()
