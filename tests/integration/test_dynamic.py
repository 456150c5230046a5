"""The dynamic schedule: workers claim trials under the store's lock and hold
them by a lease; a dead worker's trial is claimed again once its lease lapses
and resumes from its checkpoint."""
import subprocess
import time

import h5py
import numpy as np

from conftest import repair_if_cut_short, run, write_blobs

SWEEP = """
[sweep]
dir = "out"
schedule = "{schedule}"
lease_seconds = 2.0
[data]
path = "blobs.h5"
[model]
hidden = 32
[train]
steps = 600
batch_size = 16
eval_every = 60
[checkpoint]
every_steps = 20
[grid]
train.lr = [0.01, 0.003, 0.001]
train.optimizer = ["adamw", "sgd"]
"""


def sweep(d, schedule):
    d.mkdir()
    write_blobs(d / "blobs.h5", rows=300)
    (d / "s.toml").write_text(SWEEP.format(schedule=schedule))


def read(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        return {"status": [names[s] for s in f["trials/status"][:]], "attempts": list(f["trials/attempts"][:]),
                "owners": list(f["trials/owner"].asstr()[:]), "curve": f["curves/val.loss"][:],
                "kinds": list(f["events/kind"].asstr()[:]), "trials": list(f["events/trial"][:])}


def start(trawl, d):
    return subprocess.Popen([trawl, "run", "s.toml", "--threads", "1"], cwd=d, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_concurrent_workers_share_the_grid_without_overlap(trawl, tmp_path):
    d = tmp_path / "d"
    sweep(d, "dynamic")
    workers = [start(trawl, d) for _ in range(3)]
    outs = [w.communicate(timeout=600)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outs
    r = read(d)
    assert r["status"] == ["done"] * 6
    assert r["attempts"] == [1] * 6  # no trial ran twice
    assert sorted(t for k, t in zip(r["kinds"], r["trials"]) if k == "claimed") == list(range(6))
    assert len({o.split(" ")[0] for o in r["owners"]}) >= 2  # the work was shared


def test_a_dead_workers_trial_is_claimed_again_and_resumed(trawl, tmp_path):
    clean, d = tmp_path / "clean", tmp_path / "d"
    sweep(clean, "static")
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=clean)
    sweep(d, "dynamic")
    first = start(trawl, d)
    for line in first.stdout:  # let it get into its first trial, then kill it
        if " step 120 " in line:
            break
    first.kill()
    first.wait()
    repair_if_cut_short(trawl, d)
    time.sleep(0.2)
    second = start(trawl, d)
    out = second.communicate(timeout=600)[0]
    assert second.returncode == 0, out
    r = read(d)
    assert r["status"] == ["done"] * 6
    assert r["attempts"][0] == 2  # the dead worker's trial, claimed again after its lease lapsed
    assert "resumed" in r["kinds"]
    assert np.array_equal(r["curve"], read(clean)["curve"])
