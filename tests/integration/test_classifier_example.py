"""examples/classifier/run.py, shortened (--quick): Debian's package
descriptions labelled by section as JSON lines, a real Llama-2 tokenizer, a
Llama-layout checkpoint trained as a sequence classifier over lr x LoRA rank
x seq_len x infer.batch_size, the latency-constrained best val.auc, the
Pareto front and the HTML report."""
import json
import pathlib
import sys

import h5py
import numpy as np

from conftest import run
from test_tokenize import needs_references

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "classifier" / "run.py"


@needs_references
def test_classifier_example_chooses_the_best_auc_within_the_budget(trawl, tmp_path):
    out = tmp_path / "example"
    _, stdout, _ = run([sys.executable, str(EXAMPLE), "--out", str(out), "--trawl", trawl, "--quick"], timeout=1200)
    assert "train.jsonl (train):" in stdout and "largest label 1" in stdout
    assert '"label":' in stdout and '"input_ids":[1,' in stdout  # the tokenizer's BOS, then the description
    with h5py.File(out / "sweep" / "results.h5", "r") as f:
        auc = f["trials/best/val.auc"][:]
        p99 = f["trials/final/infer.p99_ms.b1"][:]
        batch = f["trials/params/infer.batch_size"][:]
        assert len(auc) == 16 and np.isfinite(auc).all() and ((auc >= 0) & (auc <= 1)).all()
        assert np.isfinite(p99).all() and (p99 > 0).all()
        assert set(batch.tolist()) == {8, 32} and np.isfinite(f["trials/final/infer.throughput"][:]).all()
    assert "Pareto front of val.auc" in stdout and "infer.p99_ms.b1 <= 80" in stdout
    assert (out / "report.html").stat().st_size > 10_000
    # The report's first trial is the best val.auc of those within the budget.
    _, report, _ = run([trawl, "report", "sweep", "--format", "json"], cwd=out)
    feasible = [t for t in range(16) if p99[t] <= 80]
    want = min(feasible, key=lambda t: (-auc[t], t))
    top = json.loads(report)["top"][0]
    assert top["trial"] == want and top["feasible"] == "yes"
