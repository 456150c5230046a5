"""Crash safety: a damaged results file is detected and rebuilt from the
journals; a sweep whose ranks are SIGKILLed at random moments, again and
again, ends with every trial done once and the curves of an undisturbed run;
a full disk stops a worker cleanly; and two runs of one sweep at once (a
double submit, a stale job, a static and a dynamic run on one sweep dir)
train every trial once."""
import os
import random
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import mpirun, run, write_blobs

SWEEP = """
[sweep]
dir = "out"
seeds = [1, 2]
[data]
path = "blobs.h5"
[model]
hidden = 32
dropout = 0.1
[train]
steps = 800
batch_size = 16
eval_every = 40
[checkpoint]
every_steps = 25
[grid]
train.lr = [0.01, 0.003]
train.optimizer = ["adamw", "sgd"]
"""

COMPARED = ["curves/step", "curves/val.loss", "curves/val.accuracy", "curves/train.loss", "trials/final/val.loss",
            "trials/best/val.loss", "trials/best_step", "trials/steps", "trials/params/train.lr", "trials/seed"]


def snapshot(path):
    with h5py.File(path, "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        data = {k: f[k][:] for k in COMPARED}
        data["status"] = [names[s] for s in f["trials/status"][:]]
        data["events"] = list(f["events/kind"].asstr()[:])
        return data


def sweep_dir(tmp_path, name):
    d = tmp_path / name
    d.mkdir()
    write_blobs(d / "blobs.h5", rows=300)
    (d / "s.toml").write_text(SWEEP)
    return d


def test_a_damaged_results_file_is_detected_and_rebuilt(trawl, tmp_path):
    d = sweep_dir(tmp_path, "damaged")
    run(mpirun(2, trawl, "run", "s.toml", "--threads", "1"), cwd=d)
    results = d / "out" / "results.h5"
    before = snapshot(results)
    with open(results, "r+b") as f:  # a node died mid-write: the superblock is gone
        f.write(b"\0" * 4096)
    for verb in (["status", "out"], ["run", "s.toml"], ["report", "out"]):
        code, _, err = run([trawl, *verb], cwd=d, check=False)
        assert code != 0 and "trawl repair" in err and "damaged" in err, verb
    _, out, _ = run([trawl, "repair", "out"], cwd=d)
    assert "rebuilt" in out and "kept as" in out
    after = snapshot(results)
    for key in COMPARED:
        assert np.array_equal(after[key], before[key]), key
    assert after["status"] == before["status"] == ["done"] * 8
    assert after["events"][-1] == "repaired"
    assert list((d / "out").glob("results.h5.damaged-*"))
    # A missing file is rebuilt the same way.
    results.unlink()
    run([trawl, "repair", "out"], cwd=d)
    assert np.array_equal(snapshot(results)["curves/val.loss"], before["curves/val.loss"])


def test_repair_of_a_healthy_file_with_a_damaged_journal_loses_nothing(trawl, tmp_path):
    d = sweep_dir(tmp_path, "healthy")
    run(mpirun(2, trawl, "run", "s.toml", "--threads", "1"), cwd=d)
    results = d / "out" / "results.h5"
    before = snapshot(results)
    journal = sorted((d / "out" / "journal").glob("*.journal"))[0]
    data = bytearray(journal.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16] = b"\xff" * 16
    journal.write_bytes(bytes(data))
    _, out, _ = run([trawl, "repair", "out"], cwd=d)
    assert "1 damaged stretch(es) of journal skipped" in out, out
    assert "the old file was readable" in out and "results.h5.replaced-" in out, out
    after = snapshot(results)
    for key in COMPARED:
        assert np.array_equal(after[key], before[key]), key
    assert after["status"] == ["done"] * 8
    assert list((d / "out").glob("results.h5.replaced-*"))
    _, out, _ = run(mpirun(2, trawl, "run", "s.toml", "--threads", "1"), cwd=d)
    assert "0 done" in out and "8 skipped" in out  # nothing retrained


def test_a_writer_killed_between_the_writes_of_one_update_is_caught_and_repaired(trawl, tmp_path):
    """HDF5 updates the file in place, many writes per record, reusing freed
    space: a writer killed between two of them leaves a file that still opens.
    Killed at chosen writes into results.h5, every time the next reader names
    the file damaged (never reads torn columns), and repair loses nothing."""
    shim = os.environ.get("TRAWL_KILL_AT_WRITE")
    if not shim:
        pytest.skip("TRAWL_KILL_AT_WRITE must name the built kill_at_write preload (ctest sets it)")
    single = SWEEP.replace("seeds = [1, 2]", "seeds = [1]").replace("steps = 800", "steps = 200")
    clean = sweep_dir(tmp_path, "clean")
    (clean / "s.toml").write_text(single)
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=clean)
    want = snapshot(clean / "out" / "results.h5")

    d = sweep_dir(tmp_path, "torn")
    (d / "s.toml").write_text(single)
    rng = random.Random(3)
    kills = 0
    for _ in range(60):
        env = dict(os.environ, LD_PRELOAD=shim, KILL_WRITE_SUFFIX="results.h5", KILL_AT_WRITE=str(rng.randint(1, 150)))
        proc = subprocess.run([trawl, "run", "s.toml", "--threads", "1"], cwd=d, env=env, capture_output=True, text=True)
        if proc.returncode == 0:
            break
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        kills += 1
        assert (d / "out" / "results.h5.writing").exists()
        for verb in (["status", "out"], ["report", "out"], ["run", "s.toml"]):
            code, _, err = run([trawl, *verb], cwd=d, check=False)
            assert code != 0 and "stopped mid-write" in err and "trawl repair" in err, (verb, err)
        run([trawl, "repair", "out"], cwd=d)
        assert not (d / "out" / "results.h5.writing").exists()
    assert kills >= 3, "the sweep finished before it could be killed enough times"
    got = snapshot(d / "out" / "results.h5")
    assert got["status"] == ["done"] * 4
    for key in COMPARED:
        assert np.array_equal(got[key], want[key], equal_nan=True), key


