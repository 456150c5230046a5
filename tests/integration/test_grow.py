"""Growing a grid: values added to an axis and a seed added keep every
recorded trial (matched by its parameters, not its id) and run only the new
ones; a change that is not growth is refused, saying what changed."""
import h5py
import numpy as np

from conftest import run, write_blobs

SWEEP = """
[sweep]
dir = "out"
seeds = {seeds}
[data]
path = "blobs.h5"
[model]
hidden = 16
[train]
steps = 60
batch_size = 16
eval_every = 20
[grid]
train.lr = {lrs}
train.optimizer = ["adamw", "sgd"]
"""


def table(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        rows = {}
        for i in range(f.attrs["grid_size"]):
            key = (int(f["trials/seed"][i]), float(f["trials/params/train.lr"][i]),
                   f["trials/params/train.optimizer"].asstr()[i])
            rows[key] = {"id": i, "status": names[f["trials/status"][i]], "attempts": int(f["trials/attempts"][i]),
                         "curve": f["curves/val.loss"][i], "owner": f["trials/owner"].asstr()[i]}
        return rows


def test_growing_keeps_what_ran_and_runs_only_the_new(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5")
    (tmp_path / "s.toml").write_text(SWEEP.format(seeds="[1]", lrs="[0.1, 0.01]"))
    run([trawl, "run", "s.toml", "--save-final"], cwd=tmp_path)
    before = table(tmp_path)
    final_files = {key: (tmp_path / "out" / "trials" / str(row["id"]) / "final.pt").read_bytes()
                   for key, row in before.items()}

    (tmp_path / "s.toml").write_text(SWEEP.format(seeds="[1, 2]", lrs="[0.1, 0.03, 0.01]"))
    _, out, _ = run([trawl, "run", "s.toml", "--save-final"], cwd=tmp_path)
    assert "8 done, 0 failed, 0 diverged, 4 skipped" in out  # 12 trials, the 4 recorded kept
    after = table(tmp_path)
    assert len(after) == 12 and all(r["status"] == "done" for r in after.values())
    for key, row in before.items():
        moved = after[key]
        assert moved["attempts"] == 1 and moved["owner"] == row["owner"]
        assert np.array_equal(moved["curve"], row["curve"])
        # Its files moved with it to its new id.
        assert (tmp_path / "out" / "trials" / str(moved["id"]) / "final.pt").read_bytes() == final_files[key]
    assert before[(1, 0.01, "sgd")]["id"] != after[(1, 0.01, "sgd")]["id"]

    # The journals moved too: a repair rebuilds the grown file.
    (tmp_path / "out" / "results.h5").unlink()
    run([trawl, "repair", "out"], cwd=tmp_path)
    repaired = table(tmp_path)
    for key, row in after.items():
        assert repaired[key]["id"] == row["id"] and np.array_equal(repaired[key]["curve"], row["curve"])


def test_shrinking_or_changing_settings_is_refused(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5")
    (tmp_path / "s.toml").write_text(SWEEP.format(seeds="[1]", lrs="[0.1, 0.01]"))
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    (tmp_path / "s.toml").write_text(SWEEP.format(seeds="[1]", lrs="[0.1]"))
    code, _, err = run([trawl, "run", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "grid axis train.lr: 0.1, 0.01 -> 0.1" in err and "is not in the new grid" in err
    (tmp_path / "s.toml").write_text(SWEEP.format(seeds="[1]", lrs="[0.1, 0.01, 0.5]").replace("hidden = 16",
                                                                                             "hidden = 8"))
    code, _, err = run([trawl, "run", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "model.hidden: 16 -> 8" in err


def forget_metric(path, metric):
    """Makes the file one written by a trawl that did not have `metric` yet."""
    with h5py.File(path, "r+") as f:
        for column in ("curves/", "trials/final/", "trials/best/"):
            del f[column + metric]
        f.attrs["metrics"] = [m for m in f.attrs["metrics"] if m != metric]


def test_a_results_file_older_than_a_metric_resumes_and_grows(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5")
    (tmp_path / "s.toml").write_text(SWEEP.format(seeds="[1]", lrs="[0.1, 0.01]"))
    run([trawl, "run", "s.toml", "--array-index", "0", "--array-count", "2"], cwd=tmp_path)
    forget_metric(tmp_path / "out" / "results.h5", "val.f1")
    before = table(tmp_path)
    assert sorted(r["status"] for r in before.values()) == ["done", "done", "pending", "pending"]

    # The rest of the sweep runs into the older file: val.f1 is not recorded there.
    _, out, _ = run([trawl, "run", "s.toml"], cwd=tmp_path)
    assert "2 done, 0 failed, 0 diverged, 2 skipped" in out
    assert all(r["status"] == "done" for r in table(tmp_path).values())
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        assert "val.f1" not in f["curves"] and "val.f1" not in list(f.attrs["metrics"])
    run([trawl, "report", "out"], cwd=tmp_path)

    # Growing makes a new file: it has val.f1, measured for the new trials
    # and NaN (never measured) for those recorded before it existed.
    (tmp_path / "s.toml").write_text(SWEEP.format(seeds="[1]", lrs="[0.1, 0.03, 0.01]"))
    _, out, _ = run([trawl, "run", "s.toml"], cwd=tmp_path)
    assert "2 done, 0 failed, 0 diverged, 4 skipped" in out
    after = table(tmp_path)
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        f1 = f["trials/final/val.f1"][:]
        new = [r["id"] for k, r in after.items() if k[1] == 0.03]
    assert all(np.isnan(f1[r["id"]]) for k, r in after.items() if k[1] != 0.03)
    assert all(0 <= f1[i] <= 1 for i in new)
    run([trawl, "status", "out"], cwd=tmp_path)
