"""Never lose work: a trial stopped by a signal (or killed outright) and run
again resumes from its checkpoint and gives the same curve, bit for bit, as
one never interrupted; for the MLP, the GPT, a LoRA fine-tune of a Hugging
Face checkpoint and a sequence classifier on one (its new score head drawn
after the seed), on 1 and 2 ranks per trial."""
import os
import resource
import signal
import subprocess

import h5py
import numpy as np
import pytest

from conftest import mpirun, repair_if_cut_short, run, write_blobs
from hf_fixtures import LLAMA, QWEN2, make_model_dir, write_labelled_rows, write_token_shard
from test_data_parallel import text_data

MLP = """
[sweep]
dir = "out"
ranks_per_trial = {ranks}
seeds = [5]
[data]
path = "blobs.h5"
shuffle = true
[model]
hidden = 64
dropout = 0.2
[train]
steps = 600
batch_size = 16
eval_every = 60
[checkpoint]
every_steps = 37
keep = 2
[grid]
train.lr = [0.003, 0.001]
"""

GPT = """
[sweep]
dir = "out"
ranks_per_trial = {ranks}
[model]
kind = "gpt"
layers = 2
d_model = 32
heads = 4
seq_len = 16
dropout = 0.1
[data]
kind = "text"
train_file = "train.txt"
val_file = "val.txt"
[train]
steps = 120
batch_size = 8
eval_every = 20
lr = 3e-3
[checkpoint]
every_steps = 13
"""


def command(trawl, ranks):
    base = [trawl, "run", "s.toml", "--threads", "1"]
    return mpirun(2, *base) if ranks == 2 else base


