"""A self-contained HTML report of a sweep: tables, embedded plots and the
sweep file, in one file that can be copied off the cluster."""
import base64
import datetime
import html
import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import plots, pruning
from .results import Results


def _png(figure):
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _figure(title, png, name):
    return (f'<figure id="plot-{name}"><img alt="{html.escape(title)}" src="data:image/png;base64,{png}">'
            f"<figcaption>{html.escape(title)}</figcaption></figure>")


def _table(frame, table_id):
    return frame.to_html(index=False, table_id=table_id, na_rep="-", float_format=lambda v: f"{v:.6g}",
                         border=0, classes="data")


def marginals(results):
    """Per axis: value, done trials, mean, best and spread over seeds of
    best/<metric> (as `trawl report` computes them)."""
    done = results.done()
    column = results.score_column
    spread = done.groupby(results.axes)[column].std() if results.axes else None
    tables = {}
    for axis in results.axes:
        rows = []
        for value, group in done.groupby(axis, sort=False):
            if spread is not None and len(results.axes) > 1:
                level = spread.xs(value, level=axis)
            elif spread is not None:
                level = spread.loc[[value]]
            seed_spread = float(np.nanmean(level.values)) if level is not None and np.isfinite(level.values).any() else np.nan
            best = group[column].max() if results.maximize else group[column].min()
            rows.append({axis: value, "done": len(group), "mean": group[column].mean(), "best": best,
                         "seed_spread": seed_spread})
        tables[axis] = pd.DataFrame(rows)
    return tables


def importance(results):
    """Variance of each axis's marginal means, normalised (docs/report.md)."""
    done = results.done()
    column = results.score_column
    overall = done[column].mean()
    rows = []
    for axis in results.axes:
        groups = done.groupby(axis)[column]
        variance = float(((groups.mean() - overall) ** 2 * groups.size()).sum() / max(1, len(done)))
        rows.append({"axis": axis, "variance": variance})
    frame = pd.DataFrame(rows, columns=["axis", "variance"])
    total = frame["variance"].sum()
    frame["importance"] = frame["variance"] / total if total > 0 else np.nan
    return frame.sort_values("importance", ascending=False)


def _pruning_section(r):
    """The rungs, the compute saved and the pruned curves; nothing for a sweep
    that neither prunes nor stops early."""
    rungs, saving = pruning.rung_table(r), pruning.compute_saving(r)
    if rungs.empty and not saving["stopped_early"]:
        return []
    parts = ["<h2>Pruning</h2>",
             f'<p id="compute">{saving["steps_run"]} of the full grid\'s {saving["steps_full_grid"]} steps run '
             f'({100 * saving["compute_share"]:.1f}%); {saving["stopped_early"]} trial(s) stopped early '
             "by train.patience.</p>"]
    if not rungs.empty:
        parts.append(_table(rungs, "rungs"))
        parts.append(_figure("learning curves with pruned trials dashed",
                             _png(plots.plot_pruning(r).figure), "pruning"))
    return parts


def _constraints_section(r):
    """Each constraint's Pareto front, as a table and a plot with the
    feasible region shaded."""
    if not r.constraints:
        return []
    from .constraints import pareto_front
    done = r.done()
    parts = ["<h2>Constraints</h2>",
             f'<p id="constraints">{html.escape(", ".join(str(c) for c in r.constraints))}: met by '
             f'{int(done["feasible"].sum())} of {len(done)} done trials</p>']
    for k, c in enumerate(r.constraints):
        front = pareto_front(r, c)
        columns = ["trial"] + r.axes + [f"best/{c.metric}", r.score_column, "feasible"]
        parts.append(f"<h3>Pareto front: {html.escape(r.metric)} against {html.escape(c.metric)}</h3>")
        parts.append(_table(front[columns], f"pareto-{k}"))
        if not done.empty:
            parts.append(_figure(f"{r.metric} against {c.metric}", _png(plots.plot_pareto(r, c).figure),
                                 f"pareto-{k}"))
    return parts


