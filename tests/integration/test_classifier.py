"""causal_lm with data.task "classification" / "regression": Hugging Face's
*ForSequenceClassification (the final hidden state at each row's last real
token through `score`), checked against the independent reference in
hf_fixtures; the exported PEFT SEQ_CLS adapter and the full fine-tune's model
directory reproduce what trawl recorded."""
import json

import h5py
import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from conftest import mpirun, run
from hf_fixtures import LLAMA, QWEN2, Reference, classifier_config, make_model_dir, read_safetensors, write_labelled_rows
from test_jsonl_data import CONFIG as JSONL_CONFIG, paragraphs, tokenized, write_tokenizer

SEQ, BATCH, STEPS, LR, PAD = 10, 4, 3, 0.01, 0

SWEEP = """
[sweep]
dir = "out"
ranks_per_trial = {ranks}
metric = "{metric}"
[model]
kind = "causal_lm"
path = "base"
seq_len = {seq}
lora.rank = {rank}
lora.alpha = 8.0
[data]
kind = "sft"
path = "rows.h5"
task = "{task}"
shuffle = false
[train]
steps = {steps}
batch_size = {batch}
eval_every = 1
eval_at_start = true
eval_batch_size = 3
lr = {lr}
schedule = "constant"
weight_decay = 0.0
threads = 1
"""


def sweep(d, rank=4, ranks=1, task="classification", steps=STEPS, extra=""):
    metric = "val.auc" if task == "classification" else "val.loss"
    (d / "s.toml").write_text(SWEEP.format(ranks=ranks, metric=metric, seq=SEQ, rank=rank, task=task, steps=steps,
                                           batch=BATCH, lr=LR) + extra)
    return d / "s.toml"


def classifier_dir(d, family, num_labels=2, seed=3):
    """A *ForSequenceClassification checkpoint: the decoder and a score head."""
    return make_model_dir(d / "base", classifier_config(family, num_labels, PAD), seed=seed)