def test_chaos_random_sigkills_lose_nothing(trawl, tmp_path):
    clean = sweep_dir(tmp_path, "clean")
    run(mpirun(2, trawl, "run", "s.toml", "--threads", "1"), cwd=clean)
    want = snapshot(clean / "out" / "results.h5")

    d = sweep_dir(tmp_path, "chaos")
    rng = random.Random(7)
    kills = 0
    for attempt in range(12):
        proc = subprocess.Popen(mpirun(2, trawl, "run", "s.toml", "--threads", "1"), cwd=d,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        # Kill at a random moment some eval lines into the run.
        wanted, seen = rng.randint(1, 12), 0
        for line in proc.stdout:
            seen += " step " in line and "=" in line
            if seen >= wanted:
                time.sleep(rng.uniform(0, 0.05))
                break
        if proc.poll() is None:
            subprocess.run(["pkill", "-KILL", "-s", str(proc.pid)])  # every rank and mpirun, mid-flight
            kills += 1
        proc.communicate()
        code, _, err = run([trawl, "status", "out"], cwd=d, check=False)
        if code != 0 and "trawl repair" in err:
            run([trawl, "repair", "out"], cwd=d)
        if kills >= 6:
            break
    assert kills >= 3, "the sweep finished before it could be killed enough times"
    # Finish it undisturbed, repairing first if the last kill damaged the file.
    code, _, err = run([trawl, "status", "out"], cwd=d, check=False)
    if code != 0:
        run([trawl, "repair", "out"], cwd=d)
    run(mpirun(2, trawl, "run", "s.toml", "--threads", "1"), cwd=d)

    got = snapshot(d / "out" / "results.h5")
    assert got["status"] == ["done"] * 8
    for key in COMPARED:
        assert np.array_equal(got[key], want[key], equal_nan=True), key
    with h5py.File(d / "out" / "results.h5", "r") as f:
        assert (f["trials/attempts"][:] >= 1).all()


FULL_DISK_SWEEP = """
[sweep]
dir = "full/out"
[data]
path = "blobs.h5"
[model]
hidden = 64
[train]
steps = 40
batch_size = 16
eval_every = 5
[checkpoint]
every_steps = 5
[grid]
train.warmup_steps = {range = [0, 12]}
"""


def statuses(path):
    with h5py.File(path, "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        return [names[s] for s in f["trials/status"][:]]


def test_a_full_disk_stops_the_worker_cleanly_and_loses_nothing(trawl, tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(full)]).returncode:
        pytest.skip("mounting a small tmpfs needs root: the full-disk case is not run here")
    try:
        write_blobs(tmp_path / "blobs.h5", rows=300)
        (tmp_path / "s.toml").write_text(FULL_DISK_SWEEP)
        ballast = full / "ballast"
        stat = os.statvfs(full)
        ballast.write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - (4 << 20) - (300 << 10)))  # a few trials fit
        code, out, err = run([trawl, "run", "s.toml", "--threads", "1"], cwd=tmp_path, check=False)
        assert code == 1, (out, err)
        assert "No space left on device (ENOSPC)" in err and "results.h5" in err, err
        results = full / "out" / "results.h5"
        status = statuses(results)  # still readable
        # Never a trial reported done that was not recorded done.
        reported_done = {int(line.split(" trial ")[1].split()[0]) for line in out.splitlines()
                         if " done val.loss=" in line}
        assert all(status[t] == "done" for t in reported_done), (reported_done, status)
        assert status.count("done") < len(status)
        code, out, _ = run([trawl, "status", "full/out"], cwd=tmp_path)
        ballast.unlink()
        run([trawl, "run", "s.toml", "--threads", "1"], cwd=tmp_path)
        assert statuses(results) == ["done"] * len(status)
        with h5py.File(results, "r") as f:
            assert (f["trials/steps"][:] == 40).all()
            assert (f["curves/step"][:, -1] == 40).all()
    finally:
        subprocess.run(["umount", str(full)])


