"""Start-up once per job: on a 16-rank start, rank 0 alone reads the inputs in
full to hash them (TRAWL_TRACE_HASHING lists every full read), and every rank
then trains its share of the grid."""
import os

import h5py

from conftest import mpirun, run, write_blobs

SWEEP = """
[sweep]
dir = "out"
[data]
path = "blobs.h5"
[model]
hidden = 8
init = "base.pt"
[train]
steps = 2
batch_size = 8
eval_every = 2
[grid]
train.lr = [0.1, 0.01, 0.001, 0.0001]
"""


def test_a_16_rank_start_hashes_each_input_once(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5", rows=64)
    (tmp_path / "base.toml").write_text(SWEEP.replace('init = "base.pt"\n', "").replace('"out"', '"base"')
                                        .replace("[grid]\ntrain.lr = [0.1, 0.01, 0.001, 0.0001]\n", ""))
    run([trawl, "run", "base.toml", "--save-final", "--threads", "1"], cwd=tmp_path)
    os.rename(tmp_path / "base" / "trials" / "0" / "final.pt", tmp_path / "base.pt")
    (tmp_path / "s.toml").write_text(SWEEP)
    env = dict(os.environ, TRAWL_TRACE_HASHING="1")
    proc = __import__("subprocess").run(mpirun(16, trawl, "run", "s.toml", "--threads", "1"), cwd=tmp_path,
                                        capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    reads = [line for line in proc.stderr.splitlines() if " hashed " in line]
    data = [line for line in reads if line.endswith("/blobs.h5")]
    assert len(data) == 1, reads  # the spec hash, on rank 0 only
    # The base weights: once for the spec hash on rank 0, and once by each
    # process that checkpoints a trial of them (the trainer's base hash).
    base_readers = {line.split()[2] for line in reads if line.endswith("/base.pt")}
    assert len(base_readers) <= 4, reads
    with h5py.File(tmp_path / "out" / "results.h5", "r") as f:
        assert list(f["trials/status"][:]) == [2, 2, 2, 2]