def curves(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        return ({m: f["curves"][m][:] for m in f["curves"]}, [names[s] for s in f["trials/status"][:]],
                list(f["events/kind"].asstr()[:]), list(f["events/message"].asstr()[:]))


def interrupt(trawl, d, ranks, how, after_lines=2):
    """Starts the sweep and stops it once it has printed `after_lines` eval lines."""
    proc = subprocess.Popen(command(trawl, ranks), cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    seen = 0
    for line in proc.stdout:
        if " step " in line and "=" in line:
            seen += 1
        if seen >= after_lines:
            if how == "kill":
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.send_signal(how)
            break
    rest = proc.communicate(timeout=300)[0]
    return proc.returncode, rest

LORA = """
[sweep]
dir = "out"
ranks_per_trial = {ranks}
[model]
kind = "causal_lm"
path = "base"
seq_len = 16
lora = {{ rank = 4, dropout = 0.1 }}
[data]
kind = "tokens"
train_file = "train.bin"
val_file = "val.bin"
[train]
steps = 400
batch_size = 8
eval_every = 40
eval_batch_size = 16
lr = 3e-3
eval_at_start = true
[checkpoint]
every_steps = 13
"""

CLASSIFIER = """
[sweep]
dir = "out"
ranks_per_trial = {ranks}
metric = "val.auc"
[model]
kind = "causal_lm"
path = "base"
seq_len = 12
lora = {{ rank = 4, dropout = 0.1 }}
[data]
kind = "sft"
path = "rows.h5"
task = "classification"
[train]
steps = 160
batch_size = 8
eval_every = 20
eval_batch_size = 16
lr = 3e-3
eval_at_start = true
[checkpoint]
every_steps = 13
"""


def make_sweep(d, template, ranks):
    d.mkdir()
    if template is MLP:
        write_blobs(d / "blobs.h5", rows=400)
    elif template is LORA:
        make_model_dir(d / "base", LLAMA, seed=1)
        rng = np.random.RandomState(0)
        write_token_shard(d / "train.bin", rng.randint(0, LLAMA["vocab_size"], 4000))
        write_token_shard(d / "val.bin", rng.randint(0, LLAMA["vocab_size"], 500))
    elif template is CLASSIFIER:
        make_model_dir(d / "base", dict(QWEN2, pad_token_id=0), seed=2)
        write_labelled_rows(d / "rows.h5", 200, 40, 12, QWEN2["vocab_size"], 0, seed=1)
    else:
        text_data(d)
    (d / "s.toml").write_text(template.format(ranks=ranks))


@pytest.mark.parametrize("template,ranks,how", [
    (MLP, 1, signal.SIGUSR1),
    (MLP, 1, "kill"),
    (MLP, 2, signal.SIGUSR2),
    (GPT, 1, signal.SIGTERM),
    (GPT, 2, signal.SIGUSR2),
    (LORA, 1, signal.SIGUSR1),
    (LORA, 2, "kill"),
    (CLASSIFIER, 2, "kill"),
])
def test_stopped_and_resumed_equals_uninterrupted(trawl, tmp_path, template, ranks, how):
    clean, stopped = tmp_path / "clean", tmp_path / "stopped"
    make_sweep(clean, template, ranks)
    make_sweep(stopped, template, ranks)
    run(command(trawl, ranks), cwd=clean)

    code, out = interrupt(trawl, stopped, ranks, how)
    if how == "kill":
        assert code != 0
        repair_if_cut_short(trawl, stopped)
    else:
        assert code == 3, out  # the documented "stopped early" code
        _, status, kinds, _ = curves(stopped)
        assert "interrupted" in kinds and "pending" in status
    checkpoints = list((stopped / "out" / "trials").glob("*/checkpoints/step-*.ckpt"))
    assert checkpoints, "no checkpoint was written before the stop"
    # keep = 2; a SIGKILL between making a new one durable and removing the
    # oldest (CheckpointDir::save's order) leaves one more, which the next
    # save removes.
    kept = 2 + (how == "kill")
    assert all(len(list(c.parent.glob("*.ckpt"))) <= kept for c in checkpoints)

    run(command(trawl, ranks), cwd=stopped)
    want, want_status, _, _ = curves(clean)
    got, status, kinds, messages = curves(stopped)
    assert status == want_status == ["done"] * len(status)
    assert "resumed" in kinds
    for metric in want:
        assert np.array_equal(got[metric], want[metric], equal_nan=True), metric
    if template in (LORA, CLASSIFIER):  # a LoRA checkpoint holds the adapters, not the frozen base
        saved = [c.read_bytes() for c in (stopped / "out" / "trials").glob("*/checkpoints/step-*.ckpt")]
        assert saved and all(b"q_proj.lora_A.weight" in b and b"embed_tokens" not in b for b in saved)
        assert template is LORA or all(b"score.weight" in b for b in saved)  # and the trained head


def test_a_torn_checkpoint_is_skipped_for_the_previous_one(trawl, tmp_path):
    clean, stopped = tmp_path / "clean", tmp_path / "stopped"
    make_sweep(clean, MLP, 1)
    make_sweep(stopped, MLP, 1)
    run(command(trawl, 1), cwd=clean)
    code, _ = interrupt(trawl, stopped, 1, signal.SIGUSR1, after_lines=4)
    assert code == 3
    newest = sorted((stopped / "out" / "trials").glob("*/checkpoints/step-*.ckpt"),
                    key=lambda p: int(p.stem.split("-")[1]))[-1]
    newest.write_bytes(newest.read_bytes()[:-100])  # torn
    run(command(trawl, 1), cwd=stopped)
    want, _, _, _ = curves(clean)
    got, _, kinds, messages = curves(stopped)
    assert "checkpoint-skipped" in kinds
    assert any("torn" in m for m in messages)
    for metric in want:
        assert np.array_equal(got[metric], want[metric], equal_nan=True), metric


def test_a_full_disk_keeps_the_last_good_checkpoint(trawl, tmp_path):
    make_sweep(tmp_path / "d", MLP, 1)
    d = tmp_path / "d"
    (d / "s.toml").write_text(MLP.format(ranks=1).replace("hidden = 64", "hidden = 1024").replace(
        "steps = 600", "steps = 80"))
    # Checkpoints of this model (~13 MB) exceed the file-size limit; results writes do not.
    limit = 4 * 1024 * 1024

    def limited():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run(command(trawl, 1), cwd=d, capture_output=True, text=True, preexec_fn=limited)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _, status, kinds, messages = curves(d)
    assert status == ["done", "done"]
    failures = [m for k, m in zip(kinds, messages) if k == "checkpoint-failed"]
    assert failures and "File too large" in failures[0]
    assert not list((d / "out" / "trials").glob("*/checkpoints/*.tmp.*"))  # no half-written files left


def test_a_deadline_stops_in_time_and_the_rerun_resumes(trawl, tmp_path):
    clean, stopped = tmp_path / "clean", tmp_path / "stopped"
    for d in (clean, stopped):
        make_sweep(d, MLP, 1)
        (d / "s.toml").write_text(MLP.format(ranks=1).replace("steps = 600", "steps = 6000").replace(
            "keep = 2", "keep = 2\ndeadline_margin = 1.0"))
    run(command(trawl, 1), cwd=clean)
    code, out, _ = run([trawl, "run", "s.toml", "--threads", "1", "--deadline", "+2.5"], cwd=stopped, check=False)
    assert code == 3, out
    assert "stopped early" in out
    run(command(trawl, 1), cwd=stopped)
    want, _, _, _ = curves(clean)
    got, status, _, _ = curves(stopped)
    assert status == ["done", "done"]
    for metric in want:
        assert np.array_equal(got[metric], want[metric], equal_nan=True), metric


def test_retry_failed_runs_failed_trials_again(trawl, tmp_path):
    d = tmp_path / "d"
    make_sweep(d, MLP, 1)
    (d / "s.toml").write_text(MLP.format(ranks=1).replace("steps = 600", "steps = 50").replace(
        "train.lr = [0.003, 0.001]", "train.lr = [0.003, 1e30]").replace(
        "eval_every = 60", 'eval_every = 60\noptimizer = "sgd"'))
    run(command(trawl, 1), cwd=d)
    _, status, _, _ = curves(d)
    assert status == ["done", "diverged"]
    _, out, _ = run(command(trawl, 1), cwd=d)
    assert "2 skipped" in out
    _, out, _ = run(command(trawl, 1) + ["--retry-failed"], cwd=d)
    with h5py.File(d / "out" / "results.h5", "r") as f:
        attempts = list(f["trials/attempts"][:])
    assert attempts == [1, 2]  # only the diverged one ran again
    assert "1 diverged" in out


def test_a_second_signal_stops_without_a_new_checkpoint(trawl, tmp_path):
    clean, stopped = tmp_path / "clean", tmp_path / "stopped"
    make_sweep(clean, MLP, 1)
    make_sweep(stopped, MLP, 1)
    run(command(trawl, 1), cwd=clean)
    proc = subprocess.Popen(command(trawl, 1), cwd=stopped, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    for line in proc.stdout:
        if " step 120 " in line:
            proc.send_signal(signal.SIGUSR1)
            proc.send_signal(signal.SIGUSR1)
            break
    out = proc.communicate(timeout=300)[0]
    assert proc.returncode == 3, out
    _, status, kinds, _ = curves(stopped)
    assert "interrupted" in kinds and "pending" in status
    run(command(trawl, 1), cwd=stopped)
    want, _, _, _ = curves(clean)
    got, status, _, _ = curves(stopped)
    assert status == ["done", "done"]
    for metric in want:
        assert np.array_equal(got[metric], want[metric], equal_nan=True), metric
