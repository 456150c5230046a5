#!/usr/bin/env python3
"""On a GPU: tokens/s of trawl's GPT in bf16 against the same model trained by
a plain PyTorch loop under bf16 autocast on the same GPU, measured in one run.
Run by scripts/gpu-check. usage: gpu_lm_throughput.py --trawl PATH"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_throughput as cpu  # noqa: E402

LAYERS, D_MODEL, HEADS, SEQ, BATCH, STEPS = 6, 512, 8, 256, 32, 150


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trawl", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="trawl-gpu-bench-")
    words = "the quick brown fox jumps over a lazy dog while seven wizards hex jovial banjo players".split()
    r = random.Random(0)
    text = " ".join(r.choice(words) for _ in range(400000))
    open(os.path.join(work, "train.txt"), "w").write(text)
    open(os.path.join(work, "val.txt"), "w").write(text[:20000])
    with open(os.path.join(work, "lm.toml"), "w") as f:
        f.write(f"""[sweep]\ndir = "lm"\n[model]\nkind = "gpt"\nlayers = {LAYERS}\nd_model = {D_MODEL}\nheads = {HEADS}
seq_len = {SEQ}\n[data]\nkind = "text"\ntrain_file = "train.txt"\nval_file = "val.txt"\nshuffle = false
[train]\nsteps = {STEPS}\nbatch_size = {BATCH}\neval_every = {STEPS // 3}\neval_batch_size = 32
device = "cuda"\nprecision = "bf16"\n""")
    out = subprocess.run([args.trawl, "run", "lm.toml"], cwd=work, capture_output=True, text=True, check=True).stdout
    rates = [float(x) for x in re.findall(r"tokens/s=(\d+)", out)]
    trawl_rate = sum(rates[1:]) / len(rates[1:])

    cpu.D_MODEL, cpu.HEADS, cpu.SEQ = D_MODEL, HEADS, SEQ
    device = torch.device("cuda")
    torch.manual_seed(0)
    data = torch.tensor(list(text.encode()), dtype=torch.long, device=device)
    tok, pos = torch.nn.Embedding(256, D_MODEL), torch.nn.Embedding(SEQ, D_MODEL)
    blocks = torch.nn.Sequential(*[cpu.Block() for _ in range(LAYERS)])
    ln, head = torch.nn.LayerNorm(D_MODEL), torch.nn.Linear(D_MODEL, 256, bias=False)
    modules = [m.to(device) for m in (tok, pos, blocks, ln, head)]
    opt = torch.optim.AdamW([p for m in modules for p in m.parameters()], lr=1e-3)

    def forward(x):
        return head(ln(blocks(tok(x) + pos(torch.arange(SEQ, device=device)))))

    windows = (len(data) - 1) // SEQ
    start = None
    for step in range(STEPS):
        if step == STEPS // 3:
            torch.cuda.synchronize()
            start = time.perf_counter()
        k = step % (windows // BATCH)
        starts = torch.arange(k * BATCH, (k + 1) * BATCH, device=device) * SEQ
        batch = data[starts[:, None] + torch.arange(SEQ + 1, device=device)]
        opt.zero_grad()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            logits = forward(batch[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.float().reshape(-1, 256), batch[:, 1:].reshape(-1))
        loss.backward()
        opt.step()
        loss.item()
    torch.cuda.synchronize()
    python_rate = (STEPS - STEPS // 3) * BATCH * SEQ / (time.perf_counter() - start)
    print(f"GPT {LAYERS}x{D_MODEL}, seq {SEQ}, batch {BATCH}, bf16 on {torch.cuda.get_device_name()}")
    print(f"trawl {trawl_rate:12.0f} tokens/s   plain PyTorch {python_rate:12.0f} tokens/s   "
          f"ratio trawl/PyTorch {trawl_rate / python_rate:.3f}")


if __name__ == "__main__":
    sys.exit(main())
