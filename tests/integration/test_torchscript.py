"""A user's TorchScript module, fine-tuned by trawl, and the numerical
reference: the same module, weights, batches and hyperparameters trained by a
plain PyTorch loop (python3-torch is the same build as libtorch-dev) give the
same loss curve to 1e-5 relative."""
import math

import h5py
import numpy as np
import pytest
import torch

from conftest import run

STEPS, BATCH, EVAL_EVERY, WARMUP = 40, 16, 10, 5
LR, WD, CLIP, MIN_RATIO = 0.01, 0.01, 1.0, 0.1


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(6, 24), torch.nn.Tanh(), torch.nn.Linear(24, 24),
                                        torch.nn.ReLU())
        self.head = torch.nn.Linear(24, 3)

    def forward(self, x):
        return self.head(self.body(x))


def make(tmp_path):
    torch.manual_seed(0)
    torch.jit.script(Net()).save(str(tmp_path / "net.pt"))
    rng = np.random.RandomState(0)
    with h5py.File(tmp_path / "data.h5", "w") as f:
        for split, n in [("train", 200), ("val", 64)]:
            y = rng.randint(0, 3, size=n)
            f[f"{split}/x"] = (rng.normal(size=(n, 6)) + y[:, None] * 0.7).astype(np.float32)
            f[f"{split}/y"] = y.astype(np.int64)


SWEEP = f"""
[sweep]
dir = "out"
metric = "val.loss"
[model]
kind = "torchscript"
path = "net.pt"
{{freeze}}
[data]
path = "data.h5"
shuffle = false
[train]
steps = {STEPS}
batch_size = {BATCH}
eval_every = {EVAL_EVERY}
lr = {LR}
optimizer = "adamw"
weight_decay = {WD}
warmup_steps = {WARMUP}
schedule = "cosine"
min_lr_ratio = {MIN_RATIO}
grad_clip = {CLIP}
"""


def learning_rate(step):
    if step < WARMUP:
        return LR * (step + 1) / WARMUP
    progress = (step - WARMUP) / (STEPS - WARMUP)
    return LR * (MIN_RATIO + (1 - MIN_RATIO) * 0.5 * (1 + math.cos(math.pi * progress)))


def python_reference(tmp_path):
    torch.set_num_threads(1)
    # As trawl does (lib/train/script_model.cpp): no TensorExpr fusion, which
    # a torch built with LLVM (Debian 13's) would compile the module with.
    torch._C._jit_set_texpr_fuser_enabled(False)
    model = torch.jit.load(str(tmp_path / "net.pt"))
    with h5py.File(tmp_path / "data.h5", "r") as f:
        x, y = torch.from_numpy(f["train/x"][:]), torch.from_numpy(f["train/y"][:])
        vx, vy = torch.from_numpy(f["val/x"][:]), torch.from_numpy(f["val/y"][:])
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WD)
    epoch = len(y) // BATCH
    train_curve, val_curve, window = [], [], []
    for step in range(STEPS):
        k = step % epoch
        xb, yb = x[k * BATCH:(k + 1) * BATCH], y[k * BATCH:(k + 1) * BATCH]
        for group in opt.param_groups:
            group["lr"] = learning_rate(step)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(model.parameters()), CLIP)
        opt.step()
        window.append(loss.item())
        if (step + 1) % EVAL_EVERY == 0:
            model.eval()
            with torch.no_grad():
                val_curve.append(torch.nn.functional.cross_entropy(model(vx), vy).item())
            model.train()
            train_curve.append(sum(window) / len(window))
            window = []
    return np.array(train_curve), np.array(val_curve)


def test_trawl_matches_a_plain_pytorch_loop(trawl, tmp_path):
    make(tmp_path)
    (tmp_path / "s.toml").write_text(SWEEP.format(freeze=""))
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=tmp_path)
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        trawl_train, trawl_val = f["curves/train.loss"][0], f["curves/val.loss"][0]
    ref_train, ref_val = python_reference(tmp_path)
    assert len(trawl_val) == STEPS // EVAL_EVERY
    np.testing.assert_allclose(trawl_train, ref_train, rtol=1e-5)
    np.testing.assert_allclose(trawl_val, ref_val, rtol=1e-5)
    assert ref_val[-1] < ref_val[0]


