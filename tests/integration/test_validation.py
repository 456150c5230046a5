"""Hardening: values that no trial could train with, names that could reach a
shell, inputs that are not sweep files or data, are refused at validate with
exit 2 and a message naming the key and file:line:col (or the file and row),
with the same rule table the trainer applies."""
import os
import re
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import run, write_blobs

BASE = """[sweep]
name = "v"
[data]
path = "blobs.h5"
[train]
steps = 5
[grid]
train.lr = [0.1, 0.01]
"""

# (what to replace or add, the message expected). Every fixed key and every
# axis value goes through the same rule.
BAD_VALUES = [
    ("steps = 5", "steps = 0", r"6:9: train\.steps must be at least 1, not 0"),
    ("steps = 5", "steps = 5\nbatch_size = 0", r"7:14: train\.batch_size must be at least 1, not 0"),
    ("steps = 5", "steps = 5\neval_every = 0", r"train\.eval_every must be at least 1, not 0"),
    ("steps = 5", "steps = 5\ngrad_clip = nan", r"train\.grad_clip must be a finite number, not nan"),
    ("[0.1, 0.01]", "[-0.1, 0.01]", r"8:13: train\.lr must be positive, not -0\.1"),
    ("[0.1, 0.01]", "[inf, 1e-3]", r"8:13: train\.lr must be a finite number, not inf"),
    ("[0.1, 0.01]", "[-inf, inf]", r"train\.lr must be a finite number, not -inf"),
    ("[0.1, 0.01]", "[nan, nan]", r"train\.lr must be a finite number, not nan"),
    ("steps = 5", "steps = 5\nlr = nan", r"train\.lr must be a finite number, not nan"),
    ("[grid]", "[model]\nlayers = -1\nhidden = 0\n[grid]", r"model\.layers must be at least 0, not -1"),
    ("[grid]", "[model]\nhidden = 0\n[grid]", r"model\.hidden must be at least 1, not 0"),
    ("[grid]", "[model]\ndropout = 1.5\n[grid]", r"model\.dropout must be in \[0, 1\), not 1\.5"),
    ("[grid]", "[checkpoint]\nevery_steps = -1\n[grid]", r"checkpoint\.every_steps must be at least 0, not -1"),
    ("[sweep]", "[sweep]\nlease_seconds = -5", r"sweep\.lease_seconds must be at least 1, not -5"),
    ("[sweep]", "[sweep]\nlease_seconds = 0.001", r"sweep\.lease_seconds must be at least 1, not 0\.001"),
    ("[sweep]", "[sweep]\ndir = \"\"", r"sweep\.dir must not be empty"),
    ("train.lr = [0.1, 0.01]", "train.lr = {logspace = [-1, 1, 3]}", r"a and b must be positive"),
    ("train.lr = [0.1, 0.01]", "train.warmup_steps = {range = [-2, 2]}", r"gives -2: train\.warmup_steps must be at least 0"),
    ("name = \"v\"", "name = \"x\\ntouch /tmp/pwned\\n#\"", r"sweep\.name may hold only letters, digits.*x\\x0atouch"),
]


@pytest.mark.parametrize("old,new,pattern", BAD_VALUES)
def test_values_no_trial_could_use_are_refused_at_validate(trawl, tmp_path, old, new, pattern):
    write_blobs(tmp_path / "blobs.h5")
    assert old in BASE
    (tmp_path / "bad.toml").write_text(BASE.replace(old, new, 1))
    code, out, err = run([trawl, "validate", "bad.toml"], cwd=tmp_path, check=False)
    assert code == 2, (out, err)
    assert re.search(pattern, err), (pattern, err)
    assert err.startswith("trawl: error: bad.toml:"), err


def test_a_grid_too_large_for_one_sweep_is_refused_at_validate(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5")
    axes = "\n".join(f"train.{k} = {{range = [1, 101]}}" for k in
                     ["steps", "warmup_steps", "eval_every", "grad_accum", "batch_size", "eval_batch_size"]
                     if k != "eval_batch_size") + "\nmodel.hidden = {range = [1, 101]}\n"
    (tmp_path / "huge.toml").write_text(BASE.replace("train.lr = [0.1, 0.01]\n", axes))
    for verb in ["validate", "plan", "run"]:
        code, _, err = run([trawl, verb, "huge.toml"], cwd=tmp_path, check=False, timeout=60)
        assert code == 2 and "a sweep holds at most 10000000" in err, (verb, err)
    assert not (tmp_path / "runs").exists()


def test_what_is_not_a_sweep_file_is_refused_without_reading_it(trawl, tmp_path):
    code, _, err = run([trawl, "validate", "/dev/zero"], check=False, timeout=20)
    assert code == 2 and "must be a regular file" in err
    code, _, err = run([trawl, "validate", str(tmp_path)], check=False)
    assert code == 2 and "must be a regular file, not a directory" in err
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (2 << 20))
    code, _, err = run([trawl, "validate", str(big)], check=False)
    assert code == 2 and "a sweep file is at most 1048576 bytes" in err


