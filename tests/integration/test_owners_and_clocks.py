"""Workers that cannot check each other: separate PID namespaces on one host
and one host name (containers), and clocks minutes apart (a node before NTP
synced). Neither may take the other's live trial; a dead one's trial is
still taken after about one lease (docs/fault-tolerance.md, "Many nodes")."""
import glob
import os
import shutil
import signal
import subprocess

import h5py
import numpy as np
import pytest

from conftest import repair_if_cut_short, run, write_blobs

LEASE = 3.0
SWEEP = f"""
[sweep]
dir = "out"
schedule = "dynamic"
lease_seconds = {LEASE}
[data]
path = "blobs.h5"
[model]
hidden = 128
[train]
steps = 3000
batch_size = 32
eval_every = 250
[checkpoint]
every_steps = 100
[grid]
train.lr = [0.01, 0.003]
train.optimizer = ["adamw", "sgd"]
"""


def can_unshare():
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"], capture_output=True).returncode == 0


needs_pid_namespaces = pytest.mark.skipif(not can_unshare(),
                                          reason="needs root and unshare --pid --mount-proc (new PID namespaces)")
LIBFAKETIME = next(iter(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1")), None)
needs_faketime = pytest.mark.skipif(not LIBFAKETIME, reason="needs libfaketime (Debian's faketime package)")


def skewed(offset):
    """Runs a command with its clocks `offset` off ("+10m", "-10m", "+1d").
    libfaketime directly: the faketime wrapper's semaphore is named by its
    PID, which repeats in fresh PID namespaces."""
    return ["env", f"LD_PRELOAD={LIBFAKETIME}", f"FAKETIME={offset}"]

IN_CONTAINER = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"]


def sweep(d):
    d.mkdir()
    write_blobs(d / "blobs.h5", rows=300)
    (d / "s.toml").write_text(SWEEP)


def start(trawl, d, wrapper=()):
    return subprocess.Popen([*wrapper, trawl, "run", "s.toml", "--threads", "1"], cwd=d, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def until_training(worker):
    """Reads the worker's log until it trains its first trial; returns it."""
    lines = []
    for line in worker.stdout:
        lines.append(line)
        if " step 500 " in line:
            return lines
    raise AssertionError("the worker ended before training:\n" + "".join(lines))


def read(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        return {"status": [names[s] for s in f["trials/status"][:]], "attempts": list(f["trials/attempts"][:]),
                "owners": list(f["trials/owner"].asstr()[:]), "curve": f["curves/val.loss"][:]}


def clean_curves(trawl, tmp_path):
    clean = tmp_path / "clean"
    sweep(clean)
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=clean)
    return read(clean)["curve"]


def run_side_by_side(trawl, d, first_wrapper, second_wrapper):
    """Two workers on one sweep, the second started while the first trains."""
    first = start(trawl, d, first_wrapper)
    log = until_training(first)
    second = start(trawl, d, second_wrapper)
    outs = [second.communicate(timeout=600)[0], "".join(log) + first.communicate(timeout=600)[0]]
    assert first.returncode == 0 and second.returncode == 0, outs
    return outs


def assert_each_trial_trained_once(d, outs):
    r = read(d)
    assert r["status"] == ["done"] * 4
    assert r["attempts"] == [1] * 4, (r["attempts"], r["owners"], outs)  # no trial was taken from a live worker
    assert not any("another worker's now" in out or "its lease passed to another worker" in out for out in outs), outs
    assert len({o.split(" ")[0] for o in r["owners"]}) == 2  # both workers trained


@needs_pid_namespaces
def test_workers_in_separate_pid_namespaces_do_not_take_each_others_trials(trawl, tmp_path):
    d = tmp_path / "d"
    sweep(d)
    outs = run_side_by_side(trawl, d, (), IN_CONTAINER)
    assert_each_trial_trained_once(d, outs)
    owners = read(d)["owners"]
    namespaces = {o.split("pidns ")[1].split(",")[0] for o in owners}
    assert len(namespaces) == 2, owners  # the owners say which namespace each ran in


def kill_in_first_trial(trawl, d, wrapper):
    """Starts a worker, SIGKILLs it (its whole namespace) once it trains."""
    worker = start(trawl, d, wrapper)
    until_training(worker)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    repair_if_cut_short(trawl, d)


def assert_recovered(trawl, d, tmp_path, wrapper=()):
    """Another worker takes the dead one's trial after about a lease and
    resumes it from its checkpoint: the curves are the uninterrupted ones."""
    survivor = start(trawl, d, wrapper)
    out = survivor.communicate(timeout=600)[0]
    assert survivor.returncode == 0, out
    r = read(d)
    assert r["status"] == ["done"] * 4, out
    assert r["attempts"][0] == 2, out  # the dead worker's trial, taken once its lease lapsed
    assert "resumed" in out, out
    np.testing.assert_array_equal(r["curve"], clean_curves(trawl, tmp_path))


@needs_pid_namespaces
def test_a_worker_killed_in_another_pid_namespace_is_recovered_after_its_lease(trawl, tmp_path):
    d = tmp_path / "d"
    sweep(d)
    kill_in_first_trial(trawl, d, IN_CONTAINER)
    assert_recovered(trawl, d, tmp_path)


@needs_faketime
@pytest.mark.parametrize("skew", ["+10m", "-10m"])
def test_a_worker_with_a_skewed_clock_takes_no_live_trial(trawl, tmp_path, skew):
    d = tmp_path / "d"
    sweep(d)
    outs = run_side_by_side(trawl, d, (), skewed(skew))
    assert_each_trial_trained_once(d, outs)
    # And the other way round: the skewed worker trains first.
    e = tmp_path / "e"
    sweep(e)
    outs = run_side_by_side(trawl, e, skewed(skew), ())
    assert_each_trial_trained_once(e, outs)


@needs_faketime
@needs_pid_namespaces
def test_a_dead_worker_whose_clock_ran_ahead_is_recovered_after_one_lease(trawl, tmp_path):
    # Its lease says a day from now by everyone else's clock; it is taken
    # after one lease as the survivor measures it (a survivor that trusted
    # the lease's wall clock would wait a day: past assert_recovered's timeout).
    d = tmp_path / "d"
    sweep(d)
    kill_in_first_trial(trawl, d, [*IN_CONTAINER, *skewed("+1d")])
    assert_recovered(trawl, d, tmp_path)