# ---- double launch: every schedule takes trials under the lock with a lease ----

DOUBLE_LAUNCH_SWEEP = """
[sweep]
dir = "out"
schedule = "{schedule}"
seeds = [1, 2, 3]
[data]
path = "blobs.h5"
[model]
hidden = 16
[train]
steps = 150
batch_size = 16
eval_every = 50
[grid]
train.lr = [0.03, 0.01, 0.003]
"""


def launch_table(path):
    with h5py.File(path, "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        kinds = list(f["events/kind"].asstr()[:])
        trials = list(f["events/trial"][:])
        return [names[s] for s in f["trials/status"][:]], list(f["trials/attempts"][:]), list(zip(kinds, trials))


def start_run(trawl, d, sweep_file):
    return subprocess.Popen([trawl, "run", sweep_file, "--threads", "1"], cwd=d, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def launch_dir(tmp_path, name, schedules):
    d = tmp_path / name
    d.mkdir()
    write_blobs(d / "blobs.h5")
    for i, schedule in enumerate(schedules):
        (d / f"s{i}.toml").write_text(DOUBLE_LAUNCH_SWEEP.format(schedule=schedule))
    return d


def finish_both(first, second):
    outs = [p.communicate(timeout=600)[0] for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outs
    return outs


def assert_each_trial_trained_once(d):
    status, attempts, events = launch_table(d / "out" / "results.h5")
    assert status == ["done"] * 9
    assert attempts == [1] * 9, attempts
    taken = [trial for kind, trial in events if kind in ("started", "claimed")]
    assert sorted(taken) == list(range(9)), events


def test_the_same_static_sweep_started_twice_trains_every_trial_once(trawl, tmp_path):
    d = launch_dir(tmp_path, "twice", ["static"])
    run([trawl, "validate", "s0.toml"], cwd=d)
    finish_both(start_run(trawl, d, "s0.toml"), start_run(trawl, d, "s0.toml"))
    assert_each_trial_trained_once(d)


def test_a_static_and_a_dynamic_run_on_one_dir_train_every_trial_once(trawl, tmp_path):
    d = launch_dir(tmp_path, "mixed", ["static", "dynamic"])
    finish_both(start_run(trawl, d, "s0.toml"), start_run(trawl, d, "s1.toml"))
    assert_each_trial_trained_once(d)


def test_a_killed_stale_run_leaves_nothing_running_and_nothing_is_retrained(trawl, tmp_path):
    d = launch_dir(tmp_path, "stale", ["static"])
    stale = start_run(trawl, d, "s0.toml")
    time.sleep(4)
    stale.send_signal(signal.SIGKILL)
    stale.wait()
    status, _, _ = launch_table(d / "out" / "results.h5")
    done_before = [i for i, s in enumerate(status) if s == "done"]
    run([trawl, "run", "s0.toml", "--threads", "1"], cwd=d, timeout=600)
    status, attempts, events = launch_table(d / "out" / "results.h5")
    assert status == ["done"] * 9
    for i in done_before:
        assert attempts[i] == 1  # done trials are never taken again
    assert max(attempts) <= 2