def write_html_report(where, out, top_k=10):
    """Writes the report for the results file (or sweep dir) `where` to `out`."""
    r = where if isinstance(where, Results) else Results(where)
    counts = r.trials["status"].value_counts().reindex(r.trials["status"].cat.categories, fill_value=0)
    parts = []
    name = html.escape(r.name)
    parts.append(f"<h1>trawl sweep report: {name}</h1>")
    parts.append(f'<p id="meta">results: <code>{html.escape(r.path)}</code>; metric <b>{html.escape(r.metric)}</b> '
                 f"({html.escape(r.mode)}); {len(r.trials)} trials; generated "
                 f"{datetime.datetime.now().isoformat(timespec='seconds')}</p>")
    parts.append('<table id="status" class="data"><tr>' + "".join(f"<th>{html.escape(s)}</th>" for s in counts.index)
                 + "</tr><tr>" + "".join(f"<td>{int(c)}</td>" for c in counts.values) + "</tr></table>")

    top = r.top(top_k)
    columns = ["trial", "seed"] + r.axes + [r.score_column, f"final/{r.metric}", "best_step", "steps", "wall_seconds"]
    if r.constraints:
        columns += [f"best/{c.metric}" for c in r.constraints if c.metric != r.metric] + ["feasible"]
    parts.append(f"<h2>Top {len(top)} trials by {html.escape(r.score_column)}</h2>")
    parts.append(_table(top[columns], "top"))

    figures = []
    if not r.curves.empty:
        figures.append(("learning-curves", f"{r.metric} learning curves, best {min(top_k, 5)} highlighted",
                        _png(plots.plot_learning_curves(r, top_k=min(top_k, 5)).figure)))
    if not r.done().empty:
        if len(r.axes) >= 2:
            figures.append(("heatmap", f"{r.score_column} over {r.axes[0]} and {r.axes[1]} (mean over the rest)",
                            _png(plots.plot_heatmap(r, r.axes[0], r.axes[1]).figure)))
        figures.append(("effects", "per-axis effects with spread over seeds",
                        _png(plots.plot_effects(r)[0].figure)))
        if r.axes:
            figures.append(("parallel", "parallel coordinates",
                            _png(plots.plot_parallel_coordinates(r).figure)))
    parts.append("<h2>Plots</h2>")
    parts.extend(_figure(title, png, key) for key, title, png in figures)

    parts.append("<h2>Marginals</h2>")
    for axis, frame in marginals(r).items():
        parts.append(f"<h3>{html.escape(axis)}</h3>" + _table(frame, f"marginal-{axis}"))
    parts.append("<h2>Parameter importance</h2><p>Variance of each axis's marginal means, normalised "
                 "(docs/report.md).</p>" + _table(importance(r)[["axis", "importance", "variance"]], "importance"))

    parts.extend(_pruning_section(r))
    parts.extend(_constraints_section(r))

    problems = r.trials[r.trials["status"].isin(["failed", "diverged", "pruned"])]
    reasons = r.events[r.events["trial"] >= 0].groupby("trial")["message"].last()
    problems = problems.assign(reason=problems["trial"].map(reasons).fillna(""))
    parts.append("<h2>Failed, diverged and pruned trials</h2>")
    parts.append(_table(problems[["trial", "status"] + r.axes + ["seed", "reason"]], "problems")
                 if len(problems) else '<p id="problems">none</p>')
    parts.append("<h2>Sweep file</h2><pre id=\"sweep-file\">" + html.escape(r.sweep_file) + "</pre>")

    style = ("body{font-family:sans-serif;margin:2em;max-width:1100px}table.data{border-collapse:collapse;"
             "margin:0.5em 0}table.data td,table.data th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
             "figure{display:inline-block;margin:0.5em}img{max-width:100%}pre{background:#f4f4f4;padding:1em}")
    # Says on the page whether every embedded plot decoded, for people and tests.
    script = ("window.addEventListener('load',function(){var i=[].slice.call(document.images);"
              "var ok=i.filter(function(x){return x.complete&&x.naturalWidth>0}).length;"
              "document.getElementById('image-check').textContent=ok+' of '+i.length+' plots shown';});")
    document = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>trawl report: " + name + "</title>"
                f"<style>{style}</style><script>{script}</script></head><body>" + "\n".join(parts)
                + '<p id="image-check"></p></body></html>')
    with open(out, "w", encoding="utf-8") as f:
        f.write(document)
    return out
