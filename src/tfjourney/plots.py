"""The course's plotting helpers, readable at a glance and saved as PNG.

Every function returns the matplotlib Figure and, given `path`, saves it there.
Colours are the same across every plot and report: train is blue, validation orange.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402

from tfjourney.metrics import predicted_labels  # noqa: E402

TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#ff7f0e"
GOOD_COLOR = "#2ca02c"
BAD_COLOR = "#d62728"
DPI = 110


def save_figure(fig: plt.Figure, path: Path | str | BinaryIO | None) -> plt.Figure:
    """Save ``fig`` at the reports' DPI and close it (a no-op when ``path`` is None).

    A file path's extension picks the format; a binary file object gets a PNG.
    """
    if path is not None:
        fmt = None if isinstance(path, (str, os.PathLike)) else "png"
        fig.savefig(path, format=fmt, dpi=DPI, bbox_inches="tight")
        plt.close(fig)
    return fig


def _history_dict(history) -> dict[str, list[float]]:
    return dict(getattr(history, "history", history))


def _metric_names(history: dict) -> list[str]:
    return [k for k in history if not k.startswith("val_") and k not in ("learning_rate", "lr", "epoch")]


def plot_loss_curves(history, path: Path | str | None = None, title: str = "") -> plt.Figure:
    """Train vs validation curves, one panel per metric (the course's `plot_loss_curves`)."""
    history = _history_dict(history)
    names = _metric_names(history) or ["loss"]
    fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names), 3.8), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = np.arange(1, len(history.get(name, [])) + 1)
        ax.plot(epochs, history.get(name, []), color=TRAIN_COLOR, label=f"training {name}")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], color=VAL_COLOR, label=f"validation {name}")
        ax.set_title(name.replace("_", " ").capitalize())
        ax.set_xlabel("Epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def compare_historys(original_history, new_history, initial_epochs: int = 5, path: Path | str | None = None) -> plt.Figure:
    """Two training phases as one set of curves, the fine-tuning start marked (the course's helper).

    Args:
        original_history: the first phase (feature extraction): a keras History or a dict of lists.
        new_history: the phase that continued from it (fine-tuning).
        initial_epochs: epochs the first phase ran (5, as in the course); the dashed line sits after them.
        path: where to save the PNG (None: only return the figure).

    Returns:
        The matplotlib Figure.
    """
    return plot_stage_histories([original_history, new_history], [initial_epochs + 1], path, labels=["start fine-tuning"])


def plot_stage_histories(
    histories: list,
    stage_starts: list[int],
    path: Path | str | None = None,
    labels: list[str] | None = None,
    rolled_back: list[bool] | None = None,
) -> plt.Figure:
    """Feature extraction and every fine-tuning stage as one set of curves, a dashed marker at each stage's start.

    The course's `compare_historys`, generalised from two phases to any number of stages.

    Args:
        histories: Keras histories (or dicts), phase 1 first, then one per stage, in order.
        stage_starts: the epoch (1-based) each stage after the first starts at.
        path: where to save the PNG (None: only return the figure).
        labels: one legend label per marker (default "stage 1", "stage 2", ...).
        rolled_back: per stage, whether its weights were discarded; those epochs are shaded grey,
            since the next stage starts from the weights before them.

    Returns:
        The figure.
    """
    if rolled_back is not None and len(rolled_back) != len(stage_starts):
        raise ValueError(f"rolled_back has {len(rolled_back)} entries for {len(stage_starts)} stages; pass one flag per stage.")
    dicts = [_history_dict(h) for h in histories]
    epochs = sum(len(next(iter(d.values()), [])) for d in dicts)
    ends = [start - 0.5 for start in stage_starts[1:]] + [epochs + 0.5]
    names = [n for n in _metric_names(dicts[0]) if all(n in d for d in dicts[1:])] or ["loss"]
    labels = labels or [f"stage {i}" for i in range(1, len(stage_starts) + 1)]
    markers = plt.get_cmap("Greys")(np.linspace(0.45, 0.85, max(len(stage_starts), 1)))
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 3.2 * len(names)), squeeze=False)
    for ax, name in zip(axes[:, 0], names):
        for key, color, label in ((name, TRAIN_COLOR, "training"), (f"val_{name}", VAL_COLOR, "validation")):
            if key in dicts[0]:
                values = [v for d in dicts for v in d.get(key, [])]
                ax.plot(np.arange(1, len(values) + 1), values, color=color, label=f"{label} {name}")
        for start, label, color in zip(stage_starts, labels, markers):
            ax.axvline(start - 0.5, color=color, linestyle="--", label=label)
        for start, end, discarded in zip(stage_starts, ends, rolled_back or []):
            if discarded:
                ax.axvspan(start - 0.5, end, color="0.85", alpha=0.5, linewidth=0)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        title = "feature extraction then fine-tuning" if len(stage_starts) == 1 else f"feature extraction then {len(stage_starts)} fine-tuning stages"
        ax.set_title(f"{name.replace('_', ' ').capitalize()}: {title}")
        ax.set_xlabel("Epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    fig.tight_layout()
    return save_figure(fig, path)


def make_confusion_matrix(
    y_true,
    y_pred,
    classes: list[str] | None = None,
    figsize: tuple[float, float] | None = None,
    text_size: int = 11,
    norm: bool = False,
    path: Path | str | None = None,
) -> plt.Figure:
    """Labelled confusion matrix with counts (and row percentages) in each cell."""
    n = len(classes) if classes is not None else int(max(np.max(y_true), np.max(y_pred))) + 1
    labels = list(range(n))
    classes = list(classes) if classes is not None else [str(i) for i in labels]
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    row_sums = cm.sum(axis=1, keepdims=True)
    cm_norm = np.divide(cm, row_sums, out=np.zeros_like(cm, dtype=float), where=row_sums > 0)
    side = max(4.5, 0.6 * n + 2.5)
    fig, ax = plt.subplots(figsize=figsize or (side + 1, side))
    image = ax.imshow(cm_norm, cmap=plt.cm.Blues, vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="fraction of true class")
    ax.set(title="Confusion matrix", xlabel="Predicted label", ylabel="True label", xticks=labels, yticks=labels)
    ax.set_xticklabels(classes, rotation=45 if max(map(len, classes)) > 4 else 0, ha="right" if max(map(len, classes)) > 4 else "center")
    ax.set_yticklabels(classes)
    size = text_size if n <= 10 else max(6, text_size - (n - 10) // 2)
    for i, j in itertools.product(range(n), range(n)):
        text = f"{cm[i, j]}\n({cm_norm[i, j] * 100:.0f}%)" if not norm else f"{cm_norm[i, j] * 100:.0f}%"
        ax.text(j, i, text, ha="center", va="center", fontsize=size, color="white" if cm_norm[i, j] > 0.5 else "black")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_decision_boundary(
    model_or_predict, X, y, path: Path | str | None = None, class_names: list[str] | None = None, resolution: int = 150,
    feature_names: tuple[str, str] = ("feature 1", "feature 2"),
) -> plt.Figure:
    """The course's decision boundary for a 2-feature classifier.

    `model_or_predict` is a Keras model taking a 2-column array, or any callable that
    maps an (n, 2) array to class probabilities.
    """
    X = np.asarray(X, dtype="float64")
    y = np.asarray(y).ravel()
    predict = model_or_predict if callable(model_or_predict) and not hasattr(model_or_predict, "predict") else (
        lambda grid: model_or_predict.predict(grid, verbose=0)
    )
    pad_x, pad_y = 0.1 * np.ptp(X[:, 0]), 0.1 * np.ptp(X[:, 1])
    xx, yy = np.meshgrid(
        np.linspace(X[:, 0].min() - pad_x, X[:, 0].max() + pad_x, resolution),
        np.linspace(X[:, 1].min() - pad_y, X[:, 1].max() + pad_y, resolution),
    )
    zz = predicted_labels(predict(np.c_[xx.ravel(), yy.ravel()]))
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.contourf(xx, yy, zz.reshape(xx.shape), cmap=plt.cm.RdYlBu, alpha=0.6)
    scatter = ax.scatter(X[:, 0], X[:, 1], c=y, s=14, cmap=plt.cm.RdYlBu, edgecolors="k", linewidths=0.3)
    names = class_names or [str(c) for c in np.unique(y)]
    ax.legend(scatter.legend_elements()[0], names, title="class", loc="upper right")
    ax.set(title="Decision boundary (test points)", xlabel=feature_names[0], ylabel=feature_names[1],
           xlim=(xx.min(), xx.max()), ylim=(yy.min(), yy.max()))
    fig.tight_layout()
    return save_figure(fig, path)


def plot_lr_finder(
    learning_rates, losses, suggested: float, path: Path | str | None = None, smoothed=None
) -> plt.Figure:
    """Loss per batch while the rate grows; the smoothed curve is what the suggestion reads."""
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.semilogx(learning_rates, losses, color=TRAIN_COLOR, alpha=0.35 if smoothed is not None else 1, label="training loss (per batch)")
    if smoothed is not None:
        ax.semilogx(learning_rates, smoothed, color=TRAIN_COLOR, linewidth=2, label="smoothed")
    ax.axvline(suggested, color=GOOD_COLOR, linestyle="--", label=f"suggested {suggested:.2g}")
    finite = np.asarray(losses)[np.isfinite(losses)]
    if finite.size:
        ax.set_ylim(finite.min() * 0.95, min(finite.max(), 4 * finite.min()) * 1.05)
    ax.set(title="Learning rate vs. loss", xlabel="Learning rate (log scale)", ylabel="Loss")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    return save_figure(fig, path)


def plot_predicted_vs_actual(y_true, y_pred, path: Path | str | None = None, target: str = "target") -> plt.Figure:
    """Regression: predicted vs actual (points near the diagonal are good) and residuals."""
    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4))
    low, high = float(min(y_true.min(), y_pred.min())), float(max(y_true.max(), y_pred.max()))
    left.scatter(y_true, y_pred, s=12, alpha=0.6, color=TRAIN_COLOR)
    left.plot([low, high], [low, high], color="gray", linestyle="--", label="perfect prediction")
    left.set(title="Predicted vs actual (test split)", xlabel=f"actual {target}", ylabel=f"predicted {target}")
    left.legend()
    residuals = y_pred - y_true
    right.scatter(y_pred, residuals, s=12, alpha=0.6, color=VAL_COLOR)
    right.axhline(0, color="gray", linestyle="--")
    right.set(title="Residuals (predicted - actual)", xlabel=f"predicted {target}", ylabel="residual")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_roc_curve(
    y_true, positive_probability, auc: float | None, path: Path | str | None = None, positive_name: str = "positive"
) -> plt.Figure:
    """True vs false positive rate over every threshold; `auc` is the metric the run already computed."""
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(y_true, positive_probability)
    fig, ax = plt.subplots(figsize=(5, 4.6))
    ax.plot(fpr, tpr, color=TRAIN_COLOR, label="model" if auc is None else f"model (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], color="gray", linestyle="--", label="chance")
    ax.set(title=f"ROC curve (positive class: {positive_name})", xlabel="False positive rate", ylabel="True positive rate")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return save_figure(fig, path)


def predict_2d(predict: Callable, columns: list[str]) -> Callable:
    """Adapt a dict-input predict function to the (n, 2) array `plot_decision_boundary` passes."""

    def grid_predict(grid: np.ndarray):
        return predict({columns[0]: grid[:, :1].astype("float32"), columns[1]: grid[:, 1:].astype("float32")})

    return grid_predict


def plot_prediction_grid(
    images: list[np.ndarray], true_names: list[str], predicted_names: list[str], confidences: list[float],
    path: Path | str | None = None, columns: int = 5,
) -> plt.Figure:
    """Test images with predicted / true label; wrong ones titled in red (the course's pred_and_plot, as a grid)."""
    rows = max(1, int(np.ceil(len(images) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 2.9 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, image, true, predicted, confidence in zip(axes.ravel(), images, true_names, predicted_names, confidences):
        ax.imshow(np.clip(np.asarray(image), 0, 255).astype("uint8"))
        wrong = true != predicted
        ax.set_title(f"pred: {predicted} ({confidence:.0%})\ntrue: {true}", fontsize=9, color=BAD_COLOR if wrong else GOOD_COLOR)
    fig.suptitle("Test predictions (most confident mistakes first)", fontsize=12)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_augmentation(originals: np.ndarray, augmented: list[np.ndarray], path: Path | str | None = None) -> plt.Figure:
    """Each row: an original training image, then random augmentations of it."""
    rows, columns = len(originals), 1 + len(augmented)
    fig, axes = plt.subplots(rows, columns, figsize=(2.2 * columns, 2.2 * rows), squeeze=False)
    for r in range(rows):
        for c in range(columns):
            image = originals[r] if c == 0 else augmented[c - 1][r]
            axes[r, c].imshow(np.clip(np.asarray(image), 0, 255).astype("uint8"))
            axes[r, c].axis("off")
            if r == 0:
                axes[r, c].set_title("original" if c == 0 else f"augmented {c}", fontsize=9)
    fig.suptitle("Data augmentation (applied only while training)", fontsize=12)
    fig.tight_layout()
    return save_figure(fig, path)
