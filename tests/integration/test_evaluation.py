"""Inference timings after training ([infer]), constraints and the Pareto
front (sweep.constraints), as the report, status and the analysis package
show them. docs/evaluation.md defines every metric."""
import json
import os
import random
import re
import sys

import h5py
import numpy as np
import pytest

from conftest import run, write_blobs

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "analysis"))

TIMED = """
[sweep]
dir = "out"
metric = "val.accuracy"
[data]
path = "blobs.h5"
[model]
layers = 2
[train]
steps = 10
batch_size = 16
eval_every = 5
[infer]
batch_sizes = [1, 256]
warmup = 3
iterations = 15
[grid]
model.hidden = [4, 512]
"""


def test_inference_is_timed_on_the_final_weights_for_each_batch_size(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5", features=64)
    (tmp_path / "s.toml").write_text(TIMED)
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=tmp_path)
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        names = [f"infer.{m}.b{b}" for b in (1, 256) for m in ("latency_ms", "p99_ms", "throughput")]
        assert [str(m) for m in f.attrs["metrics"]][-6:] == names
        final = {n: f["trials/final"][n][:] for n in names}
        for n in names:
            np.testing.assert_array_equal(f["trials/best"][n][:], final[n])  # measured once
            assert (np.isfinite(final[n]) & (final[n] > 0)).all(), n
            assert np.isnan(f["curves"][n][:]).all(), n  # never an eval point
    for b in (1, 256):
        assert (final[f"infer.p99_ms.b{b}"] >= final[f"infer.latency_ms.b{b}"]).all()
    # Trial 1 is 512 wide, trial 0 4 wide: on the same inputs it is slower.
    assert final["infer.latency_ms.b256"][1] > final["infer.latency_ms.b256"][0]
    assert final["infer.throughput.b256"][1] < final["infer.throughput.b256"][0]
    _, out, _ = run([trawl, "report", "out", "--format", "json"], cwd=tmp_path)
    top = json.loads(out)["top"]
    assert "infer.latency_ms.b1" not in top[0]  # no constraint names it: the top table stays narrow
    # The analysis package reads the timings as trial columns, with no curve.
    from trawl_analysis import open_results, write_html_report
    r = open_results(tmp_path / "out")
    np.testing.assert_array_equal(r.trials["final/infer.p99_ms.b1"], final["infer.p99_ms.b1"])
    assert not r.curves["metric"].str.startswith("infer.").any() and (r.curves["metric"] == "val.loss").any()
    assert write_html_report(r, tmp_path / "report.html").stat().st_size > 0


GPT = """
[sweep]
dir = "out"
metric = "val.loss"
[model]
kind = "gpt"
layers = 1
d_model = 16
heads = 2
seq_len = 12
[data]
kind = "text"
train_file = "train.txt"
val_file = "val.txt"
[train]
steps = 4
batch_size = 4
eval_every = 4
[infer]
batch_sizes = [2]
iterations = 1
"""


def items_per_pass(d, b):
    """With one timed pass its time is the median: throughput × time = what one pass handles."""
    with h5py.File(d / "out" / "results.h5", "r") as f:
        return f[f"trials/final/infer.throughput.b{b}"][:] * f[f"trials/final/infer.latency_ms.b{b}"][:] / 1000


def test_throughput_counts_examples_and_for_a_language_model_tokens(trawl, tmp_path):
    mlp, gpt = tmp_path / "mlp", tmp_path / "gpt"
    mlp.mkdir()
    gpt.mkdir()
    write_blobs(mlp / "blobs.h5", features=64)
    (mlp / "s.toml").write_text(TIMED.replace("iterations = 15", "iterations = 1"))
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=mlp)
    for b in (1, 256):
        np.testing.assert_allclose(items_per_pass(mlp, b), b, rtol=1e-9)
    rng = random.Random(0)
    text = " ".join(rng.choice(["alpha", "beta", "gamma", "delta"]) for _ in range(800))
    (gpt / "train.txt").write_text(text[:3000])
    (gpt / "val.txt").write_text(text[3000:])
    (gpt / "s.toml").write_text(GPT)
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=gpt)
    np.testing.assert_allclose(items_per_pass(gpt, 2), 2 * 12, rtol=1e-9)  # 2 sequences of 12 tokens


