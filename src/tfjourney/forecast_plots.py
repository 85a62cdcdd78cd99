"""The forecasting run's figures: the series and its split, forecasts against actuals, errors over time, MASE beside the baselines, the future."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tfjourney.plots import BAD_COLOR, GOOD_COLOR, TRAIN_COLOR, VAL_COLOR, plt, save_figure

_BAND_COLOR = TRAIN_COLOR
_NAIVE_COLOR = "#7f7f7f"
_BASELINE_LABELS = {"naive_mase": "naive (last value)", "seasonal_naive_mase": "seasonal naive", "moving_average_mase": "moving average"}


def plot_series_split(times, values, split, path: Path | None, *, target: str, title: str = "") -> plt.Figure:
    """The whole series, with the validation and test parts shaded and the split marked."""
    fig, ax = plt.subplots(figsize=(11, 3.8))
    ax.plot(times, values, color=TRAIN_COLOR, linewidth=1)
    validation_start = times[int(split.validation.first_target[0])]
    test_start = times[split.split_row]
    ax.axvspan(validation_start, test_start, color=VAL_COLOR, alpha=0.15, label=f"validation ({len(split.validation)} windows)")
    ax.axvspan(test_start, times[-1], color=BAD_COLOR, alpha=0.10, label=f"test ({len(split.test)} windows)")
    ax.axvline(test_start, color=BAD_COLOR, linestyle="--", linewidth=1)
    ax.set_title(title or target)
    ax.set_ylabel(target)
    ax.legend(loc="upper left", title=f"training: {len(split.train)} windows")
    fig.autofmt_xdate()
    return save_figure(fig, path)


def plot_test_forecasts(times, actual, forecast, bounds: dict, naive, path: Path | None, *, target: str) -> plt.Figure:
    """One-step-ahead forecasts on the test part against the actuals, with the 80% and 95% bands and the naive forecast."""
    fig, ax = plt.subplots(figsize=(11, 4.2))
    for level, alpha in (("0.95", 0.15), ("0.8", 0.3)):
        if level in bounds:
            lower, upper = bounds[level]
            ax.fill_between(times, lower[:, 0], upper[:, 0], color=_BAND_COLOR, alpha=alpha, linewidth=0, label=f"{float(level):.0%} interval")
    ax.plot(times, actual, color="black", linewidth=1, label="actual")
    ax.plot(times, naive, color=_NAIVE_COLOR, linewidth=0.8, linestyle=":", label="naive (last value)")
    ax.plot(times, forecast, color=VAL_COLOR, linewidth=1, label="network forecast")
    ax.set_title("Test part: forecasts (first horizon step) against actuals")
    ax.set_ylabel(target)
    ax.legend(loc="upper left")
    fig.autofmt_xdate()
    return save_figure(fig, path)


def plot_errors_over_time(times, actual, forecast, naive, path: Path | None) -> plt.Figure:
    """Absolute errors on the test part, the network's against the naive forecast's (with 20-point rolling means)."""
    fig, ax = plt.subplots(figsize=(11, 3.6))
    ours, theirs = np.abs(np.asarray(forecast) - actual), np.abs(np.asarray(naive) - actual)
    ax.plot(times, theirs, color=_NAIVE_COLOR, alpha=0.35, linewidth=0.8)
    ax.plot(times, ours, color=VAL_COLOR, alpha=0.35, linewidth=0.8)
    roll = max(1, min(20, len(ours) // 10))
    ax.plot(times, pd.Series(theirs).rolling(roll, min_periods=1).mean(), color=_NAIVE_COLOR, label=f"naive (rolling mean of {roll})")
    ax.plot(times, pd.Series(ours).rolling(roll, min_periods=1).mean(), color=VAL_COLOR, label=f"network (rolling mean of {roll})")
    ax.set_title("Absolute error over the test part")
    ax.set_ylabel("|forecast - actual|")
    ax.legend(loc="upper left")
    fig.autofmt_xdate()
    return save_figure(fig, path)


def plot_mase_bars(metrics: dict, path: Path | None) -> plt.Figure:
    """Test MASE of the network and of each baseline; the dashed line is 1 (naive's in-sample error)."""
    names = ["network", *(_BASELINE_LABELS[k] for k in _BASELINE_LABELS if k in metrics)]
    values = [metrics["mase"], *(metrics[k] for k in _BASELINE_LABELS if k in metrics)]
    best_baseline = min(values[1:], default=np.inf)
    colors = [GOOD_COLOR if values[0] < best_baseline else BAD_COLOR] + [_NAIVE_COLOR] * (len(values) - 1)
    fig, ax = plt.subplots(figsize=(7, 0.6 + 0.55 * len(values)))
    ax.barh(names[::-1], values[::-1], color=colors[::-1])
    for y, value in enumerate(values[::-1]):
        ax.text(value, y, f" {value:.3g}", va="center")
    ax.axvline(1.0, color="black", linestyle="--", linewidth=0.8)
    ax.set_xlabel("test MASE (scaled by the training part's one-step naive MAE; lower is better)")
    ax.set_xlim(0, max(values) * 1.2)
    return save_figure(fig, path)


def plot_future(times, values, table: pd.DataFrame, path: Path | None, *, target: str, history: int = 200) -> plt.Figure:
    """The end of the series, then the forecast with its 80% and 95% bands."""
    path = Path(path) if path is not None else None
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    shown = max(history, 3 * len(table))
    future = pd.to_datetime(table.iloc[:, 0]) if isinstance(times, pd.DatetimeIndex) else table.iloc[:, 0]
    fig, ax = plt.subplots(figsize=(11, 4.2))
    ax.plot(times[-shown:], values[-shown:], color="black", linewidth=1, label="history")
    for name, alpha in (("95", 0.15), ("80", 0.3)):
        if f"lower_{name}" in table:
            ax.fill_between(future, table[f"lower_{name}"], table[f"upper_{name}"], color=_BAND_COLOR, alpha=alpha, linewidth=0,
                            label=f"{name}% interval")
    ax.plot(future, table["forecast"], color=VAL_COLOR, linewidth=1.5, marker="." if len(table) <= 60 else None, label="forecast")
    last = times[-1].strftime("%Y-%m-%d") if isinstance(times, pd.DatetimeIndex) and times[-1] == times[-1].normalize() else times[-1]
    ax.set_title(f"Forecast: {len(table)} steps past {last}")
    ax.set_ylabel(target)
    ax.legend(loc="upper left")
    if isinstance(times, pd.DatetimeIndex):
        fig.autofmt_xdate()
    return save_figure(fig, path)
