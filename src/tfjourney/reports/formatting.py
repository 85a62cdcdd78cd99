"""How numbers, metrics, durations and config values read on every page (Jinja filters too).

Example:
    >>> format_metric("accuracy", 0.9731)
    '97.3%'
    >>> format_seconds(125)
    '2 min 05 s'
"""

from __future__ import annotations

import json
import math
from typing import Any

from markupsafe import Markup, escape

from tfjourney.errors import show_setting_names

# Display names and one-line explanations for metrics a learner meets on the journey.
_METRIC_LABELS = {
    "mae": ("MAE", "mean absolute error, in target units; lower is better"),
    "mse": ("MSE", "mean squared error; punishes big misses; lower is better"),
    "rmse": ("RMSE", "root mean squared error, in target units"),
    "r2": ("R²", "share of the target's variance explained (1 is perfect)"),
    "accuracy": ("Accuracy", "share of test examples classified correctly"),
    "precision": ("Precision", "of those predicted positive, how many were right"),
    "recall": ("Recall", "of the real positives, how many were found"),
    "f1": ("F1", "harmonic mean of precision and recall"),
    "roc_auc": ("ROC AUC", "ranking quality; 0.5 is chance, 1 is perfect"),
    "loss": ("Loss", "the training objective on the test split"),
    "top_5_accuracy": ("Top-5 accuracy", "true class among the 5 most likely"),
    "phase1_accuracy": ("After feature extraction", "accuracy with the backbone frozen"),
    "fine_tune_accuracy": ("After fine-tuning", "accuracy once top layers are unfrozen"),
    "tta_accuracy": ("With test-time augmentation", "accuracy when each test image's prediction is averaged with its mirror image's"),
    "mase": ("MASE", "test MAE / the naive forecast's in-sample one-step MAE on the training part (Hyndman); lower is better"),
    "naive_mase": ("Naive forecast", "MASE of forecasting the last value"),
    "seasonal_naive_mase": ("Seasonal naive", "MASE of forecasting the value one season earlier"),
    "moving_average_mase": ("Moving average", "MASE of forecasting the mean of the window"),
    "mape": ("MAPE", "mean absolute percentage error (%)"),
    "smape": ("sMAPE", "symmetric mean absolute percentage error (%)"),
    "coverage_80": ("80% interval coverage", "share of test points inside the 80% interval (should be near 80%)"),
    "coverage_95": ("95% interval coverage", "share of test points inside the 95% interval (should be near 95%)"),
    "baseline_mae": ("Predicting the mean", "MAE of always predicting the training mean"),
    "linear_mae": ("Linear regression", "MAE of a linear model on the same features"),
    "gbm_mae": ("Gradient boosting", "MAE of scikit-learn's HistGradientBoosting on the same split"),
    "gbm_accuracy": ("Gradient boosting", "accuracy of scikit-learn's HistGradientBoosting on the same split"),
    "baseline_accuracy": ("Most common class", "accuracy of always predicting the majority class"),
    "linear_accuracy": ("Logistic regression", "accuracy of a linear classifier"),
    "nb_accuracy": ("Naive Bayes", "accuracy of TF-IDF + multinomial naive Bayes (the course's text baseline) on the same split"),
    "nb_f1": ("Naive Bayes F1", "F1 of TF-IDF + multinomial naive Bayes on the same split"),
}
_PERCENT_METRICS = {"accuracy", "baseline_accuracy", "linear_accuracy", "gbm_accuracy", "nb_accuracy", "nb_f1", "phase1_accuracy", "fine_tune_accuracy", "tta_accuracy", "top_5_accuracy",
                    "precision", "recall", "f1", "coverage_80", "coverage_95"}
_LOWER_IS_BETTER = ("mae", "mse", "rmse", "loss", "mase", "mape")


def format_number(value: Any) -> str:
    """Readable numbers: thousands separators for big ones, 3 significant digits for the rest."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def format_metric(name: str, value: Any) -> str:
    """Accuracy-like metrics as percentages, everything else as a number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and name in _PERCENT_METRICS:
        return f"{value:.1%}"
    if isinstance(value, float) and name in ("r2", "roc_auc"):
        return f"{value:.3f}"
    return format_number(value)


def format_seconds(value: Any) -> str:
    """"8.1 s", "2 min 05 s": durations a person reads without arithmetic."""
    if not isinstance(value, (int, float)):
        return str(value)
    if value < 60:
        return f"{value:.1f} s" if value >= 0.1 else f"{value:.2f} s"
    minutes, seconds = divmod(int(round(value)), 60)
    return f"{minutes} min {seconds:02d} s"


def value_size(text: Any) -> str:
    """A CSS class that shrinks a tile's value as it gets longer, so "19,227,180" stays inside its card."""
    length = len(str(text))
    if length > 11:
        return "xlong"
    if length > 7:
        return "long"
    return ""


def metric_label(name: str) -> str:
    """The human name of a metric key."""
    return _METRIC_LABELS.get(name, (name.replace("_", " ").capitalize(), ""))[0]


def lower_is_better(name: str) -> bool:
    """Errors and losses shrink as a model improves; scores grow."""
    return name.endswith(_LOWER_IS_BETTER)


def no_link(text: Any) -> Markup:
    """Escape text and break any scheme:// so a dataset URL is shown, never fetched or linked."""
    return Markup(str(escape(str(text))).replace("://", "&#58;//"))


def with_keys(text: Any) -> Markup:
    """`no_link`, with the setting names a message puts in backticks (`keep`) shown as code."""
    return Markup(show_setting_names(str(no_link(text)), lambda name: f"<code>{name}</code>"))


def metric_hint(name: str) -> str:
    """The one-line explanation of a metric key ("" when there is none)."""
    return _METRIC_LABELS.get(name, ("", ""))[1]


def plain_value(value: Any) -> str:
    """A config value as a person writes it: yes/no, comma-separated lists, readable numbers."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(plain_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return format_number(value) if isinstance(value, (int, float)) else str(value)


def config_json(config: dict) -> str:
    """One key per line with lists kept inline: as readable as the blueprint table, still valid JSON."""
    if not config:
        return "{}"
    lines = [f"  {json.dumps(str(key))}: {json.dumps(value, default=str)}" for key, value in config.items()]
    return "{\n" + ",\n".join(lines) + "\n}"