def curves(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        return {m: f["curves"][m][:] for m in f["curves"]}


def val_metrics(ref, val):
    ids, lengths, labels = val
    with torch.no_grad():
        logits = ref.classify(ids, lengths)
        loss = ref.classifier_loss_sum(ids, lengths, labels).item() / len(labels)
    if labels.dtype.is_floating_point:
        return {"val.loss": loss}
    p1 = torch.softmax(logits, 1)[:, 1].numpy()
    return {"val.loss": loss, "val.accuracy": (logits.argmax(1) == labels).double().mean().item(),
            "val.auc": roc_auc_score(labels.numpy(), p1)}


def reference_curve(config, weights, rows, rank, steps=STEPS):
    """val.loss at step 0..steps of AdamW on unshuffled batches, as trawl runs it."""
    torch.manual_seed(0)
    ref = Reference(config, weights, lora_rank=rank, lora_alpha=8.0)
    opt = torch.optim.AdamW(ref.parameters(), lr=LR, weight_decay=0.0)
    tx, tl, ty = rows["train"]
    losses = [val_metrics(ref, rows["val"])["val.loss"]]
    for step in range(steps):
        opt.zero_grad()
        batch = slice(step * BATCH, (step + 1) * BATCH)
        (ref.classifier_loss_sum(tx[batch], tl[batch], ty[batch]) / BATCH).backward()
        opt.step()
        losses.append(val_metrics(ref, rows["val"])["val.loss"])
    return np.array(losses)


@pytest.mark.parametrize("family,rank", [("llama", 4), ("qwen2", 4), ("llama", 0)])
def test_training_matches_the_hf_reference(trawl, tmp_path, family, rank):
    config = LLAMA if family == "llama" else QWEN2
    weights = classifier_dir(tmp_path, config)
    rows = write_labelled_rows(tmp_path / "rows.h5", 16, 7, SEQ, config["vocab_size"], PAD, seed=1)
    run([trawl, "run", str(sweep(tmp_path, rank=rank))], cwd=tmp_path)
    got = curves(tmp_path)
    start = val_metrics(Reference(classifier_config(config), weights), rows["val"])
    for metric, value in start.items():
        assert got[metric][0, 0] == pytest.approx(value, rel=1e-5, abs=1e-12), metric
    np.testing.assert_allclose(got["val.loss"][0], reference_curve(config, weights, rows, rank), rtol=1e-4)
    assert np.isfinite(got["val.f1"][0]).all() and np.isfinite(got["val.precision"][0]).all()


def test_regression_is_mse_through_one_output(trawl, tmp_path):
    weights = classifier_dir(tmp_path, QWEN2, num_labels=1)
    rows = write_labelled_rows(tmp_path / "rows.h5", 16, 7, SEQ, QWEN2["vocab_size"], PAD, classes=0, seed=2)
    run([trawl, "run", str(sweep(tmp_path, task="regression"))], cwd=tmp_path)
    got = curves(tmp_path)
    ref = Reference(classifier_config(QWEN2, 1), weights)
    assert got["val.loss"][0, 0] == pytest.approx(val_metrics(ref, rows["val"])["val.loss"], rel=1e-5)
    np.testing.assert_allclose(got["val.loss"][0], reference_curve(QWEN2, weights, rows, 4), rtol=1e-4)


@pytest.mark.parametrize("rank", [4, 0])
def test_two_ranks_match_one_rank(trawl, tmp_path, rank):
    classifier_dir(tmp_path, QWEN2, seed=5)
    write_labelled_rows(tmp_path / "rows.h5", 16, 7, SEQ, QWEN2["vocab_size"], PAD, seed=3)
    results = {}
    for name, ranks in [("one", 1), ("two", 2)]:
        d = tmp_path / name
        d.mkdir()
        for f in ["base", "rows.h5"]:
            (d / f).symlink_to(tmp_path / f)
        s = sweep(d, rank=rank, ranks=ranks)
        run(mpirun(2, trawl, "run", str(s)) if ranks == 2 else [trawl, "run", str(s)], cwd=d)
        results[name] = curves(d)
    for metric in ["val.loss", "val.accuracy", "val.auc", "val.f1", "train.loss"]:
        np.testing.assert_allclose(results["two"][metric], results["one"][metric], rtol=2e-5, err_msg=metric)


def test_a_new_score_head_on_a_causal_lm_checkpoint_trains_and_exports(trawl, tmp_path):
    """A *ForCausalLM checkpoint gains a score head drawn after the trial's
    seed; the SEQ_CLS adapter PEFT would load reproduces trawl's val.auc."""
    weights = make_model_dir(tmp_path / "base", dict(LLAMA, initializer_range=0.02), seed=6)
    rows = write_labelled_rows(tmp_path / "rows.h5", 24, 9, SEQ, LLAMA["vocab_size"], PAD, seed=4)
    config = json.loads((tmp_path / "base" / "config.json").read_text())
    (tmp_path / "base" / "config.json").write_text(json.dumps(dict(config, pad_token_id=PAD)))
    run([trawl, "run", "--save-final", str(sweep(tmp_path, steps=6))], cwd=tmp_path)
    got = curves(tmp_path)
    out = tmp_path / "out" / "trials" / "0" / "adapter"
    adapter = json.loads((out / "adapter_config.json").read_text())
    assert adapter["task_type"] == "SEQ_CLS" and adapter["modules_to_save"] == ["score"]
    tensors, _ = read_safetensors(out / "adapter_model.safetensors")
    score = tensors["base_model.model.score.weight"]  # the key PEFT's get_peft_model_state_dict writes
    assert score.shape == (2, LLAMA["hidden_size"])
    ref = Reference(classifier_config(LLAMA), dict(weights, **{"score.weight": score}), lora_rank=4, lora_alpha=8.0)
    for name, (a, b) in ref.lora.items():
        a.data.copy_(tensors[f"base_model.model.{name}.lora_A.weight"])
        b.data.copy_(tensors[f"base_model.model.{name}.lora_B.weight"])
    want = val_metrics(ref, rows["val"])
    for metric in ["val.loss", "val.accuracy", "val.auc"]:
        assert got[metric][0, -1] == pytest.approx(want[metric], rel=1e-5, abs=1e-12), metric


def test_a_full_fine_tune_exports_a_sequence_classification_model(trawl, tmp_path):
    classifier_dir(tmp_path, QWEN2, seed=7)
    rows = write_labelled_rows(tmp_path / "rows.h5", 16, 9, SEQ, QWEN2["vocab_size"], PAD, seed=5)
    run([trawl, "run", "--save-final", str(sweep(tmp_path, rank=0))], cwd=tmp_path)
    got = curves(tmp_path)
    out = tmp_path / "out" / "trials" / "0" / "model"
    config = json.loads((out / "config.json").read_text())
    assert config["architectures"] == ["Qwen2ForSequenceClassification"]
    assert (config["num_labels"], config["pad_token_id"]) == (2, PAD)
    assert config["id2label"] == {"0": "LABEL_0", "1": "LABEL_1"}
    exported, _ = read_safetensors(out / "model.safetensors")
    assert "score.weight" in exported and "lm_head.weight" not in exported
    want = val_metrics(Reference(config, exported), rows["val"])
    for metric in ["val.loss", "val.accuracy", "val.auc"]:
        assert got[metric][0, -1] == pytest.approx(want[metric], rel=1e-5, abs=1e-12), metric


def write_rows(path, **splits):
    with h5py.File(path, "w") as f:
        for split, (ids, lengths, labels) in splits.items():
            f[f"{split}/input_ids"], f[f"{split}/lengths"], f[f"{split}/labels"] = ids, lengths, labels


def test_bad_rows_are_exit_2_naming_dataset_and_row(trawl, tmp_path):
    classifier_dir(tmp_path, LLAMA)
    sweep(tmp_path)
    ids = np.ones((4, SEQ), np.int32)
    good = (ids, np.full(4, SEQ, np.int32), np.array([0, 1, 0, 1], np.int64))
    cases = [
        ((ids, np.array([3, 0, 2, 2], np.int32), good[2]), "'train/lengths' row 1 is 0"),
        ((ids, good[1], np.array([0, 1.5, 0, 1])), "'train/labels' row 0: data.task = \"classification\" needs class ids"),
        ((ids, good[1], np.array([0, 0, 0, 0])), "every training label is 0"),
    ]
    for train, message in cases:
        write_rows(tmp_path / "rows.h5", train=train, val=good)
        code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
        assert code == 2 and message in err, err
    write_rows(tmp_path / "rows.h5", train=good, val=(ids, good[1], np.array([0, 2, 0, 1])))
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "'val/labels' row 1: label 2 is not a class of this classifier" in err, err
    bad_ids = ids.copy()
    bad_ids[2, 3] = LLAMA["vocab_size"]
    write_rows(tmp_path / "rows.h5", train=(bad_ids, good[1], good[2]), val=good)
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and f"'train/input_ids' row 2 column 3 is {LLAMA['vocab_size']}," in err, err
    bad_ids[2, 3] = 1  # past a row's length the file may hold anything: it is padding
    bad_ids[2, SEQ - 1] = 10**6
    write_rows(tmp_path / "rows.h5", train=(bad_ids, np.array([SEQ, SEQ, SEQ - 1, SEQ], np.int32), good[2]), val=good)
    code, out, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 0 and "4 train / 4 val rows of token ids, 2 classes" in out, err


JSONL_SWEEP = """
[sweep]
dir = "out"
metric = "val.auc"
[model]
kind = "causal_lm"
path = "base"
seq_len = 24
lora.rank = 4
[data]
kind = "jsonl"
task = "{task}"
train_file = "{train}"
val_file = "val.jsonl"
shuffle = false
[train]
steps = 2
batch_size = 4
eval_every = 1
eval_at_start = true
eval_batch_size = 3
lr = 0.01
threads = 1
"""


def labelled_jsonl(path, texts):
    with open(path, "w") as f:
        for t in texts:
            f.write(json.dumps({"text": t, "label": int("work" in t)}) + "\n")


def jsonl_sweep(d, task="classification", train="train.jsonl"):
    """A Qwen2 classifier checkpoint with no pad_token_id: rows pad with the
    tokenizer's EOS, as recipes for Llama-family checkpoints set it."""
    config = classifier_config(JSONL_CONFIG, 2, pad_token_id=None)
    weights = make_model_dir(d / "base", config, seed=8)
    write_tokenizer(d / "base")
    texts = paragraphs()
    labelled_jsonl(d / "train.jsonl", texts[:24])
    labelled_jsonl(d / "val.jsonl", texts[24:40])
    (d / "s.toml").write_text(JSONL_SWEEP.format(task=task, train=train))
    return config, weights


def test_jsonl_text_and_label_rows_train_what_tokenize_prints(trawl, tmp_path):
    config, weights = jsonl_sweep(tmp_path)
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    rows = tokenized(trawl, tmp_path, "val.jsonl", 24)
    assert all(set(r) == {"input_ids", "label"} for r in rows) and {r["label"] for r in rows} == {0, 1}
    eos = json.loads((tmp_path / "base" / "tokenizer.json").read_text())["added_tokens"][0]["id"]
    assert all(eos not in r["input_ids"] for r in rows)  # no EOS appended to a classifier's row
    ids = torch.full((len(rows), 24), eos, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r["input_ids"])] = torch.tensor(r["input_ids"])
    lengths = torch.tensor([len(r["input_ids"]) for r in rows])
    labels = torch.tensor([r["label"] for r in rows])
    want = val_metrics(Reference(config, weights), (ids, lengths, labels))
    got = curves(tmp_path)
    for metric, value in want.items():
        assert got[metric][0, 0] == pytest.approx(value, rel=1e-5, abs=1e-12), metric


