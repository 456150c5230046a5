#!/usr/bin/env python3
"""A real LLM fine-tuning sweep with trawl, on text that Debian ships.

1. Trains a SentencePiece BPE tokenizer on the Perl documentation
   (perl-doc: about 9 MB of English prose and code examples).
2. Tokenizes it into llm.c token shards, writes a randomly initialised
   Llama-architecture model in Hugging Face layout, and pretrains it with trawl
   (model.kind = "causal_lm", a full fine-tune from random weights), saved with
   --save-final in Hugging Face layout.
3. Fine-tunes that base with LoRA on a different real text, the licenses in
   /usr/share/common-licenses: a sweep over lr x rank x alpha x 2 seeds, every
   trial scored at step 0 (train.eval_at_start) and after training.
4. Prints `trawl report`: start/val.perplexity (the base model) against
   best/val.perplexity (after the LoRA fine-tune) for every trial.

    python3 examples/llm/run.py [--out DIR] [--trawl PATH] [--ranks N]

It takes about 8 minutes on 2 cores. docs/llm.md explains every key.
"""
import argparse
import glob
import json
import os
import pathlib
import shutil
import struct
import subprocess
import sys
import time

import numpy as np

try:
    import sentencepiece as spm
except ImportError:
    sys.exit("run.py: needs python3-sentencepiece (apt-get install python3-sentencepiece)")

HERE = pathlib.Path(__file__).resolve().parent
VOCAB, SEQ = 1024, 64
CONFIG = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 96, "intermediate_size": 256,
    "num_hidden_layers": 3, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": VOCAB,
    "max_position_embeddings": 256, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu",
    "tie_word_embeddings": True, "torch_dtype": "float32", "bos_token_id": 1, "eos_token_id": 2,
}


def perl_docs():
    files = sorted(glob.glob("/usr/share/perl/5.*/pod/*.pod"))
    if len(files) < 50:
        sys.exit("run.py: needs perl-doc (apt-get install perl-doc) for its documentation corpus")
    # POD command lines (=head1, =item, ...) are markup, not prose.
    return ["\n".join(l for l in open(f, encoding="utf-8", errors="replace").read().splitlines()
                      if not l.startswith("=")) for f in files]


def licenses():
    files = sorted(p for p in glob.glob("/usr/share/common-licenses/*") if os.path.isfile(p) and not os.path.islink(p))
    return [open(f, encoding="utf-8", errors="replace").read() for f in files]


def write_shard(path, tokens):
    """llm.c's format: 256 int32 of header (magic, version, count), then uint16 tokens."""
    header = np.zeros(256, np.int32)
    header[:3] = 20240520, 1, len(tokens)
    with open(path, "wb") as f:
        f.write(header.tobytes() + np.asarray(tokens, np.uint16).tobytes())


def tokenize(sp, docs):
    out = []
    for doc in docs:
        out.extend(sp.encode(doc))
        out.append(sp.eos_id())
    return np.asarray(out)


def write_safetensors(path, tensors):
    header, blobs, at = {"__metadata__": {"format": "pt"}}, [], 0
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array, np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def random_llama(path, seed=0):
    """Hugging Face's initialisation: normal(0, 0.02) weights, unit norms."""
    c, rng = CONFIG, np.random.RandomState(seed)
    h, i, d = c["hidden_size"], c["intermediate_size"], c["hidden_size"] // c["num_attention_heads"]
    kv = c["num_key_value_heads"] * d
    w = {"model.embed_tokens.weight": rng.normal(0, 0.02, (VOCAB, h)), "model.norm.weight": np.ones(h)}
    for n in range(c["num_hidden_layers"]):
        p = f"model.layers.{n}."
        shapes = {"self_attn.q_proj": (h, h), "self_attn.k_proj": (kv, h), "self_attn.v_proj": (kv, h),
                  "self_attn.o_proj": (h, h), "mlp.gate_proj": (i, h), "mlp.up_proj": (i, h), "mlp.down_proj": (h, i)}
        for name, shape in shapes.items():
            w[p + name + ".weight"] = rng.normal(0, 0.02, shape)
        w[p + "input_layernorm.weight"] = w[p + "post_attention_layernorm.weight"] = np.ones(h)
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text(json.dumps(c, indent=2))
    write_safetensors(path / "model.safetensors", w)


