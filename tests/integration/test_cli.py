"""The CLI's contract: help, version, exit codes and located error messages."""
import re

import h5py

from conftest import run

GOOD = """[sweep]
name = "cli"
[data]
path = "blobs.h5"
[train]
steps = 5
[grid]
train.lr = [0.1, 0.01]
"""


def test_help_and_version(trawl):
    code, out, _ = run([trawl, "--help"])
    assert code == 0 and "validate" in out and "exit codes" in out
    for verb in ["validate", "plan", "run", "status"]:
        code, out, _ = run([trawl, verb, "--help"])
        assert code == 0 and f"Usage: trawl {verb}" in out and "--help" in out, verb
    code, out, _ = run([trawl, "--version"])
    assert re.match(r"trawl \d+\.\d+\.\d+", out)


def test_usage_errors_exit_2(trawl, tmp_path):
    code, _, err = run([trawl, "frobnicate"], check=False)
    assert code == 2 and "unknown command" in err
    code, _, err = run([trawl, "plan", "x.toml", "--array-cont", "3"], check=False)
    assert code == 2 and "did you mean '--array-count'" in err
    code, _, err = run([trawl, "validate"], check=False)
    assert code == 2 and "trawl validate: FILE is required" in err


def test_counts_on_the_command_line_are_positive_integers(trawl, tmp_path, blobs):
    (tmp_path / "s.toml").write_text(GOOD)
    for command, option in [("run", "--threads"), ("run", "--array-count"), ("plan", "--array-count"),
                            ("plan", "--ranks"), ("submit", "--array-count"), ("submit", "--throttle"),
                            ("submit", "--ranks"), ("submit", "--cpus-per-rank")]:
        for value in ["0", "abc"] if option != "--threads" else ["0", "-1", "abc", "1.5"]:
            code, _, err = run([trawl, command, "s.toml", option, value, *(["--dry-run"] if command == "submit"
                                                                            else [])], cwd=tmp_path, check=False)
            assert code == 2, (command, option, value, err)
            assert f"trawl {command}: {option} must be a positive integer, not '{value}'" in err, err
    code, _, err = run([trawl, "report", "out", "--top", "0"], cwd=tmp_path, check=False)
    assert code == 2 and "--top must be a positive integer" in err
    assert not (tmp_path / "runs").exists()


def test_sampling_settings_without_generation_are_refused(trawl, tmp_path, blobs):
    for key, value in [("temperature", "0.7"), ("top_p", "0.9"), ("top_k", "5"), ("seed", "3")]:
        (tmp_path / "s.toml").write_text(GOOD + f"[infer]\n{key} = {value}\n")
        code, _, err = run([trawl, "validate", "s.toml"], cwd=tmp_path, check=False)
        assert code == 2 and f"s.toml:10:{len(key) + 4}: infer.{key} only matters when answers are generated" in err, \
            err


def test_validate_and_plan(trawl, tmp_path, blobs):
    (tmp_path / "s.toml").write_text(GOOD)
    code, out, _ = run([trawl, "validate", "s.toml"], cwd=tmp_path)
    assert code == 0 and "2 trials" in out and "3 classes" in out
    code, out, _ = run([trawl, "plan", "s.toml", "--array-count", "2", "--ranks", "1"], cwd=tmp_path)
    assert "trials: 2" in out and "sbatch --array=0-1 --ntasks=1" in out and "trials per worker: 1" in out


def bad(tmp_path, text):
    (tmp_path / "bad.toml").write_text(text)
    return tmp_path / "bad.toml"


def test_spec_errors_exit_2_with_file_line_column(trawl, tmp_path, blobs):
    cases = [
        (GOOD.replace("steps = 5", "stepz = 5"), r"bad\.toml:6:1: unknown key 'train\.stepz' \(did you mean 'train\.steps'\?\)"),
        (GOOD.replace("steps = 5", "steps = \"5\""), r"bad\.toml:6:9: train\.steps must be an integer, not a string"),
        (GOOD.replace("[0.1, 0.01]", "[]"), r"bad\.toml:8:12: grid axis train\.lr has no values"),
        (GOOD + "[[exclude]]\ntrain.lr = 0.5\n", r"bad\.toml:10:12: exclusion value 0\.5 is not on grid axis train\.lr"),
        (GOOD + "[[exclude]]\ntrain.lr = [0.1, 0.01]\n", r"bad\.toml:9:1: the \[\[exclude\]\] tables drop every point"),
        (GOOD.replace("blobs.h5", "missing.h5"), r"bad\.toml:4:8: data\.path: no such file"),
        (GOOD.replace('path = "blobs.h5"', 'path = "blobs.h5"\ntrain_x = "nope"'), r"bad\.toml:5:11: data\.train_x: dataset 'nope' is not in"),
    ]
    for text, pattern in cases:
        path = bad(tmp_path, text)
        for verb in ["validate", "plan"]:
            code, out, err = run([trawl, verb, str(path.name)], cwd=tmp_path, check=False)
            if verb == "plan" and "data" in pattern:
                continue  # plan does not open the data
            assert code == 2, (verb, text, out, err)
            assert re.search(pattern, err), (pattern, err)


def test_run_with_a_bad_spec_exits_2_and_writes_nothing(trawl, tmp_path, blobs):
    path = bad(tmp_path, GOOD.replace("steps = 5", "stepz = 5"))
    code, _, err = run([trawl, "run", path.name], cwd=tmp_path, check=False)
    assert code == 2 and "unknown key" in err
    assert not (tmp_path / "runs").exists()


def test_a_changed_sweep_file_is_refused_and_the_results_kept(trawl, tmp_path, blobs):
    (tmp_path / "s.toml").write_text(GOOD)
    run([trawl, "run", "s.toml"], cwd=tmp_path)
    results = tmp_path / "runs" / "cli" / "results.h5"
    before = results.read_bytes()
    (tmp_path / "s.toml").write_text(GOOD.replace("steps = 5", "steps = 6"))
    code, _, err = run([trawl, "run", "s.toml"], cwd=tmp_path, check=False)
    assert code == 2 and "different sweep file" in err
    assert "What changed:\n  train.steps: 5 -> 6" in err
    assert results.read_bytes() == before
    with h5py.File(results, "r") as f:
        assert f.attrs["sweep_file"] == GOOD


def test_status_of_a_missing_sweep_is_an_input_error(trawl, tmp_path):
    code, _, err = run([trawl, "status", str(tmp_path / "nothing")], check=False)
    assert code == 2 and "no results file" in err
