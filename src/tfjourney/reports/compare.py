"""Re-render reports, and put several runs side by side on one self-contained page.

Example:
    >>> from tfjourney.reports import report_runs
    >>> report_runs(["runs/reg-a", "runs/reg-b"])      # doctest: +SKIP
    PosixPath('runs/compare.html')
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tfjourney.blueprints import format_value
from tfjourney.errors import ConfigError, RunFolderError
from tfjourney.reports.headline import headline, run_task
from tfjourney.reports.embedding import embed_figure, relative_link
from tfjourney.reports.formatting import format_metric, lower_is_better, metric_label
from tfjourney.reports.report import REPORT_FILE, render, write_report, written_by_tfjourney
from tfjourney.reports.views import dataset_name, read_history
from tfjourney.runs import Run, finished_name, load_run

COMPARE_FILE = "compare.html"


def report_runs(run_dirs: Sequence[Path | str], out: Path | str | None = None) -> Path:
    """One run: re-render its report.html. Several: each report plus a comparison page (returned)."""
    if not run_dirs:
        raise ValueError("report_runs needs at least one run folder")
    runs = [load_run(d) for d in run_dirs]
    reports = [write_report(run.path) for run in runs]
    if len(runs) == 1:
        if out is not None:
            raise ConfigError("`out` names a comparison page, which needs two or more runs; one run's report is always RUN_DIR/report.html.")
        return reports[0]
    out = compare_path(runs[0].path, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render("compare.html.j2", v=_compare_view(runs, out)), encoding="utf-8")
    return out


def compare_path(first_run: Path, out: Path | str | None) -> Path:
    """Where the comparison page goes: `out`, COMPARE_FILE inside `out` if it is a folder, else next to the first run.

    Raises RunFolderError rather than overwrite a file that tfjourney did not write.
    """
    path = Path(out) if out is not None else Path(first_run).resolve().parent / COMPARE_FILE
    if path.is_dir():
        path = path / COMPARE_FILE
    if path.exists() and not written_by_tfjourney(path):
        raise RunFolderError(f"{path} exists and was not written by tfjourney; pass another `out` (a new file or a folder).")
    return path


def _metric_columns(runs: list[Run]) -> list[str]:
    """Scalar metrics present in at least one run, in first-seen order, the model's own before its baselines."""
    names: list[str] = []
    for run in runs:
        names += [k for k, v in run.metrics.items() if _is_number(v) and k not in names]
    return sorted(names, key=lambda n: (n.startswith(("baseline_", "linear_", "gbm_")), names.index(n)))


# Shorter column headings for the comparison table, so a family's metrics fit side by side.
_SHORT_LABELS = {
    "baseline_mae": "Mean predictor",
    "linear_mae": "Linear reg.",
    "baseline_accuracy": "Majority class",
    "linear_accuracy": "Logistic reg.",
    "gbm_mae": "Grad. boosting",
    "gbm_accuracy": "Grad. boosting",
    "phase1_accuracy": "Frozen backbone",
    "fine_tune_accuracy": "Fine-tuned",
    "top_5_accuracy": "Top-5",
}


def _family(run: Run) -> str:
    """The run's task ("regression", "classification", image runs too, "forecast"): runs of one task share metrics, so they share a table."""
    task = run_task(run.blueprint, run.metrics)
    return task.name if task is not None else "other"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _best(runs: list[Run], name: str) -> float | None:
    """The best value of a model metric across runs (None for baselines, where "best" means nothing)."""
    values = [run.metrics[name] for run in runs if _is_number(run.metrics.get(name))]
    if len(values) < 2 or name.startswith(("baseline_", "linear_", "gbm_")):
        return None
    return min(values) if lower_is_better(name) else max(values)


def _config_differences(runs: list[Run]) -> tuple[list[list[str]], list[int]]:
    """Per run, "key=value" for config keys that at least two runs have and that differ among those runs.

    Keys only one run has (settings specific to its blueprint) are not differences; each run gets their count instead.
    """
    configs = [run.record.get("config") or {} for run in runs]
    keys: list[str] = []
    for config in configs:
        keys += [k for k in config if k not in keys]
    holders = {k: [i for i, config in enumerate(configs) if k in config] for k in keys}
    differing = [k for k in keys if len(holders[k]) >= 2 and len({repr(configs[i][k]) for i in holders[k]}) > 1]
    own = [sum(1 for k in config if len(holders[k]) < 2) for config in configs]
    differences = [[f"{k}={format_value(config[k])}" for k in differing if k in config] for config in configs]
    return differences, own


def _same_objective(runs: list[Run]) -> bool:
    """True when every run has the same blueprint and loss, so their loss values share one scale."""
    keys = {(run.blueprint, str((run.record.get("config") or {}).get("loss", "")), str((run.record.get("data") or {}).get("task", "")))
            for run in runs}
    return len(keys) == 1


def _draw(ax, history: dict, metric: str, color, name: str) -> None:
    epochs = range(1, len(history[metric]) + 1)
    ax.plot(epochs, history[metric], color=color, linestyle="--", linewidth=1.3, alpha=0.8)
    if f"val_{metric}" in history:
        ax.plot(epochs, history[f"val_{metric}"], color=color, linewidth=2, label=name)
    else:
        ax.plot([], [], color=color, linewidth=2, label=name)