PRETRAIN = """
[sweep]
name = "llm-base"
dir = "pretrain"
metric = "val.perplexity"
[model]
kind = "causal_lm"
path = "init"
seq_len = {seq}
lora.rank = 0            # full training: every weight is trained
[data]
kind = "tokens"
train_file = "perl_train.bin"
val_file = "perl_val.bin"
[train]
steps = {pretrain_steps}
batch_size = 16
lr = 3e-3
warmup_steps = 20
weight_decay = 0.1
grad_clip = 1.0
eval_every = {pretrain_eval}
eval_batch_size = 32
"""

LORA = """
[sweep]
name = "llm-lora"
dir = "lora"
metric = "val.perplexity"
seeds = [0, 1]
schedule = "dynamic"
[model]
kind = "causal_lm"
path = "pretrain/trials/0/model"   # the base trained above, in Hugging Face layout
seq_len = {seq}
[model.lora]
dropout = 0.05
[data]
kind = "tokens"
train_file = "licenses_train.bin"
val_file = "licenses_val.bin"
[train]
steps = {lora_steps}
batch_size = 8
eval_every = {lora_eval}
eval_at_start = true      # step 0: the base model's perplexity on the new text
eval_batch_size = 32
[grid]
train.lr = [1e-3, 3e-3]
model.lora.rank = [4, 16]
model.lora.alpha = [8.0, 32.0]
"""


def prepare(out, quick):
    docs, legal = perl_docs(), licenses()
    if quick:  # a smoke test of this script: a slice of the corpus, a few steps
        docs = docs[:40]
    corpus = out / "perl.txt"
    corpus.write_text("\n".join(docs))
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(out / "tokenizer"), vocab_size=VOCAB,
                                   model_type="bpe", character_coverage=0.9995, input_sentence_size=300000,
                                   shuffle_input_sentence=True, num_threads=2, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=str(out / "tokenizer.model"))
    for name, texts in [("perl", docs), ("licenses", legal)]:
        tokens = tokenize(sp, texts)
        # 5% for validation, at most 32k tokens: evaluation is a forward pass over all of it.
        cut = len(tokens) - min(len(tokens) // 20, 32768)
        write_shard(out / f"{name}_train.bin", tokens[:cut])
        write_shard(out / f"{name}_val.bin", tokens[cut:])
        print(f"run.py: {name}: {len(tokens)} tokens", flush=True)
    random_llama(out / "init")
    steps = dict(seq=SEQ, pretrain_steps=10, pretrain_eval=5, lora_steps=4, lora_eval=2) if quick else \
        dict(seq=SEQ, pretrain_steps=600, pretrain_eval=200, lora_steps=60, lora_eval=20)
    (out / "pretrain.toml").write_text(PRETRAIN.format(**steps))
    (out / "lora.toml").write_text(LORA.format(**steps))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="llm-example", help="working directory (replaced)")
    ap.add_argument("--trawl", default=shutil.which("trawl") or str(HERE.parents[1] / "build/apps/trawl/trawl"))
    ap.add_argument("--ranks", type=int, default=2, help="MPI ranks for the LoRA sweep (1: no mpirun)")
    ap.add_argument("--quick", action="store_true", help="a smoke test: a slice of the corpus, a few steps")
    args = ap.parse_args()
    out = pathlib.Path(args.out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    start = time.time()
    prepare(out, args.quick)
    trawl = [args.trawl]
    threads = str(os.cpu_count() or 1)
    subprocess.run(trawl + ["run", "--save-final", "--threads", threads, "pretrain.toml"], cwd=out, check=True)
    mpi = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(args.ranks)] if args.ranks > 1 else []
    subprocess.run(mpi + trawl + ["run", "--save-final", "--threads", "1", "lora.toml"], cwd=out, check=True)
    subprocess.run(trawl + ["report", "lora", "--top", "16"], cwd=out, check=True)
    print(f"run.py: done in {time.time() - start:.0f} s; best adapter: see the report's rank 1 trial under "
          f"{out}/lora/trials/<trial>/adapter")


if __name__ == "__main__":
    main()
