#!/usr/bin/python3
"""Training throughput of trawl's trainer against a plain PyTorch loop
(python3-torch, the same libtorch build) on the same data, model, batch and
thread count, measured in one run; and trawl's 1 -> 2 rank scaling on CPU.

usage: bench/train_throughput.py [--trawl build/apps/trawl/trawl] [--threads 1] [--repeat 3]
Prints samples/s (MLP) and tokens/s (GPT) of both for each of --repeat runs
(trawl and the loop alternating, so both see the machine alike), and the
median of the runs' ratios.
"""
import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import torch

MLP_STEPS, MLP_BATCH, FEATURES, HIDDEN = 300, 256, 64, 256
LM_STEPS, LM_BATCH, SEQ, D_MODEL, HEADS, LAYERS = 40, 16, 64, 64, 4, 2


def trawl_rate(trawl, sweep, cwd, ranks=1, threads=1):
    """Mean training throughput over trawl's eval lines (eval time excluded)."""
    command = [trawl, "run", sweep, "--threads", str(threads)]
    if ranks > 1:
        command = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(ranks)] + command
    shutil.rmtree(os.path.join(cwd, sweep.replace(".toml", "")), ignore_errors=True)  # else it resumes: all done
    out = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True).stdout
    rates = [float(r) for r in re.findall(r"(?:samples|tokens)/s=(\d+)", out)]
    return sum(rates[1:]) / len(rates[1:])  # the first window includes warm-up


