"""The series data layer: windows aligned as computed by hand, a split by time with no leakage, each bad input refused."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pandas as pd
import pytest

from tfjourney.data.series import check_window, last_window, load_series, make_windows, split_windows
from tfjourney.errors import ConfigError, DataError, TfjourneyNotice


def _csv(tmp_path, frame: pd.DataFrame, name: str = "series.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _daily(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"day": pd.date_range("2021-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
                         "price": np.cumsum(rng.normal(0, 1, n)) + 100, "volume": rng.uniform(1, 2, n)})


# ----------------------------------------------------------------------------- windows
def test_windows_match_a_hand_computed_example():
    windows = make_windows(np.arange(10.0), window=3, horizon=2)
    assert windows.inputs.shape == (6, 3) and windows.targets.shape == (6, 2)
    np.testing.assert_array_equal(windows.inputs[0], [0, 1, 2])
    np.testing.assert_array_equal(windows.targets[0], [3, 4])  # the two rows right after the window
    np.testing.assert_array_equal(windows.inputs[-1], [5, 6, 7])
    np.testing.assert_array_equal(windows.targets[-1], [8, 9])
    np.testing.assert_array_equal(windows.first_target, np.arange(3, 9))


def test_windows_agree_with_keras_timeseries_dataset_once_its_targets_are_shifted():
    """keras pairs sequence i with targets[i]: the targets must start `window` rows later for a forecast."""
    values = np.random.default_rng(1).normal(size=50).astype("float32")
    window = 7
    dataset = keras.utils.timeseries_dataset_from_array(values[:-1], targets=values[window:], sequence_length=window, batch_size=1000)
    inputs, targets = next(iter(dataset))
    ours = make_windows(values, window=window, horizon=1)
    np.testing.assert_array_equal(ours.inputs, inputs.numpy())
    np.testing.assert_array_equal(ours.targets[:, 0], targets.numpy())


def test_feature_columns_ride_along_and_the_target_is_column_zero():
    values = np.column_stack([np.arange(6.0), 10 * np.arange(6.0)])
    windows = make_windows(values, window=2, horizon=1)
    assert windows.inputs.shape == (4, 2, 2)
    np.testing.assert_array_equal(windows.inputs[1], [[1, 10], [2, 20]])
    np.testing.assert_array_equal(windows.targets[:, 0], [2, 3, 4, 5])
    np.testing.assert_array_equal(last_window(values, window=2), [[[4, 40], [5, 50]]])


# ----------------------------------------------------------------------------- the split
@pytest.mark.parametrize("seed", range(5))
def test_split_is_chronological_and_no_target_is_in_two_parts(seed):
    rng = np.random.default_rng(seed)
    rows, window, horizon = int(rng.integers(60, 400)), int(rng.integers(1, 15)), int(rng.integers(1, 6))
    windows = make_windows(np.arange(float(rows)), window=window, horizon=horizon)
    split = split_windows(windows, horizon=horizon, test_size=float(rng.uniform(0.1, 0.4)), validation_split=float(rng.uniform(0.05, 0.3)))
    last = lambda part: part.first_target.max() + horizon - 1  # noqa: E731
    assert last(split.train) < split.validation.first_target.min()
    assert last(split.validation) < split.split_row <= split.test.first_target.min()
    # the targets are the row numbers: no value is a target in two parts
    parts = [set(p.targets.ravel().tolist()) for p in (split.train, split.validation, split.test)]
    assert not (parts[0] & parts[1]) and not (parts[1] & parts[2]) and not (parts[0] & parts[2])
    assert split.test.first_target.max() + horizon == rows  # the test part runs to the end


def test_the_course_split_counts_2224_and_556_windows():
    windows = make_windows(np.arange(2787.0), window=7, horizon=1)
    split = split_windows(windows, horizon=1, test_size=0.2, validation_split=0.1)
    assert len(split.train) + len(split.validation) == 2224 and len(split.test) == 556


# ----------------------------------------------------------------------------- reading
def test_rows_are_sorted_missing_values_filled_forward_and_counted(tmp_path):
    frame = _daily(20)
    frame.loc[[5, 6, 12], "price"] = np.nan
    shuffled = frame.sample(frac=1, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        series = load_series(_csv(tmp_path, shuffled), time="day", target="price")
    assert series.times.is_monotonic_increasing
    assert series.target_values[5] == series.target_values[6] == series.target_values[4] == pytest.approx(frame.price[4])
    assert any("3 missing value(s) filled forward" in n for n in series.notes)
    assert any("sorted" in n for n in series.notes)
    assert any(issubclass(w.category, TfjourneyNotice) for w in caught)
    assert str(series.step) == "<Day>"


def test_a_gap_is_noted(tmp_path):
    frame = _daily(30).drop(index=[10, 11, 12])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        series = load_series(_csv(tmp_path, frame), time="day", target="price")
    assert any("1 gap(s)" in note and "2021-01-10" in note for note in series.notes)


def test_embedded_co2_series_loads_with_its_licence():
    from tfjourney.data.series import EMBEDDED_SERIES

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        series = load_series("co2")
    assert len(series.values) == 2284 and series.source == "embedded:co2"
    assert "public domain" in EMBEDDED_SERIES["co2"].license
    assert any("59 missing value(s)" in note for note in series.notes)


@pytest.mark.parametrize("change, needles", [
    (lambda f: f.assign(day=f.day.where(f.index != 3, "not a date")), ("'day'", "not a date", "row 5")),
    (lambda f: f.assign(price=f.price.astype(object).where(f.index != 7, "n/a?")), ("'price'", "not numeric", "row 9")),
    (lambda f: f.assign(price=f.price.where(f.index != 4, np.inf)), ("infinite", "row 6")),
    (lambda f: pd.concat([f, f.iloc[[2, 9]]]), ("2 duplicate timestamp(s)", "2021-01-03", "2021-01-10", "one row per time")),
])
def test_bad_input_is_one_data_error_with_the_fix(tmp_path, change, needles):
    with pytest.raises(DataError) as error:
        load_series(_csv(tmp_path, change(_daily())), time="day", target="price")
    message = str(error.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, (needle, message)


def test_unknown_columns_and_window_sizes_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="'close' is not in the CSV; choose from: day, price, volume"):
        load_series(_csv(tmp_path, _daily()), time="day", target="close")
    with pytest.raises(ConfigError, match="`window` 0 must be at least 1"):
        check_window(window=0, horizon=1, rows=100)
    with pytest.raises(ConfigError, match="`horizon` -1 must be at least 1"):
        check_window(window=7, horizon=-1, rows=100)
    with pytest.raises(DataError, match="5 rows, too few for one window of 7 plus a horizon of 1"):
        make_windows(np.arange(5.0), window=7, horizon=1)
