#!/usr/bin/python3
"""LoRA fine-tuning throughput of trawl's causal_lm against a plain PyTorch
loop (python3-torch, the same libtorch build) on the same tiny Llama
checkpoint, token windows, batch, rank and thread count, measured in one run.

usage: bench/llm_lora_throughput.py [--trawl build/apps/trawl/trawl] [--threads 1]
Prints tokens/s of both and the ratio trawl/PyTorch.
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "integration"))
from hf_fixtures import Reference, make_model_dir, write_token_shard  # noqa: E402

CONFIG = {
    "architectures": ["LlamaForCausalLM"], "hidden_size": 128, "intermediate_size": 352, "num_hidden_layers": 4,
    "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 2000, "max_position_embeddings": 256,
    "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": True, "torch_dtype": "float32",
}
SEQ, BATCH, STEPS, RANK = 128, 8, 30, 8

SWEEP = f"""
[sweep]
dir = "out"
[model]
kind = "causal_lm"
path = "base"
seq_len = {SEQ}
lora.rank = {RANK}
[data]
kind = "tokens"
train_file = "train.bin"
val_file = "val.bin"
shuffle = false
[train]
steps = {STEPS}
batch_size = {BATCH}
eval_every = 10
eval_batch_size = 8
lr = 1e-3
"""


def trawl_rate(trawl, d, threads):
    out = subprocess.run([trawl, "run", "s.toml", "--threads", str(threads)], cwd=d, capture_output=True, text=True,
                         check=True).stdout
    rates = [float(r) for r in re.findall(r"tokens/s=(\d+)", out)]
    return sum(rates[1:]) / len(rates[1:])  # the first window includes warm-up


def torch_rate(weights, tokens, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Reference(CONFIG, weights, lora_rank=RANK)
    for w in model.w.values():
        w.requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
    n = (len(tokens) - 1) // SEQ
    windows = torch.from_numpy(np.stack([tokens[i * SEQ:i * SEQ + SEQ + 1] for i in range(n)]).astype(np.int64))
    start = None
    for step in range(STEPS):
        if step == STEPS // 3:
            start = time.perf_counter()
        batch = windows[(step * BATCH) % (n - BATCH):][:BATCH]
        opt.zero_grad()
        (model.loss_sum(batch[:, :-1], batch[:, 1:]) / (BATCH * SEQ)).backward()
        opt.step()
    return (STEPS - STEPS // 3) * BATCH * SEQ / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trawl", default="build/apps/trawl/trawl")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    trawl = os.path.abspath(args.trawl)
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        weights = make_model_dir(d / "base", CONFIG)
        tokens = np.random.RandomState(0).randint(0, CONFIG["vocab_size"], SEQ * BATCH * STEPS + 1)
        write_token_shard(d / "train.bin", tokens)
        write_token_shard(d / "val.bin", tokens[:SEQ * 8 + 1])
        (d / "s.toml").write_text(SWEEP)
        ours = trawl_rate(trawl, d, args.threads)
        theirs = torch_rate(weights, tokens, args.threads)
    print(f"LoRA fine-tune, Llama 4x128 (GQA 4/2, vocab 2000), r={RANK}, batch {BATCH}x{SEQ}, {args.threads} thread(s)")
    print(f"  trawl   {ours:10.0f} tokens/s")
    print(f"  PyTorch {theirs:10.0f} tokens/s")
    print(f"  ratio trawl/PyTorch {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
