"""The forecasting blueprint on a series: load -> window -> split by time -> train -> beside the baselines -> write run.

The run is judged against the naive forecast (the last value), the seasonal naive forecast and
a moving average, on exactly the same test points, with Hyndman's MASE (scaled by the training
part's in-sample one-step naive MAE). Prediction intervals are split-conformal: multiples of a
spread (how much each window moved, or the ensemble members' disagreement) calibrated on the
validation windows, then checked for coverage on the test part.

Example:
    >>> from tfjourney.pipelines.forecast import train_forecast
    >>> run = train_forecast("co2", out="runs/co2")          # doctest: +SKIP
    >>> run.metrics["mase"], run.metrics["naive_mase"]      # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import time as _time
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from tfjourney import forecast_plots
from tfjourney.blueprints import DEFAULT_SEED, ENSEMBLE_LOSSES, FORECAST_STEPS, INTERVAL_LEVELS, ForecastConfig, get_blueprint
from tfjourney.data.series import Series, Split, Windows, last_window, load_series, make_windows, split_windows
from tfjourney.errors import ConfigError, DataError, RunFolderError
from tfjourney.forecast_metrics import (
    baseline_forecasts,
    calibrate_intervals,
    check_season,
    forecast_metrics,
    infer_season,
    interval_bounds,
    interval_coverage,
    interval_quantiles,
    mase_scale,
    pinball_loss,
    window_spread,
)
from tfjourney.models.forecast import MEMBER_PREFIX, ScalingStats, build_forecast_model, join_ensemble, member_forecasts
from tfjourney.pipelines.skeleton import finish_run, fit_in_run, open_run, plot_training, run_callbacks, start_distribution
from tfjourney.progress import Progress
from tfjourney.reports.headline import headline
from tfjourney.runs import Run, RunWriter, new_run_record
from tfjourney.training.fit import compile_regressor, fit, make_optimizer, set_seed
from tfjourney.training.distributed import Distribution
from tfjourney.training.progress import epoch_callbacks

TAIL_ROWS = 400  # rows of the series' end kept in run.json, for `predict RUN --steps N` and its plot
SPREAD_FLOOR = 0.1  # a window that did not move still gets a band: at least this share of the training part's one-step MAE
BASELINES = ("naive", "seasonal_naive", "moving_average")
QUANTILES_FILE = "quantiles.keras"  # with `quantiles`: the quantile model the intervals come from, beside model.keras


def _dataset(windows: Windows, batch_size: int, seed: int, shuffle: bool) -> tf.data.Dataset:
    data = tf.data.Dataset.from_tensor_slices((windows.inputs, windows.targets))
    if shuffle:
        data = data.shuffle(len(windows), seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _predict(model: keras.Model, inputs: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(inputs, verbose=0, batch_size=1024), dtype="float64").reshape(len(inputs), -1)


def _season(config: ForecastConfig, train_values: np.ndarray) -> tuple[int, str]:
    if config.season:
        check_season(config.season, train_rows=len(train_values))
        return config.season, f"season: {config.season} steps, as set"
    return infer_season(train_values)


# ----------------------------------------------------------------------------- training
def _train_ensemble(staging: Path, config: ForecastConfig, stats: ScalingStats, split: Split, seed: int, verbose: int,
                    progress: Progress | None) -> tuple[keras.Model, dict, dict]:
    """Members with each of the course's losses (MAE, MSE, MAPE), `members` seeds each, joined under one input.

    Members train one after another without an epoch checkpoint: `resume` restarts an interrupted ensemble.
    """
    member_config = replace(config, body="dense")
    members, epochs, history, seconds = [], [], {}, 0.0
    for index, loss in enumerate(loss for loss in ENSEMBLE_LOSSES for _ in range(config.members)):
        set_seed(seed + index)
        member = build_forecast_model(member_config, stats=stats, name=f"{MEMBER_PREFIX}{index}_{loss}")
        compile_regressor(member, loss, config.learning_rate, config.optimizer)
        callbacks = run_callbacks(staging, patience=config.patience, tensorboard=False, append=False)
        if index:  # history.csv holds the first member's epochs
            callbacks = [c for c in callbacks if not isinstance(c, keras.callbacks.CSVLogger)]
        callbacks += epoch_callbacks(progress, f"member {index + 1} ({loss})", verbose)
        result = fit(member, _dataset(split.train, config.batch_size, seed + index, True),
                     _dataset(split.validation, config.batch_size, seed, False), config.epochs, callbacks, verbose=verbose)
        members.append(member)
        epochs.append(result.epochs_run)
        seconds += result.seconds
        history = history or result.history
    training = {"members": len(members), "member_losses": [m.name.split("_")[-1] for m in members], "member_epochs": epochs}
    return join_ensemble(members), {"history": history, "seconds": seconds}, training


def _train(writer: RunWriter, staging: Path, config: ForecastConfig, stats: ScalingStats, split: Split, *, seed: int, record: dict,
           distribution: Distribution, tensorboard: bool, verbose: int, progress: Progress | None, identity: dict) -> tuple[keras.Model, dict]:
    """The trained model and its fit (history, seconds); the ensemble trains its members one after another."""
    if config.body == "ensemble":
        model, fitted, training = _train_ensemble(staging, config, stats, split, seed, verbose, progress)
        record["training"] = training
        return model, fitted
    set_seed(seed)
    with distribution.scope():
        model = build_forecast_model(config, stats=stats)
        compile_regressor(model, config.loss, config.learning_rate, config.optimizer)
    result = fit_in_run(writer, staging, model, _dataset(split.train, config.batch_size, seed, True),
                        _dataset(split.validation, config.batch_size, seed, False), config=config, identity=identity,
                        record=record, distribution=distribution, tensorboard=tensorboard, verbose=verbose, progress=progress)
    return model, {"history": result.history, "seconds": result.seconds}


# ----------------------------------------------------------------------------- intervals
def _spread(model: keras.Model, inputs: np.ndarray, floor: float) -> tuple[np.ndarray, str]:
    """Each forecast's spread: the ensemble members' standard deviation, or how much its window moved."""
    members = member_forecasts(model, inputs)
    if members is not None:
        return np.maximum(members.std(axis=0), floor), "members"
    return window_spread(inputs, floor=floor), "window"


def _bands(model, quantile_model, inputs: np.ndarray, point: np.ndarray, intervals: dict) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """level -> (lower, upper), each (n, horizon): the quantile model's quantiles, or point ± calibrated multiples of the spread."""
    if intervals.get("method") == "quantiles":
        quantiles = intervals["quantiles"]
        outputs = np.sort(_predict(quantile_model, inputs).reshape(len(inputs), len(quantiles), -1), axis=1)  # sorted: no crossing
        index = {round(q, 6): i for i, q in enumerate(quantiles)}
        return {f"{level:g}": (outputs[:, index[round((1 - level) / 2, 6)]], outputs[:, index[round((1 + level) / 2, 6)]])
                for level in intervals["levels"]}
    spread, _ = _spread(model, inputs, intervals["spread_floor"])
    return {level: interval_bounds(point, spread, intervals["multipliers"][level]) for level in intervals["multipliers"]}


