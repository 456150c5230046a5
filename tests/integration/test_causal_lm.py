"""causal_lm: Hugging Face Llama/Qwen2 checkpoints fine-tuned with LoRA or in
full, checked against an independent implementation of the HF modeling
semantics (hf_fixtures.Reference) in python3-torch."""
import json

import h5py
import numpy as np
import pytest
import torch

from conftest import mpirun, run
from hf_fixtures import LLAMA, QWEN2, Reference, make_model_dir, read_safetensors, write_sft, write_token_shard

SEQ, BATCH, STEPS, LR = 8, 4, 3, 0.01

SWEEP = """
[sweep]
dir = "out"
ranks_per_trial = {ranks}
[model]
kind = "causal_lm"
path = "base"
seq_len = {seq}
lora.rank = {rank}
lora.alpha = 8.0
[data]
kind = "{kind}"
{data}
shuffle = false
[train]
steps = {steps}
batch_size = {batch}
eval_every = 1
eval_at_start = true
eval_batch_size = 3
lr = {lr}
schedule = "constant"
weight_decay = 0.0
threads = 1
"""

TOKENS = 'train_file = "train.bin"\nval_file = "val.bin"'


def sweep(d, kind="tokens", rank=4, ranks=1, seq=SEQ, steps=STEPS, data=TOKENS, extra=""):
    (d / "s.toml").write_text(SWEEP.format(ranks=ranks, seq=seq, rank=rank, kind=kind, data=data, steps=steps,
                                           batch=BATCH, lr=LR) + extra)
    return d / "s.toml"


def token_data(d, vocab, seed=0):
    rng = np.random.RandomState(seed)
    train, val = rng.randint(0, vocab, 6 * SEQ * BATCH + 1), rng.randint(0, vocab, 5 * SEQ + 3)
    write_token_shard(d / "train.bin", train)
    write_token_shard(d / "val.bin", val)
    return train, val


def curves(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        return {m: f["curves"][m][:] for m in f["curves"]}


def windows(tokens, seq):
    n = (len(tokens) - 1) // seq
    w = np.stack([tokens[i * seq:i * seq + seq + 1] for i in range(n)]).astype(np.int64)
    return torch.from_numpy(w[:, :-1]), torch.from_numpy(w[:, 1:])


def reference_curve(config, weights, train, val, rank, steps=STEPS):
    """val.loss at step 0..steps of AdamW on unshuffled batches, as trawl runs it."""
    torch.manual_seed(0)
    model = Reference(config, weights, lora_rank=rank, lora_alpha=8.0)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
    vx, vy = windows(val, SEQ)
    tx, ty = windows(train, SEQ)

    def val_loss():
        with torch.no_grad():
            return (model.loss_sum(vx, vy) / vy.numel()).item()

    losses = [val_loss()]
    for step in range(steps):
        opt.zero_grad()
        x, y = tx[step * BATCH:(step + 1) * BATCH], ty[step * BATCH:(step + 1) * BATCH]
        (model.loss_sum(x, y) / y.numel()).backward()
        opt.step()
        losses.append(val_loss())
    return np.array(losses)


@pytest.mark.parametrize("family", ["llama", "qwen2"])
def test_step0_and_lora_steps_match_the_hf_reference(trawl, tmp_path, family):
    config = LLAMA if family == "llama" else QWEN2
    weights = make_model_dir(tmp_path / "base", config, seed=3)
    train, val = token_data(tmp_path, config["vocab_size"])
    run([trawl, "run", str(sweep(tmp_path))], cwd=tmp_path)
    got = curves(tmp_path)
    assert got["step"][0].tolist() == [0, 1, 2, 3]
    want = reference_curve(config, weights, train, val, rank=4)
    assert got["val.loss"][0, 0] == pytest.approx(want[0], rel=1e-5)
    np.testing.assert_allclose(got["val.loss"][0], want, rtol=1e-4)
    assert got["val.loss"][0, -1] < got["val.loss"][0, 0]
    np.testing.assert_allclose(got["val.perplexity"][0], np.exp(got["val.loss"][0]), rtol=1e-9)
    assert np.isnan(got["train.loss"][0, 0]) and np.isfinite(got["train.loss"][0, 1:]).all()


def test_full_fine_tune_matches_the_reference_and_exports_a_model(trawl, tmp_path):
    weights = make_model_dir(tmp_path / "base", LLAMA, seed=4, shards=2)
    train, val = token_data(tmp_path, LLAMA["vocab_size"], seed=1)
    run([trawl, "run", "--save-final", str(sweep(tmp_path, rank=0, steps=2))], cwd=tmp_path)
    got = curves(tmp_path)
    np.testing.assert_allclose(got["val.loss"][0], reference_curve(LLAMA, weights, train, val, 0, steps=2), rtol=1e-4)
    out = tmp_path / "out" / "trials" / "0" / "model"
    exported, meta = read_safetensors(out / "model.safetensors")
    assert meta == {"format": "pt"}
    assert set(exported) == set(weights)
    assert json.loads((out / "config.json").read_text())["architectures"] == ["LlamaForCausalLM"]
    # The exported model scores what trawl recorded last.
    vx, vy = windows(val, SEQ)
    with torch.no_grad():
        loss = Reference(LLAMA, exported).loss_sum(vx, vy).item() / vy.numel()
    assert loss == pytest.approx(got["val.loss"][0, -1], rel=1e-5)