BOUNDED = """
[sweep]
dir = "out"
metric = "val.accuracy"
constraints = ["val.loss <= {bound}"]
[data]
path = "blobs.h5"
[model]
layers = 1
[train]
steps = 12
batch_size = 16
eval_every = 4
[grid]
train.lr = [0.0001, 0.001, 0.01, 0.05]
model.hidden = [4, 16, 32]
"""


def brute_force_front(x, y, candidates):
    """Trials no other dominates: x lower is better, y higher is better."""
    front = []
    for b in candidates:
        beaten = any(x[a] <= x[b] and y[a] >= y[b] and (x[a] < x[b] or y[a] > y[b]) for a in candidates)
        if not beaten:
            front.append(b)
    return sorted(front, key=lambda t: (x[t], -y[t], t))


def test_constraints_choose_the_best_feasible_trial_and_the_pareto_front(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5", features=4, classes=3, seed=2)
    unbounded = BOUNDED.replace('constraints = ["val.loss <= {bound}"]\n', "").replace('"out"', '"probe"')
    (tmp_path / "probe.toml").write_text(unbounded)
    run([trawl, "run", "probe.toml", "--threads", "1"], cwd=tmp_path)
    with h5py.File(tmp_path / "probe" / "results.h5", "r") as f:
        losses = np.sort(f["trials/best/val.loss"][:])
    bound = float((losses[4] + losses[5]) / 2)  # 5 of 12 trials meet it
    (tmp_path / "s.toml").write_text(BOUNDED.format(bound=bound))
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=tmp_path)
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        assert [str(c) for c in f.attrs["constraints"]] == [f"val.loss <= {bound!r}"]
        loss, acc = f["trials/best/val.loss"][:], f["trials/best/val.accuracy"][:]
    trials = range(len(loss))
    ok = loss <= bound
    assert ok.sum() == 5
    expected = sorted(trials, key=lambda t: (not ok[t], -acc[t], t))

    _, out, _ = run([trawl, "report", "out", "--format", "json", "--top", "12"], cwd=tmp_path)
    report = json.loads(out)
    assert [row["trial"] for row in report["top"]] == expected
    assert [row["feasible"] == "yes" for row in report["top"]] == [bool(ok[t]) for t in expected]
    assert "breaks val.loss <=" in report["top"][-1]["feasible"]
    summary = {row["key"]: row["value"] for row in report["summary"]}
    assert summary["feasible"] == 5 and summary["infeasible"] == 7
    front = brute_force_front(loss, acc, list(trials))
    assert [row["trial"] for row in report["pareto"]] == front
    assert [row["value"] for row in report["pareto"]] == pytest.approx([loss[t] for t in front])

    _, csv, _ = run([trawl, "report", "out", "--format", "csv", "--table", "pareto"], cwd=tmp_path)
    assert csv.splitlines()[0].startswith("constraint,trial,train.lr,model.hidden,seed,value,best/val.accuracy")
    code, _, err = run([trawl, "report", "probe", "--table", "pareto"], cwd=tmp_path, check=False)
    assert code == 2 and "no sweep.constraints" in err

    _, status, _ = run([trawl, "status", "out"], cwd=tmp_path)
    assert f"met by 5 of 12 done trials" in status
    # Status ranks as report does: by the best eval point's value.
    best = expected[0]
    said = re.search(r"best so far: trial (\d+) val.accuracy=(\S+) ", status)
    assert said and int(said[1]) == best and float(said[2]) == acc[best], status
    assert "meeting every constraint" in status

    from trawl_analysis import open_results, pareto_front, write_html_report
    r = open_results(tmp_path / "out")
    assert list(r.top(12)["trial"]) == expected
    assert list(pareto_front(r, r.constraints[0])["trial"]) == front
    page = write_html_report(r, tmp_path / "report.html")
    html = open(page, encoding="utf-8").read()
    assert 'id="pareto-0"' in html and 'id="plot-pareto-0"' in html and "met by 5 of 12 done trials" in html


def test_a_two_class_metric_in_a_constraint_needs_two_classes(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5", classes=3)
    (tmp_path / "s.toml").write_text(BOUNDED.format(bound=1).replace('"val.loss <= 1"', '"val.recall >= 0.5"'))
    code, _, err = run([trawl, "run", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "s.toml:5:16: sweep.constraints: val.recall needs two classes; the data has 3" in err