def _train_quantiles(staging: Path, config: ForecastConfig, stats: ScalingStats, split: Split, seed: int, verbose: int,
                     progress) -> tuple[keras.Model, float]:
    """The `quantiles` alternative: the same body trained with the pinball loss for each interval's lower and upper quantile."""
    quantiles = interval_quantiles(INTERVAL_LEVELS)
    set_seed(seed)
    model = build_forecast_model(replace(config, horizon=config.horizon * len(quantiles), body="dense" if config.body == "ensemble" else config.body),
                                 stats=stats, name="quantiles")
    model.compile(optimizer=make_optimizer(config.optimizer, config.learning_rate), loss=pinball_loss(quantiles, config.horizon))
    callbacks = [c for c in run_callbacks(staging, patience=config.patience, tensorboard=False, append=False)
                 if not isinstance(c, keras.callbacks.CSVLogger)] + epoch_callbacks(progress, "quantiles", verbose)
    result = fit(model, _dataset(split.train, config.batch_size, seed, True), _dataset(split.validation, config.batch_size, seed, False),
                 config.epochs, callbacks, verbose=verbose)
    return model, result.seconds


def _quantile_model(run: Run) -> keras.Model | None:
    if run.record["forecast"]["intervals"].get("method") != "quantiles":
        return None
    path = run.path / QUANTILES_FILE
    if not path.is_file():
        raise RunFolderError(f"{path} is missing: this run's intervals come from it; re-run training to recreate it.")
    return keras.saving.load_model(path, compile=False)


