"""Two runs of one sweep at once (a double submit, a stale job, a static and
a dynamic run on one sweep dir) train every trial once: a trial is taken
under the results file's lock with a lease in every schedule, a trial held by
a live worker is not taken, and a done trial never goes back."""
import signal
import subprocess
import time

import h5py

from conftest import run, write_blobs

SWEEP = """
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


def table(path):
    with h5py.File(path, "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        kinds = list(f["events/kind"].asstr()[:])
        trials = list(f["events/trial"][:])
        return [names[s] for s in f["trials/status"][:]], list(f["trials/attempts"][:]), list(zip(kinds, trials))


def start(trawl, d, sweep_file):
    return subprocess.Popen([trawl, "run", sweep_file, "--threads", "1"], cwd=d, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def sweep_dir(tmp_path, name, schedules):
    d = tmp_path / name
    d.mkdir()
    write_blobs(d / "blobs.h5")
    for i, schedule in enumerate(schedules):
        (d / f"s{i}.toml").write_text(SWEEP.format(schedule=schedule))
    return d


def finish_both(first, second):
    outs = [p.communicate(timeout=600)[0] for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outs
    return outs


def assert_each_trial_trained_once(d):
    status, attempts, events = table(d / "out" / "results.h5")
    assert status == ["done"] * 9
    assert attempts == [1] * 9, attempts
    taken = [trial for kind, trial in events if kind in ("started", "claimed")]
    assert sorted(taken) == list(range(9)), events


def test_the_same_static_sweep_started_twice_trains_every_trial_once(trawl, tmp_path):
    d = sweep_dir(tmp_path, "twice", ["static"])
    run([trawl, "validate", "s0.toml"], cwd=d)
    finish_both(start(trawl, d, "s0.toml"), start(trawl, d, "s0.toml"))
    assert_each_trial_trained_once(d)


def test_a_static_and_a_dynamic_run_on_one_dir_train_every_trial_once(trawl, tmp_path):
    d = sweep_dir(tmp_path, "mixed", ["static", "dynamic"])
    finish_both(start(trawl, d, "s0.toml"), start(trawl, d, "s1.toml"))
    assert_each_trial_trained_once(d)


def test_a_killed_stale_run_leaves_nothing_running_and_nothing_is_retrained(trawl, tmp_path):
    d = sweep_dir(tmp_path, "stale", ["static"])
    stale = start(trawl, d, "s0.toml")
    time.sleep(4)
    stale.send_signal(signal.SIGKILL)
    stale.wait()
    status, _, _ = table(d / "out" / "results.h5")
    done_before = [i for i, s in enumerate(status) if s == "done"]
    run([trawl, "run", "s0.toml", "--threads", "1"], cwd=d, timeout=600)
    status, attempts, events = table(d / "out" / "results.h5")
    assert status == ["done"] * 9
    for i in done_before:
        assert attempts[i] == 1  # done trials are never taken again
    assert max(attempts) <= 2
