"""The forecasting networks: raw windows in, forecasts in the series' units out, loadable by plain Keras."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from tfjourney.blueprints import get_blueprint
from tfjourney.models.forecast import MEMBER_PREFIX, ScalingStats, build_forecast_model, join_ensemble, member_forecasts

CONFIG = get_blueprint("forecast").resolve(window=6, horizon=2, units=8, nbeats_blocks=2, nbeats_width=8)


def _stats(channels: int = 1) -> ScalingStats:
    rows = np.cumsum(np.random.default_rng(0).normal(size=(200, channels)), axis=0) + 1000
    return ScalingStats.fit(rows)


@pytest.mark.parametrize("body", ["dense", "conv1d", "lstm", "nbeats"])
@pytest.mark.parametrize("channels", [1, 3])
def test_every_body_maps_raw_windows_to_horizon_forecasts(body, channels):
    model = build_forecast_model(replace(CONFIG, body=body), stats=_stats(channels))
    inputs = np.random.default_rng(1).normal(1000, 5, size=(4, 6) if channels == 1 else (4, 6, channels)).astype("float32")
    assert model(inputs).shape == (4, 2)


@pytest.mark.parametrize("channels", [1, 3])
def test_with_last_scaling_a_body_that_learned_nothing_is_the_naive_forecast(channels):
    """The body forecasts the change from the window's last value: zero change is the last value itself."""
    model = build_forecast_model(replace(CONFIG, scaling="last"), stats=_stats(channels))
    layer = model.get_layer("forecast")
    layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    inputs = np.random.default_rng(2).normal(5000, 300, size=(5, 6) if channels == 1 else (5, 6, channels)).astype("float32")
    last_target = inputs[:, -1] if channels == 1 else inputs[:, -1, 0]
    np.testing.assert_allclose(model(inputs), np.repeat(last_target[:, None], 2, axis=1), rtol=1e-6)


def test_standard_scaling_is_fitted_on_the_rows_given():
    stats = ScalingStats.fit(np.array([[1.0], [3.0], [5.0]]))
    assert stats.mean == [3.0] and stats.std == pytest.approx([np.std([1, 3, 5])]) and stats.change_std == [1.0]  # changes 2, 2: std 0 -> 1
    model = build_forecast_model(replace(CONFIG, scaling="standard"), stats=stats)
    layer = model.get_layer("forecast")
    layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    np.testing.assert_allclose(model(np.zeros((1, 6), "float32")), [[3.0, 3.0]], rtol=1e-6)  # zero output: the training mean


def test_the_ensemble_forecasts_the_members_median():
    stats = _stats()
    members = [build_forecast_model(CONFIG, stats=stats, name=f"{MEMBER_PREFIX}{i}_mae") for i in range(3)]
    for shift, member in zip((0.0, 10.0, 100.0), members):
        layer = member.get_layer("forecast")
        kernel, bias = layer.get_weights()
        layer.set_weights([np.zeros_like(kernel), np.full_like(bias, shift / stats.change_std[0])])
    ensemble = join_ensemble(members)
    inputs = np.full((2, 6), 1000.0, "float32")
    np.testing.assert_allclose(ensemble(inputs), np.full((2, 2), 1010.0), rtol=1e-6)
    assert member_forecasts(ensemble, inputs).shape == (3, 2, 2)
    assert member_forecasts(members[0], inputs) is None


def test_model_keras_loads_and_predicts_without_tfjourney(tmp_path):
    """N-BEATS (Subtract/Add residual blocks) and the ensemble (keras.ops median) in one plain-Keras process."""
    stats = _stats()
    models = {
        "nbeats": build_forecast_model(replace(CONFIG, body="nbeats"), stats=stats),
        "ensemble": join_ensemble([build_forecast_model(CONFIG, stats=stats, name=f"{MEMBER_PREFIX}{i}_mae") for i in range(2)]),
    }
    inputs = np.linspace(990, 1010, 12, dtype="float32").reshape(2, 6)
    np.save(tmp_path / "inputs.npy", inputs)
    for name, model in models.items():
        model.save(tmp_path / f"{name}.keras")
    script = ("import sys, numpy as np, keras\n"
              "for name in ('nbeats', 'ensemble'):\n"
              "    m = keras.saving.load_model(name + '.keras')\n"
              "    np.save(name + '.npy', m.predict(np.load('inputs.npy'), verbose=0))\n"
              "assert not any(n.startswith('tfjourney') for n in sys.modules), 'tfjourney was imported'\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    for name, model in models.items():
        np.testing.assert_allclose(np.load(tmp_path / f"{name}.npy"), np.asarray(model(inputs)), rtol=1e-5)
