"""Successive halving and patience in a results file: the rung table and the
compute saved, as `trawl status` and `trawl report` print them
(docs/pruning.md)."""
try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

import pandas as pd


def prune_settings(results):
    """(rule, min_steps, reduction, train.steps) from the recorded sweep file."""
    spec = tomllib.loads(results.sweep_file)
    prune = spec.get("prune", {})
    return (prune.get("rule", "none"), int(prune.get("min_steps", 0)), int(prune.get("reduction", 3)),
            int(spec.get("train", {}).get("steps", 1000)))


def rung_table(results):
    """One row per rung reached: rung, step, reached, promoted, pruned, waiting."""
    rule, min_steps, reduction, _ = prune_settings(results)
    columns = ["rung", "step", "reached", "promoted", "pruned", "waiting"]
    t = results.trials
    if rule != "halving" or "rung" not in t:
        return pd.DataFrame(columns=columns)
    rows = []
    for k in range(int(t["rung"].max()) + 1):
        promoted = int((t["rung"] > k).sum())
        at = t[t["rung"] == k]
        pruned, waiting = int((at["status"] == "pruned").sum()), int((at["status"] == "paused").sum())
        if promoted + pruned + waiting:
            rows.append([k, min_steps * reduction ** k, promoted + pruned + waiting, promoted, pruned, waiting])
    return pd.DataFrame(rows, columns=columns)


def compute_saving(results):
    """Steps run against what the full grid would run (every trial's train.steps)."""
    _, _, _, steps = prune_settings(results)
    t = results.trials
    full = int(t["train.steps"].sum()) if "train.steps" in t else steps * len(t)
    run = int(t["steps"].sum())
    stopped = int(t["stopped_early"].sum()) if "stopped_early" in t else 0
    return {"steps_run": run, "steps_full_grid": full, "compute_share": run / full if full else 0.0,
            "stopped_early": stopped}
