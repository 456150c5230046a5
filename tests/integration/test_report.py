"""`trawl report`, the analysis package and the HTML report, on results files
made by real small sweeps: finished with failed trials, and still running."""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import mpirun, run, write_blobs

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "analysis"))
import trawl_analysis as ta  # noqa: E402

SWEEP = """
[sweep]
name = "report-test"
dir = "out"
metric = "val.accuracy"
seeds = [1, 2]
[model]
hidden = 16
layers = 1
[data]
path = "blobs.h5"
[train]
steps = {steps}
batch_size = 16
eval_every = 10
[grid]
train.lr = [0.03, 0.003]
train.optimizer = ["adamw", "sgd"]
train.batch_size = [16, 100000]
"""


@pytest.fixture(scope="module")
def finished(trawl, tmp_path_factory):
    """A finished sweep of 16 trials, the 8 with batch_size 100000 failed."""
    d = tmp_path_factory.mktemp("finished")
    write_blobs(d / "blobs.h5")
    (d / "s.toml").write_text(SWEEP.format(steps=30))
    run(mpirun(2, trawl, "run", "s.toml"), cwd=d)
    return d / "out"


def report(trawl, where, *args):
    return run([trawl, "report", str(where), *args])[1]


def test_report_tables_agree_with_the_file(trawl, finished):
    r = ta.open_results(finished)
    data = json.loads(report(trawl, finished, "--format", "json", "--top", "3"))
    summary = {row["key"]: row["value"] for row in data["summary"]}
    assert summary["trials"] == 16 and summary["done"] == 8 and summary["failed"] == 8
    # The top 3 are the 3 best done trials by best/val.accuracy, ties in id order.
    assert [row["trial"] for row in data["top"]] == list(r.top(3)["trial"])
    assert data["top"][0]["best/val.accuracy"] == pytest.approx(r.done()["best/val.accuracy"].max(), rel=1e-5)
    assert {"train.lr", "train.optimizer", "train.batch_size", "seed"} <= set(data["top"][0])
    # Marginals: mean and best per value, done trials only.
    by_lr = {row["train.lr"]: row for row in data["marginal.train.lr"]}
    for lr in [0.03, 0.003]:
        scores = r.done()[r.done()["train.lr"] == lr]["best/val.accuracy"]
        assert by_lr[lr]["done"] == len(scores)
        assert by_lr[lr]["mean"] == pytest.approx(scores.mean(), rel=1e-5)
        assert by_lr[lr]["best"] == pytest.approx(scores.max(), rel=1e-5)
    # Importance: the same numbers from C++ and from the Python package.
    cpp = {row["axis"]: row["importance"] for row in data["importance"]}
    py = ta.html.importance(r).set_index("axis")["importance"].to_dict()
    for axis in ["train.lr", "train.optimizer"]:
        assert cpp[axis] == pytest.approx(py[axis], rel=1e-4, abs=1e-9)
    # The failed trials, with the trainer's reason.
    problems = data["problems"]
    assert len(problems) == 8
    assert all(p["status"] == "failed" and "larger than the training set" in p["reason"] for p in problems)
    assert all(p["train.batch_size"] == 100000 for p in problems)


def test_report_formats_and_filters(trawl, finished):
    text = report(trawl, finished)
    assert "Top 8 trials by val.accuracy" in text and "Parameter importance" in text
    md = report(trawl, finished, "--format", "markdown")
    assert "## Top 8 trials" in md and re.search(r"^\|---:\|", md, re.M)
    # A CSV holds one table, `top` unless --table picks another: pandas reads each as it is.
    top = pd.read_csv(io.StringIO(report(trawl, finished, "--format", "csv")))
    assert len(top) == 8 and list(top["rank"]) == list(range(1, 9))
    marginals = pd.read_csv(io.StringIO(report(trawl, finished, "--format", "csv", "--table", "marginals")))
    axes = set(marginals["axis"])
    assert {"train.lr", "train.optimizer"} <= axes
    assert marginals["done"].sum() == len(axes) * 8
    for table in ["summary", "importance", "problems"]:
        frame = pd.read_csv(io.StringIO(report(trawl, finished, "--format", "csv", "--table", table)))
        assert len(frame.columns) >= 2, table
    code, _, err = run([trawl, "report", str(finished), "--table", "everything"], check=False)
    assert code == 2 and "summary, top, marginals, importance, pareto, problems" in err
    code, _, err = run([trawl, "report", str(finished), "--filter", "train.optimizer=adam"], check=False)
    assert code == 2 and "'adam' is not a value of train.optimizer" in err and "sgd" in err
    filtered = json.loads(report(trawl, finished, "--format", "json", "--filter", "train.optimizer=sgd",
                                 "--filter", "seed=2"))
    assert all(row["train.optimizer"] == "sgd" and row["seed"] == 2 for row in filtered["top"])
    assert {row["key"]: row["value"] for row in filtered["summary"]}["matching"] == 4
    code, _, err = run([trawl, "report", str(finished), "--filter", "train.lrr=1"], check=False)
    assert code == 2 and "did you mean 'train.lr'" in err
    code, _, err = run([trawl, "report", str(finished), "--format", "xml"], check=False)
    assert code == 2 and "table, csv, json, markdown" in err


