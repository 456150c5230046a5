"""Integrity (issue 28): a results file holds one sweep. A changed input file
is refused with the file named, never taken for grid growth; repair trusts
neither an edited copy of the sweep nor a folder that holds no journals;
a write that could not start leaves no write marker behind."""
import os
import re
import shutil
import subprocess

import h5py
import numpy as np
import pytest

from conftest import run, write_blobs

SWEEP = """
[sweep]
dir = "out"
[data]
path = "blobs.h5"
[model]
hidden = 8
[train]
steps = {steps}
batch_size = 8
eval_every = 4
[grid]
train.lr = {lrs}
"""


def make(d, steps=4, lrs="[0.1, 0.01]"):
    write_blobs(d / "blobs.h5", rows=48)
    (d / "s.toml").write_text(SWEEP.format(steps=steps, lrs=lrs))


def final_losses(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        return f["trials/final/val.loss"][:] if "trials/final/val.loss" in f else None


def test_a_changed_data_file_is_refused_naming_it_and_nothing_is_recorded(trawl, tmp_path):
    make(tmp_path)
    run([trawl, "run", "s.toml", "--array-index", "0", "--array-count", "2"], cwd=tmp_path)
    results = tmp_path / "out" / "results.h5"
    before = results.read_bytes()
    with h5py.File(tmp_path / "blobs.h5", "r+") as f:
        f["train/x"][...] = 0
    code, _, err = run([trawl, "run", "s.toml", "--array-index", "1", "--array-count", "2"], cwd=tmp_path,
                       check=False)
    assert code == 2, err
    assert "made by a different sweep" in err and "the contents of data.path" in err
    assert str(tmp_path / "blobs.h5") in err and "changed since 20" in err
    assert results.read_bytes() == before  # nothing recorded
    # Growing the grid as well is refused the same way, not taken for growth.
    (tmp_path / "s.toml").write_text(SWEEP.format(steps=4, lrs="[0.1, 0.01, 0.001]"))
    code, _, err = run([trawl, "run", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "the contents of data.path" in err, err
    assert results.read_bytes() == before


def test_status_shows_the_inputs_and_their_hashes(trawl, tmp_path):
    make(tmp_path)
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    _, out, _ = run([trawl, "status", "out"], cwd=tmp_path)
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        keys = list(f.attrs["input_keys"])
        hashes = list(f.attrs["input_hashes"])
        paths = list(f.attrs["input_paths"])
    assert keys == ["data.path"] and paths == [str(tmp_path / "blobs.h5")]
    # What xxhsum -H3 prints for the file (docs/results-file.md).
    reference = subprocess.run(["xxhsum", "-H3", str(tmp_path / "blobs.h5")], capture_output=True, text=True)
    # xxhash 0.8.1 prints "XXH3 (path) = <hex>", 0.8.3 "XXH3_<hex>  path".
    assert re.search(r"\b(XXH3_)?" + hashes[0] + r"\b", reference.stdout), reference
    assert f"data.path  {tmp_path / 'blobs.h5'}  xxh3 {hashes[0]}" in out
    assert "inputs (hashed 20" in out


def test_a_changed_base_weights_file_is_refused(trawl, tmp_path):
    make(tmp_path)
    run([trawl, "run", "s.toml", "--save-final"], cwd=tmp_path)
    shutil.copy(tmp_path / "out" / "trials" / "0" / "final.pt", tmp_path / "init.pt")
    (tmp_path / "s.toml").write_text(SWEEP.format(steps=4, lrs="[0.1, 0.01]").replace(
        "hidden = 8", 'hidden = 8\ninit = "init.pt"').replace('dir = "out"', 'dir = "out2"'))
    run([trawl, "run", "s.toml", "--array-index", "0", "--array-count", "2"], cwd=tmp_path)
    shutil.copy(tmp_path / "out" / "trials" / "1" / "final.pt", tmp_path / "init.pt")
    code, _, err = run([trawl, "run", "s.toml", "--array-index", "1", "--array-count", "2"], cwd=tmp_path,
                       check=False)
    assert code == 2 and "the contents of model.init" in err and "init.pt" in err, err


def test_repair_refuses_an_edited_copy_of_the_sweep(trawl, tmp_path):
    make(tmp_path)
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    copy = tmp_path / "out" / "sweep.toml"
    copy.write_text(copy.read_text().replace("steps = 4", "steps = 40"))
    (tmp_path / "out" / "results.h5").write_bytes(b"damaged")
    code, _, err = run([trawl, "repair", "out"], cwd=tmp_path, check=False)
    assert code == 2 and "the copy was edited" in err and "nothing was changed" in err, err
    assert (tmp_path / "out" / "results.h5").read_bytes() == b"damaged"  # not moved aside
    # A changed grid in the copy is refused too.
    copy.write_text(copy.read_text().replace("steps = 40", "steps = 4").replace("[0.1, 0.01]", "[0.01, 0.1]"))
    code, _, err = run([trawl, "repair", "out"], cwd=tmp_path, check=False)
    assert code == 2 and "another grid" in err, err
    copy.write_text(copy.read_text().replace("[0.01, 0.1]", "[0.1, 0.01]"))
    run([trawl, "repair", "out/results.h5"], cwd=tmp_path)  # the file is accepted as well as the folder
    assert (final_losses(tmp_path) > 0).all()


def test_repair_after_the_sweep_folder_moved(trawl, tmp_path):
    first = tmp_path / "scratch" / "x"
    first.mkdir(parents=True)
    make(first)
    run([trawl, "run", "s.toml"], cwd=first)
    losses = final_losses(first)
    moved = tmp_path / "project" / "x"
    moved.parent.mkdir()
    shutil.move(str(first), str(moved))
    (moved / "out" / "results.h5").unlink()
    run([trawl, "repair", "out"], cwd=moved)
    assert np.array_equal(final_losses(moved), losses)
    _, out, _ = run([trawl, "run", "s.toml"], cwd=moved)
    assert "0 done, 0 failed, 0 diverged, 2 skipped" in out


def test_repair_without_journals_refuses_and_random_journals_are_named(trawl, tmp_path):
    make(tmp_path)
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    journals = tmp_path / "out" / "journal"
    shutil.move(str(journals), str(tmp_path / "kept"))
    journals.mkdir()
    code, _, err = run([trawl, "repair", "out"], cwd=tmp_path, check=False)
    assert code == 2 and "nothing to rebuild" in err and "holds no journal records" in err, err
    assert final_losses(tmp_path) is not None  # the file was left alone
    for journal in (tmp_path / "kept").iterdir():
        shutil.copy(journal, journals / journal.name)
    (journals / "noise.journal").write_bytes(np.random.RandomState(0).bytes(4096))
    code, _, err = run([trawl, "repair", "out"], cwd=tmp_path, check=False)
    assert code == 2 and "noise.journal: not a trawl journal" in err, err
    code, _, err = run([trawl, "repair", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "not a sweep directory" in err, err


def test_compact_never_grows_the_file(trawl, tmp_path):
    make(tmp_path)
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    results = tmp_path / "out" / "results.h5"
    for _ in range(2):
        size = results.stat().st_size
        _, out, _ = run([trawl, "repair", "--compact", "out"], cwd=tmp_path)
        assert results.stat().st_size <= size, out
    assert (final_losses(tmp_path) > 0).all()


def test_a_run_that_cannot_open_the_file_leaves_no_write_marker(trawl, tmp_path):
    if os.geteuid() == 0 and not shutil.which("chattr"):
        pytest.skip("as root, only an immutable file (chattr) refuses a write, and chattr is missing")
    make(tmp_path, lrs="[0.1, 0.01, 0.001]")
    run([trawl, "run", "s.toml", "--array-index", "0", "--array-count", "3"], cwd=tmp_path)
    results = tmp_path / "out" / "results.h5"
    lock_out = ["chattr", "+i", str(results)] if os.geteuid() == 0 else ["chmod", "a-w", str(results)]
    code, _, _ = run(lock_out, check=False)
    if code != 0:
        pytest.skip("this file system does not take chattr +i")
    try:
        code, _, err = run([trawl, "run", "s.toml", "--array-index", "1", "--array-count", "3"], cwd=tmp_path,
                           check=False)
        assert code != 0 and "cannot open it for writing" in err, err
        assert not (tmp_path / "out" / "results.h5.writing").exists()
    finally:
        run(["chattr", "-i", str(results)] if os.geteuid() == 0 else ["chmod", "u+w", str(results)], check=False)
    code, out, err = run([trawl, "status", "out"], cwd=tmp_path, check=False)
    assert code == 0 and "damaged" not in err


def replace_dataset(path, name, data):
    with h5py.File(path, "r+") as f:
        del f[name]
        f[name] = data


DAMAGE = {
    "a float32 events/time": (lambda p: replace_dataset(p, "events/time", np.zeros(3, np.float32)),
                              "events/time has a datatype trawl does not write"),
    "a big-endian trials/steps": (lambda p: replace_dataset(p, "trials/steps", np.zeros(2, ">i8")),
                                  "trials/steps has a datatype trawl does not write"),
    "a shortened trials/seed": (lambda p: replace_dataset(p, "trials/seed", np.zeros(1, "<i8")),
                                "trials/seed is [1], not one row per trial (2)"),
    "grid_size 10^12": (lambda p: h5py.File(p, "r+").attrs.__setitem__("grid_size", np.int64(10**12)),
                        "its grid_size attribute is 1000000000000"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_layout_is_named_the_same_way_by_every_command(trawl, tmp_path, case):
    make(tmp_path)
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    damage, message = DAMAGE[case]
    damage(tmp_path / "out" / "results.h5")
    for command in (["run", "s.toml"], ["status", "out"], ["report", "out"], ["repair", "--compact", "out"]):
        code, _, err = run([trawl, *command], cwd=tmp_path, check=False)
        assert code != 0 and code != -11, (command, code, err)  # never a crash
        assert "is damaged" in err and message in err and "with: trawl repair " in err, (command, err)
    _, out, _ = run([trawl, "repair", "out"], cwd=tmp_path)
    assert "the damaged file is kept" in out
    _, out, _ = run([trawl, "status", "out"], cwd=tmp_path)
    assert "done 2" in out


def test_a_results_file_that_is_a_directory_says_so(trawl, tmp_path):
    make(tmp_path)
    (tmp_path / "out" / "results.h5").mkdir(parents=True)
    for command in (["run", "s.toml"], ["status", "out"], ["report", "out"]):
        code, _, err = run([trawl, *command], cwd=tmp_path, check=False)
        assert code == 2 and "results.h5 is a directory, not a results file" in err, (command, err)


def test_status_counts_diverged_apart_from_failed(trawl, tmp_path):
    make(tmp_path, steps=8, lrs="[0.1, 1e30]")
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    _, out, _ = run([trawl, "status", "out"], cwd=tmp_path)
    worker = [line for line in out.splitlines() if line.startswith("  a0.g0")][0]
    assert "done 1  running 0  failed 0  diverged 1" in worker, out


def test_a_metric_nan_for_every_trial_is_said_so(trawl, tmp_path):
    # val.auc with one class in the validation set: undefined for every trial.
    rng = np.random.RandomState(0)
    with h5py.File(tmp_path / "blobs.h5", "w") as f:
        f["train/x"] = rng.normal(size=(40, 4)).astype(np.float32)
        f["train/y"] = (np.arange(40) % 2).astype(np.int64)
        f["val/x"] = rng.normal(size=(12, 4)).astype(np.float32)
        f["val/y"] = np.zeros(12, np.int64)
    (tmp_path / "s.toml").write_text(SWEEP.format(steps=4, lrs="[0.1, 0.01]").replace(
        'dir = "out"', 'dir = "out"\nmetric = "val.auc"'))
    _, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path)
    assert "warning: s.toml: val.auc is undefined on this data: every row of data.val_y is class 0" in err, err
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    _, out, _ = run([trawl, "status", "out"], cwd=tmp_path)
    assert "best so far: none: val.auc is NaN for all 2 done trials" in out, out
    _, out, _ = run([trawl, "report", "out"], cwd=tmp_path)
    assert "2 done trial(s) whose val.auc is NaN: NaN for all" in out, out