def python_mlp_rate(data, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    with h5py.File(data, "r") as f:
        x, y = torch.from_numpy(f["train/x"][:]), torch.from_numpy(f["train/y"][:])
    model = torch.nn.Sequential(torch.nn.Linear(FEATURES, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, HIDDEN),
                                torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    epoch = len(y) // MLP_BATCH
    start = None
    for step in range(MLP_STEPS):
        if step == MLP_STEPS // 3:
            start = time.perf_counter()
        k = step % epoch
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x[k * MLP_BATCH:(k + 1) * MLP_BATCH]),
                                                 y[k * MLP_BATCH:(k + 1) * MLP_BATCH])
        loss.backward()
        opt.step()
        loss.item()
    return (MLP_STEPS - MLP_STEPS // 3) * MLP_BATCH / (time.perf_counter() - start)


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = torch.nn.LayerNorm(D_MODEL), torch.nn.LayerNorm(D_MODEL)
        self.qkv, self.proj = torch.nn.Linear(D_MODEL, 3 * D_MODEL), torch.nn.Linear(D_MODEL, D_MODEL)
        self.fc, self.out = torch.nn.Linear(D_MODEL, 4 * D_MODEL), torch.nn.Linear(4 * D_MODEL, D_MODEL)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).chunk(3, -1)
        split = lambda z: z.view(b, t, HEADS, D_MODEL // HEADS).transpose(1, 2)  # noqa: E731
        q, k, v = split(q), split(k), split(v)
        s = q @ k.transpose(-2, -1) / (D_MODEL // HEADS) ** 0.5
        s = s.masked_fill(torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1), float("-inf"))
        x = x + self.proj((s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, D_MODEL))
        return x + self.out(torch.nn.functional.gelu(self.fc(self.ln2(x))))


def python_lm_rate(text, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    data = torch.tensor(list(text.encode()), dtype=torch.long)
    tok, pos = torch.nn.Embedding(256, D_MODEL), torch.nn.Embedding(SEQ, D_MODEL)
    blocks = torch.nn.Sequential(*[Block() for _ in range(LAYERS)])
    ln, head = torch.nn.LayerNorm(D_MODEL), torch.nn.Linear(D_MODEL, 256, bias=False)
    params = [p for m in (tok, pos, blocks, ln, head) for p in m.parameters()]
    opt = torch.optim.AdamW(params, lr=1e-3)
    windows = (len(data) - 1) // SEQ
    start = None
    for step in range(LM_STEPS):
        if step == LM_STEPS // 3:
            start = time.perf_counter()
        k = step % (windows // LM_BATCH)
        starts = torch.arange(k * LM_BATCH, (k + 1) * LM_BATCH) * SEQ
        batch = data[starts[:, None] + torch.arange(SEQ + 1)]
        x, y = batch[:, :-1], batch[:, 1:]
        opt.zero_grad()
        logits = head(ln(blocks(tok(x) + pos(torch.arange(SEQ)))))
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 256), y.reshape(-1))
        loss.backward()
        opt.step()
        loss.item()
    return (LM_STEPS - LM_STEPS // 3) * LM_BATCH * SEQ / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    parser.add_argument("--trawl", default=os.path.join(root, "build", "apps", "trawl", "trawl"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    work = tempfile.mkdtemp(prefix="trawl-bench-")
    rng = np.random.RandomState(0)
    with h5py.File(os.path.join(work, "data.h5"), "w") as f:
        for split, n in [("train", 20000), ("val", 1000)]:
            f[f"{split}/x"] = rng.normal(size=(n, FEATURES)).astype(np.float32)
            f[f"{split}/y"] = rng.randint(0, 10, size=n).astype(np.int64)
    words = "the quick brown fox jumps over a lazy dog while seven wizards hex jovial banjo players".split()
    r = random.Random(0)
    text = " ".join(r.choice(words) for _ in range(30000))
    open(os.path.join(work, "train.txt"), "w").write(text)
    open(os.path.join(work, "val.txt"), "w").write(text[:4000])
    for ranks in (1, 2):
        with open(os.path.join(work, f"mlp{ranks}.toml"), "w") as f:
            f.write(f"""[sweep]\ndir = "mlp{ranks}"\nranks_per_trial = {ranks}\n[model]\nhidden = {HIDDEN}\nlayers = 2
[data]\npath = "data.h5"\nshuffle = false\n[train]\nsteps = {MLP_STEPS}\nbatch_size = {MLP_BATCH}
eval_every = {MLP_STEPS // 3}\nwarmup_steps = 0\nschedule = "constant"\n""")
    with open(os.path.join(work, "lm.toml"), "w") as f:
        f.write(f"""[sweep]\ndir = "lm"\n[model]\nkind = "gpt"\nlayers = {LAYERS}\nd_model = {D_MODEL}\nheads = {HEADS}
seq_len = {SEQ}\n[data]\nkind = "text"\ntrain_file = "train.txt"\nval_file = "val.txt"\nshuffle = false
[train]\nsteps = {LM_STEPS}\nbatch_size = {LM_BATCH}\neval_every = {LM_STEPS // 3}\neval_batch_size = 8\n""")

    t = args.threads
    print(f"threads per rank: {t}; data in {work}")
    ratios = {"MLP": [], "GPT": []}
    for run in range(args.repeat):
        for name, unit, sweep, loop in (("MLP", "samples/s", "mlp1.toml", lambda: python_mlp_rate(os.path.join(work, "data.h5"), t)),
                                        ("GPT", "tokens/s ", "lm.toml", lambda: python_lm_rate(text, t))):
            ours, theirs = trawl_rate(args.trawl, sweep, work, threads=t), loop()
            ratios[name].append(ours / theirs)
            print(f"run {run + 1}  {name}   trawl {ours:10.0f} {unit}   python loop {theirs:10.0f} {unit}   "
                  f"ratio trawl/python {ours / theirs:.3f}")
    for name, values in ratios.items():
        print(f"{name}   median ratio trawl/python over {len(values)} runs: {statistics.median(values):.3f}")
    mlp_one = trawl_rate(args.trawl, "mlp1.toml", work, threads=t)
    mlp_two = trawl_rate(args.trawl, "mlp2.toml", work, ranks=2, threads=t)
    print(f"MLP   2 ranks per trial {mlp_two:10.0f} samples/s   1 rank {mlp_one:10.0f} samples/s   "
          f"scaling 1->2 ranks {mlp_two / mlp_one:.3f}")

if __name__ == "__main__":
    sys.exit(main())
