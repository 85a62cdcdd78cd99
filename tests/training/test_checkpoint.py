"""Epoch checkpoints: an interrupted-then-resumed fit equals an uninterrupted one, callback state included."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfjourney.errors import RunFolderError
from tfjourney.training.checkpoint import EpochCheckpoint, check_same_run, keep_history_rows, load_checkpoint
from tfjourney.training.fit import fit

EPOCHS = 10


def _setup():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x.sum(axis=1) + rng.normal(size=64) > 0).astype("float32")
    train = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(64, seed=0, reshuffle_each_iteration=True).batch(16)
    val = tf.data.Dataset.from_tensor_slices((x[::-1][:32] * 1.5, y[::-1][:32])).batch(16)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(6, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.3), loss="binary_crossentropy", metrics=["accuracy"])  # a large lr: val loss stalls
    callbacks = [keras.callbacks.EarlyStopping(patience=4, restore_best_weights=True),
                 keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=1, min_lr=1e-4)]
    return model, train, val, callbacks


class _KillAfter(keras.callbacks.Callback):
    def __init__(self, epochs: int):
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epochs:
            raise KeyboardInterrupt  # as Ctrl-C after the checkpoint of this epoch was written


def test_resume_restores_weights_optimizer_early_stopping_and_plateau_state(tmp_path):
    model, train, val, callbacks = _setup()
    whole = fit(model, train, val, EPOCHS, callbacks, checkpoint=EpochCheckpoint(None, watch=callbacks))
    whole_weights = model.get_weights()
    assert min(whole.history["learning_rate"]) < max(whole.history["learning_rate"])  # the plateau schedule acted

    folder = tmp_path / "checkpoint"
    model, train, val, callbacks = _setup()
    with pytest.raises(KeyboardInterrupt):
        model.fit(train, validation_data=val, epochs=EPOCHS, verbose=0,
                  callbacks=[*callbacks, EpochCheckpoint(folder, watch=callbacks), _KillAfter(4)])
    state = load_checkpoint(folder)
    assert state["epoch"] == 4 and len(state["history"]["loss"]) == 4
    assert set(state["callbacks"]) == {"early_stopping", "reduce_lr"}

    model, train, val, callbacks = _setup()  # a fresh process would start from scratch like this
    checkpoint = EpochCheckpoint(folder, watch=callbacks, state=state)
    resumed = fit(model, train, val, EPOCHS, callbacks, checkpoint=checkpoint)
    assert resumed.resumed_from_epoch == 4
    assert resumed.epochs_run == whole.epochs_run and resumed.best_epoch == whole.best_epoch
    for key in whole.history:
        np.testing.assert_allclose(resumed.history[key], whole.history[key], rtol=1e-5, atol=1e-6, err_msg=key)
    for a, b in zip(model.get_weights(), whole_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_run_that_had_stopped_early_trains_no_further(tmp_path):
    model, train, val, callbacks = _setup()
    fit(model, train, val, 200, callbacks, checkpoint=EpochCheckpoint(tmp_path / "c", watch=callbacks))
    state = load_checkpoint(tmp_path / "c")
    assert state["stopped"] and state["epoch"] < 200
    model, train, val, callbacks = _setup()
    resumed = fit(model, train, val, 200, callbacks, checkpoint=EpochCheckpoint(tmp_path / "c", watch=callbacks, state=state))
    assert resumed.epochs_run == state["epoch"]


def test_resume_with_another_command_names_the_difference():
    state = {"identity": {"blueprint": "cnn", "seed": 0, "config": {"epochs": 12, "filters": 32}}}
    check_same_run(state, {"blueprint": "cnn", "seed": 0, "config": {"epochs": 12, "filters": 32}})
    with pytest.raises(RunFolderError, match=r"epochs 12 -> 10.*`resume`"):
        check_same_run(state, {"blueprint": "cnn", "seed": 0, "config": {"epochs": 10, "filters": 32}})


def test_history_csv_is_cut_back_to_the_checkpointed_epochs(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss\n0,1.0\n1,0.9\n2,0.8\n")  # epoch 2 logged, then killed before its checkpoint
    keep_history_rows(path, 2)
    assert path.read_text().splitlines() == ["epoch,loss", "0,1.0", "1,0.9"]
