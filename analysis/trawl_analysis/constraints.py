"""sweep.constraints: the bounds a trial's metrics must meet for it to be
chosen, and the Pareto front of the sweep's metric against each bounded one
(as `trawl report` computes them; docs/evaluation.md)."""
import operator
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

_OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}
_FORM = re.compile(r"^\s*([A-Za-z0-9_.]+)\s*(<=|<|>=|>)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Constraint:
    metric: str
    op: str
    bound: float

    @staticmethod
    def parse(text):
        m = _FORM.match(text)
        if not m:
            raise ValueError(f"constraint {text!r} is not 'metric op number' (op one of <= < >= >)")
        return Constraint(m.group(1), m.group(2), float(m.group(3)))

    @property
    def lower_is_better(self):
        return self.op.startswith("<")

    def holds(self, values):
        """Element-wise; NaN meets nothing."""
        values = np.asarray(values, dtype=float)
        return ~np.isnan(values) & _OPS[self.op](np.nan_to_num(values, nan=0.0), self.bound)

    def __str__(self):
        return f"{self.metric} {self.op} {self.bound:g}"


def feasible(trials, constraints):
    """Whether each trial's best/<metric> values meet every constraint."""
    ok = np.ones(len(trials), dtype=bool)
    for c in constraints:
        ok &= c.holds(trials[f"best/{c.metric}"].to_numpy())
    return ok


def pareto_front(results, constraint):
    """The done trials no other done trial beats in both best/<sweep.metric>
    and best/<constraint.metric> (the way its bound points), ordered by the
    constrained metric, best first."""
    done = results.done()
    x, y = f"best/{constraint.metric}", results.score_column
    frame = done[np.isfinite(done[x]) & np.isfinite(done[y])]
    xs = frame[x].to_numpy() * (-1 if constraint.lower_is_better else 1)
    ys = frame[y].to_numpy() * (1 if results.maximize else -1)
    order = np.lexsort((frame["trial"].to_numpy(), -ys, -xs))
    keep, best_before, i = [], -np.inf, 0
    while i < len(order):
        j = i
        while j < len(order) and xs[order[j]] == xs[order[i]]:
            j += 1
        top = ys[order[i]]
        if top > best_before:
            keep.extend(k for k in order[i:j] if ys[k] == top)
        best_before = max(best_before, top)
        i = j
    return frame.iloc[keep] if keep else frame.iloc[0:0]
