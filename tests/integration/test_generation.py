"""Generation on SFT data: a causal LM continues each validation prompt with
a KV cache; gen.* metrics score the answers. infer.temperature, infer.seed
(and top_p, top_k, max_new_tokens) are evaluation-only axes: one training.
Greedy answers are checked against a plain forward pass in Python."""
import re

import h5py
import numpy as np
import torch

from conftest import mpirun, run
from hf_fixtures import QWEN2, Reference, make_model_dir, write_sft

SEQ, NEW = 16, 6

SWEEP = """
[sweep]
dir = "out"
metric = "val.loss"
constraints = ["gen.token_accuracy >= 0"]
[model]
kind = "causal_lm"
path = "base"
seq_len = {seq}
lora.rank = 4
[data]
kind = "sft"
path = "sft.h5"
shuffle = false
[train]
steps = 2
batch_size = 4
eval_every = 2
lr = {lr}
threads = 1
[infer]
max_new_tokens = {new}
[grid]
infer.temperature = [0.0, 1.5]
infer.seed = [1, 2]
"""


def make(d, lr=1e-3):
    d.mkdir(exist_ok=True)
    weights = make_model_dir(d / "base", QWEN2, seed=4)
    write_sft(d / "sft.h5", 8, 6, SEQ, QWEN2["vocab_size"], seed=6)
    (d / "s.toml").write_text(SWEEP.format(seq=SEQ, lr=lr, new=NEW))
    return weights


def gen_metrics(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        names = ["gen.exact_match", "gen.token_accuracy", "gen.tokens_per_s", "gen.latency_ms"]
        return ({n: f["trials/final"][n][:] for n in names}, f["trials/params/infer.temperature"][:],
                f["trials/trained_by"][:])


def greedy_reference(weights, path):
    """Token accuracy and exact matches of greedy answers from full forward passes."""
    ref = Reference(QWEN2, weights)
    with h5py.File(path, "r") as f:
        ids, labels = f["val/input_ids"][:].astype(np.int64), f["val/labels"][:].astype(np.int64)
    matched = labelled = exact = 0
    for row, label in zip(ids, labels):
        answer_at = np.nonzero(label != -100)[0]
        start = answer_at[0]  # the first labelled token; the prompt is what comes before it
        n = 0
        while start + n < len(label) and label[start + n] != -100:
            n += 1
        sequence = torch.from_numpy(row[:start])[None]
        got = []
        with torch.no_grad():
            while True:  # until NEW tokens, or the context (SEQ tokens read) is full
                got.append(int(ref.forward(sequence)[0, -1].argmax()))
                if len(got) == NEW or sequence.shape[1] >= SEQ:
                    break
                sequence = torch.cat([sequence, torch.tensor([got[-1:]])], 1)
        hits = sum(int(a == b) for a, b in zip(got[:n], label[start:start + n]))
        matched, labelled, exact = matched + hits, labelled + n, exact + int(hits == n)
    return matched / labelled, exact / len(ids)


def test_generation_is_scored_once_per_sampling_setting_and_deterministic(trawl, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    weights = make(a, lr=1e-12)  # weights stay (to 1e-12) the base's, for the Python reference
    make(b, lr=1e-12)
    (b / "s.toml").write_text((b / "s.toml").read_text().replace('dir = "out"', 'dir = "out"\nranks_per_trial = 2'))
    _, log, _ = run([trawl, "run", "s.toml"], cwd=a)
    run(mpirun(2, trawl, "run", "s.toml"), cwd=b)  # a group of two: each rank scores half the rows
    metrics, temperature, trained_by = gen_metrics(a)
    assert len(set(trained_by)) == 1  # one training for the four sampling settings
    assert len(set(re.findall(r"trial (\d+) \(\d+/?\d*\) step \d+ ", log))) == 1
    assert ((metrics["gen.token_accuracy"] >= 0) & (metrics["gen.token_accuracy"] <= 1)).all()
    assert (metrics["gen.tokens_per_s"] > 0).all() and (metrics["gen.latency_ms"] > 0).all()
    greedy = temperature == 0
    # Greedy answers do not depend on the seed, and match the reference's.
    accuracy, exact = greedy_reference(weights, a / "sft.h5")
    np.testing.assert_allclose(metrics["gen.token_accuracy"][greedy], accuracy, rtol=1e-12)
    np.testing.assert_allclose(metrics["gen.exact_match"][greedy], exact, rtol=1e-12)
    # Sampling is deterministic for a seed, whatever rank scores which row.
    other, _, _ = gen_metrics(b)
    for n in ("gen.exact_match", "gen.token_accuracy"):
        np.testing.assert_array_equal(other[n], metrics[n], err_msg=n)


def test_generation_needs_sft_data(trawl, tmp_path):
    (tmp_path / "s.toml").write_text("""
[data]
kind = "text"
train_file = "t.txt"
val_file = "v.txt"
[model]
kind = "gpt"
[grid]
infer.max_new_tokens = [4, 8]
""")
    code, _, err = run([trawl, "plan", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and 's.toml:9:7: infer.max_new_tokens generates answers' in err and 'data.kind = "sft"' in err
