"""Regression and two-class tasks record their own metrics."""
import h5py
import numpy as np

from conftest import run

SWEEP = """
[sweep]
dir = "out"
metric = "{metric}"
[data]
path = "data.h5"
task = "{task}"
[model]
hidden = 16
[train]
steps = 60
batch_size = 16
eval_every = 20
[grid]
train.lr = [0.01, 0.001]
"""


def test_regression_records_mse_and_mae(trawl, tmp_path):
    rng = np.random.RandomState(0)
    w = rng.normal(size=(4, 2))
    with h5py.File(tmp_path / "data.h5", "w") as f:
        for split, n in [("train", 200), ("val", 50)]:
            x = rng.normal(size=(n, 4)).astype(np.float32)
            f[f"{split}/x"], f[f"{split}/y"] = x, (x @ w).astype(np.float32)
    (tmp_path / "s.toml").write_text(SWEEP.format(metric="val.mae", task="regression"))
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        assert f.attrs["mode"] == "min"
        assert sorted(f["curves"]) == ["step", "train.loss", "val.loss", "val.mae"]
        mse, mae = f["curves/val.loss"][:], f["curves/val.mae"][:]
        assert np.isfinite(mse).all() and (mse[:, -1] < mse[:, 0]).all()
        assert (mae > 0).all()


def test_two_classes_record_auc(trawl, tmp_path):
    rng = np.random.RandomState(1)
    with h5py.File(tmp_path / "data.h5", "w") as f:
        for split, n in [("train", 200), ("val", 60)]:
            y = rng.randint(0, 2, size=n)
            x = (rng.normal(size=(n, 3)) + y[:, None] * 1.5).astype(np.float32)
            f[f"{split}/x"], f[f"{split}/y"] = x, y.astype(np.int64)
    (tmp_path / "s.toml").write_text(SWEEP.format(metric="val.auc", task="classification"))
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        assert f.attrs["mode"] == "max"
        auc = f["curves/val.auc"][:]
        assert ((auc > 0.8) & (auc <= 1.0)).all()


def test_auc_with_more_than_two_classes_is_an_input_error(trawl, tmp_path):
    with h5py.File(tmp_path / "data.h5", "w") as f:
        for split in ["train", "val"]:
            f[f"{split}/x"] = np.zeros((30, 2), np.float32)
            f[f"{split}/y"] = np.arange(30, dtype=np.int64) % 3
    (tmp_path / "s.toml").write_text(SWEEP.format(metric="val.auc", task="classification"))
    code, _, err = run([trawl, "run", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "needs two classes" in err
