"""Forecast metrics and baselines: Hyndman's MASE, the baselines on the same points, season inference, interval calibration."""

from __future__ import annotations

import numpy as np
import pytest

from tfjourney.errors import ConfigError
from tfjourney.forecast_metrics import (
    baseline_forecasts,
    calibrate_intervals,
    check_season,
    forecast_metrics,
    infer_season,
    interval_bounds,
    interval_coverage,
    mase_scale,
    moving_average_forecast,
    naive_forecast,
    seasonal_naive_forecast,
)


def test_mase_is_scaled_by_the_training_parts_in_sample_one_step_naive_mae():
    train = np.array([10.0, 12.0, 11.0, 15.0])  # one-step changes 2, 1, 4: scale 7/3
    assert mase_scale(train) == pytest.approx(7 / 3)
    scores = forecast_metrics(np.array([16.0, 18.0]), np.array([15.0, 15.0]), scale=mase_scale(train))
    assert scores["mae"] == pytest.approx(2.0)
    assert scores["mase"] == pytest.approx(2.0 / (7 / 3))
    assert scores["rmse"] == pytest.approx(np.sqrt((1 + 9) / 2))
    assert scores["mape"] == pytest.approx(100 * (1 / 16 + 3 / 18) / 2)
    assert scores["smape"] == pytest.approx(100 * (2 * 1 / 31 + 2 * 3 / 33) / 2)


@pytest.mark.parametrize("seed", range(3))
def test_the_naive_forecast_scores_mase_1_on_the_training_part_itself(seed):
    """The definition: MASE 1 is exactly what the one-step naive forecast did in-sample."""
    series = np.cumsum(np.random.default_rng(seed).normal(size=200))
    first_target = np.arange(1, 200)
    naive = naive_forecast(series, first_target, 1)
    assert forecast_metrics(series[1:], naive, scale=mase_scale(series))["mase"] == pytest.approx(1.0)


def test_a_series_twice_as_big_has_the_same_mase():
    rng = np.random.default_rng(0)
    series, forecast = np.cumsum(rng.normal(size=100)), rng.normal(size=20)
    one = forecast_metrics(series[80:], series[80:] + forecast, scale=mase_scale(series[:80]))["mase"]
    two = forecast_metrics(2 * series[80:], 2 * (series[80:] + forecast), scale=mase_scale(2 * series[:80]))["mase"]
    assert one == pytest.approx(two)


def test_baselines_read_only_values_before_each_windows_first_target():
    series = np.arange(100.0)
    first_target = np.array([50, 60])
    np.testing.assert_array_equal(naive_forecast(series, first_target, 3), [[49, 49, 49], [59, 59, 59]])
    # season 2, horizon 3: step 0 and 1 one season back, step 2 two seasons back (row 52 - 4 = 48)
    np.testing.assert_array_equal(seasonal_naive_forecast(series, first_target, 3, 2), [[48, 49, 48], [58, 59, 58]])
    np.testing.assert_array_equal(moving_average_forecast(series, first_target, 1, 4), [[47.5], [57.5]])
    forecasts = baseline_forecasts(series, first_target, horizon=3, season=2, window=4)
    assert set(forecasts) == {"naive", "seasonal_naive", "moving_average"}
    assert all(f.shape == (2, 3) for f in forecasts.values())


def test_season_is_inferred_from_autocorrelation_with_a_note():
    t = np.arange(600)
    series = 0.05 * t + np.sin(2 * np.pi * t / 12) + np.random.default_rng(0).normal(0, 0.1, 600)
    season, note = infer_season(series)
    assert season == 12 and "inferred" in note
    walk = np.cumsum(np.random.default_rng(1).normal(size=600))
    season, note = infer_season(walk)
    assert season == 1 and "seasonal naive is the naive forecast" in note


def test_a_season_longer_than_the_training_part_is_refused():
    with pytest.raises(ConfigError, match="`season` 500 is longer than the training part \\(400 rows\\)"):
        check_season(500, train_rows=400)


def test_calibrated_intervals_cover_about_their_level_on_new_data():
    rng = np.random.default_rng(0)
    spread = rng.uniform(0.5, 2.0, size=(4000, 2))
    errors = rng.normal(size=(4000, 2)) * spread  # errors proportional to the spread
    multipliers = calibrate_intervals(np.abs(errors[:2000]), spread[:2000], (0.8, 0.95))
    for level in (0.8, 0.95):
        lower, upper = interval_bounds(np.zeros((2000, 2)), spread[2000:], multipliers[f"{level:g}"])
        assert interval_coverage(errors[2000:], lower, upper) == pytest.approx(level, abs=0.03)
    assert all(m95 > m80 for m95, m80 in zip(multipliers["0.95"], multipliers["0.8"]))


def test_interval_quantiles_and_the_pinball_loss():
    from tfjourney.forecast_metrics import interval_quantiles, pinball_loss

    assert interval_quantiles((0.8, 0.95)) == [0.025, 0.1, 0.9, 0.975]
    loss = pinball_loss([0.1, 0.9], horizon=1)
    # actual 1; forecasts 0 (quantile 0.1, 1 too low: 0.1 x 1) and 2 (quantile 0.9, 1 too high: 0.1 x 1)
    assert float(np.asarray(loss(np.array([[1.0]], "float32"), np.array([[0.0, 2.0]], "float32")))[0]) == pytest.approx(0.1)
    samples = np.random.default_rng(0).normal(size=(2000, 1)).astype("float32")
    single = pinball_loss([0.9], horizon=1)
    score = lambda value: float(np.mean(np.asarray(single(samples, np.full((2000, 1), value, "float32")))))  # noqa: E731
    best = float(np.quantile(samples, 0.9))
    assert score(best) < score(best - 0.2) and score(best) < score(best + 0.2)  # minimized at the 0.9 quantile
