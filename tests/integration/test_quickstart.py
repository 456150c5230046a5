"""The quickstart's flow on the real digits data: a base model, then a
fine-tuning sweep of 3 axes under mpirun whose best trial reaches 0.95."""
import os
import shutil
import sys

import h5py
import numpy as np

from conftest import mpirun, run

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def test_digits_base_then_finetune_reaches_095(trawl, tmp_path):
    for name in ["make_digits.py", "digits-base.toml", "digits-finetune.toml"]:
        shutil.copy(os.path.join(EXAMPLES, name), tmp_path)
    (tmp_path / "data").mkdir()
    run([sys.executable, "make_digits.py", "data/digits.h5"], cwd=tmp_path)
    run([trawl, "run", "digits-base.toml", "--save-final"], cwd=tmp_path)
    base = tmp_path / "runs" / "digits-base" / "trials" / "0" / "final.pt"
    assert base.exists()

    run(mpirun(2, trawl, "run", "digits-finetune.toml"), cwd=tmp_path)
    with h5py.File(tmp_path / "runs" / "digits-finetune" / "results.h5", "r") as f:
        axes = list(f.attrs["axis_names"])
        assert len(axes) >= 3
        done = h5py.check_enum_dtype(f["trials/status"].dtype)["done"]
        assert (f["trials/status"][:] == done).all()
        best = f["trials/best/val.accuracy"][:]
        assert np.nanmax(best) >= 0.95
        # Fine-tuning starts from the base: the first eval beats a fresh model's chance level by far.
        assert np.nanmin(f["curves/val.accuracy"][:, 0]) > 0.5
