"""Successive halving (prune.rule = "halving") and patience: the same trials
are pruned, with the same curves, on one worker, three workers, data-parallel
groups and a run killed twice; the decisions follow the documented rule
(checked here by a reference in Python); status and report show the rungs."""
import math
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import mpirun, repair_if_cut_short, run, write_blobs

LRS = [1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 0.0003, 0.0001]

SWEEP = """
[sweep]
dir = "out"
schedule = "dynamic"
lease_seconds = 30.0
ranks_per_trial = {ranks}
[data]
path = "blobs.h5"
[model]
hidden = 16
[train]
steps = 90
batch_size = 16
eval_every = 30
optimizer = "sgd"
[checkpoint]
every_steps = 5
[prune]
rule = "halving"
min_steps = 10
reduction = 3
{extra}
[grid]
train.lr = {lrs}
"""


def sweep(d, ranks=1, extra="", lrs=LRS):
    d.mkdir(exist_ok=True)
    if not (d / "blobs.h5").exists():
        write_blobs(d / "blobs.h5", rows=240)
    (d / "s.toml").write_text(SWEEP.format(ranks=ranks, extra=extra, lrs=lrs))


def read(d):
    with h5py.File(d / "out" / "results.h5", "r") as f:
        names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
        return {"status": [names[s] for s in f["trials/status"][:]], "rung": list(f["trials/rung"][:]),
                "steps": list(f["trials/steps"][:]), "curve": f["curves/val.loss"][:],
                "curve_steps": f["curves/step"][:], "final": f["trials/final/val.loss"][:],
                "lr": list(f["trials/params/train.lr"][:]),
                "events": list(zip(f["events/trial"][:], f["events/kind"].asstr()[:], f["events/message"].asstr()[:]))}


def start(trawl, d, *extra):
    return subprocess.Popen([trawl, "run", "s.toml", "--threads", "1", *extra], cwd=d, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def value_at(r, trial, step):
    steps = list(r["curve_steps"][trial])
    return r["curve"][trial][steps.index(step)] if step in steps else None


def reference_decisions(r, rung_steps, reduction=3, trials=None):
    """The rule of docs/pruning.md, independently: at each rung every trial
    that reached it takes part; the best ceil(n / reduction) by val.loss go
    on (ties by trial id). Returns {trial: rungs passed} for the survivors."""
    alive = list(trials if trials is not None else range(len(r["status"])))
    passed = {t: 0 for t in alive}
    for k, step in enumerate(rung_steps):
        standing = sorted((value_at(r, t, step), t) for t in alive if value_at(r, t, step) is not None)
        keep = math.ceil(len(standing) / reduction)
        alive = [t for _, t in standing[:keep]]
        for t in alive:
            passed[t] = k + 1
    return passed, alive


def assert_same(a, b):
    assert a["status"] == b["status"]
    assert a["rung"] == b["rung"]
    assert a["steps"] == b["steps"]
    assert np.array_equal(a["curve_steps"], b["curve_steps"])
    assert np.array_equal(a["curve"], b["curve"], equal_nan=True)
    assert np.array_equal(a["final"], b["final"], equal_nan=True)


def test_halving_follows_the_rule_and_records_every_decision(trawl, tmp_path):
    d = tmp_path / "one"
    sweep(d)
    _, out, _ = run([trawl, "run", "s.toml", "--threads", "1"], cwd=d)
    r = read(d)
    passed, survivors = reference_decisions(r, [10, 30])
    assert r["status"].count("pruned") == 8 and r["status"].count("done") == 1
    assert [t for t, s in enumerate(r["status"]) if s == "done"] == survivors
    for t, s in enumerate(r["status"]):
        assert r["rung"][t] == passed[t], t  # rungs passed; for a pruned trial, the rung that cut it
        # A pruned trial stopped at the rung that cut it, with that rung's eval point.
        if s == "pruned":
            assert r["steps"][t] == [10, 30][r["rung"][t]]
            assert np.isnan(r["final"][t])
    assert r["steps"][survivors[0]] == 90
    pruned = [m for t, k, m in r["events"] if k == "pruned"]
    assert len(pruned) == 8
    assert sum("rung 0 (step 10): val.loss" in m and "not in the best 3 of 9" in m for m in pruned) == 6
    assert sum("rung 1 (step 30)" in m and "not in the best 1 of 3" in m for m in pruned) == 2
    assert sum(k == "promoted" for _, k, _ in r["events"]) == 4
    assert sum(k == "paused" for _, k, _ in r["events"]) == 12
    assert "12 paused at rungs" in out


def test_one_worker_three_workers_and_a_twice_killed_run_decide_alike(trawl, tmp_path):
    one, three, killed = tmp_path / "one", tmp_path / "three", tmp_path / "killed"
    for d in (one, three, killed):
        sweep(d)
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=one)
    workers = [start(trawl, three) for _ in range(3)]
    outs = [w.communicate(timeout=600)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outs
    assert_same(read(one), read(three))
    # Killed mid-way through rung 0, then again once trials train towards rung 1.
    for stop_after in ("at rung 0", "at rung 1"):
        p = start(trawl, killed)
        seen = 0
        for line in p.stdout:
            if stop_after in line:
                seen += 1
                if seen == 3 or stop_after == "at rung 1":
                    break
        assert seen, "the run finished before it could be killed"
        p.kill()
        p.wait()
        repair_if_cut_short(trawl, killed)
    finish = start(trawl, killed)
    out = finish.communicate(timeout=600)[0]
    assert finish.returncode == 0, out
    assert_same(read(one), read(killed))


def test_halving_with_data_parallel_groups(trawl, tmp_path):
    one, groups = tmp_path / "one", tmp_path / "groups"
    sweep(one)
    sweep(groups, ranks=2)
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=one)
    run(mpirun(4, trawl, "run", "s.toml", "--threads", "1"), cwd=groups)
    a, b = read(one), read(groups)
    assert a["status"] == b["status"] and a["rung"] == b["rung"]
    # Two ranks sum gradients in another order: the curves agree to rounding, the decisions exactly.
    assert np.allclose(a["curve"], b["curve"], rtol=1e-2, equal_nan=True)
    assert np.array_equal(a["curve_steps"], b["curve_steps"])


