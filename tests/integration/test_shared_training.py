"""Evaluation-only axes (infer.*): trials that differ only in them share one
training run. The first to run trains it; its siblings load its weights and
only evaluate; their training metrics are the trainer's. docs/evaluation.md."""
import re
import signal
import subprocess
import time

import h5py
import numpy as np

from conftest import mpirun, run, write_blobs

SWEEP = """
[sweep]
dir = "out"
metric = "val.accuracy"
schedule = "{schedule}"
constraints = ["infer.p99_ms <= 1000000"]
[data]
path = "blobs.h5"
[model]
layers = 1
[train]
steps = 12
batch_size = {batch}
eval_every = 4
[infer]
iterations = 5
[grid]
model.hidden = [4, 32]
train.lr = [0.01, 0.05]
infer.batch_size = {sizes}
"""


def rows(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        status = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        out = []
        for i in range(f.attrs["grid_size"]):
            out.append({
                "status": status[f["trials/status"][i]],
                "training": (int(f["trials/params/model.hidden"][i]), float(f["trials/params/train.lr"][i])),
                "batch": int(f["trials/params/infer.batch_size"][i]),
                "trained_by": int(f["trials/trained_by"][i]),
                "attempts": int(f["trials/attempts"][i]),
                "final": {m: f["trials/final"][m][i] for m in f["trials/final"]},
                "best": {m: f["trials/best"][m][i] for m in f["trials/best"]},
                "curve": f["curves/val.loss"][i],
                "steps": f["curves/step"][i],
            })
        return out


def trained_trials(log):
    """The trials that logged eval points, i.e. trained."""
    return {int(m) for m in re.findall(r"trial (\d+) \(\d+/?\d*\) step \d+ ", log)}


def check_shared(trials, trainings=4, attempts=1):
    assert all(t["status"] == "done" for t in trials)
    trainers = {t["trained_by"] for t in trials}
    assert len(trainers) == trainings
    for t in trials:
        trainer = trials[t["trained_by"]]
        assert trainer["trained_by"] == t["trained_by"]  # a trainer trained itself
        assert trainer["training"] == t["training"]  # and shares only what differs in infer.*
        for m in ("val.loss", "val.accuracy", "train.loss"):
            assert t["final"][m] == trainer["final"][m] and t["best"][m] == trainer["best"][m], m
        np.testing.assert_array_equal(t["curve"], trainer["curve"])
        np.testing.assert_array_equal(t["steps"], trainer["steps"])
        assert t["final"]["infer.latency_ms"] > 0 and t["final"]["infer.p99_ms"] >= t["final"]["infer.latency_ms"]
        assert 1 <= t["attempts"] <= attempts
    return trainers


def test_trials_that_differ_only_in_infer_axes_train_once(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5")
    (tmp_path / "s.toml").write_text(SWEEP.format(schedule="static", batch=16, sizes="[1, 64]"))
    _, plan, _ = run([trawl, "plan", "s.toml"], cwd=tmp_path)
    assert "trainings: 4 (trials that differ only in infer.* axes share one); evaluations: 8" in plan
    _, log, _ = run([trawl, "run", "s.toml", "--threads", "1"], cwd=tmp_path)
    trials = rows(tmp_path)
    trainers = check_shared(trials)
    # infer.* axes vary slowest: the first trials are the four trainings.
    assert trainers == {0, 1, 2, 3}
    assert trained_trials(log) == trainers
    assert log.count("shared-training: evaluated the weights trial") == 4
    # Larger inference batches take longer per pass, on the same weights.
    for t in trials[4:]:
        assert t["batch"] == 64 and trials[t["trained_by"]]["batch"] == 1
    # The journals carry trained_by: a repair rebuilds the same column.
    (tmp_path / "out" / "results.h5").unlink()
    run([trawl, "repair", "out"], cwd=tmp_path)
    assert [t["trained_by"] for t in rows(tmp_path)] == [t["trained_by"] for t in trials]

    # Growing the infer axis adds trials that evaluate the weights already trained.
    (tmp_path / "s.toml").write_text(SWEEP.format(schedule="static", batch=16, sizes="[1, 64, 8]"))
    _, log, _ = run([trawl, "run", "s.toml", "--threads", "1"], cwd=tmp_path)
    grown = rows(tmp_path)
    assert len(grown) == 12
    assert trained_trials(log) == set()
    assert check_shared(grown) == trainers


def test_two_workers_on_the_dynamic_schedule_train_each_once(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5")
    (tmp_path / "s.toml").write_text(SWEEP.format(schedule="dynamic", batch=16, sizes="[1, 8, 64]"))
    _, log, _ = run(mpirun(2, trawl, "run", "s.toml", "--threads", "1"), cwd=tmp_path)
    trials = rows(tmp_path)
    trainers = check_shared(trials)
    assert trained_trials(log) == trainers
    assert log.count("shared-training: evaluated the weights trial") == 8


def test_a_failed_training_fails_its_siblings_with_its_reason(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5", rows=60)
    sweep = SWEEP.format(schedule="static", batch=16, sizes="[1, 8]").replace(
        "train.lr = [0.01, 0.05]", "train.batch_size = [16, 5000]")
    (tmp_path / "s.toml").write_text(sweep)
    _, log, _ = run([trawl, "run", "s.toml", "--threads", "1"], cwd=tmp_path)
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        status = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        batch = f["trials/params/train.batch_size"][:]
        states = [status[s] for s in f["trials/status"][:]]
        messages = dict(zip(f["events/trial"][:], f["events/message"].asstr()[:]))
    for i, b in enumerate(batch):
        assert states[i] == ("failed" if b == 5000 else "done"), i
    failed_siblings = [i for i, b in enumerate(batch) if b == 5000 and i >= 4]
    assert failed_siblings and all("its training (trial" in messages[i] for i in failed_siblings)
    assert all("larger than the training set" in messages[i] for i, b in enumerate(batch) if b == 5000)
    assert log.count("larger than the training set") >= 2


def stop_after_first_checkpoint(cmd, d, timeout=300):
    """Starts the sweep and stops it (SIGUSR1) once a checkpoint is on disk:
    what is on disk decides, not a deadline a loaded machine may miss."""
    proc = subprocess.Popen(cmd, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    start = time.monotonic()
    while not list((d / "out" / "trained").glob("*/checkpoints/step-*.ckpt")):
        assert proc.poll() is None, "the sweep ended before its first checkpoint"
        assert time.monotonic() - start < timeout, "no checkpoint was written"
        time.sleep(0.05)
    proc.send_signal(signal.SIGUSR1)
    out = proc.communicate(timeout=timeout)[0]
    return proc.returncode, out


def test_a_stopped_shared_training_resumes_from_its_checkpoints(trawl, tmp_path):
    sweep = SWEEP.format(schedule="static", batch=16, sizes="[1, 8]").replace(
        "train.lr = [0.01, 0.05]", "train.lr = [0.01]").replace("steps = 12", "steps = 4000").replace(
        "eval_every = 4", "eval_every = 1000") + "[checkpoint]\nevery_steps = 200\n"
    clean, stopped = tmp_path / "clean", tmp_path / "stopped"
    for d in (clean, stopped):
        d.mkdir()
        write_blobs(d / "blobs.h5")
        (d / "s.toml").write_text(sweep)
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=clean)
    code, out = stop_after_first_checkpoint([trawl, "run", "s.toml", "--threads", "1"], stopped)
    assert code == 3, out
    _, out, _ = run([trawl, "run", "s.toml", "--threads", "1"], cwd=stopped)
    with h5py.File(stopped / "out" / "results.h5", "r") as f:
        kinds = list(f["events/kind"].asstr()[:])
    assert "resumed" in kinds  # from the shared training's checkpoints
    want, got = rows(clean), rows(stopped)
    check_shared(got, trainings=2, attempts=2)  # the stopped trial was taken again
    for a, b in zip(want, got):
        np.testing.assert_array_equal(b["curve"], a["curve"])
        assert b["final"]["val.loss"] == a["final"]["val.loss"]
