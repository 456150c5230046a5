"""Files that are not what they seem: a sweep or data file given as results,
a results file deleted beside its journals, a checkpoint copied from another
trial, a status byte outside the enum; and Ctrl-C as a graceful stop."""
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np

from conftest import run, write_blobs

SWEEP = """
[sweep]
dir = "out"
[data]
path = "blobs.h5"
[model]
hidden = 16
[train]
steps = {steps}
batch_size = 16
eval_every = 20
[checkpoint]
every_steps = 10
[grid]
train.lr = [0.03, 0.003]
"""


def make_sweep(tmp_path, steps=60):
    write_blobs(tmp_path / "blobs.h5")
    (tmp_path / "s.toml").write_text(SWEEP.format(steps=steps))
    return tmp_path / "out" / "results.h5"


def test_status_of_what_is_not_a_results_file_is_bad_input(trawl, tmp_path):
    make_sweep(tmp_path)
    for path in ["s.toml", "blobs.h5"]:
        for verb in ["status", "report"]:
            code, _, err = run([trawl, verb, path], cwd=tmp_path, check=False)
            assert code == 2 and "not a trawl results file" in err, (verb, path, err)
            assert "repair" not in err


def test_a_deleted_results_file_beside_journals_says_repair_and_repair_keeps_everything(trawl, tmp_path):
    results = make_sweep(tmp_path)
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=tmp_path)
    with h5py.File(results, "r") as f:
        steps = f["curves/step"][:]
    results.unlink()
    code, _, err = run([trawl, "run", "s.toml", "--threads", "1"], cwd=tmp_path, check=False)
    assert code == 2 and "is missing" in err and "trawl repair" in err
    assert not results.exists()
    run([trawl, "repair", "out"], cwd=tmp_path)
    with h5py.File(results, "r") as f:
        assert (f["curves/step"][:] == steps).all()
    code, out, _ = run([trawl, "run", "s.toml", "--threads", "1"], cwd=tmp_path)
    assert "2 skipped" in out


def interrupted_run(trawl, tmp_path, sig=signal.SIGUSR2, wait_for=None):
    proc = subprocess.Popen([trawl, "run", "s.toml", "--threads", "1"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not (wait_for and any(wait_for.glob("step-*.ckpt"))):
        time.sleep(0.05)
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=120)
    return proc.returncode, out


def test_a_checkpoint_copied_from_another_trial_is_refused(trawl, tmp_path):
    results = make_sweep(tmp_path, steps=4000)
    checkpoints = tmp_path / "out" / "trials" / "0" / "checkpoints"
    code, out = interrupted_run(trawl, tmp_path, wait_for=checkpoints)
    assert code == 3, out
    # Trial 0's checkpoint (train.lr 0.03) planted in trial 1's dir (0.003), as its newest.
    other = tmp_path / "out" / "trials" / "1" / "checkpoints"
    other.mkdir(parents=True, exist_ok=True)
    newest = sorted(checkpoints.glob("step-*.ckpt"), key=lambda p: int(p.stem[5:]))[-1]
    shutil.copy(newest, other / "step-999999.ckpt")
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=tmp_path, timeout=600)
    with h5py.File(results, "r") as f:
        kinds = list(f["events/kind"].asstr()[:])
        messages = list(f["events/message"].asstr()[:])
        trials = list(f["events/trial"][:])
    refused = [m for k, m, t in zip(kinds, messages, trials) if k == "checkpoint-skipped" and t == 1]
    assert any("step-999999.ckpt" in m and "belongs to the trial (seed=0 train.lr=0.03)" in m for m in refused), refused
    with h5py.File(results, "r") as f:
        assert f["curves/step"][1][0] == 20  # trial 1 started fresh: its first eval point is step 20


def test_a_status_outside_the_enum_says_the_file_is_damaged(trawl, tmp_path):
    results = make_sweep(tmp_path)
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=tmp_path)
    with h5py.File(results, "r+") as f:
        raw = f["trials/status"][:].view(np.int8).copy()
        raw[1] = 9
        f["trials/status"].id.write(h5py.h5s.ALL, h5py.h5s.ALL, raw, mtype=h5py.h5t.NATIVE_INT8)
    for verb in ["status", "report"]:
        code, _, err = run([trawl, verb, "out"], cwd=tmp_path, check=False)
        assert code == 1 and "row 1 holds 9" in err and "trawl repair" in err, (verb, err)


def test_ctrl_c_stops_like_sigterm_with_everything_checkpointed(trawl, tmp_path):
    results = make_sweep(tmp_path, steps=4000)
    checkpoints = tmp_path / "out" / "trials" / "0" / "checkpoints"
    code, out = interrupted_run(trawl, tmp_path, sig=signal.SIGINT, wait_for=checkpoints)
    assert code == 3, out
    with h5py.File(results, "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        status = [names[s] for s in f["trials/status"][:]]
        steps = f["trials/steps"][0]
    assert status[0] == "pending"
    assert max(int(p.stem[5:]) for p in checkpoints.glob("step-*.ckpt")) == steps
