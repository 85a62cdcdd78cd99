"""fit(), the callbacks, set_seed and the learning-rate finder on tiny problems."""

from __future__ import annotations

import csv

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfjourney.training.fit import default_callbacks, fit, make_loss, make_optimizer, set_seed
from tfjourney.training.lr_finder import _smooth, find_learning_rate, suggest_learning_rate


def _linear_data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=n)).astype("float32")
    return x, y


def _ds(x, y, batch=32):
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch)


def _model(lr=0.01):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=make_optimizer("adam", lr), loss=make_loss("mae"))
    return model


def test_optimizer_and_loss_names():
    sgd = make_optimizer("sgd", 0.05)
    assert isinstance(sgd, keras.optimizers.SGD) and sgd.momentum == 0.9
    assert float(sgd.learning_rate) == pytest.approx(0.05)
    assert isinstance(make_optimizer("adam", 0.01), keras.optimizers.Adam)
    assert make_loss("mae") == "mae" and make_loss("mse") == "mse"
    assert isinstance(make_loss("huber"), keras.losses.Huber)


def test_same_seed_same_weights_and_history():
    x, y = _linear_data()

    def train():
        set_seed(5)
        model = _model()
        result = fit(model, _ds(x, y), _ds(x[:32], y[:32]), epochs=3, callbacks=[])
        return result, [w.copy() for w in model.get_weights()]

    (first, w1), (second, w2) = train(), train()
    assert first.history == second.history
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    set_seed(6)
    other = _model().get_weights()
    assert not np.array_equal(other[0], w1[0])  # a different seed really changes things


def test_fit_learns_and_logs_history_csv(tmp_path):
    x, y = _linear_data()
    set_seed(1)
    model = _model()
    callbacks = default_callbacks(tmp_path / "history.csv", patience=50)
    result = fit(model, _ds(x, y), _ds(x[:64], y[:64]), epochs=8, callbacks=callbacks)
    assert result.epochs_run == 8
    assert result.history["loss"][-1] < 0.5 * result.history["loss"][0]
    assert result.best_epoch == int(np.argmin(result.history["val_loss"])) + 1
    rows = list(csv.DictReader((tmp_path / "history.csv").open()))
    assert len(rows) == 8 and {"epoch", "loss", "val_loss"} <= set(rows[0])


def test_early_stopping_restores_best_weights():
    x, y = _linear_data()
    callbacks = default_callbacks(None, patience=1)
    assert isinstance(callbacks[0], keras.callbacks.EarlyStopping)
    assert callbacks[0].restore_best_weights and callbacks[0].patience == 1
    assert callbacks[1].patience == 1  # ReduceLROnPlateau at patience // 3, at least 1
    set_seed(2)
    # a validation set the model cannot improve on (labels are noise) stops it early
    noise = np.random.default_rng(0).normal(size=64).astype("float32") * 100
    result = fit(_model(), _ds(x, y), _ds(x[:64], noise), epochs=40, callbacks=callbacks)
    assert result.epochs_run < 40


def test_suggest_learning_rate_is_a_tenth_of_the_minimum():
    lrs = list(np.logspace(-5, 0, 60))
    # loss falls until lr ~ 1e-2, then explodes
    losses = [1.0 / (1 + 1000 * lr) if lr < 1e-2 else 1.0 / 11 + 100 * (lr - 1e-2) for lr in lrs]
    suggested = suggest_learning_rate(lrs, losses)
    assert 1e-4 <= suggested <= 2e-3
    assert suggest_learning_rate([1e-3, 1e-2], [float("nan"), float("inf")]) == 1e-3


def test_smoothing_is_debiased():
    np.testing.assert_allclose(_smooth(np.full(5, 3.0)), np.full(5, 3.0))


def test_find_learning_rate_sweeps_upward_and_stops_on_divergence():
    x, y = _linear_data()
    set_seed(3)
    model = _model()
    result = find_learning_rate(model, _ds(x, y), steps_per_epoch=8, start=1e-4, end=10.0, steps=60)
    assert 10 <= len(result.learning_rates) == len(result.losses) <= 60
    assert np.all(np.diff(result.learning_rates) > 0)
    assert result.learning_rates[0] == pytest.approx(1e-4)
    assert 1e-5 <= result.suggested <= 1.0
    assert result.suggested in [lr / 10 for lr in result.learning_rates]
