"""examples/jsonl/run.py, shortened (--quick): Debian's copyright files as
prompt/completion JSON lines, a real Llama-2 tokenizer, a Llama-layout model,
validate's per-file statistics, trawl tokenize, the sweep and its report."""
import pathlib
import sys

import h5py
import numpy as np

from conftest import run
from test_tokenize import needs_references

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "jsonl" / "run.py"


@needs_references
def test_jsonl_example_runs_end_to_end(trawl, tmp_path):
    out = tmp_path / "example"
    _, stdout, _ = run([sys.executable, str(EXAMPLE), "--out", str(out), "--trawl", trawl, "--quick"], timeout=900)
    assert "train.jsonl (train):" in stdout and "val.jsonl (val):" in stdout
    assert '"labels":[-100,' in stdout  # the prompt is not trained
    assert "val.loss" in stdout
    assert len(list((out / "sweep" / "data").iterdir())) == 1
    with h5py.File(out / "sweep" / "results.h5", "r") as f:
        loss = f["curves/val.loss"][:]
    assert loss.shape[0] == 4 and np.isfinite(loss).all()
    assert (loss[:, -1] < loss[:, 0]).all()  # every trial learns the licenses' words
