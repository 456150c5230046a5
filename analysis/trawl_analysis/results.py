"""Loading a results file into pandas.

The file may be written by a running sweep: reads take the same shared fcntl
lock on results.h5.lock that trawl's writers respect, and HDF5's own file
locking is off, as trawl's is.
"""
import contextlib
import fcntl
import os
import tomllib

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .constraints import Constraint, feasible  # noqa: E402


def results_path(where):
    """A sweep dir (its results.h5) or a results file."""
    where = os.fspath(where)
    return os.path.join(where, "results.h5") if os.path.isdir(where) else where


@contextlib.contextmanager
def _shared_lock(path):
    lock_path = path + ".lock"
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except FileNotFoundError:
        yield
        return
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def _column(dataset):
    if h5py.check_string_dtype(dataset.dtype) is not None:
        return dataset.asstr()[:]
    enum = h5py.check_enum_dtype(dataset.dtype)
    if enum is not None and set(enum) == {"FALSE", "TRUE"}:
        return dataset[:].astype(bool)
    return dataset[:]


class Results:
    """Everything in one results file, read in one go under the lock."""

    def __init__(self, where):
        self.path = results_path(where)
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"{self.path}: no results file here")
        with _shared_lock(self.path), h5py.File(self.path, "r") as f:
            self.attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
            self.metric = str(self.attrs["metric"])
            self.mode = str(self.attrs["mode"])
            self.axes = [str(a) for a in self.attrs["axis_names"]]
            self.metrics = [str(m) for m in self.attrs["metrics"]]
            self.sweep_file = str(self.attrs["sweep_file"])
            self.constraints = [Constraint.parse(str(c)) for c in self.attrs.get("constraints", [])]
            names = {v: k for k, v in h5py.check_enum_dtype(f["trials/status"].dtype).items()}
            t = f["trials"]
            columns = {"trial": t["id"][:], "seed": t["seed"][:],
                       "status": pd.Categorical([names[s] for s in t["status"][:]],
                                                categories=[names[i] for i in sorted(names)])}
            for axis in self.axes:
                columns[axis] = _column(t["params"][axis])
            for name in ["attempts", "owner", "started", "finished", "wall_seconds", "steps", "best_step"]:
                columns[name] = _column(t[name])
            # Files made before pruning and patience lack these.
            columns["rung"] = t["rung"][:] if "rung" in t else np.zeros(len(t["id"]), dtype=np.int64)
            columns["stopped_early"] = (_column(t["stopped_early"]) if "stopped_early" in t
                                        else np.zeros(len(t["id"]), dtype=bool))
            columns["trained_by"] = (t["trained_by"][:] if "trained_by" in t
                                     else np.full(len(t["id"]), -1, dtype=np.int64))
            for metric in self.metrics:
                columns[f"final/{metric}"] = t["final"][metric][:]
                columns[f"best/{metric}"] = t["best"][metric][:]
            self.trials = pd.DataFrame(columns)
            self.trials["feasible"] = feasible(self.trials, self.constraints)
            steps = f["curves/step"][:]
            rows = []
            for metric in self.metrics:
                values = f["curves"][metric][:]
                # A curve's columns grow as it is written: one measured once
                # (infer.*) has none, one written at early points only fewer.
                trial, point = np.nonzero(steps[:, :values.shape[1]] >= 0)
                frame = pd.DataFrame({"trial": trial, "step": steps[trial, point],
                                      "metric": metric, "value": values[trial, point]})
                rows.append(frame[np.isfinite(frame["value"])])
            self.curves = (pd.concat(rows, ignore_index=True) if rows
                           else pd.DataFrame(columns=["trial", "step", "metric", "value"]))
            e = f["events"]
            self.events = pd.DataFrame({"time": e["time"][:], "trial": e["trial"][:],
                                        "kind": e["kind"].asstr()[:], "message": e["message"].asstr()[:]})

    @property
    def score_column(self):
        """The column trials are ranked by: best/<sweep.metric>."""
        return f"best/{self.metric}"

    @property
    def maximize(self):
        return self.mode == "max"

    def done(self):
        return self.trials[self.trials["status"] == "done"]

    @property
    def name(self):
        try:
            return str(tomllib.loads(self.sweep_file).get("sweep", {}).get("name", "sweep"))
        except tomllib.TOMLDecodeError:
            return "sweep"

    def top(self, k=10):
        """The k best done trials, those that meet every constraint first; ties
        keep trial-id order, as `trawl report` does."""
        done = self.done().sort_values("trial")
        done = done[np.isfinite(done[self.score_column])]
        ranked = done.sort_values(self.score_column, ascending=not self.maximize, kind="mergesort")
        return ranked.sort_values("feasible", ascending=False, kind="mergesort").head(k)


def open_results(where):
    return Results(where)


def load_trials(where):
    """One row per trial: trial, seed, status, a column per axis, attempts,
    owner, times, steps, best_step, rung, stopped_early, final/<metric> and
    best/<metric>."""
    return Results(where).trials


def load_curves(where):
    """A long table of every eval point: trial, step, metric, value."""
    return Results(where).curves


def load_events(where):
    """The /events log: time, trial, kind, message."""
    return Results(where).events
