"""Forecast metrics and the forecasts a network must beat, computed on exactly the same points.

MASE here is Hyndman & Koehler's (2006): the forecast's MAE divided by the in-sample MAE of the
one-step naive forecast on the *training* part, `mean(|y[t] - y[t-1]|)` over the training rows.
A MASE below 1 beats what the naive forecast did in-sample. (The course divided by the naive
forecast's MAE on the *test* part, which makes the naive forecast's MASE 1 by construction and
changes the scale with every test set.)

Example:
    >>> import numpy as np
    >>> mase_scale(np.array([1.0, 2.0, 4.0]))
    1.5
"""

from __future__ import annotations

import numpy as np

from tfjourney.errors import ConfigError

SEASON_MAX_LAG = 400  # autocorrelation is searched up to this lag (a year of days)
SEASON_MIN_ACF = 0.3  # a detrended autocorrelation peak weaker than this is no season
SEASON_MIN_CHANGE_ACF = 0.1  # ... nor one where the one-step changes are not correlated as well


def mase_scale(train_values: np.ndarray, season: int = 1) -> float:
    """The in-sample MAE of the (seasonal) naive forecast on the training part: Hyndman's MASE denominator."""
    train_values = np.asarray(train_values, dtype="float64").ravel()
    if len(train_values) <= season:
        raise ConfigError(f"the training part has {len(train_values)} rows, too few to scale MASE with a season of {season}.")
    return float(np.mean(np.abs(train_values[season:] - train_values[:-season])))


def forecast_metrics(y_true: np.ndarray, y_pred: np.ndarray, *, scale: float) -> dict[str, float]:
    """MAE, RMSE, MAPE (%), sMAPE (%) and MASE of forecasts, all points of all horizon steps together.

    Args:
        y_true, y_pred: (n, horizon) or (n,) actuals and forecasts.
        scale: `mase_scale` of the training part.

    Returns:
        {"mae", "rmse", "mape", "smape", "mase"}; MAPE skips zero actuals.
    """
    y_true, y_pred = np.asarray(y_true, dtype="float64").ravel(), np.asarray(y_pred, dtype="float64").ravel()
    errors = y_pred - y_true
    mae = float(np.mean(np.abs(errors)))
    nonzero = y_true != 0
    denominator = np.abs(y_true) + np.abs(y_pred)
    smape_terms = np.divide(2 * np.abs(errors), denominator, out=np.zeros_like(errors), where=denominator > 0)
    return {
        "mae": mae,
        "rmse": float(np.sqrt(np.mean(errors**2))),
        "mape": float(100 * np.mean(np.abs(errors[nonzero] / y_true[nonzero]))) if nonzero.any() else float("nan"),
        "smape": float(100 * np.mean(smape_terms)),
        "mase": mae / scale if scale > 0 else float("nan"),
    }


# ----------------------------------------------------------------------------- baselines
def naive_forecast(series: np.ndarray, first_target: np.ndarray, horizon: int) -> np.ndarray:
    """The last value before each window's first target, repeated over the horizon."""
    series = np.asarray(series, dtype="float64")
    return np.repeat(series[first_target - 1][:, None], horizon, axis=1)


