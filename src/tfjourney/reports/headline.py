"""The one sentence every report opens with: the headline metric against its baselines."""

from __future__ import annotations

import numpy as np


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _times_better(ours: float, theirs: float) -> str:
    if ours <= 0:
        return "perfect"
    ratio = theirs / ours
    return f"{ratio:.1f}× better than" if ratio >= 1 else f"{1 / ratio:.1f}× worse than"


def _vs_gbm(ours: float, theirs: float, lower_is_better: bool) -> str:
    """Said plainly: gradient boosting is the honest bar for a network on a table."""
    if np.isclose(ours, theirs, rtol=1e-3, atol=1e-9):
        return "a tie"
    wins = ours < theirs if lower_is_better else ours > theirs
    return "the network wins" if wins else "gradient boosting wins"


def headline(blueprint: str, metrics: dict) -> str:
    """E.g. "MAE 1,742 — 5.5× better than predicting the mean, 2.4× better than linear regression"."""
    if "mae" in metrics:
        parts = [f"MAE {_number(metrics['mae'])}"]
        comparisons = []
        if "baseline_mae" in metrics:
            comparisons.append(f"{_times_better(metrics['mae'], metrics['baseline_mae'])} predicting the mean ({_number(metrics['baseline_mae'])})")
        if "linear_mae" in metrics:
            comparisons.append(f"{_times_better(metrics['mae'], metrics['linear_mae'])} linear regression ({_number(metrics['linear_mae'])})")
        if "gbm_mae" in metrics:
            comparisons.append(f"vs gradient boosting {_number(metrics['gbm_mae'])} ({_vs_gbm(metrics['mae'], metrics['gbm_mae'], lower_is_better=True)})")
        return " — ".join([parts[0], ", ".join(comparisons)]) if comparisons else parts[0]
    accuracy = metrics.get("accuracy")
    if accuracy is None:
        return f"{blueprint} run"
    text = f"Accuracy {accuracy:.1%}"
    comparisons = []
    if "baseline_accuracy" in metrics:
        comparisons.append(f"vs {metrics['baseline_accuracy']:.1%} for always predicting the most common class")
    if "linear_accuracy" in metrics:
        comparisons.append(f"{metrics['linear_accuracy']:.1%} for logistic regression")
    if "gbm_accuracy" in metrics:
        comparisons.append(f"vs gradient boosting {metrics['gbm_accuracy']:.1%} ({_vs_gbm(accuracy, metrics['gbm_accuracy'], lower_is_better=False)})")
    if "phase1_accuracy" in metrics and "fine_tune_accuracy" in metrics:
        comparisons.append(f"{metrics['phase1_accuracy']:.1%} after feature extraction alone")
    return f"{text} — {', '.join(comparisons)}" if comparisons else text
