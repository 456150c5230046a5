#!/usr/bin/python3
"""Trained tokens per second of a conversation fine-tune with and without
data.packing, in one run: the same tiny Llama, conversations, seq_len, batch
and threads, each mode trained for the same number of steps.

Conversations: 1 to 4 exchanges (each further one with probability 1/3),
user turns of log-normal length (median 25 characters, sigma 1.0),
assistant turns log-normal (median 60, sigma 1.0), cut from real English
text (/usr/share/common-licenses), rendered with a ChatML template: a
chat-like mix of short and long examples, not a measured data set. Pass
--data FILE.jsonl to measure your own {"messages": ...} lines instead.

trained tokens/s = trawl's tokens/s (row tokens, padding included, the
first window left out as warm-up) x trained tokens / row tokens, the latter
from `trawl validate`'s padding line and the cache's trained-token count.

usage: bench/packing_throughput.py [--trawl build/apps/trawl/trawl] [--threads 1] [--data FILE]
Prints both rates and the ratio packed/unpacked.
"""
import argparse
import json
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "integration"))
from hf_fixtures import make_model_dir  # noqa: E402
from llm_lora_throughput import CONFIG as LORA_CONFIG  # noqa: E402
from test_jsonl_data import write_tokenizer  # noqa: E402

# llm_lora_throughput's Llama (4 layers, hidden 128), with the test tokenizer's vocabulary and a longer context.
CONFIG = dict(LORA_CONFIG, vocab_size=280, max_position_embeddings=1024)
TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|endoftext|>\n{% endfor %}"
            "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
SEQ, BATCH, STEPS, EXAMPLES = 512, 8, 40, 600

SWEEP = f"""
[sweep]
dir = "out"
[model]
kind = "causal_lm"
path = "base"
seq_len = {SEQ}
lora.rank = 8
[data]
kind = "jsonl"
train_file = "train.jsonl"
val_file = "val.jsonl"
packing = {{packing}}
[train]
steps = {STEPS}
batch_size = {BATCH}
eval_every = 10
eval_batch_size = 8
lr = 1e-3
"""


def text_source():
    words = []
    for p in sorted(pathlib.Path("/usr/share/common-licenses").glob("*")):
        if p.is_file():
            words += p.read_text(errors="replace").split()
    return " ".join(words)


def conversations(n, rng):
    text = text_source()

    def turn(median, sigma):
        length = max(1, int(rng.lognormvariate(0, sigma) * median))
        start = rng.randrange(0, len(text) - length)
        return text[start:start + length]

    out = []
    for _ in range(n):
        messages = []
        while True:
            messages += [{"role": "user", "content": turn(25, 1.0)},
                         {"role": "assistant", "content": turn(60, 1.0)}]
            if len(messages) == 8 or rng.random() < 2 / 3:
                break
        out.append({"messages": messages})
    return out


def prepare(d, lines):
    make_model_dir(d / "base", CONFIG, seed=1)
    write_tokenizer(d / "base")
    (d / "base" / "chat_template.jinja").write_text(TEMPLATE)
    with open(d / "train.jsonl", "w") as f:
        f.writelines(json.dumps(c) + "\n" for c in lines)
    with open(d / "val.jsonl", "w") as f:
        f.writelines(json.dumps(c) + "\n" for c in lines[:16])


def measure(trawl, d, packing, threads):
    (d / "s.toml").write_text(SWEEP.format(packing="true" if packing else "false"))
    shutil.rmtree(d / "out", ignore_errors=True)
    validate = subprocess.run([trawl, "validate", "s.toml"], cwd=d, capture_output=True, text=True, check=True).stdout
    shares = re.search(r"padding: ([\d.]+)% .* row, ([\d.]+)% packed \((\d+) rows", validate)
    counts = re.search(r"train\.jsonl \(train\): \d+ examples, (\d+) tokens \((\d+) trained\)", validate)
    padding = float(shares.group(2 if packing else 1)) / 100
    trained_share = (1 - padding) * int(counts.group(2)) / int(counts.group(1))
    out = subprocess.run([trawl, "run", "s.toml", "--threads", str(threads)], cwd=d, capture_output=True, text=True,
                         check=True).stdout
    rates = [float(r) for r in re.findall(r"tokens/s=(\d+)", out)][1:]  # the first window includes warm-up
    row_rate = sum(rates) / len(rates)
    return row_rate * trained_share, padding


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trawl", default="build/apps/trawl/trawl")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", help="a JSON-lines file of {\"messages\": ...} conversations")
    args = parser.parse_args()
    trawl = str(pathlib.Path(args.trawl).resolve())
    if args.data:
        lines = [json.loads(line) for line in open(args.data) if line.strip()][:EXAMPLES]
    else:
        lines = conversations(EXAMPLES, random.Random(7))
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        prepare(d, lines)
        unpacked, unpacked_padding = measure(trawl, d, False, args.threads)
        packed, packed_padding = measure(trawl, d, True, args.threads)
    print(f"unpacked: {unpacked:.0f} trained tokens/s ({100 * unpacked_padding:.1f}% of row tokens padding)")
    print(f"packed:   {packed:.0f} trained tokens/s ({100 * packed_padding:.1f}% of row tokens padding)")
    print(f"ratio packed/unpacked: {packed / unpacked:.2f}")


if __name__ == "__main__":
    main()
