"""`mpirun -np 2 trawl run` on a small sweep, checked through h5py alone."""
import itertools
import math

import h5py
import numpy as np

from conftest import mpirun, run

SWEEP = """
[sweep]
name = "small"
dir = "out"
metric = "val.accuracy"
seeds = [3, 4]

[model]
hidden = 16
layers = 1

[data]
path = "blobs.h5"

[train]
steps = 40
batch_size = 16
eval_every = 15

[grid]
train.lr = [0.01, 0.003]
train.optimizer = ["adamw", "sgd"]
model.activation = ["relu", "tanh", "gelu"]

[[exclude]]
train.optimizer = "sgd"
model.activation = "gelu"
"""


def expected_trials():
    rows = []
    for seed, lr, opt, act in itertools.product([3, 4], [0.01, 0.003], ["adamw", "sgd"], ["relu", "tanh", "gelu"]):
        if opt == "sgd" and act == "gelu":
            continue
        rows.append((seed, lr, opt, act))
    return rows


def test_two_ranks_run_every_trial_exactly_once(trawl, tmp_path, blobs):
    (tmp_path / "sweep.toml").write_text(SWEEP)
    _, out, _ = run(mpirun(2, trawl, "run", "sweep.toml"), cwd=tmp_path)
    assert "20 done, 0 failed" in out

    expected = expected_trials()
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        assert f.attrs["grid_size"] == len(expected) == 20
        assert list(f.attrs["axis_names"]) == ["train.lr", "train.optimizer", "model.activation"]
        assert f.attrs["sweep_file"] == SWEEP
        status_names = h5py.check_enum_dtype(f["trials/status"].dtype)
        assert status_names["done"] == 2
        assert (f["trials/status"][:] == status_names["done"]).all()
        assert (f["trials/attempts"][:] == 1).all()
        assert list(f["trials/id"][:]) == list(range(20))
        # Parameters as declared, in the documented order, with their types.
        assert f["trials/params/train.lr"].dtype == np.float64
        got = list(zip(f["trials/seed"][:], f["trials/params/train.lr"][:],
                       f["trials/params/train.optimizer"].asstr()[:],
                       f["trials/params/model.activation"].asstr()[:]))
        assert got == expected
        # Both workers took part, cyclically: even ids on one, odd on the other.
        owners = [o.split("@")[0] for o in f["trials/owner"].asstr()[:]]
        assert set(owners[0::2]) == {"a0.g0"} and set(owners[1::2]) == {"a0.g1"}
        # Curves: eval points at steps 15, 30 and 40, nothing beyond.
        steps = f["curves/step"][:]
        assert steps.shape == (20, 3)
        assert (steps == [15, 30, 40]).all()
        for metric in ["train.loss", "val.loss", "val.accuracy"]:
            curve = f[f"curves/{metric}"][:]
            assert np.isfinite(curve).all(), metric
            assert np.allclose(f[f"trials/final/{metric}"][:], curve[:, -1])
        assert (f["trials/steps"][:] == 40).all()
        assert (f["trials/best/val.accuracy"][:] >= f["trials/final/val.accuracy"][:]).all()
        assert f["trials/best/val.accuracy"][:].max() > 0.9
        assert np.isfinite(f["trials/wall_seconds"][:]).all()
        # One "started" event per attempt, naming its worker.
        kinds, trials = list(f["events/kind"].asstr()[:]), list(f["events/trial"][:])
        assert kinds == ["started"] * 20 and sorted(trials) == list(range(20))

    # Running it again finds everything recorded and runs nothing.
    _, out, _ = run(mpirun(2, trawl, "run", "sweep.toml"), cwd=tmp_path)
    assert "0 done, 0 failed, 0 diverged, 20 skipped" in out
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        assert (f["trials/attempts"][:] == 1).all()

    _, status, _ = run([trawl, "status", "out"], cwd=tmp_path)
    assert "done 20" in status and "best so far: trial" in status


def test_array_tasks_split_the_grid(trawl, tmp_path, blobs):
    (tmp_path / "sweep.toml").write_text(SWEEP)
    for index in range(3):
        run(mpirun(2, trawl, "run", "sweep.toml", "--array-index", str(index), "--array-count", "3"), cwd=tmp_path)
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        assert (f["trials/attempts"][:] == 1).all()
        owners = [o.split("@")[0] for o in f["trials/owner"].asstr()[:]]
    # 3 tasks x 2 groups = 6 workers; trial i belongs to worker i mod 6.
    for trial, owner in enumerate(owners):
        worker = trial % 6
        assert owner == f"a{worker // 2}.g{worker % 2}"


def test_failed_and_diverged_trials_are_recorded_and_the_group_moves_on(trawl, tmp_path, blobs):
    sweep = SWEEP.replace('train.lr = [0.01, 0.003]', 'train.lr = [0.01, 1e30]').replace(
        'model.activation = ["relu", "tanh", "gelu"]', 'train.batch_size = [16, 100000]').replace(
        '[[exclude]]\ntrain.optimizer = "sgd"\nmodel.activation = "gelu"\n', '')
    (tmp_path / "sweep.toml").write_text(sweep)
    _, out, _ = run(mpirun(2, trawl, "run", "sweep.toml"), cwd=tmp_path)
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        status = [names[s] for s in f["trials/status"][:]]
        batch = f["trials/params/train.batch_size"][:]
        lr = f["trials/params/train.lr"][:]
        opt = f["trials/params/train.optimizer"].asstr()[:]
        for i in range(len(status)):
            if batch[i] == 100000:
                assert status[i] == "failed"
            elif lr[i] > 1:
                assert status[i] in ("diverged", "done"), (i, status[i])
            else:
                assert status[i] == "done"
        assert "diverged" in status  # sgd at 1e30 cannot stay finite
        kinds = list(f["events/kind"].asstr()[:])
        messages = list(f["events/message"].asstr()[:])
        trials = list(f["events/trial"][:])
        failed = [i for i, s in enumerate(status) if s == "failed"]
        for i in failed:
            mine = [(kinds[k], messages[k]) for k in range(len(trials)) if trials[k] == i]
            assert [k for k, _ in mine] == ["started", "failed"]
            assert "larger than the training set" in mine[1][1]
        diverged_curves = [f["curves/val.loss"][i] for i, s in enumerate(status) if s == "diverged"]
        assert all(np.isnan(c).all() or np.isnan(c[-1]) for c in diverged_curves)