def seasonal_naive_forecast(series: np.ndarray, first_target: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """Each target takes the value one season before it (several seasons back when it lies further than one season ahead)."""
    series = np.asarray(series, dtype="float64")
    steps = np.arange(horizon)
    rows = first_target[:, None] + steps  # the row each forecast is for
    back = season * ((steps // season) + 1)  # whole seasons back to a row known before the window's first target
    return series[rows - back]


def moving_average_forecast(series: np.ndarray, first_target: np.ndarray, horizon: int, window: int) -> np.ndarray:
    """The mean of the `window` values before each window's first target, repeated over the horizon."""
    series = np.asarray(series, dtype="float64")
    sums = np.concatenate([[0.0], np.cumsum(series)])
    means = (sums[first_target] - sums[first_target - window]) / window
    return np.repeat(means[:, None], horizon, axis=1)


def check_season(season: int, *, train_rows: int) -> None:
    """ConfigError when the season does not fit in the training part."""
    if season >= train_rows:
        raise ConfigError(f"`season` {season} is longer than the training part ({train_rows} rows); "
                          f"choose a shorter season or leave it at 0 to infer it.")


def _acf(values: np.ndarray, max_lag: int) -> np.ndarray:
    centered = values - values.mean()
    spectrum = np.fft.rfft(centered, n=2 * len(centered))
    acf = np.fft.irfft(spectrum * np.conj(spectrum))[: max_lag + 1]
    return acf / acf[0] if acf[0] > 0 else np.zeros_like(acf)


def infer_season(train_values: np.ndarray) -> tuple[int, str]:
    """The season of the training part, from autocorrelation, and a note saying how it was found.

    A season is a lag where the autocorrelation of the detrended series peaks at `SEASON_MIN_ACF`
    or more, and where its one-step changes are correlated too (`SEASON_MIN_CHANGE_ACF`): a random
    walk's detrended series wanders into spurious peaks, its changes do not. Of peaks nearly as high
    as the highest, the shortest wins (104 weeks peaks like 52). Returns (1, note) when there is
    none: seasonal naive is then the naive forecast.
    """
    values = np.asarray(train_values, dtype="float64")
    max_lag = min(SEASON_MAX_LAG, len(values) // 2 - 1)
    if max_lag < 3:
        return 1, "season: too few rows to infer one; seasonal naive is the naive forecast (set `season` to choose)"
    steps = np.arange(len(values))
    level = _acf(values - np.polyval(np.polyfit(steps, values, 1), steps), max_lag)
    change = _acf(np.diff(values), max_lag)
    peaks = [lag for lag in range(2, max_lag) if level[lag] >= level[lag - 1] and level[lag] >= level[lag + 1]
             and level[lag] >= SEASON_MIN_ACF and change[lag] >= SEASON_MIN_CHANGE_ACF]
    if not peaks:
        return 1, (f"season: none found (no autocorrelation peak of the training part reaches {SEASON_MIN_ACF} with correlated changes); "
                   f"seasonal naive is the naive forecast (set `season` to choose one)")
    best = max(peaks, key=lambda lag: level[lag])
    season = min(lag for lag in peaks if level[lag] >= 0.9 * level[best])
    return season, (f"season: {season} steps, inferred from the training part's autocorrelation "
                    f"({level[season]:.2f} at lag {season}; set `season` to override)")


def baseline_forecasts(series: np.ndarray, first_target: np.ndarray, *, horizon: int, season: int, window: int) -> dict[str, np.ndarray]:
    """Naive, seasonal naive and moving-average forecasts for the windows whose first targets are `first_target`."""
    return {
        "naive": naive_forecast(series, first_target, horizon),
        "seasonal_naive": seasonal_naive_forecast(series, first_target, horizon, season),
        "moving_average": moving_average_forecast(series, first_target, horizon, window),
    }


def interval_coverage(y_true: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """The share of actuals inside [lower, upper]."""
    y_true = np.asarray(y_true, dtype="float64")
    return float(np.mean((y_true >= lower) & (y_true <= upper)))


# ----------------------------------------------------------------------------- prediction intervals
def window_spread(inputs: np.ndarray, *, floor: float) -> np.ndarray:
    """(n,) how much the target moved inside each window: its mean absolute one-step change, at least `floor`.

    Interval widths are calibrated as multiples of this spread, so a band widens where the series is volatile.
    """
    target = np.asarray(inputs, dtype="float64")
    target = target[..., 0] if target.ndim == 3 else target
    spread = np.mean(np.abs(np.diff(target, axis=1)), axis=1) if target.shape[1] > 1 else np.zeros(len(target))
    return np.maximum(spread, floor)


def calibrate_intervals(abs_errors: np.ndarray, spread: np.ndarray, levels: tuple[float, ...]) -> dict[str, list[float]]:
    """Split-conformal multipliers: per level and horizon step, the quantile of |error| / spread on held-out windows.

    Args:
        abs_errors: (n, horizon) absolute errors of the point forecast on the validation windows.
        spread: (n,) or (n, horizon) the spread each error is measured in (`window_spread`, or the members' std).
        levels: coverage levels, e.g. (0.8, 0.95).

    Returns:
        {"0.8": [multiplier per horizon step], ...}; a forecast's band is point ± multiplier × spread.
    """
    scores = np.asarray(abs_errors, dtype="float64") / np.broadcast_to(np.asarray(spread, dtype="float64").reshape(len(abs_errors), -1), abs_errors.shape)
    n = len(scores)
    return {f"{level:g}": np.quantile(scores, min(1.0, np.ceil((n + 1) * level) / n), axis=0, method="higher").tolist() for level in levels}


def interval_bounds(point: np.ndarray, spread: np.ndarray, multipliers: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) = point ∓ multiplier (per horizon step) × spread."""
    point = np.asarray(point, dtype="float64")
    half = np.asarray(multipliers, dtype="float64")[None, :] * np.asarray(spread, dtype="float64").reshape(len(point), -1)
    return point - half, point + half


def interval_quantiles(levels: tuple[float, ...]) -> list[float]:
    """The quantiles that bound central intervals of `levels`, ascending: (0.8, 0.95) -> [0.025, 0.1, 0.9, 0.975]."""
    return sorted({round((1 - level) / 2, 6) for level in levels} | {round((1 + level) / 2, 6) for level in levels})


def pinball_loss(quantiles: list[float], horizon: int):
    """The quantile (pinball) loss of a model whose outputs are `horizon` forecasts for each quantile in turn.

    Returns:
        A Keras loss `(y_true (n, horizon), y_pred (n, len(quantiles) * horizon)) -> (n,)`.
    """
    import keras

    levels = np.repeat(np.asarray(quantiles, dtype="float32"), horizon)

    def pinball(y_true, y_pred):
        errors = keras.ops.tile(keras.ops.cast(y_true, y_pred.dtype), [1, len(quantiles)]) - y_pred
        return keras.ops.mean(keras.ops.maximum(levels * errors, (levels - 1) * errors), axis=-1)

    return pinball
