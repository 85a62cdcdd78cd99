"""A time series from a CSV: read, checked once, windowed and split chronologically.

`load_series` reads a CSV (or the embedded `co2` series), sorts it by time, refuses what cannot
be forecast (duplicate timestamps, a non-numeric target, inf values, an unparseable time column)
with one line that says the fix, fills missing values forward and notes gaps. `make_windows`
turns the values into (window -> horizon) pairs and `split_windows` splits them by time.

A window's *forecast points* are the `horizon` rows after its last input row. A window
belongs to the training part when all its forecast points lie before the split row, to the
test part when all lie at or after it; windows whose points straddle the split are dropped,
so no training target is ever a test target. A test window's inputs may reach back into the
training part: that is the past, known when the forecast is made.

Example:
    >>> series = load_series("co2")                      # doctest: +SKIP
    >>> windows = make_windows(series.values, window=7, horizon=1)
    >>> windows.inputs.shape, windows.targets.shape       # doctest: +SKIP
    ((2277, 7), (2277, 1))
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from tfjourney.data.catalog import EMBEDDED_SERIES
from tfjourney.errors import ConfigError, DataError, TfjourneyNotice


@dataclass
class Series:
    """A checked series: `values[:, 0]` is the target, further columns are the extra features."""

    source: str
    time: str
    target: str
    features: list[str]
    times: pd.Index  # DatetimeIndex, or a numeric index for a numeric time column
    values: np.ndarray  # (rows, 1 + features), float64
    step: object  # a pandas offset/Timedelta, or a number: the time between rows
    fingerprint: str
    notes: list[str] = field(default_factory=list)

    @property
    def target_values(self) -> np.ndarray:
        return self.values[:, 0]


@dataclass(frozen=True)
class Windows:
    """Windows of inputs and the targets that follow them; `first_target` is the row of each window's first target."""

    inputs: np.ndarray  # (n, window) for one column, (n, window, columns) with features
    targets: np.ndarray  # (n, horizon)
    first_target: np.ndarray  # (n,) row index in the series

    def __len__(self) -> int:
        return len(self.targets)

    def take(self, index: slice | np.ndarray) -> Windows:
        return Windows(self.inputs[index], self.targets[index], self.first_target[index])


# ----------------------------------------------------------------------------- reading
def _read(data: str | Path, time: str | None, target: str | None) -> tuple[pd.DataFrame, str, str, str]:
    """The raw frame, its source, and the time and target columns (the embedded series knows its own)."""
    if str(data) in EMBEDDED_SERIES:
        entry = EMBEDDED_SERIES[str(data)]
        with resources.files("tfjourney.data").joinpath("series_files", entry.file).open("rb") as handle:
            frame = pd.read_csv(handle)
        return frame, f"embedded:{entry.name}", time or entry.time, target or entry.target
    path = Path(data)
    if not path.is_file():
        raise DataError(f"{data} is not a file; pass a CSV path or an embedded series ({', '.join(EMBEDDED_SERIES)}).")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataError(f"{path} cannot be read as a CSV ({str(error).splitlines()[0]}); save it as comma-separated UTF-8 text.") from None
    if time is None or target is None:
        missing = "`time`" if time is None else "`target`"
        raise ConfigError(f"{missing} is needed for {path.name}; name its column (columns: {', '.join(map(str, frame.columns))}).")
    return frame, str(path), time, target


def _check_columns(frame: pd.DataFrame, names: list[str]) -> None:
    for name in names:
        if name not in frame.columns:
            raise ConfigError(f"column {name!r} is not in the CSV; choose from: {', '.join(map(str, frame.columns))}.")


