"""Analysis of trawl results files: pandas tables, plots, an HTML report."""
from .results import Results, load_curves, load_events, load_trials, open_results
from .constraints import Constraint, pareto_front
from .plots import (plot_effects, plot_heatmap, plot_learning_curves, plot_parallel_coordinates, plot_pareto,
                    plot_pruning)
from .pruning import compute_saving, rung_table
from .html import write_html_report

__all__ = [
    "Results", "open_results", "load_trials", "load_curves", "load_events",
    "plot_learning_curves", "plot_heatmap", "plot_effects", "plot_parallel_coordinates", "plot_pruning",
    "plot_pareto", "Constraint", "pareto_front",
    "rung_table", "compute_saving",
    "write_html_report",
]