def test_static_schedule_with_halving_is_refused_at_validate(trawl, tmp_path):
    d = tmp_path / "d"
    sweep(d)
    (d / "s.toml").write_text((d / "s.toml").read_text().replace('schedule = "dynamic"', 'schedule = "static"'))
    code, _, err = run([trawl, "validate", "s.toml"], cwd=d, check=False)
    assert code == 2
    assert 's.toml:19:8: prune.rule = "halving" needs sweep.schedule = "dynamic" (it is "static" at s.toml:4:12)' in err


def test_status_and_report_show_the_rungs_and_the_compute_saved(trawl, tmp_path):
    d = tmp_path / "d"
    sweep(d)
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=d)
    r = read(d)
    steps_run = sum(r["steps"])
    assert steps_run == 9 * 10 + 3 * 20 + 60  # each rung's survivors train on
    _, status, _ = run([trawl, "status", "out"], cwd=d)
    assert "pruned 8" in status and "paused 0" in status
    assert "rung 0 (step 10): reached 9  promoted 3  pruned 6  waiting 0" in status
    assert "rung 1 (step 30): reached 3  promoted 1  pruned 2  waiting 0" in status
    assert f"compute: {steps_run} of the full grid's 810 steps run (25.9%)" in status
    _, csv, _ = run([trawl, "report", "out", "--table", "rungs", "--format", "csv"], cwd=d)
    assert "rung,step,reached,promoted,pruned,waiting" in csv
    assert "0,10,9,3,6,0" in csv and "1,30,3,1,2,0" in csv
    _, summary, _ = run([trawl, "report", "out", "--table", "summary", "--format", "csv"], cwd=d)
    assert f"steps_run,{steps_run}" in summary and "steps_full_grid,810" in summary
    # The analysis package reads the same rungs and draws them in the HTML report.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "analysis"))
    import trawl_analysis as ta
    results = ta.open_results(d / "out")
    rungs = ta.rung_table(results)
    assert rungs.values.tolist() == [[0, 10, 9, 3, 6, 0], [1, 30, 3, 1, 2, 0]]
    assert ta.compute_saving(results)["steps_run"] == steps_run
    ta.write_html_report(results, d / "report.html")
    page = (d / "report.html").read_text()
    assert 'id="rungs"' in page and f"{steps_run} of the full grid" in page and 'id="plot-pruning"' in page


def test_a_grown_grid_keeps_its_decisions_and_new_trials_join_the_rungs(trawl, tmp_path):
    d = tmp_path / "d"
    sweep(d, lrs=LRS[:6])
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=d)
    before = read(d)
    sweep(d, lrs=LRS)
    _, out, _ = run([trawl, "run", "s.toml", "--threads", "1"], cwd=d)
    after = read(d)
    old = {lr: (s, k) for lr, s, k in zip(before["lr"], before["status"], before["rung"])}
    for lr, s, k in zip(after["lr"], after["status"], after["rung"]):
        if lr in old:
            assert (s, k) == old[lr], lr  # decisions already taken stay taken
    # Each new trial at rung 0 went on when it ranks in the best ceil(9/3) of all nine there.
    standing = sorted((value_at(after, t, 10), t) for t in range(9))
    best = {t for _, t in standing[:3]}
    for t, lr in enumerate(after["lr"]):
        if lr not in old:
            assert (after["rung"][t] >= 1) == (t in best), (t, lr)