def _overlay_png(runs: list[Run]) -> tuple[str | None, list[str], bool]:
    """Loss curves of every run, and the runs without history.

    One shared figure (plus the shared headline metric) when all runs have the same blueprint and loss; otherwise
    small multiples, one panel per run in the same colours, because losses of different objectives do not share a
    scale. The third value says which was drawn (True: small multiples).
    """
    from matplotlib.ticker import MaxNLocator

    from tfjourney.plots import plt

    histories = {finished_name(run.path): read_history(run.path) for run in runs}
    blueprints = {finished_name(run.path): run.blueprint for run in runs}
    missing = [name for name, h in histories.items() if not h or "loss" not in h]
    colors = plt.get_cmap("tab10").colors
    color_of = {name: colors[i % len(colors)] for i, name in enumerate(histories)}
    usable = {name: h for name, h in histories.items() if h and "loss" in h}
    if not usable:
        return None, missing, False
    if not _same_objective(runs):
        cols = min(3, len(usable))
        rows = -(-len(usable) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4.3 * cols, 3.3 * rows), squeeze=False)
        for ax in axes.ravel()[len(usable):]:
            ax.axis("off")
        for ax, (name, history) in zip(axes.ravel(), usable.items()):
            _draw(ax, history, "loss", color_of[name], name)
            ax.set_title(f"{name} ({blueprints[name]})", color=color_of[name], fontsize=11, fontweight="bold")
            ax.set(xlabel="Epoch", ylabel="loss")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
        fig.suptitle("Loss of each run on its own scale: validation solid, training dashed", fontsize=12)
        fig.tight_layout()
        return embed_figure(fig), missing, True
    panels = ["loss"] + [m for m in ("mae", "accuracy") if all(m in h for h in usable.values())][:1]
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 4.2), squeeze=False)
    for ax, metric in zip(axes[0], panels):
        for name, history in usable.items():
            _draw(ax, history, metric, color_of[name], name)
        ax.set(title=f"{metric_label(metric) if metric != 'loss' else 'Loss'}: validation solid, training dashed", xlabel="Epoch",
               ylabel=metric)
        ax.grid(alpha=0.3)
        ax.legend(title="run", fontsize=9)
    fig.tight_layout()
    return embed_figure(fig), missing, False


def _metric_table(runs: list[Run], rows: list[dict], title: str) -> dict:
    """One table for runs of one family: only metrics some of them have, the best value of each column marked."""
    columns = _metric_columns(runs)
    best = {name: _best(runs, name) for name in columns}
    return {
        "title": title,
        "columns": [{"name": n, "label": _SHORT_LABELS.get(n, metric_label(n)), "full": metric_label(n),
                     "direction": "lower is better" if lower_is_better(n) else "higher is better",
                     "baseline": n.startswith(("baseline_", "linear_", "gbm_"))} for n in columns],
        "rows": [
            {"name": row["name"], "link": row["link"], "blueprint": row["blueprint"],
             "cells": [{"text": format_metric(name, run.metrics.get(name)) if _is_number(run.metrics.get(name)) else "–",
                        "best": best[name] is not None and run.metrics.get(name) == best[name]} for name in columns]}
            for run, row in zip(runs, rows)
        ],
    }


def comparison_html(run_dirs: Sequence[Path | str], *, links: Sequence[str]) -> str:
    """The comparison page of two or more runs as HTML text, writing nothing (the studio serves it).

    Args:
        run_dirs: the run folders, in the order of the page's rows.
        links: where each run's name links to (e.g. the studio's URL of its report).
    """
    if len(run_dirs) < 2 or len(links) != len(run_dirs):
        raise ConfigError("a comparison needs two or more runs, and one link per run.")
    runs = [load_run(d) for d in run_dirs]
    return render("compare.html.j2", v=_compare_view(runs, Path(runs[0].path).parent / COMPARE_FILE, links=list(links)))


def _compare_view(runs: list[Run], out: Path, links: list[str] | None = None) -> dict:
    """Rows of runs, metric tables (one per family) with the best highlighted, config differences, loss curves."""
    differences, own = _config_differences(runs)
    links = links or [relative_link(run.path / REPORT_FILE, out) for run in runs]
    rows = [
        {
            "name": finished_name(run.path),
            "link": link,
            "blueprint": run.blueprint,
            "dataset": dataset_name(run.record),
            "source": str((run.record.get("data") or {}).get("source", "?")),
            "headline": headline(run.blueprint, run.metrics),
            "differences": diff,
            "own_settings": n_own,
        }
        for run, link, diff, n_own in zip(runs, links, differences, own)
    ]
    families: dict[str, list[int]] = {}
    for i, run in enumerate(runs):
        families.setdefault(_family(run), []).append(i)
    titles = {"regression": "Regression runs", "classification": "Classification runs"}
    tables = [
        _metric_table([runs[i] for i in members], [rows[i] for i in members], titles[family] if len(families) > 1 else "")
        for family, members in families.items()
    ]
    overlay, no_history, separate = _overlay_png(runs)
    blueprints = sorted({run.blueprint for run in runs})
    fingerprints = {(run.record.get("data") or {}).get("fingerprint") for run in runs}
    return {
        "title": f"Comparing {len(runs)} runs",
        "rows": rows,
        "tables": tables,
        "mixed_blueprints": blueprints if len(blueprints) > 1 else [],
        "mixed_data": len(fingerprints) > 1,
        "overlay": overlay,
        "separate_curves": separate,
        "no_history": no_history,
    }
