"""data.kind = "jsonl": a causal LM fine-tuned on JSON lines that trawl
tokenizes with the model's own tokenizer.json into a cache made once per
sweep; what it trains on is what `trawl tokenize` prints (checked through
the step-0 validation loss against the independent Hugging Face reference)."""
import json
import os
import subprocess

import h5py
import pytest
import torch

from conftest import mpirun, run
from hf_fixtures import QWEN2, Reference, make_model_dir

MERGES = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("e", "r"), ("a", "n"), ("o", "n"), ("Ġ", "a"), ("r", "e")]
CONFIG = dict(QWEN2, vocab_size=280)
SEQ = 32

SWEEP = """
[sweep]
dir = "out"
[model]
kind = "causal_lm"
path = "base"
seq_len = {seq}
lora.rank = 4
lora.alpha = 8.0
[data]
kind = "jsonl"
train_file = "{train}"
val_file = "val.jsonl"
shuffle = false
[train]
steps = 2
batch_size = 4
eval_every = 1
eval_at_start = true
eval_batch_size = 3
lr = 0.01
threads = 1
"""


def byte_level_chars():
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in range(256)]


def write_tokenizer(d):
    """A GPT-2-style byte-level BPE: the 256 bytes, a few merges, one special token."""
    vocab = {c: i for i, c in enumerate(byte_level_chars())}
    for a, b in MERGES:
        vocab[a + b] = len(vocab)
    eos = len(vocab)
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True}
    (d / "tokenizer.json").write_text(json.dumps({
        "version": "1.0", "normalizer": None, "pre_tokenizer": byte_level, "post_processor": None,
        "decoder": byte_level, "model": {"type": "BPE", "vocab": vocab, "merges": [list(m) for m in MERGES]},
        "added_tokens": [{"id": eos, "content": "<|endoftext|>", "special": True, "normalized": False,
                          "lstrip": False, "rstrip": False, "single_word": False}]}))
    (d / "tokenizer_config.json").write_text(json.dumps({"eos_token": "<|endoftext|>", "tokenizer_class": "GPT2Tokenizer"}))


def paragraphs():
    with open("/usr/share/common-licenses/GPL-3", encoding="utf-8") as f:
        return [p.strip() for p in f.read().split("\n\n") if p.strip()]


def make_sweep(d, seq=SEQ, train="train.jsonl"):
    weights = make_model_dir(d / "base", CONFIG, seed=3)
    write_tokenizer(d / "base")
    texts = paragraphs()
    with open(d / "train.jsonl", "w") as f:
        for t in texts[:24]:
            f.write(json.dumps({"text": t}) + "\n")
    with open(d / "val.jsonl", "w") as f:
        for t in texts[24:30]:
            f.write(json.dumps({"prompt": t[:12], "completion": t[12:60]}) + "\n")
    (d / "s.toml").write_text(SWEEP.format(seq=seq, train=train))
    return weights


def tokenized(trawl, d, name, seq):
    with open(d / name) as f:
        proc = subprocess.run([trawl, "tokenize", str(d / "base"), "--max-length", str(seq)], stdin=f,
                              capture_output=True, text=True, check=True)
    return [json.loads(line) for line in proc.stdout.splitlines()]


def reference_loss(weights, rows):
    width = max(len(r["input_ids"]) for r in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r["input_ids"])] = torch.tensor(r["input_ids"])
        labels[i, :len(r["labels"])] = torch.tensor(r["labels"])
    targets = torch.cat([labels[:, 1:], torch.full((len(rows), 1), -100)], 1)
    with torch.no_grad():
        return Reference(CONFIG, weights).loss_sum(ids, targets).item() / (targets != -100).sum().item()