def patience_sweep(d, train):
    """A one-worker sweep with eval points every 10 steps; `train` ends the [train] table."""
    d.mkdir()
    write_blobs(d / "blobs.h5", rows=240)
    (d / "s.toml").write_text('[sweep]\ndir = "out"\n[data]\npath = "blobs.h5"\n[model]\nhidden = 16\n'
                              f"[train]\nbatch_size = 16\neval_every = 10\n{train}\n")
    return d


def test_patience_stops_a_trial_after_p_eval_points_without_improvement(trawl, tmp_path):
    d = patience_sweep(tmp_path / "d", "steps = 400\npatience = 3\nmin_delta = 0.01\n[grid]\ntrain.lr = [0.5, 0.01]")
    _, out, _ = run([trawl, "run", "s.toml", "--threads", "1"], cwd=d)
    with h5py.File(d / "out" / "results.h5", "r") as f:
        stopped = list(f["trials/stopped_early"][:])
        steps = list(f["trials/steps"][:])
        curves, best_step = f["curves/val.loss"][:], list(f["trials/best_step"][:])
        best = f["trials/best/val.loss"][:]
    assert any(stopped), out
    for t in range(2):
        values = [v for v in curves[t] if not np.isnan(v)]
        # Keras's rule, by hand: the stop comes at the first point that is the 3rd without an improvement > 0.01.
        ref, wait, stop = None, 0, None
        for i, v in enumerate(values):
            if ref is None or v < ref - 0.01:
                ref, wait = v, 0
            else:
                wait += 1
            if wait >= 3:
                stop = (i + 1) * 10
                break
        assert stopped[t] == (stop is not None and stop < 400)
        assert steps[t] == (stop if stopped[t] else 400)
        assert best[t] == min(values) and best_step[t] <= steps[t]
    assert "stopped early at step" in out


def test_repair_replays_pauses_and_decisions_from_the_journals(trawl, tmp_path):
    d = tmp_path / "d"
    sweep(d)
    workers = [start(trawl, d) for _ in range(2)]  # decisions written by both workers' journals
    outs = [w.communicate(timeout=600)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outs
    before = read(d)
    os.remove(d / "out" / "results.h5")
    run([trawl, "repair", "out"], cwd=d)
    after = read(d)
    assert_same(before, after)
    # Decisions taken together share a time: replay orders those by trial.
    kinds = ("paused", "promoted", "pruned")
    assert sorted(e for e in after["events"] if e[1] in kinds) == sorted(e for e in before["events"] if e[1] in kinds)


def test_plan_names_the_rungs(trawl, tmp_path):
    d = tmp_path / "d"
    sweep(d, extra='group_by = ["train.lr"]')
    _, out, _ = run([trawl, "plan", "s.toml"], cwd=d)
    assert "pruning: successive halving, rungs at step 10, 30 (of 90), keeping 1 in 3 at each; up to 9 cohort(s) " \
           "by train.lr" in out


def test_patience_survives_a_kill_and_stops_at_the_same_step(trawl, tmp_path):
    sweeps = {}
    for name in ("clean", "killed"):
        d = patience_sweep(tmp_path / name, "steps = 2000\npatience = 4\nmin_delta = 0.002\nlr = 0.003\n"
                                              "[checkpoint]\nevery_steps = 10")
        sweeps[name] = d
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=sweeps["clean"])
    p = start(trawl, sweeps["killed"])
    for line in p.stdout:
        if " step 40 " in line or "step=40 " in line:
            break
    p.kill()
    p.wait()
    repair_if_cut_short(trawl, sweeps["killed"])
    run([trawl, "run", "s.toml", "--threads", "1"], cwd=sweeps["killed"])
    got = []
    for d in sweeps.values():
        with h5py.File(d / "out" / "results.h5", "r") as f:
            got.append((bool(f["trials/stopped_early"][0]), int(f["trials/steps"][0]), int(f["trials/attempts"][0])))
    assert got[0][0] and got[0][1] < 2000  # it did stop early
    assert got[1][:2] == got[0][:2] and got[1][2] == 2  # killed once, resumed, stopped at the same step
