"""Re-render reports, and put several runs side by side on one self-contained page.

Example:
    >>> from tfjourney.reports import report_runs
    >>> report_runs(["runs/reg-a", "runs/reg-b"])      # doctest: +SKIP
    PosixPath('runs/compare.html')
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tfjourney.reports.headline import headline
from tfjourney.reports.report import (
    REPORT_FILE,
    dataset_name,
    format_metric,
    lower_is_better,
    metric_label,
    read_history,
    render,
    run_name,
    write_report,
)
from tfjourney.runs import Run, load_run

COMPARE_FILE = "compare.html"


def report_runs(run_dirs: Sequence[Path | str], out: Path | str | None = None) -> Path:
    """One run: re-render its report.html. Several: each report plus a comparison page (returned)."""
    if not run_dirs:
        raise ValueError("report_runs needs at least one run folder")
    runs = [load_run(d) for d in run_dirs]
    reports = [write_report(run.path) for run in runs]
    if len(runs) == 1:
        return reports[0]
    out = Path(out) if out is not None else runs[0].path.resolve().parent / COMPARE_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render("compare.html.j2", v=_compare_view(runs, out)), encoding="utf-8")
    return out


def _metric_columns(runs: list[Run]) -> list[str]:
    """Scalar metrics in first-seen order, the model's own before its baselines."""
    names: list[str] = []
    for run in runs:
        names += [k for k, v in run.metrics.items() if _is_number(v) and k not in names]
    return sorted(names, key=lambda n: (n.startswith(("baseline_", "linear_")), names.index(n)))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _best(runs: list[Run], name: str) -> float | None:
    """The best value of a model metric across runs (None for baselines, where "best" means nothing)."""
    values = [run.metrics[name] for run in runs if _is_number(run.metrics.get(name))]
    if len(values) < 2 or name.startswith(("baseline_", "linear_")):
        return None
    return min(values) if lower_is_better(name) else max(values)


def _config_differences(runs: list[Run]) -> list[list[str]]:
    """Per run, "key=value" for every config entry that is not the same in all runs."""
    keys: list[str] = []
    for run in runs:
        keys += [k for k in (run.record.get("config") or {}) if k not in keys]
    differing = [k for k in keys if len({repr((r.record.get("config") or {}).get(k)) for r in runs}) > 1]
    return [[f"{k}={_short((run.record.get('config') or {}).get(k, '–'))}" for k in differing] for run in runs]


def _short(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value)


def _relative(target: Path, page: Path) -> str:
    """A link from the page to `target` that survives moving both together."""
    return Path(os.path.relpath(target.resolve(), page.resolve().parent)).as_posix()


def _overlay_png(runs: list[Run]) -> tuple[str | None, list[str]]:
    """Loss (and the shared headline metric) of every run on one figure; also the runs without history."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    histories = {run_name(run.path): read_history(run.path) for run in runs}
    missing = [name for name, h in histories.items() if not h or "loss" not in h]
    usable = {name: h for name, h in histories.items() if h and "loss" in h}
    if not usable:
        return None, missing
    panels = ["loss"] + [m for m in ("mae", "accuracy") if all(m in h for h in usable.values())][:1]
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 4.2), squeeze=False)
    colors = plt.get_cmap("tab10").colors
    for ax, metric in zip(axes[0], panels):
        for i, (name, history) in enumerate(usable.items()):
            color = colors[i % len(colors)]
            epochs = range(1, len(history[metric]) + 1)
            ax.plot(epochs, history[metric], color=color, linestyle="--", linewidth=1.3, alpha=0.8)
            if f"val_{metric}" in history:
                ax.plot(epochs, history[f"val_{metric}"], color=color, linewidth=2, label=name)
            else:
                ax.plot([], [], color=color, linewidth=2, label=name)
        ax.set(title=f"{metric_label(metric) if metric != 'loss' else 'Loss'}: validation solid, training dashed", xlabel="Epoch",
               ylabel=metric)
        ax.grid(alpha=0.3)
        ax.legend(title="run", fontsize=9)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(), missing


def _compare_view(runs: list[Run], out: Path) -> dict:
    """Rows of runs, metric columns with the best highlighted, config differences, overlaid curves."""
    columns = _metric_columns(runs)
    best = {name: _best(runs, name) for name in columns}
    differences = _config_differences(runs)
    rows = [
        {
            "name": run_name(run.path),
            "link": _relative(run.path / REPORT_FILE, out),
            "blueprint": run.blueprint,
            "dataset": dataset_name(run.record),
            "source": str((run.record.get("data") or {}).get("source", "?")),
            "headline": headline(run.blueprint, run.metrics, run.record),
            "cells": [
                {"text": format_metric(name, run.metrics.get(name)) if _is_number(run.metrics.get(name)) else "–",
                 "best": best[name] is not None and run.metrics.get(name) == best[name]}
                for name in columns
            ],
            "differences": diff,
        }
        for run, diff in zip(runs, differences)
    ]
    overlay, no_history = _overlay_png(runs)
    blueprints = sorted({run.blueprint for run in runs})
    fingerprints = {(run.record.get("data") or {}).get("fingerprint") for run in runs}
    return {
        "title": f"Comparing {len(runs)} runs",
        "rows": rows,
        "columns": [{"name": n, "label": metric_label(n), "direction": "lower is better" if lower_is_better(n) else "higher is better",
                     "baseline": n.startswith(("baseline_", "linear_"))} for n in columns],
        "mixed_blueprints": blueprints if len(blueprints) > 1 else [],
        "mixed_data": len(fingerprints) > 1,
        "overlay": overlay,
        "no_history": no_history,
    }
