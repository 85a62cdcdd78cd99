"""The one sentence every report opens with: the headline metric against its baselines."""

from __future__ import annotations

import numpy as np

from tfjourney.registry import registration_for
from tfjourney.tasks import Task, task_of_metrics


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _times_better(ours: float, theirs: float) -> str:
    if ours <= 0:
        return "perfect"
    ratio = theirs / ours
    return f"{ratio:.1f}× better than" if ratio >= 1 else f"{1 / ratio:.1f}× worse than"


def _vs_baseline(ours: float, theirs: float, baseline: str, lower_is_better: bool) -> str:
    """Said plainly: gradient boosting (tables) or naive Bayes (text) is the honest bar for a network."""
    if np.isclose(ours, theirs, rtol=1e-3, atol=1e-9):
        return "a tie"
    wins = ours < theirs if lower_is_better else ours > theirs
    return "the network wins" if wins else f"{baseline} wins"


def run_task(blueprint: str, metrics: dict) -> Task | None:
    """The task of a run: its blueprint's registration says; for an unknown blueprint, its metrics do."""
    registration = registration_for(blueprint)
    return registration.task_spec if registration is not None else task_of_metrics(metrics)


def headline(blueprint: str, metrics: dict) -> str:
    """E.g. "MAE 1,742 — 5.5× better than predicting the mean, 2.4× better than linear regression"."""
    task = run_task(blueprint, metrics)
    if task is None or task.primary_value(metrics) is None:
        return f"{blueprint} run"
    return _HEADLINES.get(task.name, _generic)(task, metrics)


def _generic(task: Task, metrics: dict) -> str:
    """"MASE 0.812 — vs naive mase 1.00, seasonal naive mase 1.12": the primary metric against each baseline present."""
    ours = task.primary_value(metrics)
    parts = [f"{key.removesuffix('_' + task.primary).replace('_', ' ')} {_number(float(metrics[key]))}"
             for key in task.baselines if isinstance(metrics.get(key), (int, float))]
    text = f"{task.primary.upper()} {_number(ours)}"
    return f"{text} — vs {', '.join(parts)}" if parts else text


def _regression(task: Task, metrics: dict) -> str:
    mae = metrics["mae"]
    comparisons = []
    if "baseline_mae" in metrics:
        comparisons.append(f"{_times_better(mae, metrics['baseline_mae'])} predicting the mean ({_number(metrics['baseline_mae'])})")
    if "linear_mae" in metrics:
        comparisons.append(f"{_times_better(mae, metrics['linear_mae'])} linear regression ({_number(metrics['linear_mae'])})")
    if "gbm_mae" in metrics:
        comparisons.append(f"vs gradient boosting {_number(metrics['gbm_mae'])} ({_vs_baseline(mae, metrics['gbm_mae'], 'gradient boosting', lower_is_better=True)})")
    return f"MAE {_number(mae)} — {', '.join(comparisons)}" if comparisons else f"MAE {_number(mae)}"


def _classification(task: Task, metrics: dict) -> str:
    accuracy = metrics["accuracy"]
    text = f"Accuracy {accuracy:.1%}"
    comparisons = []
    if "baseline_accuracy" in metrics:
        comparisons.append(f"vs {metrics['baseline_accuracy']:.1%} for always predicting the most common class")
    if "linear_accuracy" in metrics:
        comparisons.append(f"{metrics['linear_accuracy']:.1%} for logistic regression")
    if "nb_accuracy" in metrics:
        comparisons.append(f"vs naive Bayes {metrics['nb_accuracy']:.1%} ({_vs_baseline(accuracy, metrics['nb_accuracy'], 'naive Bayes', lower_is_better=False)})")
    if "gbm_accuracy" in metrics:
        comparisons.append(f"vs gradient boosting {metrics['gbm_accuracy']:.1%} ({_vs_baseline(accuracy, metrics['gbm_accuracy'], 'gradient boosting', lower_is_better=False)})")
    if "phase1_accuracy" in metrics and "fine_tune_accuracy" in metrics:
        comparisons.append(f"{metrics['phase1_accuracy']:.1%} after feature extraction alone")
    return f"{text} — {', '.join(comparisons)}" if comparisons else text


_HEADLINES = {"regression": _regression, "classification": _classification}
