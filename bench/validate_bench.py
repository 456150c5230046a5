"""trawl validate against trawl plan on sweep files of a few hundred bytes
that ask for much: a 10^7 grid with an exclusion, huge generated axes, an
MLP of 7e9 weights. Prints each command's time and peak memory and the
ratio validate/plan (validate also opens the data and checks the models; it
should cost what plan costs). Refusals (exit 2) count: they must come fast.

Run: /usr/bin/python3 bench/validate_bench.py [--trawl build/apps/trawl/trawl]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from conftest import write_blobs  # noqa: E402

BASE = '[sweep]\ndir = "out"\n[data]\npath = "blobs.h5"\n[model]\nhidden = 8\n[train]\nsteps = 4\nbatch_size = 8\n'
CASES = {
    "10^7 grid, 3 axes, [[exclude]]": BASE + "[grid]\ntrain.warmup_steps = {range = [0, 1000]}\n"
    "train.lr = {linspace = [0.001, 0.1, 100]}\ntrain.weight_decay = {linspace = [0, 0.1, 100]}\n"
    "[[exclude]]\ntrain.warmup_steps = [3]\n",
    "one axis of 10^7 values": BASE + "[grid]\ntrain.warmup_steps = {range = [0, 10000000]}\n",
    "five axes of 10^6 values": BASE + "[grid]\n" + "".join(
        f"train.{k} = {{range = [1, 1000001]}}\n" for k in ["steps", "warmup_steps", "eval_every", "grad_accum",
                                                              "batch_size"]),
    "MLP 3 x 60000 hidden": BASE.replace("hidden = 8", "hidden = 60000\nlayers = 3"),
}


def measure(cmd, cwd):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trawl", default=os.path.join(os.path.dirname(__file__), "..", "build", "apps", "trawl",
                                                        "trawl"))
    trawl = os.path.abspath(parser.parse_args().trawl)
    with tempfile.TemporaryDirectory() as d:
        write_blobs(os.path.join(d, "blobs.h5"))
        print(f"{'sweep file':34} {'bytes':>5} {'validate':>18} {'plan':>18} {'validate/plan':>13}")
        for name, text in CASES.items():
            with open(os.path.join(d, "s.toml"), "w") as f:
                f.write(text)
            v_time, v_mb, v_code = measure([trawl, "validate", "s.toml"], d)
            p_time, p_mb, p_code = measure([trawl, "plan", "s.toml"], d)
            print(f"{name:34} {len(text):5} {v_time:6.2f} s {v_mb:5.0f} MB ({v_code}) {p_time:6.2f} s {p_mb:5.0f} MB "
                  f"({p_code}) {v_time / p_time:13.2f}")


if __name__ == "__main__":
    main()