# ----------------------------------------------------------------------------- evaluation
def _evaluate(model, quantile_model, series: Series, split: Split, config: ForecastConfig, season: int, scale: float,
              intervals: dict) -> tuple[dict, dict]:
    """metrics.json (network and baselines on the same test points, interval coverage) and the arrays the plots need."""
    test = split.test
    point = _predict(model, test.inputs)
    baselines = baseline_forecasts(series.target_values, test.first_target, horizon=config.horizon, season=season, window=config.window)
    scores = {"network": forecast_metrics(test.targets, point, scale=scale)}
    scores.update({name: forecast_metrics(test.targets, forecast, scale=scale) for name, forecast in baselines.items()})
    bounds = _bands(model, quantile_model, test.inputs, point, intervals)
    metrics = {"mase": scores["network"]["mase"]}
    metrics.update({f"{name}_mase": scores[name]["mase"] for name in BASELINES})
    metrics.update({key: value for key, value in scores["network"].items() if key != "mase"})
    metrics.update({f"{name}_mae": scores[name]["mae"] for name in BASELINES})
    metrics.update({f"coverage_{round(float(level) * 100)}": interval_coverage(test.targets, *bounds[level]) for level in bounds})
    metrics.update({"mase_scale": scale, "season": season, "test_windows": len(test), "baselines": {k: v for k, v in scores.items() if k != "network"}})
    return metrics, {"point": point, "baselines": baselines, "bounds": bounds}


def _plots(staging: Path, series: Series, split: Split, arrays: dict, metrics: dict, title: str) -> None:
    plots = staging / "plots"
    forecast_plots.plot_series_split(series.times, series.target_values, split, plots / "series.png", target=series.target, title=title)
    times = series.times[split.test.first_target]
    forecast_plots.plot_test_forecasts(times, split.test.targets[:, 0], arrays["point"][:, 0], arrays["bounds"], arrays["baselines"]["naive"][:, 0],
                                       plots / "forecasts.png", target=series.target)
    forecast_plots.plot_errors_over_time(times, split.test.targets[:, 0], arrays["point"][:, 0], arrays["baselines"]["naive"][:, 0], plots / "errors.png")
    forecast_plots.plot_mase_bars(metrics, plots / "baselines.png")


# ----------------------------------------------------------------------------- records
def _step_record(step: object) -> dict:
    if isinstance(step, pd.DateOffset):
        return {"freq": step.freqstr}
    if isinstance(step, pd.Timedelta):
        return {"seconds": step.total_seconds()}
    return {"number": float(step)}


def _times_record(times: pd.Index) -> list:
    if isinstance(times, pd.DatetimeIndex):
        return [t.isoformat() for t in times]
    return [float(t) for t in times]


def _data_record(series: Series, split: Split, season_note: str, scale: float) -> dict:
    tail = slice(max(0, len(series.values) - TAIL_ROWS), None)
    return {
        "source": series.source, "fingerprint": series.fingerprint, "time": series.time, "target": series.target,
        "features": series.features, "task": "forecast", "rows": split.counts(), "series_rows": len(series.values),
        "split_time": str(series.times[split.split_row]), "start": str(series.times[0]), "end": str(series.times[-1]),
        "step": _step_record(series.step), "notes": [*series.notes, season_note, _MASE_NOTE.format(scale=scale)],
        "tail": {"times": _times_record(series.times[tail]), "values": series.values[tail].tolist()},
    }


_MASE_NOTE = ("MASE divides the test MAE by {scale:.4g}, the naive forecast's in-sample one-step MAE on the training part "
              "(Hyndman & Koehler 2006): below 1 beats what naive did in-sample. The course divided by the naive MAE on the test part, "
              "which makes naive's MASE 1 by construction; compare this run's MASE with naive_mase instead")


