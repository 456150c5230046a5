"""The stop race: under a 2-rank group, a stop signal that reaches one rank
before the other (as Slurm's --signal does, task by task) must stop the whole
group together: never a hang, always exit 3 with everything recorded, and a
second run finishes the sweep. Tried at many moments: during start-up,
between trials and during them."""
import os
import signal
import subprocess
import time

import h5py
import pytest

from conftest import mpirun, run, write_blobs

SWEEP = """
[sweep]
dir = "out"
ranks_per_trial = 2
seeds = {range = [0, 500]}
[data]
path = "blobs.h5"
[model]
hidden = 8
[train]
steps = 2
batch_size = 8
eval_every = 2
"""

TRIES = 24


def trawl_children(launcher):
    """The pids of the trawl ranks that mpirun started (its descendants)."""
    pids, frontier = [], [launcher.pid]
    while frontier:
        parent = frontier.pop()
        try:
            with open(f"/proc/{parent}/task/{parent}/children") as f:
                children = [int(p) for p in f.read().split()]
        except FileNotFoundError:
            continue
        for child in children:
            frontier.append(child)
            try:
                with open(f"/proc/{child}/comm") as f:
                    if f.read().strip() == "trawl":
                        pids.append(child)
            except FileNotFoundError:
                pass
    return sorted(pids)


def statuses(path):
    with h5py.File(path, "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        return [names[s] for s in f["trials/status"][:]]


def test_a_signal_to_one_rank_of_a_group_stops_the_group_at_any_moment(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5", rows=64)
    (tmp_path / "s.toml").write_text(SWEEP)
    cmd = mpirun(2, trawl, "run", "s.toml", "--threads", "1")
    # Moments from before the first trial (start-up) to deep inside the sweep.
    delays = [0.3 + 0.25 * k for k in range(TRIES)]
    done_before = 0
    for attempt, delay in enumerate(delays):
        launcher = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(delay)
        ranks = trawl_children(launcher)
        if len(ranks) == 2:
            os.kill(ranks[attempt % 2], signal.SIGUSR2)  # one rank only, alternating which
        try:
            out, _ = launcher.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            launcher.kill()
            out, _ = launcher.communicate()
            pytest.fail(f"try {attempt} (signal after {delay:.2f} s) hung:\n{out[-3000:]}")
        if launcher.returncode == 0:
            continue  # the sweep finished before the signal came
        assert launcher.returncode == 3, f"try {attempt}: exit {launcher.returncode}\n{out[-3000:]}"
        results = tmp_path / "out" / "results.h5"
        if results.exists():
            status = statuses(results)
            assert "running" not in status, f"try {attempt}: a trial was left running"
            done = status.count("done")
            assert done >= done_before, f"try {attempt}: done trials went from {done_before} to {done}"
            done_before = done
    # Whatever was stopped resumes: the sweep finishes with every trial done once.
    run(cmd, cwd=tmp_path, timeout=900)
    status = statuses(tmp_path / "out" / "results.h5")
    assert status == ["done"] * len(status)
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        assert (f["trials/steps"][:] == 2).all()