def _parse_times(column: pd.Series, name: str) -> pd.Index:
    """Dates, or numbers (years, step counts) kept as numbers; anything else is a DataError naming a bad cell."""
    if pd.api.types.is_numeric_dtype(column):
        if column.isna().any():
            raise DataError(f"time column {name!r} is empty at row {int(column.isna().to_numpy().argmax()) + 2}; fill in every timestamp.")
        return pd.Index(column.to_numpy(dtype="float64"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "could not infer format": we check the result instead
        parsed = pd.to_datetime(column, errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        row = int(bad.argmax())
        raise DataError(f"time column {name!r} has a value that is not a date at row {row + 2}: {column.iloc[row]!r}; "
                        f"write dates like 2021-05-18 (or choose another `time` column).")
    return pd.DatetimeIndex(parsed)


def _numeric(column: pd.Series, name: str, role: str) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna().to_numpy() & column.notna().to_numpy()
    if bad.any():
        row = int(bad.argmax())
        raise DataError(f"{role} column {name!r} is not numeric: row {row + 2} holds {column.iloc[row]!r}; "
                        f"choose a numeric column or clean that cell.")
    array = values.to_numpy(dtype="float64")
    infinite = np.isinf(array)
    if infinite.any():
        row = int(infinite.argmax())
        raise DataError(f"{role} column {name!r} holds an infinite value at row {row + 2}; replace it with a number or leave the cell empty.")
    return array


def _step(times: pd.Index) -> object:
    """The regular time between rows: a pandas frequency when it can tell, else the median difference."""
    if isinstance(times, pd.DatetimeIndex) and len(times) >= 3:
        freq = pd.infer_freq(times[-min(len(times), 50):])
        if freq is not None:
            return pd.tseries.frequencies.to_offset(freq)
    return pd.Series(times).diff().median() if len(times) > 1 else 1.0


def _gap_note(times: pd.Index) -> str | None:
    deltas = pd.Series(times).diff().iloc[1:]
    if deltas.empty:
        return None
    typical = deltas.median()
    gaps = deltas[deltas > typical * 1.5]
    if gaps.empty:
        return None
    first = gaps.index[0]
    return (f"{len(gaps)} gap(s) in the time column, where rows are usually {typical} apart; the first is between "
            f"{times[first - 1]} and {times[first]}; windows read the rows as if they were evenly spaced")


def _fill_forward(values: np.ndarray, names: list[str], times: pd.Index, notes: list[str]) -> tuple[np.ndarray, pd.Index]:
    """Missing values take the previous row's value (a note counts them); leading missing rows are dropped."""
    frame = pd.DataFrame(values, columns=names)
    leading = int(frame.notna().all(axis=1).to_numpy().argmax()) if frame.notna().all(axis=1).any() else len(frame)
    if leading:
        notes.append(f"{leading} leading row(s) with missing values dropped (nothing before them to fill from)")
    frame, times = frame.iloc[leading:], times[leading:]
    missing = int(frame.isna().to_numpy().sum())
    if missing:
        notes.append(f"{missing} missing value(s) filled forward with the previous row's value")
    return frame.ffill().to_numpy(dtype="float64"), times


def _fingerprint(times: pd.Index, values: np.ndarray) -> str:
    digest = hashlib.sha256(np.asarray(times.astype("int64") if isinstance(times, pd.DatetimeIndex) else times).tobytes())
    digest.update(np.ascontiguousarray(values).tobytes())
    return f"sha256:{digest.hexdigest()}"


def load_series(
    data: str | Path,
    *,
    time: str | None = None,
    target: str | None = None,
    features: list[str] | tuple[str, ...] = (),
) -> Series:
    """Read, check and clean a series for forecasting.

    Args:
        data: a CSV path, or an embedded series name (`co2`).
        time: the time column (dates, or numbers such as years); optional for an embedded series.
        target: the numeric column to forecast; optional for an embedded series.
        features: other numeric columns the windows also carry.

    Returns:
        The `Series`, sorted by time, missing values filled forward, with notes on what was done.
        Raises DataError (duplicate timestamps, bad cells, inf) or ConfigError (unknown columns), each with the fix.
    """
    frame, source, time, target = _read(data, time, target)
    features = [f for f in features if f != target]
    _check_columns(frame, [time, target, *features])
    if time in [target, *features]:
        raise ConfigError(f"`time` {time!r} is also the target or a feature; name a separate time column.")
    if frame.empty:
        raise DataError(f"{source} has no rows; a forecast needs at least a window plus the horizon of rows.")
    times = _parse_times(frame[time], time)
    order = np.argsort(np.asarray(times), kind="stable")
    frame, times = frame.iloc[order].reset_index(drop=True), times[order]
    duplicated = times[times.duplicated()].unique()
    if len(duplicated):
        shown = ", ".join(str(t.date() if hasattr(t, "date") and t == t.normalize() else t) if isinstance(t, pd.Timestamp) else f"{t:g}" for t in duplicated[:3])
        raise DataError(f"{len(duplicated)} duplicate timestamp(s) in {time!r} ({shown}{', ...' if len(duplicated) > 3 else ''}); "
                        f"keep one row per time (e.g. average them) before forecasting.")
    notes: list[str] = []
    if not np.all(order == np.arange(len(order))):
        notes.append(f"rows sorted by {time!r} (the file was not in time order)")
    names = [target, *features]
    values = np.column_stack([_numeric(frame[name], name, "target" if name == target else "feature") for name in names])
    values, times = _fill_forward(values, names, times, notes)
    if len(values) == 0:
        raise DataError(f"target column {target!r} in {source} has no values; choose a column with numbers.")
    gap = _gap_note(times)
    if gap:
        notes.append(gap)
    for note in notes:
        warnings.warn(note, TfjourneyNotice, stacklevel=2)
    return Series(source, time, target, list(features), times, values, _step(times), _fingerprint(times, values), notes)


# ----------------------------------------------------------------------------- windows and the split
def check_window(*, window: int, horizon: int, rows: int) -> None:
    """ConfigError for a window or horizon below 1, DataError when the rows cannot hold one window plus the horizon."""
    for key, value in (("window", window), ("horizon", horizon)):
        if value < 1:
            raise ConfigError(f"`{key}` {value} must be at least 1 step; the course uses a window of 7 and a horizon of 1.")
    if rows < window + horizon:
        raise DataError(f"the series has {rows} rows, too few for one window of {window} plus a horizon of {horizon}; "
                        f"use a longer series or a smaller `window`.")


def make_windows(values: np.ndarray, *, window: int, horizon: int) -> Windows:
    """Every (window -> horizon) pair of the series, in time order.

    Window i reads rows i .. i+window-1 and its targets are the target column's rows
    i+window .. i+window+horizon-1 (the rows right after it).

    Args:
        values: (rows,) or (rows, columns); column 0 is the target.
        window: input steps.
        horizon: steps forecast.

    Returns:
        `Windows`: inputs (n, window) for one column or (n, window, columns), targets (n, horizon).
    """
    values = np.asarray(values, dtype="float32")
    columns = values.reshape(len(values), -1)
    check_window(window=window, horizon=horizon, rows=len(columns))
    n = len(columns) - window - horizon + 1
    steps = np.arange(n)[:, None]
    inputs = columns[steps + np.arange(window)]  # (n, window, columns)
    targets = columns[steps + window + np.arange(horizon), 0]
    if columns.shape[1] == 1:
        inputs = inputs[..., 0]
    return Windows(inputs, targets, np.arange(n) + window)


def last_window(values: np.ndarray, *, window: int) -> np.ndarray:
    """The window that ends at the series' last row, shaped as `make_windows` shapes one (batch of 1)."""
    columns = np.asarray(values, dtype="float32").reshape(len(values), -1)
    if len(columns) < window:
        raise DataError(f"the series has {len(columns)} rows, fewer than the run's window of {window}; give at least {window} rows.")
    tail = columns[-window:][None]
    return tail[..., 0] if columns.shape[1] == 1 else tail


@dataclass(frozen=True)
class Split:
    """Window index ranges of the chronological split, and the first test row."""

    train: Windows
    validation: Windows
    test: Windows
    split_row: int  # the series row where the test part's targets begin

    def counts(self) -> dict[str, int]:
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)}


def split_windows(windows: Windows, *, horizon: int, test_size: float, validation_split: float) -> Split:
    """Split windows by time: training (its last `validation_split` for validation), then test.

    The test part is the last `test_size` of the windows, counted as the course counts them
    (80% of 2,780 windows train: 2,224). Training and validation windows are those whose
    targets all come before the split row; windows whose targets straddle a boundary are
    dropped, so no target is in two parts.

    Returns:
        The `Split`; DataError when a part would be empty.
    """
    n = len(windows)
    n_fit_all = int(round((1 - test_size) * n))
    if n_fit_all < 2 or n - n_fit_all < 1:
        raise DataError(f"{n} windows are too few to split into training and test parts of {1 - test_size:.0%}/{test_size:.0%}; "
                        f"use a longer series, or a smaller `window` or `horizon`.")
    split_row = int(windows.first_target[n_fit_all])
    last_target = windows.first_target + horizon - 1
    train_all = np.flatnonzero(last_target < split_row)
    test = np.flatnonzero(windows.first_target >= split_row)
    n_val = max(1, int(round(validation_split * len(train_all))))
    if len(train_all) - n_val < 1:
        raise DataError(f"{len(train_all)} training windows are too few to keep {n_val} for validation; use a longer series.")
    val_row = int(windows.first_target[train_all[-n_val]])
    fit = train_all[last_target[train_all] < val_row]
    validation = train_all[-n_val:]
    return Split(windows.take(fit), windows.take(validation), windows.take(test), split_row)