def test_bad_labels_in_json_lines_are_exit_2_at_file_line(trawl, tmp_path):
    jsonl_sweep(tmp_path)
    cases = [
        ('{"text": "a", "label": 1.5}\n', "classification", "bad.jsonl:25:1: data.task = \"classification\" needs class ids"),
        ('{"text": "a"}\n', "classification", "bad.jsonl:25:1: this line is {\"text\": ...} but the file's first line"),
        ('{"text": "a", "label": "yes"}\n', "classification", "bad.jsonl:25:"),
    ]
    original = (tmp_path / "train.jsonl").read_text()
    for line, task, message in cases:
        (tmp_path / "bad.jsonl").write_text(original + line)
        (tmp_path / "s.toml").write_text(JSONL_SWEEP.format(task=task, train="bad.jsonl"))
        code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
        assert code == 2 and message in err, (line, err)
    (tmp_path / "bad.jsonl").write_text('{"text": "no label"}\n')
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "bad.jsonl:1:1: data.task = \"classification\" reads {\"text\": ..., \"label\": ...}" in err, err
    lm = JSONL_SWEEP.format(task="lm", train="train.jsonl").replace('"val.auc"', '"val.loss"')
    (tmp_path / "s.toml").write_text(lm)
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "train.jsonl:1:1: a {\"text\": ..., \"label\": ...} line is a classifier's row" in err, err
    with open(tmp_path / "val.jsonl", "a") as f:
        f.write('{"text": "three", "label": 2}\n')
    (tmp_path / "s.toml").write_text(JSONL_SWEEP.format(task="classification", train="train.jsonl"))
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "val.jsonl:17:1: label 2 is not a class of this classifier (its classes are 0..1" in err, err
    # model.num_labels = 3 admits it (the lines are checked, and cached, anew
    # under that rule); then the checkpoint's 2-label head does not fit.
    three = JSONL_SWEEP.format(task="classification", train="train.jsonl").replace('"val.auc"', '"val.accuracy"')
    (tmp_path / "s.toml").write_text(three.replace("lora.rank = 4", "lora.rank = 4\nnum_labels = 3"))
    code, out, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "config.json: the checkpoint's score head has 2 labels (num_labels) but this" in err, err


