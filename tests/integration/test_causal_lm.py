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


def reference_accuracy(config, weights, val):
    """Next-token accuracy of the base model on the validation windows."""
    vx, vy = windows(val, SEQ)
    with torch.no_grad():
        return (Reference(config, weights).forward(vx).argmax(-1) == vy).double().mean().item()


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


def test_attention_path_is_the_one_this_libtorch_has(trawl):
    # python3-torch is the same build as the libtorch trawl compiled against:
    # on 2.x (Debian 13) the parity tests below run scaled_dot_product_attention,
    # on 1.13 (Debian 12) the matmul + softmax it replaces.
    _, out, _ = run([trawl, "--version"])
    major = int(torch.__version__.split(".")[0])
    path = "scaled_dot_product_attention" if major >= 2 else "matmul+softmax"
    assert f"libtorch {torch.__version__.split('+')[0].rsplit('.', 1)[0]}." in out, out
    assert f"(attention: {path})" in out, out


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
    assert got["val.accuracy"][0, 0] == pytest.approx(reference_accuracy(config, weights, val), abs=1e-12)


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


SFT = 'path = "sft.h5"'


def sft_reference_val_loss(config, weights, path):
    with h5py.File(path, "r") as f:
        ids, labels = torch.from_numpy(f["val/input_ids"][:].astype(np.int64)), torch.from_numpy(f["val/labels"][:].astype(np.int64))
    targets = torch.cat([labels[:, 1:], torch.full((labels.shape[0], 1), -100)], 1)
    with torch.no_grad():
        return Reference(config, weights).loss_sum(ids, targets).item() / (targets != -100).sum().item()


@pytest.mark.parametrize("kind", ["tokens", "sft"])
def test_two_ranks_and_grad_accum_match_one_rank(trawl, tmp_path, kind):
    weights = make_model_dir(tmp_path / "base", QWEN2, seed=5)
    token_data(tmp_path, QWEN2["vocab_size"], seed=2)
    write_sft(tmp_path / "sft.h5", 16, 5, SEQ, QWEN2["vocab_size"], seed=3)
    data = TOKENS if kind == "tokens" else SFT
    results = {}
    for name, ranks, extra in [("one", 1, ""), ("accum", 1, "grad_accum = 2\n"), ("two", 2, "")]:
        d = tmp_path / name
        d.mkdir()
        for f in ["base", "train.bin", "val.bin", "sft.h5"]:
            (d / f).symlink_to(tmp_path / f)
        s = sweep(d, kind=kind, ranks=ranks, data=data, extra=extra)
        run(mpirun(2, trawl, "run", str(s)) if ranks == 2 else [trawl, "run", str(s)], cwd=d)
        results[name] = curves(d)
    for name in ["accum", "two"]:
        for metric in ["val.loss", "val.accuracy", "train.loss"]:
            np.testing.assert_allclose(results[name][metric], results["one"][metric], rtol=2e-5, err_msg=f"{name} {metric}")
    if kind == "sft":  # masked labels: the loss is per trained token
        assert results["one"]["val.loss"][0, 0] == pytest.approx(
            sft_reference_val_loss(QWEN2, weights, tmp_path / "sft.h5"), rel=1e-5)


def test_lora_adapter_export_is_peft_layout_and_scores_what_trawl_recorded(trawl, tmp_path):
    weights = make_model_dir(tmp_path / "base", LLAMA, seed=6)
    _, val = token_data(tmp_path, LLAMA["vocab_size"], seed=4)
    extra = '[grid]\nmodel.lora.rank = [2, 4]\n'
    run([trawl, "run", "--save-final", str(sweep(tmp_path, extra=extra))], cwd=tmp_path)
    got = curves(tmp_path)
    for trial, rank in [(0, 2), (1, 4)]:
        out = tmp_path / "out" / "trials" / str(trial) / "adapter"
        config = json.loads((out / "adapter_config.json").read_text())
        assert config["peft_type"] == "LORA" and config["task_type"] == "CAUSAL_LM"
        assert (config["r"], config["lora_alpha"], config["lora_dropout"]) == (rank, 8.0, 0.0)
        assert config["target_modules"] == ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
        assert config["base_model_name_or_path"] == str(tmp_path / "base")
        tensors, _ = read_safetensors(out / "adapter_model.safetensors")
        assert len(tensors) == 2 * 7 * LLAMA["num_hidden_layers"]
        a = tensors["base_model.model.model.layers.1.mlp.down_proj.lora_A.weight"]
        b = tensors["base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"]
        assert a.shape == (rank, LLAMA["intermediate_size"]) and b.shape == (LLAMA["hidden_size"], rank)
        assert b.abs().sum() > 0  # trained away from PEFT's zero init
        ref = Reference(LLAMA, weights, lora_rank=rank, lora_alpha=8.0)
        for name, (ta, tb) in ref.lora.items():
            ta.data.copy_(tensors[f"base_model.model.{name}.lora_A.weight"])
            tb.data.copy_(tensors[f"base_model.model.{name}.lora_B.weight"])
        vx, vy = windows(val, SEQ)
        with torch.no_grad():
            loss = ref.loss_sum(vx, vy).item() / vy.numel()
        assert loss == pytest.approx(got["val.loss"][trial, -1], rel=1e-5)


def test_activation_checkpointing_and_cached_base_change_nothing(trawl, tmp_path):
    """Recomputing blocks in backward (same dropout masks) gives the same
    curves; trials after the first reuse the base weights read once."""
    make_model_dir(tmp_path / "base", LLAMA, seed=7)
    token_data(tmp_path, LLAMA["vocab_size"], seed=5)
    results = {}
    for flag in ["false", "true"]:
        d = tmp_path / flag
        d.mkdir()
        for f in ["base", "train.bin", "val.bin"]:
            (d / f).symlink_to(tmp_path / f)
        extra = f"activation_checkpointing = {flag}\n[grid]\nmodel.lora.dropout = [0.0, 0.2]\nmodel.lora.rank = [2, 4]\n"
        run([trawl, "run", str(sweep(d, extra=extra))], cwd=d)
        results[flag] = curves(d)
    for metric in ["val.loss", "train.loss"]:
        np.testing.assert_allclose(results["true"][metric], results["false"][metric], rtol=1e-6, err_msg=metric)
    loss = results["true"]["val.loss"]
    assert not np.allclose(loss[0], loss[1])  # dropout 0.2 trains differently from 0.0


def test_freeze_patterns_apply_to_lora_parameters(trawl, tmp_path):
    make_model_dir(tmp_path / "base", LLAMA, seed=8)
    token_data(tmp_path, LLAMA["vocab_size"], seed=6)
    s = sweep(tmp_path).read_text().replace("lora.alpha = 8.0", 'lora.alpha = 8.0\nfreeze = ["model.layers.0.*"]')
    (tmp_path / "s.toml").write_text(s)
    run([trawl, "run", "--save-final", "s.toml"], cwd=tmp_path)
    tensors, _ = read_safetensors(tmp_path / "out" / "trials" / "0" / "adapter" / "adapter_model.safetensors")
    b = {k: v for k, v in tensors.items() if "lora_B" in k}
    assert all(v.abs().sum() == 0 for k, v in b.items() if ".layers.0." in k)  # frozen: still PEFT's zeros
    assert all(v.abs().sum() > 0 for k, v in b.items() if ".layers.1." in k)
