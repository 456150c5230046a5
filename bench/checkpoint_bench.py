#!/usr/bin/python3
"""Checkpoint cost of a fine-tune: trawl's incremental checkpoint (trainable
parameters, their optimizer state, RNG, data position) against a full save of
model and optimizer (torch.save, as a PyTorch script would), measured in one
run; and the training-time overhead at the default interval.

usage: bench/checkpoint_bench.py [--trawl build/apps/trawl/trawl]
"""
import argparse
import os
import re
import subprocess
import tempfile
import time

import h5py
import numpy as np
import torch

HIDDEN, LAYERS, FEATURES, STEPS, EVERY = 1024, 4, 256, 100, 10
DEFAULT_INTERVAL = 300.0  # checkpoint.every_seconds


def sweep(checkpoint_every):
    return f"""[sweep]\ndir = "out{checkpoint_every}"\n[data]\npath = "data.h5"\n[model]\nhidden = {HIDDEN}\nlayers = {LAYERS}
init = "base.pt"\nfreeze = ["hidden.0.*", "hidden.1.*", "hidden.2.*"]\n[train]\nsteps = {STEPS}\nbatch_size = 64
eval_every = {STEPS}\n[checkpoint]\nevery_steps = {checkpoint_every}\nevery_seconds = 0\nkeep = 2\n"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    parser.add_argument("--trawl", default=os.path.join(root, "build", "apps", "trawl", "trawl"))
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="trawl-ckpt-bench-")
    rng = np.random.RandomState(0)
    with h5py.File(os.path.join(work, "data.h5"), "w") as f:
        for split, n in [("train", 4096), ("val", 256)]:
            f[f"{split}/x"] = rng.normal(size=(n, FEATURES)).astype(np.float32)
            f[f"{split}/y"] = rng.randint(0, 10, size=n).astype(np.int64)
    # The base: trawl writes its weights with --save-final.
    with open(os.path.join(work, "base.toml"), "w") as f:
        f.write(sweep(0).replace('init = "base.pt"\n', "").replace('freeze = ["hidden.0.*", "hidden.1.*", "hidden.2.*"]\n', "")
                .replace('dir = "out0"', 'dir = "base"').replace(f"steps = {STEPS}", "steps = 1"))
    subprocess.run([args.trawl, "run", "base.toml", "--save-final"], cwd=work, check=True, capture_output=True)
    os.rename(os.path.join(work, "base", "trials", "0", "final.pt"), os.path.join(work, "base.pt"))

    timings = {}
    for every in (0, EVERY):
        with open(os.path.join(work, f"s{every}.toml"), "w") as f:
            f.write(sweep(every))
        start = time.perf_counter()
        out = subprocess.run([args.trawl, "run", f"s{every}.toml", "--threads", "1"], cwd=work, check=True,
                             capture_output=True, text=True).stdout
        timings[every] = time.perf_counter() - start
        assert "1 done" in out, out
        if every:
            written, seconds = re.search(r"\((\d+) checkpoints in ([0-9.]+) s\)", out).groups()
            written, per_checkpoint = int(written), float(seconds) / int(written)
    checkpoints = sorted(os.listdir(os.path.join(work, f"out{EVERY}", "trials", "0", "checkpoints")))
    incremental_bytes = os.path.getsize(os.path.join(work, f"out{EVERY}", "trials", "0", "checkpoints", checkpoints[-1]))

    # The full save a plain PyTorch loop would write: every parameter and the optimizer.
    torch.set_num_threads(1)
    layers, width = [], FEATURES
    for _ in range(LAYERS):
        layers += [torch.nn.Linear(width, HIDDEN), torch.nn.ReLU()]
        width = HIDDEN
    model = torch.nn.Sequential(*layers, torch.nn.Linear(width, 10))
    trainable = list(model[6].parameters()) + list(model[8].parameters())
    opt = torch.optim.AdamW(trainable, lr=1e-3)
    model(torch.randn(8, FEATURES)).sum().backward()
    opt.step()
    path = os.path.join(work, "full.pt")
    start = time.perf_counter()
    for _ in range(5):
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, path)
        with open(path, "rb") as f:
            os.fsync(f.fileno())
    full_seconds = (time.perf_counter() - start) / 5
    full_bytes = os.path.getsize(path)

    print(f"model: MLP {FEATURES}->{HIDDEN}x{LAYERS}->10, first 3 hidden layers frozen (fine-tune)")
    print(f"trawl incremental checkpoint: {incremental_bytes / 1e6:8.2f} MB, {per_checkpoint * 1000:8.1f} ms "
          f"(mean of {written}, serialise + write + fsync + rename)")
    print(f"whole run: {timings[0]:.2f} s without checkpoints, {timings[EVERY]:.2f} s with one every {EVERY} steps")
    print(f"full model+optimizer save:    {full_bytes / 1e6:8.2f} MB, {full_seconds * 1000:8.1f} ms")
    print(f"ratio bytes incremental/full: {incremental_bytes / full_bytes:.3f}")
    print(f"ratio time incremental/full:  {per_checkpoint / full_seconds:.3f}")
    print(f"overhead at the default interval ({DEFAULT_INTERVAL:.0f} s): "
          f"{100 * per_checkpoint / DEFAULT_INTERVAL:.4f}% of training time")


if __name__ == "__main__":
    main()