def write_data(path, train_x=None, val_y=None, group_at=None, truncate=False):
    rng = np.random.RandomState(0)
    with h5py.File(path, "w") as f:
        x = rng.normal(size=(60, 4)).astype(np.float32) if train_x is None else train_x
        f["train/x"], f["train/y"] = x, rng.randint(0, 3, size=60)
        f["val/x"] = rng.normal(size=(20, 4)).astype(np.float32)
        f["val/y"] = rng.randint(0, 3, size=20) if val_y is None else val_y
        if group_at:
            del f[group_at]
            f.create_group(group_at).create_dataset("inner", data=[1.0])
    if truncate:
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            f.truncate(size // 2)


def test_bad_data_is_named_with_its_dataset_and_row(trawl, tmp_path):
    (tmp_path / "s.toml").write_text(BASE)
    x = np.random.RandomState(1).normal(size=(60, 4)).astype(np.float32)
    x[7, 2] = np.nan
    cases = [
        (dict(train_x=x), r"data\.train_x \('train/x' in .*blobs\.h5\): row 7 holds NaN"),
        (dict(val_y=np.array([0, 1, 99] + [0] * 17)), r"data\.val_y .*row 2 holds class id 99, outside the training labels' range 0\.\.2"),
        (dict(group_at="val/x"), r"data\.val_x .*is a group, not a dataset"),
        (dict(truncate=True), r"data\.path: (cannot read .*truncated or damaged|not an HDF5 file)"),
    ]
    for kwargs, pattern in cases:
        write_data(tmp_path / "blobs.h5", **kwargs)
        code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
        assert code == 2 and re.search(pattern, err), (kwargs.keys(), err)
        assert "HDF5-DIAG" not in err


def test_models_that_cannot_be_built_loaded_or_frozen_are_refused_at_validate(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5", features=8)
    (tmp_path / "notweights.pt").write_text("not a torch archive")
    sweep = BASE + "model.layers = [1, 3]\n"
    cases = [
        ("[grid]", "[model]\ninit = \"notweights.pt\"\n[grid]", r"8:8: model\.init: .*notweights\.pt is not a weights file"),
        ("[grid]", "[model]\nfreeze = [\"hidden.2.*\"]\n[grid]",
         r"8:10: model\.freeze: pattern 'hidden\.2\.\*' matches no parameter.*\(trial 0: seed=0 model\.layers=1"),
    ]
    for old, new, pattern in cases:
        (tmp_path / "bad.toml").write_text(sweep.replace(old, new, 1))
        code, _, err = run([trawl, "validate", "bad.toml"], cwd=tmp_path, check=False)
        assert code == 2 and re.search(pattern, err), (pattern, err)


def test_a_signal_during_start_up_is_honoured(trawl, tmp_path):
    import signal
    import subprocess
    import time
    write_blobs(tmp_path / "blobs.h5")
    (tmp_path / "big.toml").write_text(BASE.replace("train.lr = [0.1, 0.01]\n",
                                                    "train.warmup_steps = {range = [0, 30000]}\n"
                                                    "train.eval_every = {range = [1, 101]}\n")
                                       .replace("[sweep]", "[sweep]\ndir = \"out\""))
    proc = subprocess.Popen([trawl, "run", "big.toml", "--threads", "1"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and not list((tmp_path / "out").glob("results.h5.creating.*")):
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)  # while the 3*10^6-row results file is being made
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 3, out
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:  # complete, and nothing ran
        assert len(f["trials/status"]) == 3_000_000
        assert (f["trials/attempts"][:] == 0).all()


def peak_rss_mb(cmd, cwd):
    """Runs cmd to its end; (exit code, stderr, its peak resident memory in MB)."""
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, err, usage.ru_maxrss / 1024


def test_validate_checks_model_shapes_without_building_weights(trawl, tmp_path):
    # 3 hidden layers of 60000: 7.2e9 float32 weights, 29 GB if they were built.
    write_blobs(tmp_path / "blobs.h5")
    (tmp_path / "big.toml").write_text(BASE.replace("[train]", "[model]\nhidden = 60000\nlayers = 3\n[train]"))
    code, err, peak = peak_rss_mb([trawl, "validate", "big.toml"], tmp_path)
    assert code == 0, err
    assert peak < 600, f"validate peaked at {peak:.0f} MB"


def generated_axes(values, keys=("steps", "warmup_steps", "eval_every", "grad_accum", "batch_size")):
    return "".join(f"train.{k} = {{range = [1, {values + 1}]}}\n" for k in keys)


def test_huge_generated_axes_are_refused_at_once(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5")
    (tmp_path / "huge.toml").write_text(BASE.replace("train.lr = [0.1, 0.01]\n", generated_axes(10**7)))
    for verb in ["validate", "plan"]:
        code, err, peak = peak_rss_mb([trawl, verb, "huge.toml"], tmp_path)
        assert code == 2 and "train.steps range has more than 1000000 values" in err, err
        assert peak < 400, f"{verb} peaked at {peak:.0f} MB"


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_ctrl_c_stops_validate_and_plan_at_once(trawl, tmp_path):
    # Three axes of 10^6 values and an exclusion (so the parser cannot refuse
    # the grid early): seconds of work before the grid is refused.
    write_blobs(tmp_path / "blobs.h5")
    axes = generated_axes(10**6, ("steps", "warmup_steps", "eval_every")) + "[[exclude]]\ntrain.steps = [5]\n"
    (tmp_path / "slow.toml").write_text(BASE.replace("train.lr = [0.1, 0.01]\n", axes))
    for verb in ["validate", "plan"]:
        proc = subprocess.Popen([trawl, verb, "slow.toml"], cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        # Past libtorch's start-up (about 0.7 CPU seconds), into the axes, by CPU time, not wall time.
        try:
            while proc.poll() is None and cpu_seconds(proc.pid) < 0.9:
                time.sleep(0.01)
        except FileNotFoundError:
            pass
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
        # Ignored, it would end in the grid's refusal (exit 2); it dies of the signal instead.
        assert proc.returncode == -signal.SIGINT, (verb, proc.returncode)
        assert b"ok" not in out
