"""Each tokenizer.json component trawl implements, against Hugging Face's
Rust tokenizers: real tokenizers (Qwen3's byte-level BPE, the Llama-2-style
BPE with byte fallback) with one component swapped for each variant, the
ids compared on every line of test_tokenize's corpus."""
import copy
import json
import os
import subprocess

import pytest

from test_tokenize import CORPUS, model_dir, needs_references, reference

GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"


def split(pattern, behavior, invert=False):
    return {"type": "Split", "pattern": pattern, "behavior": behavior, "invert": invert}


def byte_level(first=None):
    level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    return {"type": "Sequence", "pretokenizers": ([first] if first else []) + [level]}


def qwen(**changes):
    def change(t):
        for key, value in changes.items():
            t[key] = value
    return "qwen3", change


VARIANTS = {
    **{f"split-{b}": qwen(pre_tokenizer=byte_level(split({"Regex": r"\s+|\p{N}"}, b)))
       for b in ["Isolated", "Removed", "MergedWithPrevious", "MergedWithNext", "Contiguous"]},
    "split-inverted": qwen(pre_tokenizer=byte_level(split({"Regex": r"\p{L}+"}, "Removed", invert=True))),
    "split-string": qwen(pre_tokenizer=byte_level(split({"String": "o"}, "MergedWithNext"))),
    "byte-level-gpt2-regex": qwen(pre_tokenizer={"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True}),
    "byte-level-prefix-space": qwen(pre_tokenizer={"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True}),
    "digits": qwen(pre_tokenizer=byte_level({"type": "Digits", "individual_digits": True})),
    "digits-runs": qwen(pre_tokenizer=byte_level({"type": "Digits", "individual_digits": False})),
    "punctuation": qwen(pre_tokenizer=byte_level({"type": "Punctuation", "behavior": "Isolated"})),
    "whitespace": qwen(pre_tokenizer=byte_level({"type": "Whitespace"})),
    "whitespace-split": qwen(pre_tokenizer=byte_level({"type": "WhitespaceSplit"})),
    "lowercase": qwen(normalizer={"type": "Lowercase"}),
    "nfkc": qwen(normalizer={"type": "NFKC"}),
    "nfd": qwen(normalizer={"type": "NFD"}),
    "nfkd": qwen(normalizer={"type": "NFKD"}),
    "strip": qwen(normalizer={"type": "Strip", "strip_left": True, "strip_right": True}),
    "replace-regex": qwen(normalizer={"type": "Replace", "pattern": {"Regex": r"\s+"}, "content": " "}),
    "prepend-sequence": qwen(normalizer={"type": "Sequence", "normalizers": [
        {"type": "NFC"}, {"type": "Prepend", "prepend": "> "}, {"type": "Lowercase"}]}),
    "template": qwen(post_processor={"type": "TemplateProcessing", "single": [
        {"SpecialToken": {"id": "<|im_start|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
        {"SpecialToken": {"id": "<|im_end|>", "type_id": 0}}],
        "pair": [], "special_tokens": {"<|im_start|>": {"id": "<|im_start|>", "ids": [151644], "tokens": ["<|im_start|>"]},
                                       "<|im_end|>": {"id": "<|im_end|>", "ids": [151645], "tokens": ["<|im_end|>"]}}}),
}


def llama2_metaspace(scheme, split_on):
    def change(t):
        t["normalizer"] = None
        t["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": scheme, "split": split_on}
    return "llama2", change


for scheme in ["always", "first", "never"]:
    VARIANTS[f"metaspace-{scheme}"] = llama2_metaspace(scheme, True)
VARIANTS["metaspace-unsplit"] = llama2_metaspace("always", False)


def added_tokens(t):
    t["added_tokens"] += [
        {"id": 151669, "content": "[MASK]", "single_word": False, "lstrip": True, "rstrip": False, "normalized": False,
         "special": True},
        {"id": 151670, "content": "[SEP]", "single_word": False, "lstrip": False, "rstrip": True, "normalized": False,
         "special": True},
        {"id": 151671, "content": "xqzword", "single_word": True, "lstrip": False, "rstrip": False, "normalized": True,
         "special": False}]


VARIANTS["added-tokens"] = ("qwen3", added_tokens)


def unk_not_byte_fallback(t):
    t["model"]["byte_fallback"] = False


VARIANTS["unk-fused"] = ("llama2", unk_not_byte_fallback)

EXTRA = ["a [MASK] b  [MASK]c", "x[SEP]   y [SEP]\nz", "xqzword xqzwords sxqzword xqzword. word", "[MASK][SEP][MASK]"]


@needs_references
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_component_equals_the_rust_tokenizers(trawl, tmp_path, variant):
    base, change = VARIANTS[variant]
    source = model_dir(base)
    with open(os.path.join(source, "tokenizer.json"), encoding="utf-8") as f:
        tokenizer = json.load(f)
    change(tokenizer)
    (tmp_path / "tokenizer.json").write_text(json.dumps(tokenizer), encoding="utf-8")
    with open(os.path.join(source, "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    lines = CORPUS + EXTRA
    text_lines = "".join(json.dumps({"text": t}) + "\n" for t in lines)
    proc = subprocess.run([trawl, "tokenize", str(tmp_path)], input=text_lines, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    ours = proc.stdout.splitlines()
    theirs = reference_in(tmp_path, text_lines)
    wrong = [(lines[i], ours[i], theirs[i]) for i in range(len(lines)) if ours[i] != theirs[i]]
    assert not wrong, f"{variant}: {len(wrong)} of {len(lines)} lines differ; first: {wrong[0]}"


def reference_in(directory, text_lines):
    import test_tokenize
    proc = subprocess.run(["node", os.path.join(test_tokenize.HERE, "tokenizer_reference.mjs"), test_tokenize.REFERENCES,
                           str(directory), "rust"], input=text_lines, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()
