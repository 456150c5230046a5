"""examples/llm/run.py, shortened (--quick): the tokenizer, the shards, the
pretraining of a Llama-architecture base with trawl, its Hugging Face export
and the LoRA sweep on another text all run, and the report shows each trial's
step-0 perplexity beside its best. The full run is timed in docs/benchmarks.md."""
import pathlib
import sys

import h5py
import numpy as np

from conftest import run

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "llm" / "run.py"


def test_llm_example_runs_end_to_end(trawl, tmp_path):
    out = tmp_path / "example"
    _, stdout, _ = run([sys.executable, str(EXAMPLE), "--out", str(out), "--trawl", trawl, "--ranks", "2", "--quick"],
                       timeout=900)
    assert (out / "pretrain" / "trials" / "0" / "model" / "model.safetensors").exists()
    adapters = sorted((out / "lora" / "trials").glob("*/adapter/adapter_model.safetensors"))
    assert len(adapters) == 16
    assert "start/val.perplexity" in stdout and "best/val.perplexity" in stdout
    with h5py.File(out / "lora" / "results.h5", "r") as f:
        step, ppl = f["curves/step"][:], f["curves/val.perplexity"][:]
    assert (step[:, 0] == 0).all()
    assert np.allclose(ppl[:, 0], ppl[0, 0])  # every trial starts from the same base
    assert ppl[:, -1].min() < ppl[0, 0]  # and the best fine-tune improves on it
