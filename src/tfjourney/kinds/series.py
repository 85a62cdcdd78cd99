"""The `series` kind: a time series in a CSV (a time column and numeric columns), read as windows of past steps.

The front ends call these through `get_kind("series").function(...)`: predict and evaluate
with a forecast run, decode a TF-Serving request into a batch of windows, the export's
samples (the run's own test and training windows), the manifest's words for the input, and
the studio's upload check.

A request is either windows of raw values, one per forecast,
`{"instances": [[v1, ..., vW], ...]}` (with features: `[[[target, feature, ...] x W], ...]`),
or one stretch of the series, `{"instances": [{"time": ..., "value": ...}, ...]}`, from
whose last `window` rows (sorted by time) the window is built for you.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tfjourney.errors import DataError
from tfjourney.kinds import Kind, Sample, Upload

if TYPE_CHECKING:  # pandas loads when a request does: registering the kind stays light
    import pandas as pd

KIND = Kind(name="series", module=__name__, forecasts_ahead=True, upload=Upload(accept=".csv,text/csv", multiple=False,
                                                          hint="One CSV of the series (its time and target columns); the forecast starts after its last row"))
MAX_WINDOWS = 10_000  # windows one request may ask for


def predict(run, inputs: list[str], *, top_k: int | None = None, tta: bool = False, steps: int | None = None, plot=None) -> pd.DataFrame:
    """`tfjourney predict RUN [new.csv] [--steps N]`: the next steps after the series (or the new file), with 80% and 95% bands.

    Args:
        run: a finished forecast run.
        inputs: [] or [new.csv].
        top_k, tta: not used by forecasts.
        steps: how many steps (default: the run's horizon); beyond the horizon, forecasts are fed back in.
        plot: also draw the forecast to this PNG.

    Returns:
        A table of time, forecast, lower_80, upper_80, lower_95, upper_95.
    """
    from tfjourney.pipelines.forecast import predict_forecast

    return predict_forecast(run, inputs, top_k=top_k, tta=tta, steps=steps, plot=plot)


def evaluate(run, data: str, *, tta: bool = False) -> dict:
    """`tfjourney evaluate RUN new.csv`: every window of the file, beside the baselines."""
    from tfjourney.pipelines.forecast import evaluate_forecast

    return evaluate_forecast(run, data, tta=tta)


# ----------------------------------------------------------------------------- serving
def _shape(run) -> tuple[int, int, list[str]]:
    """The run's window, its number of columns, and the column names (target first)."""
    data = run.record["data"]
    columns = [data["target"], *(data.get("features") or [])]
    return int(run.record["config"]["window"]), len(columns), columns


def _windows(rows: Any, window: int, channels: int) -> np.ndarray:
    """A list of windows of numbers, checked: each has `window` values (of `channels` columns each)."""
    try:
        batch = np.asarray(rows, dtype="float32")
    except (TypeError, ValueError):
        raise DataError(f"each instance must be a list of {window} numbers (the run's window, oldest first); "
                        f"or send [{{\"time\": ..., \"value\": ...}}, ...] to have the window built.") from None
    expected = (window,) if channels == 1 else (window, channels)
    if batch.ndim != len(expected) + 1 or batch.shape[1:] != expected:
        raise DataError(f"each instance must hold {window} values{'' if channels == 1 else f' of {channels} columns'} "
                        f"(the run's window, oldest first), got shape {list(batch.shape[1:])}; send exactly the last {window} steps.")
    if not np.all(np.isfinite(batch)):
        raise DataError("a window holds a missing or infinite value; send finite numbers only.")
    if len(batch) > MAX_WINDOWS:
        raise DataError(f"{len(batch)} windows in one request; send at most {MAX_WINDOWS}.")
    return batch


def _timed_rows(rows: list[dict], window: int, columns: list[str]) -> np.ndarray:
    """[{"time": ..., "value": ...}, ...] -> the window that ends at the latest time (a batch of one)."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    value_columns = ["value" if "value" in frame and columns[0] not in frame else columns[0], *columns[1:]]
    missing = [c for c in ["time", *value_columns] if c not in frame]
    if missing:
        raise DataError(f"each row needs {', '.join(repr(c) for c in ['time', 'value', *columns[1:]])}; missing {', '.join(map(repr, missing))}.")
    times = pd.to_datetime(frame["time"], errors="coerce") if not pd.api.types.is_numeric_dtype(frame["time"]) else frame["time"]
    if times.isna().any():
        raise DataError(f"a row's time {frame['time'][times.isna()].iloc[0]!r} is not a date; send times like 2021-05-18.")
    if times.duplicated().any():
        raise DataError(f"time {frame['time'][times.duplicated()].iloc[0]!r} appears twice; send one row per time.")
    if len(frame) < window:
        raise DataError(f"{len(frame)} rows are fewer than the run's window of {window}; send at least the last {window} steps.")
    ordered = frame.assign(_time=times).sort_values("_time")
    values = ordered[value_columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype="float32")[-window:]
    return _windows([values[:, 0] if len(columns) == 1 else values], window, len(columns))


def decode(served, instances: list | None, inputs: Any) -> np.ndarray:
    """One TF-Serving request body -> a batch of windows (n, window) or (n, window, columns); DataError for a bad body."""
    window, channels, columns = _shape(served.run)
    if instances is not None:
        if not isinstance(instances, list) or not instances:
            raise DataError("`instances` must be a non-empty list of windows, or of {\"time\": ..., \"value\": ...} rows.")
        if all(isinstance(row, dict) for row in instances):
            return _timed_rows(instances, window, columns)
        return _windows(instances, window, channels)
    if isinstance(inputs, dict):
        if len(inputs) != 1:
            raise DataError(f"`inputs` must name one input, the window ({served.inputs[0]['name'] if served.inputs else 'window'}).")
        inputs = next(iter(inputs.values()))
    return _windows(inputs, window, channels)


def outputs(served, batch: np.ndarray) -> np.ndarray:
    """(n, horizon) forecasts in the series' units."""
    return np.asarray(served.model.predict(batch, verbose=0, batch_size=1024))


# ----------------------------------------------------------------------------- export
def samples(run, model, n_test: int, n_train: int, data=None):
    """The run's own test and training windows, as the model takes them, with their targets."""
    from tfjourney.data.series import load_series, make_windows, split_windows

    info, config = run.record["data"], run.record["config"]
    source = data if data is not None else str(info["source"]).removeprefix("embedded:")
    series = load_series(source, time=info["time"], target=info["target"], features=info.get("features") or [])
    windows = make_windows(series.values, window=config["window"], horizon=config["horizon"])
    split = split_windows(windows, horizon=config["horizon"], test_size=config["test_size"], validation_split=config["validation_split"])
    name = model.inputs[0].name if hasattr(model.inputs[0], "name") else "window"
    test, train = split.test.take(slice(0, n_test)), split.train.take(slice(-n_train, None))
    return Sample({name: test.inputs}, test.targets), Sample({name: train.inputs}, train.targets)


def describe_input(run, spec) -> str:
    """The export manifest's words for the window input."""
    window, channels, columns = _shape(run)
    what = f"the last {window} values of {columns[0]!r}" if channels == 1 else f"the last {window} rows of {', '.join(map(repr, columns))}"
    return f"{what}, oldest first, in the series' own units (scaling is inside the model); float32"


def check_upload(name: str, content: bytes) -> str:
    """A studio upload of a series: one CSV with a time column and the target."""
    if not name.lower().endswith(".csv"):
        raise DataError(f"{name} is not a CSV; upload the series as a .csv with its time and target columns.")
    if not content.strip():
        raise DataError(f"{name} is empty; upload a CSV with a header and at least a window of rows.")
    return ".csv"
