"""trawl on a real Slurm cluster (scripts/slurm-cluster.sh brings up a
one-node cluster; scripts/test.sh does that before ctest). Skipped, saying
so, when no cluster answers."""
import os
import re
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import run, write_blobs

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")

SWEEP = """
[sweep]
name = "slurm-test"
dir = "out"
ranks_per_trial = {ranks}
[data]
path = "blobs.h5"
[model]
hidden = {hidden}
[train]
steps = {steps}
batch_size = 16
eval_every = {eval_every}
[checkpoint]
every_steps = 25
[grid]
train.lr = [0.01, 0.003]
train.optimizer = ["adamw", "sgd"]
train.weight_decay = [0.0, 0.01]
"""


@pytest.fixture(scope="module")
def cluster():
    up = subprocess.run(["bash", os.path.join(ROOT, "scripts", "slurm-cluster.sh"), "status"]).returncode == 0
    if not up:
        pytest.skip("no Slurm cluster is up (scripts/slurm-cluster.sh up starts one, as root): Slurm tests skipped")


def make(tmp_path, ranks=1, steps=200, eval_every=50, hidden=32):
    write_blobs(tmp_path / "blobs.h5")
    (tmp_path / "s.toml").write_text(SWEEP.format(ranks=ranks, steps=steps, eval_every=eval_every, hidden=hidden))


def submit(trawl, d, *args):
    _, out, _ = run([trawl, "submit", "s.toml", *args], cwd=d)
    jobs = re.findall(r"# job (\d+)", out)
    assert jobs, out
    return jobs


def wait_for(jobs, timeout=400):
    deadline = time.time() + timeout
    while time.time() < deadline:
        queued = subprocess.run(["squeue", "-h", "-o", "%i %T", "-j", ",".join(jobs)], capture_output=True,
                                text=True).stdout.strip()
        if not queued:
            return
        time.sleep(1)
    raise AssertionError(f"jobs {jobs} still queued after {timeout} s:\n{queued}")


def results(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        return {"status": [names[s] for s in f["trials/status"][:]], "attempts": list(f["trials/attempts"][:]),
                "owners": list(f["trials/owner"].asstr()[:]), "curve": f["curves/val.loss"][:],
                "kinds": list(f["events/kind"].asstr()[:])}


def test_a_four_task_array_runs_every_trial_once(trawl, cluster, tmp_path):
    make(tmp_path)
    jobs = submit(trawl, tmp_path, "--array-count", "4")
    wait_for(jobs)
    r = results(tmp_path)
    assert r["status"] == ["done"] * 8 and r["attempts"] == [1] * 8
    # Each trial records its array task and Slurm job.
    tasks = {o.split("@")[0] for o in r["owners"]}
    assert tasks == {"a0.g0", "a1.g0", "a2.g0", "a3.g0"}
    assert all(f"job {jobs[0]}_" in o for o in r["owners"])
    logs = list((tmp_path / "out" / "logs").glob("*.log"))
    assert len(logs) == 4


def test_requeue_and_pre_timeout_signal_lose_nothing(trawl, cluster, tmp_path):
    clean, d = tmp_path / "clean", tmp_path / "d"
    for x in (clean, d):
        x.mkdir()
        make(x, steps=2500, eval_every=250, hidden=256)
    for index in range(4):
        run([trawl, "run", "s.toml", "--threads", "1", "--array-index", str(index), "--array-count", "4"], cwd=clean)
    jobs = submit(trawl, d, "--array-count", "4")
    # Wait until tasks 1 and 2 are training, then disturb them.
    deadline = time.time() + 120
    while time.time() < deadline:
        if (d / "out" / "results.h5").exists():
            _, status, _ = run([trawl, "status", "out"], cwd=d, check=False)
            if "a1.g0" in status and "a2.g0" in status:
                break
        time.sleep(0.5)
    time.sleep(0.5)
    subprocess.run(["scontrol", "requeue", f"{jobs[0]}_1"], check=True)
    subprocess.run(["scancel", "--signal=USR2", "--batch", f"{jobs[0]}_2"], check=True)
    wait_for(jobs, timeout=600)
    want, got = results(clean), results(d)
    assert got["status"] == ["done"] * 8
    assert "interrupted" in got["kinds"] and "resumed" in got["kinds"]
    assert np.array_equal(got["curve"], want["curve"])
    _, status, _ = run([trawl, "status", "out"], cwd=d)
    assert re.search(r"requeued [1-9]", status), status


def test_srun_pmix_with_two_ranks_per_trial(trawl, cluster, tmp_path):
    make(tmp_path, ranks=2, steps=100)
    jobs = submit(trawl, tmp_path, "--array-count", "2", "--ranks", "2")
    wait_for(jobs)
    r = results(tmp_path)
    assert r["status"] == ["done"] * 8
    log = "".join(p.read_text() for p in (tmp_path / "out" / "logs").glob("*.log"))
    assert "2 rank(s)" in log and "mpi all-reduce" in log


def test_dry_run_matches_the_checked_in_script(trawl, tmp_path):
    make(tmp_path)
    # 3,200 trials: enough for 2,500 array tasks (more tasks than trials is refused).
    (tmp_path / "s.toml").write_text((tmp_path / "s.toml").read_text() + "train.warmup_steps = {range = [0, 400]}\n")
    _, out, _ = run([trawl, "submit", "s.toml", "--array-count", "2500", "--throttle", "8", "--dry-run",
                     "--", "--partition=gpu", "--comment=it's $(whoami)"], cwd=tmp_path)
    expected = open(os.path.join(HERE, "expected", "submit-dry-run.txt")).read()
    expected = expected.replace("@TRAWL@", trawl).replace("@DIR@", str(tmp_path))
    # MaxArraySize: the real cluster's, else Slurm's default of 1001; both split 2500 tasks alike here.
    assert out == expected
    assert not (tmp_path / "out" / "job.sbatch").exists()
