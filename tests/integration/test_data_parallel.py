"""Data-parallel trials: a group of 2 ranks gives the curves of 1 rank with
the same global batch, for the MLP and the GPT LM."""
import os
import random

import h5py
import numpy as np
import pytest

from conftest import mpirun, run, write_blobs

MLP = """
[sweep]
dir = "out"
ranks_per_trial = {ranks}
metric = "val.auc"
[data]
path = "data.h5"
[model]
hidden = 16
layers = 2
[train]
steps = 24
batch_size = 18
eval_every = 8
grad_clip = 0.5
grad_accum = {accum}
label_smoothing = 0.1
bucket_mb = {bucket_mb}
[grid]
train.optimizer = ["adamw", "sgd"]
train.lr = [0.01]
"""

GPT = """
[sweep]
dir = "out"
ranks_per_trial = {ranks}
metric = "val.perplexity"
[model]
kind = "gpt"
layers = 2
d_model = 32
heads = 4
seq_len = 16
[data]
kind = "text"
train_file = "train.txt"
val_file = "val.txt"
[train]
steps = 12
batch_size = 8
eval_every = 4
lr = 3e-3
grad_accum = {accum}
bucket_mb = {bucket_mb}
"""


def binary_data(path, rows=150, val_rows=81):
    rng = np.random.RandomState(3)
    with h5py.File(path, "w") as f:
        for split, n in [("train", rows), ("val", val_rows)]:
            y = rng.randint(0, 2, size=n)
            f[f"{split}/x"] = (rng.normal(size=(n, 5)) + y[:, None]).astype(np.float32)
            f[f"{split}/y"] = y.astype(np.int64)


def text_data(d):
    rng = random.Random(0)
    words = "the quick brown fox jumps over a lazy dog while wizards hex jovial banjo players".split()
    text = " ".join(rng.choice(words) for _ in range(2500))
    (d / "train.txt").write_text(text[:10000])
    (d / "val.txt").write_text(text[10000:12001])


def curves(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        done = h5py.check_enum_dtype(f["trials/status"].dtype)["done"]
        assert (f["trials/status"][:] == done).all()
        return {m: f["curves"][m][:] for m in f["curves"]}


def compare(trawl, tmp_path, template, make_data, **settings):
    results = {}
    for ranks in (1, 2):
        d = tmp_path / f"ranks{ranks}"
        d.mkdir()
        make_data(d)
        (d / "s.toml").write_text(template.format(ranks=ranks, **settings))
        command = [trawl, "run", "s.toml", "--threads", "1"]
        run(mpirun(2, *command) if ranks == 2 else command, cwd=d)
        results[ranks] = curves(d)
    one, two = results[1], results[2]
    assert set(one) == set(two)
    for metric in one:
        np.testing.assert_allclose(two[metric], one[metric], rtol=2e-5, atol=1e-6, err_msg=metric)
    return one


@pytest.mark.parametrize("accum,bucket_mb", [(1, 25.0), (3, 0.0005)])
def test_mlp_on_two_ranks_matches_one(trawl, tmp_path, accum, bucket_mb):
    one = compare(trawl, tmp_path, MLP, lambda d: binary_data(d / "data.h5"), accum=accum, bucket_mb=bucket_mb)
    # 81 validation rows split 40/41: metrics are exact sums, not means of means.
    assert np.isfinite(one["val.auc"]).all()


def test_gpt_on_two_ranks_matches_one(trawl, tmp_path):
    one = compare(trawl, tmp_path, GPT, text_data, accum=2, bucket_mb=0.01)
    assert (one["val.perplexity"][:, -1] < one["val.perplexity"][:, 0]).all()
    np.testing.assert_allclose(one["val.perplexity"], np.exp(one["val.loss"]), rtol=1e-9)


def test_ranks_that_no_group_size_divides_are_refused(trawl, tmp_path):
    write_blobs(tmp_path / "data.h5")
    (tmp_path / "s.toml").write_text(MLP.format(ranks=2, accum=1, bucket_mb=1).replace('metric = "val.auc"', ""))
    code, out, err = run(mpirun(3, trawl, "run", "s.toml"), cwd=tmp_path, check=False)
    assert code != 0
    assert "ranks_per_trial = 2 divides neither the 3 ranks in all nor the 3 ranks on the node" in err


def test_two_groups_of_two_share_the_grid(trawl, tmp_path):
    binary_data(tmp_path / "data.h5")
    (tmp_path / "s.toml").write_text(MLP.format(ranks=2, accum=1, bucket_mb=1).replace(
        'train.lr = [0.01]', 'train.lr = [0.01, 0.003]'))
    _, out, _ = run(mpirun(4, trawl, "run", "s.toml", "--threads", "1"), cwd=tmp_path)
    assert "4 done, 0 failed" in out
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        owners = [o.split("@")[0] for o in f["trials/owner"].asstr()[:]]
        assert owners == ["a0.g0", "a0.g1", "a0.g0", "a0.g1"]
        assert (f["trials/attempts"][:] == 1).all()


def test_a_rank_whose_peer_stops_answering_exits_within_a_lease(trawl, tmp_path):
    # A peer that stalls (SIGSTOP: a node that froze, or lost power with no
    # goodbye on the network) leaves the other rank in a collective call; its
    # watchdog ends it after sweep.lease_seconds without a step.
    import signal
    import subprocess
    binary_data(tmp_path / "data.h5")
    sweep = MLP.format(ranks=2, accum=1, bucket_mb=1).replace("steps = 24", "steps = 100000")
    (tmp_path / "s.toml").write_text(sweep.replace("[sweep]", "[sweep]\nlease_seconds = 3"))
    job = subprocess.Popen(mpirun(2, trawl, "run", "s.toml", "--threads", "1"), cwd=tmp_path, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    seen = []
    for line in job.stdout:
        seen.append(line)
        if " step 80 " in line:
            break
    assert " step 80 " in seen[-1], "".join(seen)
    ranks = subprocess.run(["pgrep", "-f", "trawl run s.toml --threads"], capture_output=True, text=True).stdout.split()
    ranks = [r for r in ranks if int(r) != job.pid and os.readlink(f"/proc/{r}/cwd") == str(tmp_path)
             and open(f"/proc/{r}/comm").read().strip() == "trawl"]
    assert len(ranks) == 2, ranks
    os.kill(int(ranks[1]), signal.SIGSTOP)
    try:
        out = job.communicate(timeout=120)[0]
    finally:
        for r in ranks:
            try:
                os.kill(int(r), signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert job.returncode != 0
    assert "no step finished in" in out and "a rank of its group is gone or stalled" in out, out
