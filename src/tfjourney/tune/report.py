"""The study folder's files: trials.csv, study.json, plots/ (best so far, each parameter, importance) and report.html.

Everything is read back from the study itself, so the page can be rewritten at any time
(each `tune` call that ends its search rewrites it).

Example:
    >>> write_study_report(study, Path("studies/regression-insurance"), result=result, search=search, space=space)
    PosixPath('studies/regression-insurance/report.html')
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from tfjourney.blueprints import format_value
from tfjourney.plots import save_figure
from tfjourney.reports.embedding import embed_png
from tfjourney.reports.report import render
from tfjourney.runs import METRICS_FILE, REPORT_FILE, write_json

TRIALS_FILE = "trials.csv"
STUDY_FILE = "study.json"


def trials_frame(study) -> pd.DataFrame:
    """One row per trial: number, state, score, seconds, epochs, each parameter; pruned and failed trials included."""
    rows = []
    for trial in study.get_trials(deepcopy=False):
        duration = trial.duration.total_seconds() if trial.duration is not None else None
        rows.append({
            "number": trial.number, "state": trial.state.name.lower(), "value": trial.value,
            "seconds": duration, "epochs": trial.user_attrs.get("epochs", len(trial.intermediate_values) or None),
            "default": bool(trial.user_attrs.get("default")), "started": trial.datetime_start,
            **{f"param_{k}": v for k, v in trial.params.items()},
        })
    return pd.DataFrame(rows)


def importance(study, seed: int = 0) -> dict[str, float]:
    """Each parameter's share of the score's variance (Optuna's fANOVA); empty while too few trials differ."""
    import optuna

    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(complete) < 3:
        return {}
    try:
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=seed)
        return {k: float(v) for k, v in optuna.importance.get_param_importances(study, evaluator=evaluator).items()}
    except (ValueError, RuntimeError):  # e.g. every trial with the same value
        return {}


def plot_best_so_far(frame: pd.DataFrame, direction: str, metric: str, path: Path) -> None:
    """Every finished trial's validation score, and the best so far as a step line."""
    done = frame[frame["state"] == "complete"].sort_values("number")
    fig, ax = plt.subplots(figsize=(7, 4))
    if len(done):
        values = done["value"].to_numpy(dtype=float)
        best = np.minimum.accumulate(values) if direction == "minimize" else np.maximum.accumulate(values)
        ax.scatter(done["number"], values, s=18, color="#9aa5b8", label="trial")
        ax.step(done["number"], best, where="post", color="#1f77b4", linewidth=2, label="best so far")
        default = done[done["default"]]
        if len(default):
            ax.axhline(float(default["value"].iloc[0]), color="#ff7f0e", linestyle="--", linewidth=1, label="blueprint defaults (trial 0)")
        _limit_outliers(ax, values, direction)
        ax.legend(loc="best", fontsize=9)
    ax.set_xlabel("trial")
    ax.set_ylabel(f"validation {metric}")
    ax.set_title("Best so far")
    save_figure(fig, path)


def _limit_outliers(ax, values: np.ndarray, direction: str) -> None:
    """Diverged trials (huge errors) would squash the interesting part of the axis: clip at a generous quantile."""
    if direction != "minimize" or len(values) < 5:
        return
    low, high = float(np.min(values)), float(np.quantile(values, 0.9))
    if high > low:
        ax.set_ylim(low - 0.05 * (high - low), high + 0.1 * (high - low))


def plot_parameters(frame: pd.DataFrame, space, metric: str, path: Path) -> None:
    """Each searched parameter against the validation score (log x for log-scale ranges)."""
    done = frame[frame["state"] == "complete"]
    columns = [c for c in frame.columns if c.startswith("param_")]
    n = max(len(columns), 1)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    values = done["value"].to_numpy(dtype=float) if len(done) else np.array([])
    for ax, column in zip(axes.flat, columns):
        name = column.removeprefix("param_")
        x = done[column]
        if pd.api.types.is_numeric_dtype(x) and x.nunique() > 4:
            ax.scatter(x, values, s=16, color="#1f77b4")
            spec = space.searched.get(name)
            if spec is not None and spec.log:
                ax.set_xscale("log")
        else:
            labels = sorted(x.astype(str).unique())
            positions = x.astype(str).map({label: i for i, label in enumerate(labels)}).to_numpy(dtype=float)
            jitter = np.random.default_rng(0).uniform(-0.12, 0.12, len(positions))
            ax.scatter(positions + jitter, values, s=16, color="#1f77b4")
            ax.set_xticks(range(len(labels)), labels)
        if len(values):
            _limit_outliers(ax, values, "minimize" if metric == "mae" else "maximize")
        ax.set_xlabel(name)
        ax.set_ylabel(f"validation {metric}")
    for ax in list(axes.flat)[len(columns):]:
        ax.axis("off")
    fig.suptitle("Each parameter against the score (completed trials)")
    save_figure(fig, path)


