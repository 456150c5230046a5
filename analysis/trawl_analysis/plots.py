"""Plots of a sweep. Each function takes a Results and returns the Axes it drew on."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _axes(ax, size=(7, 4.5)):
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=size)
    return ax


def plot_learning_curves(results, metric=None, top_k=5, ax=None):
    """Every trial's curve of `metric` (default: the sweep's) in grey, the
    best `top_k` trials (by best/<sweep.metric>) highlighted and labelled."""
    metric = metric or results.metric
    ax = _axes(ax)
    curves = results.curves[results.curves["metric"] == metric]
    top = list(results.top(top_k)["trial"])
    pruned = set(results.trials.loc[results.trials["status"] == "pruned", "trial"])
    for trial, c in curves.groupby("trial"):
        if trial not in top:  # pruned trials dashed, so a halving sweep's cuts show
            ax.plot(c["step"], c["value"], color="0.75", linewidth=0.8, zorder=1,
                    linestyle="--" if trial in pruned else "-")
    colors = plt.cm.viridis(np.linspace(0, 0.9, max(1, len(top))))
    for color, trial in zip(colors, top):
        c = curves[curves["trial"] == trial]
        ax.plot(c["step"], c["value"], color=color, linewidth=2, label=f"trial {trial}", zorder=2)
    ax.set_xlabel("step")
    ax.set_ylabel(metric)
    ax.set_title(f"{metric}: all trials, best {len(top)} highlighted")
    if top:
        ax.legend(fontsize="small")
    return ax


def _score(results, metric):
    return f"best/{metric or results.metric}"


def plot_heatmap(results, x, y, metric=None, agg="mean", ax=None):
    """The metric over two axes, aggregated (`agg`: mean, max, min, median)
    over every other axis and the seeds, from done trials."""
    column = _score(results, metric)
    for axis in (x, y):
        if axis not in results.axes:
            raise ValueError(f"{axis!r} is not an axis of this sweep; axes are {', '.join(results.axes)}")
    done = results.done()
    table = done.pivot_table(index=y, columns=x, values=column, aggfunc=agg)
    ax = _axes(ax, (6, 5))
    image = ax.imshow(table.values, cmap="viridis", aspect="auto", origin="lower")
    ax.set_xticks(range(len(table.columns)), [str(v) for v in table.columns], rotation=45, ha="right")
    ax.set_yticks(range(len(table.index)), [str(v) for v in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    for (i, j), value in np.ndenumerate(table.values):
        if np.isfinite(value):
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", color="white", fontsize="small")
    ax.figure.colorbar(image, ax=ax, label=f"{agg} {column}")
    ax.set_title(f"{column} by {y} and {x}")
    return ax


def plot_effects(results, metric=None, axes=None):
    """One panel per axis: the mean metric of done trials for each value,
    with error bars of the spread over seeds (std across seeds of each grid
    point, averaged over the points with that value)."""
    column = _score(results, metric)
    names = results.axes or ["seed"]
    if axes is None:
        fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.4), squeeze=False)
        axes = axes[0]
    done = results.done()
    point = [a for a in results.axes]
    spread = done.groupby(point)[column].std() if point else pd.Series(dtype=float)
    for ax, axis in zip(axes, names):
        means = done.groupby(axis)[column].mean()
        errors = []
        for value in means.index:
            if point and len(spread):
                level = spread.xs(value, level=axis) if len(point) > 1 else spread.loc[[value]]
                errors.append(np.nanmean(level.values) if np.isfinite(level.values).any() else 0.0)
            else:
                errors.append(0.0)
        positions = range(len(means))
        ax.errorbar(positions, means.values, yerr=errors, marker="o", capsize=4)
        ax.set_xticks(positions, [str(v) for v in means.index], rotation=45, ha="right")
        ax.set_xlabel(axis)
        ax.set_ylabel(f"mean {column}")
    return axes


def plot_parallel_coordinates(results, metric=None, ax=None):
    """Each done trial as a line across its axis values (each axis scaled to
    [0, 1] by value rank) and the metric, coloured by the metric."""
    column = _score(results, metric)
    done = results.done()
    ax = _axes(ax, (8, 4.5))
    names = list(results.axes) + [column]
    if done.empty:
        ax.set_title("no done trials yet")
        return ax
    scaled = {}
    for axis in results.axes:
        values = sorted(done[axis].unique(), key=lambda v: (isinstance(v, str), v))
        position = {v: (i / (len(values) - 1) if len(values) > 1 else 0.5) for i, v in enumerate(values)}
        scaled[axis] = done[axis].map(position).values
        for v, p in position.items():
            ax.annotate(str(v), (names.index(axis), p), fontsize="x-small", xytext=(3, 0), textcoords="offset points")
    score = done[column].values
    low, high = np.nanmin(score), np.nanmax(score)
    scaled[column] = (score - low) / (high - low) if high > low else np.full(len(score), 0.5)
    colors = plt.cm.viridis(scaled[column])
    for row in range(len(done)):
        ax.plot(range(len(names)), [scaled[n][row] for n in names], color=colors[row], alpha=0.7)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set_yticks([])
    ax.set_title(f"parallel coordinates, coloured by {column} ({low:.3g} to {high:.3g})")
    return ax


def plot_pruning(results, metric=None, ax=None):
    """Learning curves of a pruned sweep: pruned trials dashed grey, trials
    that went on in colour, each rung a vertical line, and the compute saved
    in the title."""
    from .pruning import compute_saving, rung_table

    metric = metric or results.metric
    ax = _axes(ax)
    curves = results.curves[results.curves["metric"] == metric]
    status = dict(zip(results.trials["trial"], results.trials["status"]))
    for trial, c in curves.groupby("trial"):
        if status.get(trial) == "pruned":
            ax.plot(c["step"], c["value"], color="0.6", linestyle="--", linewidth=0.8, zorder=1)
        else:
            ax.plot(c["step"], c["value"], linewidth=1.6, zorder=2)
    for step in rung_table(results)["step"]:
        ax.axvline(step, color="tab:red", linewidth=0.8, alpha=0.6)
    saving = compute_saving(results)
    ax.set_xlabel("step")
    ax.set_ylabel(metric)
    ax.set_title(f"{metric}: pruned trials dashed, rungs in red; "
                 f"{100 * saving['compute_share']:.1f}% of the full grid's steps run")
    return ax


def plot_pareto(results, constraint, ax=None):
    """Done trials by best/<constraint.metric> (x) and the sweep's score (y):
    the region the constraint allows shaded, the Pareto front joined, and
    trials that break any constraint hollow."""
    from .constraints import pareto_front
    ax = _axes(ax)
    done = results.done()
    x, y = f"best/{constraint.metric}", results.score_column
    ok = done["feasible"].to_numpy()
    ax.scatter(done[x][ok], done[y][ok], color="tab:blue", s=18, label="meets every constraint")
    ax.scatter(done[x][~ok], done[y][~ok], facecolors="none", edgecolors="tab:gray", s=18, label="breaks one")
    front = pareto_front(results, constraint)
    ax.plot(front[x], front[y], color="tab:red", marker="o", markersize=4, label="Pareto front")
    if constraint.lower_is_better:
        ax.axvspan(ax.get_xlim()[0], constraint.bound, color="tab:green", alpha=0.12, label=f"{constraint}")
    else:
        ax.axvspan(constraint.bound, ax.get_xlim()[1], color="tab:green", alpha=0.12, label=f"{constraint}")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{results.metric} against {constraint.metric}")
    ax.legend(fontsize="small")
    return ax