def train_forecast(
    data: str | Path,
    *,
    time: str | None = None,
    target: str | None = None,
    features: tuple[str, ...] | list[str] = (),
    out: str | Path | None = None,
    overwrite: bool = False,
    seed: int = DEFAULT_SEED,
    tensorboard: bool = False,
    command: list[str] | None = None,
    verbose: int = 0,
    progress: Progress | None = None,
    distribute: str = "none",
    devices: int | None = None,
    global_batch_size: int | None = None,
    resume: bool = False,
    window: int | None = None,
    horizon: int | None = None,
    body: str | None = None,
    units: int | None = None,
    kernel_size: int | None = None,
    nbeats_blocks: int | None = None,
    nbeats_width: int | None = None,
    members: int | None = None,
    scaling: str | None = None,
    loss: str | None = None,
    optimizer: str | None = None,
    season: int | None = None,
    learning_rate: float | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    validation_split: float | None = None,
    test_size: float | None = None,
    patience: int | None = None,
    quantiles: bool | None = None,
) -> Run:
    """Train the forecasting blueprint on a series and write a run folder, beside the naive baselines.

    Args:
        data: a CSV path or the embedded series `co2`.
        time: the time column (optional for `co2`).
        target: the numeric column to forecast (optional for `co2`).
        features: other numeric columns the windows carry (the course's block reward).
        out, overwrite, seed, tensorboard, command, verbose, progress, distribute, devices,
            global_batch_size, resume: as for every blueprint (see `pipelines/skeleton.py`).
        window: Window (lookback); None (default) takes the blueprint's value.
        horizon: Horizon; None (default) takes the blueprint's value.
        body: Body; None (default) takes the blueprint's value.
        units: Units (dense neurons, conv1d filters, lstm units); None (default) takes the blueprint's value.
        kernel_size: Conv1D kernel size (causal padding); None (default) takes the blueprint's value.
        nbeats_blocks: N-BEATS blocks (backcast/forecast residuals); None (default) takes the blueprint's value.
        nbeats_width: N-BEATS layer width (4 fully connected layers per block); None (default) takes the blueprint's value.
        members: Ensemble members per loss (MAE, MSE, MAPE; median point forecast); None (default) takes the blueprint's value.
        scaling: Scaling (fitted on the training part only); None (default) takes the blueprint's value.
        loss: Loss function; None (default) takes the blueprint's value.
        optimizer: Optimizer; None (default) takes the blueprint's value.
        season: Season of the seasonal-naive baseline (0: inferred); None (default) takes the blueprint's value.
        learning_rate: Learning rate (halved when validation loss stalls); None (default) takes the blueprint's value.
        epochs: Epochs (max; early stopping decides); None (default) takes the blueprint's value.
        batch_size: Batch size; None (default) takes the blueprint's value.
        validation_split: Validation split (the end of the training part); None (default) takes the blueprint's value.
        test_size: Test split (the end of the series); None (default) takes the blueprint's value.
        patience: Early stopping patience (epochs); None (default) takes the blueprint's value.
        quantiles: Intervals from quantile regression (pinball loss) instead of the calibrated spread; None (default) takes the blueprint's value.

    Returns:
        The finished run (`tfjourney.runs.Run`), read back from its folder.
    """
    hyperparameters = {  # the blueprint's keys; None takes the blueprint's value
        "window": window, "horizon": horizon, "body": body, "units": units, "kernel_size": kernel_size,
        "nbeats_blocks": nbeats_blocks, "nbeats_width": nbeats_width, "members": members, "scaling": scaling, "loss": loss,
        "optimizer": optimizer, "season": season, "learning_rate": learning_rate, "epochs": epochs, "batch_size": batch_size,
        "validation_split": validation_split, "test_size": test_size, "patience": patience, "quantiles": quantiles,
    }
    distribution = start_distribution(distribute, devices=devices, global_batch_size=global_batch_size, hyperparameters=hyperparameters)
    config = get_blueprint("forecast").resolve(**hyperparameters)
    if config.body == "ensemble" and distribute != "none":
        raise ConfigError("`body` ensemble trains its members one after another on one device; leave `distribute` at none.")
    series = load_series(data, time=time, target=target, features=list(features))
    windows = make_windows(series.values, window=config.window, horizon=config.horizon)
    split = split_windows(windows, horizon=config.horizon, test_size=config.test_size, validation_split=config.validation_split)
    train_values = series.target_values[: split.split_row]
    chosen_season, season_note = _season(config, train_values)
    scale = mase_scale(train_values)
    stats = ScalingStats.fit(series.values[: int(split.validation.first_target[0])])  # the rows the network fits on
    distribution.check_batch_size(config.batch_size)
    writer = open_run("forecast", out=out, overwrite=overwrite, resume=resume, distribution=distribution)
    record = new_run_record("forecast", config, seed, _data_record(series, split, season_note, scale), command)

    with writer as staging:
        identity = {"blueprint": "forecast", "data": series.source, "target": series.target, "seed": seed, "config": config}
        model, fitted = _train(writer, staging, config, stats, split, seed=seed, record=record, distribution=distribution,
                               tensorboard=tensorboard, verbose=verbose, progress=progress, identity=identity)
        timings = {"train_seconds": fitted["seconds"]}
        quantile_model = None
        if config.quantiles:
            quantile_model, timings["quantiles_seconds"] = _train_quantiles(staging, config, stats, split, seed, verbose, progress)
            quantile_model.save(staging / QUANTILES_FILE)
            intervals = {"method": "quantiles", "levels": list(INTERVAL_LEVELS), "quantiles": interval_quantiles(INTERVAL_LEVELS)}
        else:
            intervals = _calibrate(model, split, SPREAD_FLOOR * scale)
        started = _time.perf_counter()
        record["forecast"] = {"intervals": intervals, "mase_scale": scale, "season": chosen_season, "scaling": config.scaling}
        metrics, arrays = _evaluate(model, quantile_model, series, split, config, chosen_season, scale, intervals)
        timings["evaluate_seconds"] = _time.perf_counter() - started
        plot_training(staging, fitted["history"], title=f"{config.body} on {Path(series.source).name}", record=record)
        _plots(staging, series, split, arrays, metrics, title=f"{series.target} ({Path(series.source).name})")
        finish_run(staging, model=model, record=record, metrics=metrics, timings=timings)
    return writer.finished_run()


