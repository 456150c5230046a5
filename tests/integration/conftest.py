"""Shared fixtures: the trawl binary, scratch dirs, small data sets."""
import os
import subprocess

import h5py
import numpy as np
import pytest


@pytest.fixture(scope="session")
def trawl():
    path = os.environ.get("TRAWL_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("TRAWL_BIN must name the built trawl executable (ctest sets it)")
    return path


def run(cmd, cwd=None, check=True, timeout=600):
    """Runs a command, returning (exit code, stdout, stderr)."""
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc.returncode, proc.stdout, proc.stderr


def mpirun(np_, *args):
    return ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(np_), *args]


def repair_if_cut_short(trawl, d, results_dir="out"):
    """After a SIGKILL: a writer killed mid-write leaves the results file
    marked damaged, and every trawl command says to run `trawl repair`
    (docs/fault-tolerance.md); do what it says."""
    code, _, err = run([trawl, "status", results_dir], cwd=d, check=False)
    if code != 0:
        assert "trawl repair" in err, err
        run([trawl, "repair", results_dir], cwd=d)


def write_blobs(path, rows=240, features=8, classes=3, seed=0):
    """A small separable classification set: Gaussian blobs."""
    rng = np.random.RandomState(seed)
    centers = rng.normal(0, 3, size=(classes, features))

    def make(n):
        y = rng.randint(0, classes, size=n)
        x = centers[y] + rng.normal(0, 1, size=(n, features))
        return x.astype(np.float32), y.astype(np.int64)

    with h5py.File(path, "w") as f:
        f["train/x"], f["train/y"] = make(rows)
        f["val/x"], f["val/y"] = make(rows // 3)
    return path


@pytest.fixture
def blobs(tmp_path):
    return write_blobs(tmp_path / "blobs.h5")
