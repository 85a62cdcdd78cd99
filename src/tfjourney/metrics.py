"""Test-split metrics, always beside their baselines (scikit-learn's dummy and linear models)."""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm


def regression_metrics(y_true, y_pred, baseline_pred=None, linear_pred=None, gbm_pred=None) -> dict[str, float]:
    y_true, y_pred = np.asarray(y_true, dtype="float64").ravel(), np.asarray(y_pred, dtype="float64").ravel()
    mse = skm.mean_squared_error(y_true, y_pred)
    result = {
        "mae": float(skm.mean_absolute_error(y_true, y_pred)),
        "mse": float(mse),
        "rmse": float(np.sqrt(mse)),
        "r2": float(skm.r2_score(y_true, y_pred)),
    }
    if baseline_pred is not None:
        result["baseline_mae"] = float(skm.mean_absolute_error(y_true, np.ravel(baseline_pred)))
    if linear_pred is not None:
        result["linear_mae"] = float(skm.mean_absolute_error(y_true, np.ravel(linear_pred)))
    if gbm_pred is not None:
        result["gbm_mae"] = float(skm.mean_absolute_error(y_true, np.ravel(gbm_pred)))
    return result


def calculate_results(y_true, y_pred) -> dict[str, float]:
    """The course helper: accuracy, and weighted precision / recall / F1 (as the course had it)."""
    precision, recall, f1, _ = skm.precision_recall_fscore_support(y_true, y_pred, average="weighted", zero_division=0)
    return {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
    }


def classification_metrics(
    y_true, probabilities, class_names: list[str], baseline_pred=None
) -> dict:
    """Accuracy, precision/recall/F1 (binary for two classes, macro otherwise), ROC AUC, per-class table."""
    y_true = np.asarray(y_true).ravel()
    y_pred = predicted_labels(probabilities)
    binary = len(class_names) == 2
    average = "binary" if binary else "macro"
    # Macro-average over the classes in the data: evaluating on a subset of classes must not count the
    # absent ones as zeros.
    present = None if binary else np.unique(y_true)
    precision, recall, f1, _ = skm.precision_recall_fscore_support(
        y_true, y_pred, average=average, labels=present, zero_division=0
    )
    result = {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
    }
    if binary and len(np.unique(y_true)) == 2:
        result["roc_auc"] = float(skm.roc_auc_score(y_true, positive_probability(probabilities)))
    if baseline_pred is not None:
        result["baseline_accuracy"] = float(skm.accuracy_score(y_true, np.ravel(baseline_pred)))
    result["per_class"] = per_class_table(y_true, y_pred, class_names)
    return result


def per_class_table(y_true, y_pred, class_names: list[str]) -> dict[str, dict[str, float]]:
    labels = list(range(len(class_names)))
    p, r, f, support = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        name: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(support[i])}
        for i, name in enumerate(class_names)
    }


def predicted_labels(probabilities) -> np.ndarray:
    """Class index from model output: a 0.5 threshold for one sigmoid unit, argmax otherwise."""
    probabilities = np.asarray(probabilities)
    if probabilities.ndim == 1 or probabilities.shape[-1] == 1:
        return (probabilities.ravel() >= 0.5).astype("int64")
    return probabilities.argmax(axis=-1)


def positive_probability(probabilities) -> np.ndarray:
    probabilities = np.asarray(probabilities)
    if probabilities.ndim == 1 or probabilities.shape[-1] == 1:
        return probabilities.ravel()
    return probabilities[:, 1]


def class_probabilities(probabilities) -> np.ndarray:
    """Always (n, n_classes): a single sigmoid column becomes [1 - p, p]."""
    probabilities = np.asarray(probabilities, dtype="float64")
    if probabilities.ndim == 1 or probabilities.shape[-1] == 1:
        p = probabilities.reshape(-1)
        return np.stack([1 - p, p], axis=1)
    return probabilities