def val_loss_curve(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        return f["curves"]["val.loss"][0]


def caches(d):
    return sorted(os.listdir(d / "out" / "data"))


def test_jsonl_sweep_trains_what_tokenize_prints(trawl, tmp_path):
    weights = make_sweep(tmp_path)
    code, out, _ = run([trawl, "validate", "s.toml"], cwd=tmp_path)
    assert "24 train / 6 val examples of JSON lines" in out
    assert "train.jsonl (train): 24 examples," in out and "val.jsonl (val): 6 examples," in out
    assert "cut to model.seq_len 32" in out
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    rows = tokenized(trawl, tmp_path, "val.jsonl", SEQ)
    assert any(-100 in r["labels"] for r in rows)  # the prompts are not trained
    assert val_loss_curve(tmp_path)[0] == pytest.approx(reference_loss(weights, rows), rel=1e-5)


def test_the_cache_is_made_once_per_sweep_and_anew_for_new_data(trawl, tmp_path):
    make_sweep(tmp_path)
    run(mpirun(2, trawl, "run", "s.toml"), cwd=tmp_path)
    made = caches(tmp_path)
    assert len(made) == 1 and not made[0].count(".partial"), made
    stamp = os.stat(tmp_path / "out" / "data" / made[0] / "train.input_ids").st_mtime_ns
    run([trawl, "validate", "s.toml"], cwd=tmp_path)
    assert caches(tmp_path) == made
    assert os.stat(tmp_path / "out" / "data" / made[0] / "train.input_ids").st_mtime_ns == stamp
    with open(tmp_path / "val.jsonl", "a") as f:
        f.write(json.dumps({"prompt": "one more", "completion": " row"}) + "\n")
    run([trawl, "validate", "s.toml"], cwd=tmp_path)
    assert len(caches(tmp_path)) == 2


def test_bad_json_lines_are_exit_2_at_file_line_column(trawl, tmp_path):
    make_sweep(tmp_path)
    with open(tmp_path / "train.jsonl", "a") as f:
        f.write('{"text": "fine"}\n\n{"text": "no end}\n')
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2
    assert "train.jsonl:27:" in err, err
    with open(tmp_path / "bad.jsonl", "wb") as f:
        f.write(b'{"text": "fine"}\n{"text": "caf\xe9"}\n')  # Latin-1, not UTF-8
    (tmp_path / "s.toml").write_text(SWEEP.format(seq=SEQ, train="bad.jsonl"))
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "bad.jsonl:2:" in err and "UTF-8" in err, err
    (tmp_path / "empty.jsonl").write_text("\n")
    (tmp_path / "s.toml").write_text(SWEEP.format(seq=SEQ, train="empty.jsonl"))
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "empty.jsonl: holds no example" in err, err


def test_a_tokenizer_larger_than_the_model_is_refused(trawl, tmp_path):
    make_sweep(tmp_path)
    config = dict(CONFIG, vocab_size=200)  # the tokenizer's merges and EOS lie past 200
    make_model_dir(tmp_path / "small", config)
    write_tokenizer(tmp_path / "small")
    (tmp_path / "s.toml").write_text(SWEEP.format(seq=SEQ, train="train.jsonl").replace('path = "base"', 'path = "small"'))
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2
    assert "train.jsonl:1:1: token id" in err and "the tokenizer does not match the model" in err, err


CHAT_TEMPLATE = ("{% for m in messages %}{{ m.role }}: {{ m.content }}<|endoftext|>\n{% endfor %}"
                 "{% if add_generation_prompt %}assistant: {% endif %}")


def test_conversations_train_their_assistant_turns_as_tokenize_prints_them(trawl, tmp_path):
    weights = make_sweep(tmp_path)
    (tmp_path / "base" / "chat_template.jinja").write_text(CHAT_TEMPLATE)
    texts = paragraphs()
    with open(tmp_path / "val.jsonl", "w") as f:
        for t in texts[24:30]:
            f.write(json.dumps({"messages": [{"role": "user", "content": t[:4]},
                                             {"role": "assistant", "content": t[4:10]},
                                             {"role": "user", "content": "ok"},
                                             {"role": "assistant", "content": t[10:40]}]}) + "\n")
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    rows = tokenized(trawl, tmp_path, "val.jsonl", SEQ)
    trained = [sum(label != -100 for label in r["labels"]) for r in rows]
    assert all(0 < n < len(r["labels"]) for n, r in zip(trained, rows))  # the assistant's turns, not the user's
    assert val_loss_curve(tmp_path)[0] == pytest.approx(reference_loss(weights, rows), rel=1e-5)