def test_model_num_labels_gives_the_head_classes_the_training_data_lacks(trawl, tmp_path):
    weights = classifier_dir(tmp_path, LLAMA, num_labels=3)  # a 3-class checkpoint
    rows = write_labelled_rows(tmp_path / "rows.h5", 16, 7, SEQ, LLAMA["vocab_size"], PAD, seed=6)
    ids, lengths, labels = rows["val"]
    labels = labels.clone()
    labels[0] = 2  # a class no training row has
    with h5py.File(tmp_path / "rows.h5", "a") as f:
        f["val/labels"][...] = labels.numpy()
    s = sweep(tmp_path, extra="").read_text().replace('"val.auc"', '"val.accuracy"')
    (tmp_path / "s.toml").write_text(s)
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "'val/labels' row 0: label 2 is not a class of this classifier (its classes are 0..1" in err
    (tmp_path / "s.toml").write_text(s.replace("lora.alpha = 8.0", "lora.alpha = 8.0\nnum_labels = 3"))
    run([trawl, "run", "--save-final", "s.toml"], cwd=tmp_path)
    got = curves(tmp_path)
    ref = Reference(classifier_config(LLAMA, 3), weights)
    with torch.no_grad():
        want = ref.classifier_loss_sum(ids, lengths, labels).item() / len(labels)
    assert got["val.loss"][0, 0] == pytest.approx(want, rel=1e-5)
    assert "val.auc" not in got  # three classes: no AUC
    config = json.loads((tmp_path / "out" / "trials" / "0" / "adapter" / "adapter_config.json").read_text())
    assert config["task_type"] == "SEQ_CLS"
    tensors, _ = read_safetensors(tmp_path / "out" / "trials" / "0" / "adapter" / "adapter_model.safetensors")
    assert tensors["base_model.model.score.weight"].shape == (3, LLAMA["hidden_size"])
    (tmp_path / "s.toml").write_text(s.replace("lora.alpha = 8.0", "lora.alpha = 8.0\nnum_labels = 1"))
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "data.path: a training label is 1, past model.num_labels = 1" in err, err
    regression = sweep(tmp_path, task="regression").read_text().replace("lora.alpha = 8.0", "lora.alpha = 8.0\nnum_labels = 2")
    (tmp_path / "s.toml").write_text(regression)
    code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "model.num_labels: data.task = \"regression\" has one output" in err, err
