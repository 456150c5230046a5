"""Every malformed Hugging Face checkpoint, token shard or SFT file is exit 2
with a message naming the file and what is wrong, before anything trains."""
import json
import struct

import h5py
import numpy as np
import pytest
import torch

from conftest import run
from hf_fixtures import LLAMA, QWEN2, make_model_dir, write_safetensors, write_sft, write_token_shard

SWEEP = """
[sweep]
dir = "out"
[model]
kind = "causal_lm"
path = "base"
seq_len = 8
{model}
[data]
kind = "{kind}"
{data}
[train]
steps = 2
batch_size = 2
"""
TOKENS = 'train_file = "train.bin"\nval_file = "val.bin"'


def edit_config(d, **changes):
    config = json.loads((d / "base" / "config.json").read_text())
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    (d / "base" / "config.json").write_text(json.dumps(config))


def rewrite_header(d, edit):
    """Applies edit(header dict) to base/model.safetensors, keeping the data."""
    path = d / "base" / "model.safetensors"
    data = path.read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    edit(header)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data[8 + n:])


def first_tensor(header, name="model.norm.weight"):
    return header[name]


def swap_offsets(h):
    a, b = h["model.norm.weight"], h["model.embed_tokens.weight"]
    a["data_offsets"][0] = b["data_offsets"][0]
    a["data_offsets"][1] = a["data_offsets"][0] + 4 * 32


def split_shards(d):
    base = d / "base"
    make_model_dir(base, LLAMA, shards=2)
    (base / "model.safetensors").unlink()
    index = json.loads((base / "model.safetensors.index.json").read_text())
    index["weight_map"]["model.norm.weight"] = "model-00002-of-00002.safetensors" \
        if index["weight_map"]["model.norm.weight"].startswith("model-00001") else "model-00001-of-00002.safetensors"
    (base / "model.safetensors.index.json").write_text(json.dumps(index))


