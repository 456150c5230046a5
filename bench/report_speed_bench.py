#!/usr/bin/python3
"""How long `trawl status` and `trawl report` take on results files of 10^3
to 10^6 trials (--sizes), every trial done with random metrics: the file is
made by `trawl run` (stopped at once by a past deadline) and filled with
h5py. Prints the median of 3 timings of each and the ratio to the smallest
file's.

usage: bench/report_speed_bench.py [--trawl build/apps/trawl/trawl] [--sizes 1000,1000000]
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

SWEEP = """
[sweep]
dir = "out"
schedule = "dynamic"
[data]
path = "blobs.h5"
[train]
steps = 1
eval_every = 1
[grid]
train.lr = {{linspace = [0.001, 0.1, {lrs}]}}
model.hidden = {{range = [1, {widths}, 1]}}
"""


def make_file(trawl, d, trials):
    rng = np.random.default_rng(0)
    with h5py.File(os.path.join(d, "blobs.h5"), "w") as f:
        for split in ("train", "val"):
            f[f"{split}/x"] = rng.normal(size=(32, 4)).astype(np.float32)
            f[f"{split}/y"] = rng.integers(0, 2, size=32)
    lrs = 1000 if trials >= 1000 else trials
    with open(os.path.join(d, "s.toml"), "w") as f:
        f.write(SWEEP.format(lrs=lrs, widths=trials // lrs + 1))
    subprocess.run([trawl, "run", "s.toml", "--deadline", "+1"], cwd=d, capture_output=True, check=False)
    with h5py.File(os.path.join(d, "out", "results.h5"), "r+") as f:
        n = len(f["trials/id"])
        f["trials/status"][:] = np.full(n, 2, dtype=np.int8)
        for metric in f.attrs["metrics"]:
            values = rng.random(n)
            f[f"trials/final/{metric}"][:] = values
            f[f"trials/best/{metric}"][:] = values
        f["trials/steps"][:] = np.ones(n, dtype=np.int64)
        f["trials/best_step"][:] = np.ones(n, dtype=np.int64)
        f["trials/wall_seconds"][:] = rng.random(n)
        f["trials/owner"][:] = np.array(["a0.g0@node:1234"] * n, dtype=object)
    return n


def timed(command, cwd, runs=3):
    """The median of `runs` timings: one run is at the mercy of the machine."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trawl", default=os.path.join(HERE, "..", "build", "apps", "trawl", "trawl"))
    parser.add_argument("--sizes", default="1000,1000000")
    args = parser.parse_args()
    trawl = os.path.abspath(args.trawl)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as d:
            n = make_file(trawl, d, size)
            os.sync()  # the file's writing-back must not be timed with the reads
            megabytes = os.path.getsize(os.path.join(d, "out", "results.h5")) / 2**20
            rows.append((n, megabytes, timed([trawl, "status", "out"], d), timed([trawl, "report", "out"], d),
                         timed([trawl, "report", "out", "--top", "5", "--filter", "model.hidden=1"], d)))
    base = rows[0]
    print(f"{'trials':>10} {'file MB':>8} {'status s':>9} {'report s':>9} {'filtered s':>11}  ratio to {base[0]} trials")
    for n, mb, status, report, filtered in rows:
        print(f"{n:>10} {mb:>8.1f} {status:>9.2f} {report:>9.2f} {filtered:>11.2f}  "
              f"status {status / base[2]:.1f}x, report {report / base[3]:.1f}x")


if __name__ == "__main__":
    main()
