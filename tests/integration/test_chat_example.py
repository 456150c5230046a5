"""examples/chat/run.py, shortened (--quick): conversations about Debian's
installed packages as {"messages": ...} JSON lines, the real Qwen3
tokenizer and chat template, the assistant's turns trained, packed rows,
validate's padding line, trawl tokenize, the sweep and its report."""
import json
import pathlib
import re
import sys

import h5py
import numpy as np

from conftest import run
from test_tokenize import needs_references

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "chat" / "run.py"


@needs_references
def test_chat_example_runs_end_to_end(trawl, tmp_path):
    out = tmp_path / "example"
    _, stdout, _ = run([sys.executable, str(EXAMPLE), "--out", str(out), "--trawl", trawl, "--quick"], timeout=900)
    counts = re.search(r"train\.jsonl \(train\): (\d+) examples, (\d+) tokens \((\d+) trained\)", stdout)
    assert counts and 0 < int(counts.group(3)) < int(counts.group(2)), stdout  # the assistant's turns only
    shares = re.search(r"padding: ([\d.]+)% .* row, ([\d.]+)% packed .*data\.packing is on", stdout)
    assert shares and float(shares.group(2)) < float(shares.group(1)), stdout
    row = json.loads(next(line for line in stdout.splitlines() if line.startswith('{"input_ids"')))
    trained = [label for label in row["labels"] if label != -100]
    assert row["labels"][0] == -100 and 0 < len(trained) < len(row["labels"])
    assert "val.loss" in stdout
    with h5py.File(out / "sweep" / "results.h5", "r") as f:
        loss = f["curves/val.loss"][:]
    assert loss.shape[0] == 2 and np.isfinite(loss).all()
    assert (loss[:, -1] < loss[:, 0]).all()