CASES = {
    "architecture": (lambda d: edit_config(d, architectures=["GPT2LMHeadModel"]),
                     "architectures is 'GPT2LMHeadModel', which trawl does not implement"),
    "sliding window": (lambda d: edit_config(d, architectures=["Qwen2ForCausalLM"], use_sliding_window=True),
                       "use_sliding_window is true; trawl does not implement it"),
    "mistral window": (lambda d: edit_config(d, architectures=["MistralForCausalLM"], sliding_window=4),
                       "is longer than sliding_window (4)"),
    "rope type": (lambda d: edit_config(d, rope_scaling={"rope_type": "yarn", "factor": 4.0}),
                  "rope_scaling.rope_type is 'yarn', which trawl does not implement"),
    **{f"llama3 rope without {key}": (
        lambda d, key=key: edit_config(d, rope_scaling={k: v for k, v in LLAMA["rope_scaling"].items() if k != key}),
        f"config.json: rope_scaling.{key} is missing; rope_type 'llama3' needs it")
       for key in ("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings")},
    # The Llama fixture saves its own lm_head: tied, transformers would drop it for the embedding.
    "tied head that differs": (lambda d: edit_config(d, tie_word_embeddings=True),
                               "config.json says tie_word_embeddings = true, but the weights hold an lm_head.weight "
                               "that differs from model.embed_tokens.weight"),
    "missing size": (lambda d: edit_config(d, hidden_size=None), "config.json: hidden_size is missing"),
    "activation": (lambda d: edit_config(d, hidden_act="gelu"), "hidden_act is 'gelu'"),
    "dtype": (lambda d: edit_config(d, torch_dtype="int8"), "torch_dtype is 'int8'"),
    "gqa": (lambda d: edit_config(d, num_key_value_heads=3), "num_key_value_heads (3) must divide"),
    "not json": (lambda d: (d / "base" / "config.json").write_text("{ nope"), "config.json: not valid JSON"),
    "no config": (lambda d: (d / "base" / "config.json").unlink(), "has no config.json"),
    "no weights": (lambda d: (d / "base" / "model.safetensors").unlink(),
                   "has neither model.safetensors nor model.safetensors.index.json"),
    "shape": (lambda d: edit_config(d, intermediate_size=40),
              "tensor 'model.layers.0.mlp.gate_proj.weight' is [48, 32] but config.json makes it [40, 32]"),
    "truncated": (lambda d: (d / "base" / "model.safetensors").write_bytes(
        (d / "base" / "model.safetensors").read_bytes()[:-100]), "(truncated?)"),
    "header length": (lambda d: (d / "base" / "model.safetensors").write_bytes(struct.pack("<Q", 1 << 40) + b"{}"),
                      "header length 1099511627776 runs past the end of the file"),
    "overlap": (lambda d: rewrite_header(d, swap_offsets), "overlaps the tensor before it"),
    "byte count": (lambda d: rewrite_header(d, lambda h: first_tensor(h).update(shape=[33])),
                   "tensor 'model.norm.weight' is F32 [33] (132 bytes) but data_offsets span 128 bytes"),
    "unknown dtype": (lambda d: rewrite_header(d, lambda h: first_tensor(h).update(dtype="F8_E4M3")),
                      "tensor 'model.norm.weight' has dtype \"F8_E4M3\", which trawl does not read"),
    "missing tensor": (lambda d: write_safetensors(d / "base" / "model.safetensors", {
        k: v for k, v in make_model_dir(d / "tmp", LLAMA).items() if k != "model.norm.weight"}),
                       "the weights have no tensor 'model.norm.weight'"),
    "stray tensor": (lambda d: write_safetensors(d / "base" / "model.safetensors", {
        **make_model_dir(d / "tmp", LLAMA), "model.extra.weight": torch.zeros(2)}),
                     "the weights hold tensor 'model.extra.weight'"),
    "index": (split_shards, "weight_map puts tensor 'model.norm.weight' in"),
    "lora target": (lambda d: None, "model.lora.targets: 'qproj' names no linear module"),
    "seq_len": (lambda d: edit_config(d, max_position_embeddings=4),
                "model.seq_len 8 is longer than max_position_embeddings (4)"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_checkpoint_is_exit_2_naming_it(trawl, tmp_path, case):
    mutate, message = CASES[case]
    make_model_dir(tmp_path / "base", LLAMA)
    write_token_shard(tmp_path / "train.bin", np.arange(60) % 90)
    write_token_shard(tmp_path / "val.bin", np.arange(30) % 90)
    mutate(tmp_path)
    model = 'lora.targets = ["qproj"]' if case == "lora target" else ""
    (tmp_path / "s.toml").write_text(SWEEP.format(model=model, kind="tokens", data=TOKENS))
    for verb in ["validate", "run"]:
        code, _, err = run([trawl, verb, "s.toml"], cwd=tmp_path, check=False)
        assert code == 2, err
        assert message in err, err
        assert "s.toml:" in err  # placed at the key in the sweep file
    assert not (tmp_path / "out" / "results.h5").exists()  # nothing ran


def test_rotary_inv_freq_buffers_of_old_llama_checkpoints_are_accepted(trawl, tmp_path):
    # Llama-2-era conversions saved each layer's rotary_emb.inv_freq buffer;
    # transformers ignores them on load, and so does trawl (docs/llm.md).
    weights = make_model_dir(tmp_path / "base", LLAMA)
    layers = LLAMA["num_hidden_layers"]
    half = LLAMA["hidden_size"] // LLAMA["num_attention_heads"] // 2
    buffers = {f"model.layers.{i}.self_attn.rotary_emb.inv_freq": torch.ones(half) for i in range(layers)}
    write_safetensors(tmp_path / "base" / "model.safetensors", {**weights, **buffers})
    write_token_shard(tmp_path / "train.bin", np.arange(60) % 90)
    write_token_shard(tmp_path / "val.bin", np.arange(30) % 90)
    (tmp_path / "s.toml").write_text(SWEEP.format(model="", kind="tokens", data=TOKENS))
    _, out, _ = run([trawl, "validate", "s.toml"], cwd=tmp_path)
    # 60 tokens hold (60 - 1) // 8 = 7 windows of 9, 30 tokens 3.
    assert "data 60 train / 30 val tokens, 7 / 3 windows of 9 tokens (model.seq_len 8)" in out, out
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        assert f["trials/status"][0] == 2  # done


def shard_bytes(tokens, magic=20240520, count=None):
    header = np.zeros(256, np.int32)
    header[0], header[1], header[2] = magic, 1, len(tokens) if count is None else count
    return header.tobytes() + np.asarray(tokens, np.uint16).tobytes()


DATA_CASES = {
    "magic": ("tokens", lambda d: (d / "train.bin").write_bytes(shard_bytes(range(40), magic=7)),
              "train.bin: not an llm.c token shard: header[0] is 7, not the magic 20240520"),
    "short shard": ("tokens", lambda d: (d / "val.bin").write_bytes(shard_bytes(range(30), count=50)),
                    "header[2] says 50 tokens (1124 bytes in all) but the file has 1084 bytes (truncated?)"),
    "header only": ("tokens", lambda d: (d / "val.bin").write_bytes(b"\0" * 100),
                    "fewer than the 1024-byte header"),
    "vocabulary": ("tokens", lambda d: write_token_shard(d / "train.bin", [1, 2, 3, 4, 5, 200, 7] * 5),
                   "train.bin: token 5 is id 200, outside the model's vocabulary (vocab_size 96)"),
    "uint32 vocabulary": ("tokens", lambda d: write_token_shard(d / "val.bin", [1] * 20 + [70000], uint32=True),
                          "val.bin: token 20 is id 70000, outside the model's vocabulary"),
    "empty shard": ("tokens", lambda d: (d / "val.bin").write_bytes(shard_bytes([])),
                    "data.val_file: " + "{d}/val.bin holds no tokens"),
    "shard shorter than a window": ("tokens", lambda d: (d / "val.bin").write_bytes(shard_bytes(range(8))),
                                    "data.val_file: no shard holds a window of model.seq_len + 1 = 9 tokens "
                                    "({d}/val.bin holds 8)"),
    "glob": ("tokens", lambda d: (d / "s.toml").write_text((d / "s.toml").read_text().replace(
        '"train.bin"', '"shards/train_*.bin"')), "data.train_file: no file matches"),
    "sft label": ("sft", lambda d: edit_h5(d, "train/labels", (1, 3), 500),
                  "'train/labels' row 1 column 3 is 500, outside the model's vocabulary (vocab_size 96; -100 marks"),
    "sft id": ("sft", lambda d: edit_h5(d, "val/input_ids", (2, 0), -5), "'val/input_ids' row 2 column 0 is -5"),
    "sft shape": ("sft", lambda d: replace_h5(d, "val/labels", np.zeros((3, 8), np.int32)),
                  "'val/labels' is [3, 8] but 'val/input_ids' is [4, 8]"),
    "sft missing": ("sft", lambda d: replace_h5(d, "val/labels", None), "has no dataset 'val/labels'"),
    "sft unmasked nothing": ("sft", lambda d: replace_h5(d, "val/labels", np.full((4, 8), -100, np.int32)),
                             "has no trained token (all are -100)"),
}


def edit_h5(d, name, where, value):
    with h5py.File(d / "sft.h5", "r+") as f:
        a = f[name][:]
        a[where] = value
        f[name][...] = a


def replace_h5(d, name, value):
    with h5py.File(d / "sft.h5", "r+") as f:
        del f[name]
        if value is not None:
            f[name] = value


@pytest.mark.parametrize("case", list(DATA_CASES))
def test_bad_token_data_is_exit_2_naming_file_and_position(trawl, tmp_path, case):
    kind, mutate, message = DATA_CASES[case]
    make_model_dir(tmp_path / "base", LLAMA)
    write_token_shard(tmp_path / "train.bin", np.arange(60) % 90)
    write_token_shard(tmp_path / "val.bin", np.arange(30) % 90)
    write_sft(tmp_path / "sft.h5", 6, 4, 8, 90)
    data = TOKENS if kind == "tokens" else 'path = "sft.h5"'
    (tmp_path / "s.toml").write_text(SWEEP.format(model="", kind=kind, data=data))
    mutate(tmp_path)
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2, err
    assert message.format(d=tmp_path) in err, err
    assert "s.toml:" in err  # placed at the key


@pytest.mark.parametrize("toml, message", [
    ('[model]\nkind = "torchscript"\npath = "m.pt"\n[data]\nkind = "tokens"\ntrain_file = "a"\nval_file = "b"\n',
     'data.kind = "tokens" holds token ids: it needs model.kind = "causal_lm"'),
    ('[model]\nkind = "causal_lm"\n[data]\nkind = "tokens"\ntrain_file = "a"\nval_file = "b"\n',
     'model.kind = "causal_lm" needs model.path'),
    ('[model]\nkind = "causal_lm"\npath = "m"\n[data]\npath = "x.h5"\n',
     'model.kind = "causal_lm" is a language model'),
    ('[model]\nkind = "causal_lm"\npath = "m"\n[data]\nkind = "sft"\n', "data.path is required"),
    ('[model.lora]\nrank = -1\n', "model.lora.rank must be at least 0, not -1"),
    ('[model.lora]\ntargets = []\n', "model.lora.targets is empty: name the modules to adapt, or leave it out"),
    ('[model]\nlora = { alpha = 0.0 }\n', "model.lora.alpha must be positive"),
    ('[model.lora]\nrnak = 4\n', "unknown key 'model.lora.rnak' (did you mean 'model.lora.rank'?)"),
])
def test_sweep_file_rules_for_llm_keys(trawl, tmp_path, toml, message):
    (tmp_path / "s.toml").write_text('[sweep]\ndir = "out"\n' + toml)
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2, err
    assert message in err, err


@pytest.mark.parametrize("change", ["config.json", "model.safetensors"])
def test_a_changed_checkpoint_between_array_tasks_is_refused_naming_it(trawl, tmp_path, change):
    # Issue 28: the checkpoint's files are the sweep's input; trials trained on
    # the old weights must not share a table with trials of the new ones.
    make_model_dir(tmp_path / "base", LLAMA)
    write_token_shard(tmp_path / "train.bin", np.arange(60) % 90)
    write_token_shard(tmp_path / "val.bin", np.arange(30) % 90)
    (tmp_path / "s.toml").write_text(SWEEP.format(model="", kind="tokens", data=TOKENS) +
                                     "[grid]\ntrain.lr = [0.01, 0.001]\n")
    run([trawl, "run", "s.toml", "--array-index", "0", "--array-count", "2"], cwd=tmp_path)
    before = (tmp_path / "out" / "results.h5").read_bytes()
    if change == "config.json":
        edit_config(tmp_path, rms_norm_eps=1e-5)
    else:
        weights = make_model_dir(tmp_path / "other", LLAMA)
        write_safetensors(tmp_path / "base" / "model.safetensors", {k: v * 0.5 for k, v in weights.items()})
    code, _, err = run([trawl, "run", "s.toml", "--array-index", "1", "--array-count", "2"], cwd=tmp_path,
                       check=False)
    assert code == 2 and f"the contents of model.path ({tmp_path / 'base'}) changed since" in err, err
    assert (tmp_path / "out" / "results.h5").read_bytes() == before
