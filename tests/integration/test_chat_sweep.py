"""Conversations in a sweep: data.chat_template and data.train_on choose how
{"messages": ...} lines are rendered and trained, and data.packing joins
whole examples into rows without changing what they lose: the step-0
training loss of the whole training set, packed, is the unpacked one and the
Hugging Face reference's (tests/integration/hf_fixtures.py)."""
import json
import re

import h5py
import pytest

from conftest import run
from test_jsonl_data import SWEEP, make_sweep, paragraphs, reference_loss, tokenized

TEMPLATE = ("{% for m in messages %}{{ m.role[0] }}: {{ m.content }}<|endoftext|>{% endfor %}"
            "{% if add_generation_prompt %}a: {% endif %}")
SEQ = 64
EXAMPLES = 24


def conversations():
    """Conversations of 1 to 3 exchanges, from a few tokens to past SEQ."""
    texts = paragraphs()
    out = []
    for i in range(EXAMPLES):
        t = texts[i]
        exchanges = 1 + i % 3
        messages = [{"role": "system", "content": "Be brief."}] if i % 4 == 0 else []
        for k in range(exchanges):
            messages += [{"role": "user", "content": t[k * 7:k * 7 + 2 + i % 5]},
                         {"role": "assistant", "content": t[40 + k * 9:40 + k * 9 + 2 + (i * 7) % 23]}]
        out.append({"messages": messages})
    return out


def chat_sweep(d, packing=False, batch_size=EXAMPLES, template_key=False, train_on=None):
    weights = make_sweep(d, seq=SEQ)
    (d / ("chat.jinja" if template_key else "base/chat_template.jinja")).write_text(TEMPLATE)
    with open(d / "train.jsonl", "w") as f:
        for c in conversations():
            f.write(json.dumps(c) + "\n")
    sweep = SWEEP.format(seq=SEQ, train="train.jsonl").replace("steps = 2", "steps = 1")
    sweep = sweep.replace("batch_size = 4", f"batch_size = {batch_size}")
    extra = ""
    if packing:
        extra += "packing = true\n"
    if template_key:
        extra += 'chat_template = "chat.jinja"\n'
    if train_on:
        extra += f'train_on = "{train_on}"\n'
    (d / "s.toml").write_text(sweep.replace("shuffle = false\n", "shuffle = false\n" + extra))
    return weights


def padding(out):
    m = re.search(r"padding: ([\d.]+)% .* one example to a row, ([\d.]+)% packed \((\d+) rows of (\d+) examples\)", out)
    assert m, out
    return float(m.group(1)), float(m.group(2)), int(m.group(3)), int(m.group(4))


def step_1_train_loss(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        return float(f["curves"]["train.loss"][0][1])  # point 0 is step 0's, before any update


def test_packed_rows_lose_at_step_0_what_the_examples_lose_unpacked(trawl, tmp_path):
    unpacked, packed = tmp_path / "unpacked", tmp_path / "packed"
    unpacked.mkdir()
    weights = chat_sweep(unpacked)
    _, out, _ = run([trawl, "validate", "s.toml"], cwd=unpacked)
    before, after, rows, examples = padding(out)
    assert examples == EXAMPLES and rows < EXAMPLES and after < before, out
    assert "set data.packing = true to pack" in out
    packed.mkdir()
    chat_sweep(packed, packing=True, batch_size=rows)
    _, out, _ = run([trawl, "validate", "s.toml"], cwd=packed)
    assert padding(out) == (before, after, rows, examples) and "data.packing is on" in out
    for d in (unpacked, packed):
        run([trawl, "run", "s.toml"], cwd=d)
    # One step over the whole training set: the same tokens, the same targets.
    assert step_1_train_loss(packed) == pytest.approx(step_1_train_loss(unpacked), rel=1e-5, abs=1e-6)
    rows_tokenized = tokenized(trawl, unpacked, "train.jsonl", SEQ)
    assert step_1_train_loss(packed) == pytest.approx(reference_loss(weights, rows_tokenized), rel=1e-5)


def trained_and_tokens(out):
    m = re.search(r"train\.jsonl \(train\): \d+ examples, (\d+) tokens \((\d+) trained\)", out)
    assert m, out
    return int(m.group(1)), int(m.group(2))


def test_the_sweeps_chat_template_and_train_on_choose_the_rendering_and_the_trained_tokens(trawl, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    chat_sweep(d, template_key=True)
    # The model has no template of its own: data.chat_template renders.
    _, out, _ = run([trawl, "validate", "s.toml"], cwd=d)
    tokens, trained = trained_and_tokens(out)
    assert 0 < trained < tokens
    first = sorted(p.name for p in (d / "out" / "data").iterdir())
    toml = (d / "s.toml").read_text()
    (d / "s.toml").write_text(toml.replace('chat_template = "chat.jinja"\n', 'chat_template = "chat.jinja"\ntrain_on = "all"\n'))
    _, out, _ = run([trawl, "validate", "s.toml"], cwd=d)
    assert trained_and_tokens(out) == (tokens, tokens)
    # Another template text is another cache.
    (d / "chat.jinja").write_text(TEMPLATE.replace(": ", ":: "))
    run([trawl, "validate", "s.toml"], cwd=d)
    assert len(list((d / "out" / "data").iterdir())) == len(first) + 2

    (d / "chat.jinja").unlink()
    code, _, err = run([trawl, "validate", "s.toml"], cwd=d, check=False)
    assert code == 2 and re.search(r"s\.toml:\d+:\d+: .*chat\.jinja", err), err


def test_conversations_without_any_template_are_exit_2(trawl, tmp_path):
    chat_sweep(tmp_path)
    (tmp_path / "base" / "chat_template.jinja").unlink()
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "chat template" in err and "train.jsonl:1:" in err, err


@pytest.mark.parametrize("change, message", [
    (('kind = "jsonl"', 'kind = "sft"\npath = "rows.h5"\npacking = true'),
     'data.packing applies to text the model\'s tokenizer reads: it needs data.kind = "jsonl", not "sft"'),
    (('kind = "jsonl"', 'kind = "jsonl"\ntask = "classification"\npacking = true'),
     'data.packing packs a language model\'s examples; data.task = "classification" reads one labelled row'),
    (('kind = "jsonl"', 'kind = "jsonl"\ntrain_on = "user"'), "data.train_on"),
])
def test_the_chat_and_packing_keys_are_checked_where_they_are_written(trawl, tmp_path, change, message):
    chat_sweep(tmp_path)
    toml = (tmp_path / "s.toml").read_text().replace(*change)
    (tmp_path / "s.toml").write_text(toml)
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and message in err and re.search(r"s\.toml:\d+:\d+", err), err