def test_pandas_tables(finished):
    trials = ta.load_trials(finished)
    assert len(trials) == 16
    assert list(trials["trial"]) == list(range(16))
    assert trials["train.lr"].dtype == np.float64 and trials["train.batch_size"].dtype == np.int64
    assert set(trials["train.optimizer"]) == {"adamw", "sgd"}
    assert (trials["status"] == "failed").sum() == 8
    curves = ta.load_curves(finished)
    assert list(curves.columns) == ["trial", "step", "metric", "value"]
    acc = curves[curves["metric"] == "val.accuracy"]
    # 8 done trials x eval points at steps 10, 20, 30; failed trials have none.
    assert len(acc) == 8 * 3 and sorted(acc["step"].unique()) == [10, 20, 30]
    events = ta.load_events(finished)
    assert (events["kind"] == "failed").sum() == 8


def test_plots_draw(finished):
    r = ta.open_results(finished)
    ax = ta.plot_learning_curves(r, top_k=3)
    assert len(ax.get_legend().get_texts()) == 3
    ax = ta.plot_heatmap(r, "train.lr", "train.optimizer")
    assert ax.get_xlabel() == "train.lr" and len(ax.images) == 1
    assert len(ta.plot_effects(r)) == 3
    assert ta.plot_parallel_coordinates(r).get_title().startswith("parallel coordinates")
    with pytest.raises(ValueError, match="not an axis"):
        ta.plot_heatmap(r, "train.lrr", "train.optimizer")


def chromium_dom(page):
    browser = "/usr/bin/chromium"
    if not os.access(browser, os.X_OK):
        pytest.fail("Debian's chromium is needed for this test (scripts/install-deps.sh installs it)")
    out = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          f"--user-data-dir={page.parent / 'chromium-profile'}", "--virtual-time-budget=5000",
                          "--dump-dom", f"file://{page}"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_html_report_in_a_browser(finished, tmp_path):
    page = tmp_path / "report.html"
    run([sys.executable, "-m", "trawl_analysis", "html", str(finished), "-o", str(page)],
        cwd=os.path.join(ROOT, "analysis"))
    r = ta.open_results(finished)
    dom = chromium_dom(page)
    assert "trawl sweep report: report-test" in dom
    assert "4 of 4 plots shown" in dom  # every embedded plot decoded
    best = int(r.top(1)["trial"].iloc[0])
    top_table = re.search(r'<table[^>]*id="top".*?</table>', dom, re.S).group(0)
    assert re.search(rf"<td>{best}</td>", top_table)
    assert 'id="marginal-train.lr"' in dom and 'id="importance"' in dom
    assert "larger than the training set" in dom  # the failed trials' reasons
    assert "train.batch_size = [16, 100000]" in dom  # the sweep file
    assert "src=\"http" not in dom  # self-contained


def test_a_running_sweep_can_be_read(trawl, tmp_path):
    write_blobs(tmp_path / "blobs.h5", rows=600)
    (tmp_path / "s.toml").write_text(SWEEP.format(steps=1500).replace("[16, 100000]", "[16, 32]"))
    proc = subprocess.Popen(mpirun(2, trawl, "run", "s.toml"), cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        results = tmp_path / "out" / "results.h5"
        deadline = time.time() + 120
        seen_partial = False
        while time.time() < deadline and proc.poll() is None:
            if results.exists():
                data = json.loads(report(trawl, tmp_path / "out", "--format", "json"))
                summary = {row["key"]: row["value"] for row in data["summary"]}
                if 1 <= summary["done"] < 16:
                    assert summary["pending"] + summary["running"] == 16 - summary["done"]
                    assert len(data["top"]) == min(10, summary["done"])
                    r = ta.open_results(tmp_path / "out")
                    assert (r.trials["status"] == "done").sum() >= summary["done"]
                    ta.write_html_report(r, tmp_path / "partial.html")
                    seen_partial = True
                    break
            time.sleep(0.2)
        assert seen_partial, "never saw the sweep part-way through"
    finally:
        out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    assert (ta.load_trials(tmp_path / "out")["status"] == "done").all()


def test_results_file_doc_snippets_run(finished, tmp_path):
    """docs/results-file.md's Python snippets run against a real file."""
    doc = open(os.path.join(ROOT, "docs", "results-file.md")).read()
    snippets = re.findall(r"```python\n(.*?)```", doc, re.S)
    assert snippets
    for code in snippets:
        code = code.replace("runs/digits-finetune/results.h5", str(finished / "results.h5"))
        code = code.replace("val.accuracy", "val.accuracy")
        exec(compile(code, "results-file.md", "exec"), {})


def test_status_and_report_name_the_same_best_trial(trawl, finished, tmp_path):
    """Both rank by a trial's best eval point (docs/evaluation.md), never by
    its final one: a copy of the file whose best trial ended worst of all
    still has that trial first in both."""
    copy = tmp_path / "out"
    shutil.copytree(finished, copy)
    with h5py.File(copy / "results.h5", "r+") as f:
        best = f["trials/best/val.accuracy"][:]
        done = f["trials/status"][:] == 2
        top = int(np.flatnonzero(done)[np.argmax(best[done])])
        final = f["trials/final/val.accuracy"]
        values = final[:]
        values[top] = 0.0
        final[:] = values
    _, status, _ = run([trawl, "status", str(copy)])
    said = re.search(r"best so far: trial (\d+) val.accuracy=(\S+) \(max\)", status)
    assert said and int(said[1]) == top and float(said[2]) == best[top], status
    ranked = json.loads(report(trawl, copy, "--format", "json"))
    assert ranked["top"][0]["trial"] == top
