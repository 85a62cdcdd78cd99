"""tfjourney's distributed step against Keras `fit`, and the strategy set-up's bad input."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfjourney.errors import ConfigError
from tfjourney.training.distributed import fit_distributed, setup_distribution, weights_identical


def _data(n=101, seed=0):
    keras.utils.set_random_seed(seed)  # the shuffle's order depends on the global seed too
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] * x[:, 1] + 0.3 * rng.normal(size=n) > 0).astype("float32")
    train = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(n, seed=seed, reshuffle_each_iteration=True).batch(16)
    val = tf.data.Dataset.from_tensor_slices((x[:60], y[:60])).batch(32)
    return train, val


def _model(distribution, loss="binary_crossentropy", units=1, activation="sigmoid"):
    with distribution.scope():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(units, activation=activation)])
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss, metrics=["accuracy"] if units != 1 or loss != "mae" else ["mae"])
    return model


def _callbacks():
    return [keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True),
            keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=1, min_lr=1e-6)]


@pytest.mark.parametrize("loss, units, activation", [("sparse_categorical_crossentropy", 2, "softmax"), ("mae", 1, None)])
def test_the_distributed_step_gives_fits_losses_metrics_schedule_and_weights(loss, units, activation):
    distribution = setup_distribution("mirrored", devices=1)  # one replica: what fit does under any strategy
    epochs = 6
    histories, weights = [], []
    for train_with in ("fit", "step"):
        train, val = _data()
        model = _model(distribution, loss, units, activation)
        if train_with == "fit":
            history = model.fit(train, validation_data=val, epochs=epochs, callbacks=_callbacks(), verbose=0).history
        else:
            history = fit_distributed(model, train, val, epochs=epochs, callbacks=_callbacks(), strategy=distribution.strategy)
        histories.append(history)
        weights.append(model.get_weights())
    fit_history, step_history = histories
    assert sorted(fit_history) == sorted(step_history)  # loss, metric, val_*, learning_rate
    for key in fit_history:
        np.testing.assert_allclose(step_history[key], fit_history[key], rtol=0, atol=1e-5, err_msg=key)
    assert len(fit_history["loss"]) >= 3
    for a, b in zip(*weights):  # early stopping restored the same best weights
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_weights_identical_on_one_worker():
    distribution = setup_distribution("mirrored", devices=1)
    assert weights_identical(_model(distribution), distribution.strategy)


def test_distribution_record_names_replicas_and_per_replica_batch():
    record = setup_distribution("mirrored", devices=1).record(32)
    assert record["replicas"] == 1 and record["global_batch_size"] == 32 and record["per_replica_batch_size"] == 32
    assert setup_distribution("none").record(16)["strategy"] == "none"


def test_multiworker_without_tf_config_names_the_launcher(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ConfigError, match="tfjourney launch"):
        setup_distribution("multiworker")


@pytest.mark.parametrize("tf_config, needle", [
    ("{not json", "not valid JSON"),
    (json.dumps({"cluster": {"worker": ["127.0.0.1:1"]}}), '"cluster" and a "task"'),
    (json.dumps({"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker", "index": 3}}), "outside the 1"),
    (json.dumps({"cluster": {"worker": ["no-port"]}, "task": {"type": "worker", "index": 0}}), "HOST:PORT"),
])
def test_malformed_tf_config_is_one_clear_error(monkeypatch, tf_config, needle):
    monkeypatch.setenv("TF_CONFIG", tf_config)
    with pytest.raises(ConfigError, match=needle) as info:
        setup_distribution("multiworker")
    assert "tfjourney launch" in str(info.value)


def test_devices_only_with_mirrored_and_batches_that_split_evenly():
    with pytest.raises(ConfigError, match="`devices` is for `distribute` mirrored"):
        setup_distribution("none", devices=2)
    with pytest.raises(ConfigError, match="before TensorFlow starts"):
        setup_distribution("mirrored", devices=64)  # this process's TensorFlow already runs with fewer
    distribution = setup_distribution("mirrored", devices=1)
    distribution.check_batch_size(33)  # one replica takes any batch