def test_torchscript_freeze_and_save(trawl, tmp_path):
    make(tmp_path)
    (tmp_path / "s.toml").write_text(SWEEP.format(freeze='freeze = ["body.*"]'))
    run([trawl, "run", "s.toml", "--save-final"], cwd=tmp_path)
    saved = torch.jit.load(str(tmp_path / "net.pt"))
    final = tmp_path / "out" / "trials" / "0" / "final.pt"
    assert final.exists()
    # trawl's weights files load in Python too (torch.jit.load).
    weights = dict(torch.jit.load(str(final)).named_parameters())
    for name, tensor in saved.named_parameters():
        if name.startswith("body."):
            assert torch.equal(weights[name], tensor), name  # frozen: as in the module file
        else:
            assert not torch.equal(weights[name], tensor), name  # trained
    (tmp_path / "t.toml").write_text(SWEEP.format(freeze='freeze = ["bodyy.*"]').replace('"out"', '"out2"'))
    run([trawl, "run", "t.toml"], cwd=tmp_path)
    with h5py.File(tmp_path / "out2" / "results.h5", "r") as f:
        failed = h5py.check_enum_dtype(f["trials/status"].dtype)["failed"]
        assert f["trials/status"][0] == failed
        failure = [m for k, m in zip(f["events/kind"].asstr()[:], f["events/message"].asstr()[:]) if k == "failed"][0]
        assert "matches no parameter" in failure and "body.0.weight" in failure


def test_the_documented_export_example_runs_in_a_sweep(trawl, tmp_path):
    """docs/models.md's example: export, then fine-tune it on the digits."""
    import os
    import sys
    examples = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
    run([sys.executable, os.path.join(examples, "export_torchscript.py"), "net.pt"], cwd=tmp_path)
    run([sys.executable, os.path.join(examples, "make_digits.py"), "digits.h5"], cwd=tmp_path)
    (tmp_path / "s.toml").write_text("""
[sweep]
dir = "out"
metric = "val.accuracy"
[model]
kind = "torchscript"
path = "net.pt"
freeze = ["body.0.*"]
[data]
path = "digits.h5"
[train]
steps = 150
batch_size = 64
eval_every = 50
[grid]
train.lr = [0.003, 0.001]
""")
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        assert f["trials/best/val.accuracy"][:].max() > 0.9


@pytest.mark.parametrize("classes", [2, 3])
def test_classification_metrics_match_scikit_learn(trawl, tmp_path, classes):
    """val.f1 (macro), and with two classes val.precision and val.recall,
    against scikit-learn on the predictions of the trial's final weights."""
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score
    torch.manual_seed(0)
    net = Net()
    net.head = torch.nn.Linear(24, classes)
    torch.jit.script(net).save(str(tmp_path / "net.pt"))
    rng = np.random.RandomState(classes)
    with h5py.File(tmp_path / "data.h5", "w") as f:
        for split, n in [("train", 200), ("val", 97)]:
            y = rng.randint(0, classes, size=n)
            f[f"{split}/x"] = (rng.normal(size=(n, 6)) + y[:, None] * 0.4).astype(np.float32)
            f[f"{split}/y"] = y.astype(np.int64)
    (tmp_path / "s.toml").write_text(SWEEP.format(freeze="").replace('"val.loss"', '"val.f1"'))
    run([trawl, "run", "s.toml", "--save-final"], cwd=tmp_path)
    model = torch.jit.load(str(tmp_path / "net.pt"))
    final = dict(torch.jit.load(str(tmp_path / "out" / "trials" / "0" / "final.pt")).named_parameters())
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            parameter.copy_(final[name])
    model.eval()
    with h5py.File(tmp_path / "data.h5", "r") as f:
        vx, vy = torch.from_numpy(f["val/x"][:]), f["val/y"][:]
    with torch.no_grad():
        predicted = model(vx).argmax(1).numpy()
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        assert f.attrs["mode"] == "max"
        final = {m: f["trials/final"][m][0] for m in f["trials/final"]}
    assert final["val.accuracy"] == pytest.approx(accuracy_score(vy, predicted), abs=1e-9)
    assert final["val.f1"] == pytest.approx(f1_score(vy, predicted, average="macro"), abs=1e-9)
    assert 0 < final["val.f1"] < 1
    if classes == 2:
        assert final["val.precision"] == pytest.approx(precision_score(vy, predicted, zero_division=0), abs=1e-9)
        assert final["val.recall"] == pytest.approx(recall_score(vy, predicted, zero_division=0), abs=1e-9)
    else:
        assert "val.precision" not in final and "val.recall" not in final