def _calibrate(model: keras.Model, split: Split, floor: float) -> dict:
    """Split-conformal intervals: multiples of the spread that cover each level of the validation windows' errors."""
    validation_point = _predict(model, split.validation.inputs)
    spread, spread_kind = _spread(model, split.validation.inputs, floor)
    return {"method": "spread", "levels": list(INTERVAL_LEVELS), "spread": spread_kind, "spread_floor": floor,
            "multipliers": calibrate_intervals(np.abs(validation_point - split.validation.targets), spread, INTERVAL_LEVELS)}


def describe_forecast(blueprint: str, metrics: dict) -> str:
    """The headline: the network's MASE against the naive forecast's, e.g. "MASE 0.51 vs naive 0.93 (1.8x better)"."""
    ours, naive = metrics.get("mase"), metrics.get("naive_mase")
    if ours is None or naive is None:
        return headline(blueprint, metrics)
    verdict = "beats naive" if ours < naive else "does not beat naive"
    ratio = f"{naive / ours:.2f}x better" if ours < naive else f"{ours / naive:.2f}x worse"
    seasonal = metrics.get("seasonal_naive_mase")
    extra = f", seasonal naive {seasonal:.3g}" if seasonal is not None else ""
    coverage = metrics.get("coverage_95")
    band = f"; 95% interval covers {coverage:.0%} of test points" if coverage is not None else ""
    return f"MASE {ours:.3g} vs naive {naive:.3g} ({ratio}: {verdict}{extra}); MAE {metrics.get('mae', float('nan')):,.4g}{band}"


# ----------------------------------------------------------------------------- forecasting with a finished run
def _run_series(run: Run, data: str | None) -> tuple[pd.Index, np.ndarray, dict]:
    """The history a forecast starts from: a new CSV's rows, or the end of the training series kept in run.json."""
    info = run.record["data"]
    if data is None:
        tail = info["tail"]
        times = pd.DatetimeIndex(pd.to_datetime(tail["times"])) if "number" not in info["step"] else pd.Index(tail["times"], dtype="float64")
        return times, np.asarray(tail["values"], dtype="float64"), info["step"]
    series = load_series(data, time=info["time"], target=info["target"], features=info.get("features") or [])
    return series.times, series.values, _step_record(series.step)


def _future_times(last: object, step: dict, steps: int) -> list:
    """The times of the next `steps` rows: dates as text (2021-05-19, or with the time of day when there is one), or numbers."""
    if "number" in step:
        return [last + step["number"] * k for k in range(1, steps + 1)]
    if "freq" in step:
        times = pd.date_range(last, periods=steps + 1, freq=step["freq"])[1:]
    else:
        times = pd.DatetimeIndex([last + pd.Timedelta(seconds=step["seconds"]) * k for k in range(1, steps + 1)])
    return list(times.strftime("%Y-%m-%d" if (times == times.normalize()).all() else "%Y-%m-%dT%H:%M:%S"))


