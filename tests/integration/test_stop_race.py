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
[data]
path = "blobs.h5"
[model]
hidden = 8
[train]
steps = 2
batch_size = 8
eval_every = 2
[grid]
train.warmup_steps = {range = [0, 3000]}
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


def signal_mask(pid, field):
    """A signal set of /proc/<pid>/status (SigCgt: caught, SigBlk: blocked)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1], 16)
    except FileNotFoundError:
        pass
    return 0


def catches(pid, sig):
    """Whether the engine has installed its handler for `sig` yet."""
    return bool(signal_mask(pid, "SigCgt") & (1 << (sig - 1)))


def holds(pid, sig):
    """Whether the rank has taken charge of `sig`: the launcher blocked it
    (its first instruction; the microseconds from exec to there are the one
    moment a signal still kills a rank) or the engine catches it."""
    return bool((signal_mask(pid, "SigBlk") | signal_mask(pid, "SigCgt")) & (1 << (sig - 1)))


def ranks_ready(launcher, ready, timeout=60):
    """The two ranks once both are `ready`; [] when mpirun ended first."""
    deadline = time.time() + timeout
    while time.time() < deadline and launcher.poll() is None:
        ranks = trawl_children(launcher)
        if len(ranks) == 2 and all(ready(p) for p in ranks):
            return ranks
        time.sleep(0.002)
    return []


def statuses(path):
    with h5py.File(path, "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        return [names[s] for s in f["trials/status"][:]]


def signal_one_rank(tmp_path, attempt, delay):
    """Runs the sweep in a fresh dir and sends SIGUSR2 to one of the two
    ranks `delay` seconds after both can catch it; returns (dir, exit, output)."""
    d = tmp_path / f"try{attempt}"
    d.mkdir()
    write_blobs(d / "blobs.h5", rows=64)
    (d / "s.toml").write_text(SWEEP)
    launcher = subprocess.Popen(mpirun(2, trawl_bin(), "run", "s.toml", "--threads", "1"), cwd=d,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ranks = ranks_ready(launcher, lambda pid: catches(pid, signal.SIGUSR2))
    time.sleep(delay)
    try:
        os.kill(ranks[attempt % 2], signal.SIGUSR2)  # one rank only, alternating which
    except (IndexError, ProcessLookupError):
        pass  # it finished first: the exit code says so
    try:
        out, _ = launcher.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        launcher.kill()
        out, _ = launcher.communicate()
        pytest.fail(f"try {attempt} (signal {delay:.2f} s after start-up) hung:\n{out[-3000:]}")
    return d, launcher.returncode, out


def trawl_bin():
    return os.environ["TRAWL_BIN"]


def test_a_signal_to_one_rank_of_a_group_stops_the_group_at_any_moment(trawl, tmp_path):
    # Moments from start-up (MPI, data, results file) to deep inside the sweep.
    stopped = 0
    for attempt in range(TRIES):
        delay = 0.125 * attempt
        d, code, out = signal_one_rank(tmp_path, attempt, delay)
        assert code == 3, f"try {attempt} (signal {delay:.2f} s after start-up): exit {code}\n{out[-3000:]}"
        stopped += 1
        results = d / "out" / "results.h5"
        if results.exists():
            status = statuses(results)
            assert "running" not in status, f"try {attempt}: a trial was left running"
            with h5py.File(results, "r") as f:
                steps = f["trials/steps"][:]
            for trial, s in enumerate(status):
                assert s in ("done", "pending"), f"try {attempt}: trial {trial} is {s}"
                assert s != "done" or steps[trial] == 2
    assert stopped == TRIES
    # The last try resumes: the sweep finishes with every trial done once.
    run(mpirun(2, trawl, "run", "s.toml", "--threads", "1"), cwd=d, timeout=900)
    status = statuses(d / "out" / "results.h5")
    assert status == ["done"] * len(status)
    with h5py.File(d / "out" / "results.h5", "r") as f:
        assert (f["trials/steps"][:] == 2).all()
        assert (f["trials/attempts"][:] >= 1).all()


@pytest.mark.parametrize("delay", [0.0, 0.2, 0.5])
def test_a_signal_while_the_ranks_start_stops_the_sweep_to_resume(trawl, tmp_path, delay):
    # Slurm's warning (SIGUSR1 here, forwarded by mpirun) while libtorch loads:
    # the `trawl` launcher blocks it until the engine's handler is in (exit 3,
    # not death by signal 10, which would keep the job from requeueing).
    # The delay counts from the moment both ranks have started (the launcher
    # blocks the signal first thing): OpenMPI's mpirun forwards a signal only
    # to ranks it has started and drops one that comes before (its behaviour,
    # not trawl's: docs/fault-tolerance.md).
    write_blobs(tmp_path / "blobs.h5", rows=64)
    (tmp_path / "s.toml").write_text(SWEEP.replace("ranks_per_trial = 2", "ranks_per_trial = 1")
                                     .replace("{range = [0, 3000]}", "[0, 1, 2, 3]"))
    launcher = subprocess.Popen(mpirun(2, trawl, "run", "s.toml", "--threads", "1"), cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert ranks_ready(launcher, lambda pid: holds(pid, signal.SIGUSR1)), "mpirun ended before both ranks started"
    time.sleep(delay)
    launcher.send_signal(signal.SIGUSR1)
    out, _ = launcher.communicate(timeout=120)
    assert launcher.returncode == 3, f"signal {delay} s after both ranks started: exit {launcher.returncode}\n{out[-3000:]}"
    results = tmp_path / "out" / "results.h5"
    if results.exists():
        assert "running" not in statuses(results)
    run(mpirun(2, trawl, "run", "s.toml", "--threads", "1"), cwd=tmp_path, timeout=300)
    assert statuses(results) == ["done"] * 4