def plot_importance(importances: dict[str, float], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 0.5 * max(len(importances), 2) + 1))
    names = list(importances)[::-1]
    ax.barh(names, [importances[n] for n in names], color="#1f77b4")
    ax.set_xlabel("share of the score's variance (fANOVA)")
    ax.set_title("Parameter importance")
    save_figure(fig, path)


def comparison_rows(result, search, run_metrics: dict | None) -> list[dict[str, Any]]:
    """Best vs the defaults vs reference models, on the same validation split (and the best run on the test split)."""
    metric = search.metric
    rows = [
        {"name": "Blueprint defaults (trial 0)", "validation": result.default_value, "test": None},
        {"name": f"Best trial ({result.best_trial})", "validation": result.best_value,
         "test": (run_metrics or {}).get(metric)},
    ]
    for name, value in search.baselines.items():
        key = {"gradient boosting": f"gbm_{metric}"}.get(name)
        rows.append({"name": name.capitalize(), "validation": value, "test": (run_metrics or {}).get(key) if key else None})
    return rows


def write_study_report(study, folder: Path, *, result, search, space) -> Path:
    """Write trials.csv, study.json, plots/*.png and report.html into the study folder.

    Args:
        study: the `optuna.Study`.
        folder: the study folder.
        result: the `TuneResult` (counts, best trial, best run folder, redacted storage).
        search: the `Search` (metric, direction, baselines).
        space: the `SearchSpace` searched.

    Returns:
        The report page's path.
    """
    folder = Path(folder)
    plots = folder / "plots"
    plots.mkdir(parents=True, exist_ok=True)
    frame = trials_frame(study)
    frame.to_csv(folder / TRIALS_FILE, index=False)
    importances = importance(study, seed=search.seed)
    plot_best_so_far(frame, search.direction, search.metric, plots / "best_so_far.png")
    plot_parameters(frame, space, search.metric, plots / "parameters.png")
    if importances:
        plot_importance(importances, plots / "importance.png")
    run_metrics = None
    if result.run_dir is not None and (Path(result.run_dir) / METRICS_FILE).is_file():
        run_metrics = json.loads((Path(result.run_dir) / METRICS_FILE).read_text())
    comparison = comparison_rows(result, search, run_metrics)
    summary = {
        "study": result.study, "storage": result.storage, "blueprint": search.blueprint, "metric": f"validation {search.metric}",
        "direction": search.direction, "trials": {"complete": result.finished, "pruned": result.pruned, "failed": result.failed},
        "best_trial": result.best_trial, "best_value": result.best_value, "default_value": result.default_value,
        "best_config": _readable(space.config_values(study.best_trial.params)) if result.best_trial is not None else {},
        "space": space.to_dict(), "importance": importances, "comparison": comparison,
        "best_run": str(result.run_dir) if result.run_dir else None,
    }
    write_json(folder / STUDY_FILE, summary)
    view = {
        **summary, "title": f"Study {result.study}",
        "figures": [{"title": t, "src": embed_png(plots / f)} for t, f in (
            ("Best so far", "best_so_far.png"), ("Parameters", "parameters.png"), ("Importance", "importance.png")) if (plots / f).is_file()],
        "trials_rows": frame.sort_values("number").to_dict("records"),
        "param_columns": [c for c in frame.columns if c.startswith("param_")],
        "best_link": _relative_link(folder, result.run_dir),
        "space_rows": [{"key": k, "space": s.describe()} for k, s in space.searched.items()],
        "fixed_rows": [{"key": k, "value": v} for k, v in space.fixed.items()],
    }
    path = folder / REPORT_FILE
    path.write_text(render("study.html.j2", v=view), encoding="utf-8")
    return path


def _readable(values: dict[str, Any]) -> dict[str, Any]:
    """Config values as people read them: 0.0154 rather than 0.015382308040279003, 59,59 for a tuple."""
    return {key: format_value(round(value, 6) if isinstance(value, float) else value) if isinstance(value, (float, tuple)) else value
            for key, value in values.items()}


def _relative_link(folder: Path, run_dir: Path | None) -> str | None:
    if run_dir is None:
        return None
    try:
        return (Path(run_dir).resolve().relative_to(folder.resolve()) / REPORT_FILE).as_posix()
    except ValueError:
        return (Path(run_dir).resolve() / REPORT_FILE).as_uri()