def forecast_ahead(model: keras.Model, values: np.ndarray, *, window: int, horizon: int, steps: int, intervals: dict,
                   quantile_model: keras.Model | None = None) -> dict[str, np.ndarray]:
    """`steps` forecasts past the end of `values`, feeding forecasts back in when `steps` > `horizon`.

    Bands beyond the horizon widen with the square root of the number of model calls: an
    assumption (errors that add up like a random walk's), not calibrated.

    Returns:
        {"forecast": (steps,), "lower_80": ..., "upper_80": ..., "lower_95": ..., "upper_95": ...}
    """
    history = np.asarray(values, dtype="float64").reshape(len(values), -1)
    if steps > horizon and history.shape[1] > 1:
        raise ConfigError(f"`steps` {steps} is beyond the run's horizon of {horizon}, and its features' future values are unknown; "
                          f"ask for at most {horizon} steps, or train a univariate run (no `features`).")
    FORECAST_STEPS.check("steps", steps)
    calls: list[dict[str, np.ndarray]] = []
    while len(calls) * horizon < steps:
        inputs = last_window(history, window=window)
        point = _predict(model, inputs)
        widen = np.sqrt(len(calls) + 1)
        call = {"forecast": point[0]}
        for level, (lower, upper) in _bands(model, quantile_model, inputs, point, intervals).items():
            name = round(float(level) * 100)
            call[f"lower_{name}"] = point[0] - (point[0] - lower[0]) * widen
            call[f"upper_{name}"] = point[0] + (upper[0] - point[0]) * widen
        calls.append(call)
        if len(calls) * horizon < steps:  # another call: the forecasts become the newest rows (univariate only)
            history = np.concatenate([history, point[0][:, None]])
    return {key: np.concatenate([call[key] for call in calls])[:steps] for key in calls[0]}


def predict_forecast(run: Run, inputs: list[str], *, top_k: int | None = None, tta: bool = False, steps: int | None = None,
                     plot: Path | None = None) -> pd.DataFrame:
    """`predict RUN [new.csv] --steps N`: N forecasts past the end of the series, with 80% and 95% bands.

    Args:
        run: a finished forecast run.
        inputs: [] (forecast from the end of the training series) or [new.csv] (from its last window).
        top_k, tta: not used by forecast runs (accepted so every blueprint's predict takes the same call).
        steps: how many steps ahead (default: the run's horizon).
        plot: also draw the recent history with the forecast and its bands to this PNG.

    Returns:
        A table of time, forecast, lower_80, upper_80, lower_95, upper_95.
    """
    if len(inputs) > 1:
        raise DataError(f"a forecast run reads one CSV (got {len(inputs)}); pass the file whose last window to forecast from, or none.")
    config = run.record["config"]
    steps = steps or config["horizon"]
    times, values, step = _run_series(run, inputs[0] if inputs else None)
    model = run.load_model()
    result = forecast_ahead(model, values, window=config["window"], horizon=config["horizon"], steps=steps,
                            intervals=run.record["forecast"]["intervals"], quantile_model=_quantile_model(run))
    table = pd.DataFrame({run.record["data"]["time"]: _future_times(times[-1], step, steps), **result})
    if plot is not None:
        forecast_plots.plot_future(times, values[:, 0], table, plot, target=run.record["data"]["target"])
    return table


def evaluate_forecast(run: Run, data: str, *, tta: bool = False) -> dict:
    """A run's forecasts on every window of another CSV of the same series, beside the baselines (MASE on the run's training scale)."""
    info, config, forecast = run.record["data"], run.record["config"], run.record["forecast"]
    series = load_series(data, time=info["time"], target=info["target"], features=info.get("features") or [])
    windows = make_windows(series.values, window=config["window"], horizon=config["horizon"])
    season = forecast["season"]
    usable = windows.take(windows.first_target >= max(season, config["window"]))
    if len(usable) == 0:
        raise DataError(f"{data} has too few rows to forecast after one window and one season ({season}); give a longer series.")
    model = run.load_model()
    point = _predict(model, usable.inputs)
    scale = forecast["mase_scale"]
    metrics = forecast_metrics(usable.targets, point, scale=scale)
    for name, baseline in baseline_forecasts(series.target_values, usable.first_target, horizon=config["horizon"], season=season,
                                             window=config["window"]).items():
        metrics[f"{name}_mase"] = forecast_metrics(usable.targets, baseline, scale=scale)["mase"]
    for level, (lower, upper) in _bands(model, _quantile_model(run), usable.inputs, point, forecast["intervals"]).items():
        metrics[f"coverage_{round(float(level) * 100)}"] = interval_coverage(usable.targets, lower, upper)
    metrics["windows"] = len(usable)
    return metrics


def default_plot_path(run: Run, steps: int) -> Path:
    """Where `predict RUN --steps N` draws its plot without `output`: a new file in RUN/predictions/ (never replaced)."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return run.path / "predictions" / f"forecast-{steps}-{stamp}.png"
