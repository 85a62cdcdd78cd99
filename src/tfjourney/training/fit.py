"""Compile and fit with the callbacks a practitioner would choose.

EarlyStopping restores the best weights, CSVLogger writes `history.csv` as training
goes, TensorBoard is optional. `set_seed` makes a run repeatable on one machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras loads: TensorFlow's native start-up notices stay muted

import keras
import numpy as np

from tfjourney.blueprints import OPTIMIZERS, PLATEAU_FACTOR, PLATEAU_MIN_LR, SGD_MOMENTUM
from tfjourney.errors import ConfigError
from tfjourney.models.heads import classifier_output


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and the backend in one call (`keras.utils.set_random_seed`)."""
    keras.utils.set_random_seed(int(seed))


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """The blueprint's `optimizer` by name: "adam", or "sgd" with momentum."""
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=SGD_MOMENTUM)
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=learning_rate)
    raise ConfigError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}.")


def make_loss(name: str):
    return {"mae": "mae", "mse": "mse", "huber": keras.losses.Huber()}.get(name, name)


def compile_classifier(model: keras.Model, n_classes: int, learning_rate: float, optimizer: str | None = None) -> None:
    """The loss that matches the output rule (binary vs sparse categorical cross-entropy), accuracy as the metric.

    `optimizer` is the tabular blueprint's key; the image blueprints, which have none, train with Adam.
    """
    model.compile(optimizer=make_optimizer(optimizer or "adam", learning_rate), loss=classifier_output(n_classes).loss, metrics=["accuracy"])


def compile_regressor(model: keras.Model, loss: str, learning_rate: float, optimizer: str) -> None:
    """The blueprint's loss and optimizer by name, mean absolute error as the metric."""
    model.compile(optimizer=make_optimizer(optimizer, learning_rate), loss=make_loss(loss), metrics=["mae"])


def default_callbacks(
    history_csv: Path | None,
    patience: int,
    monitor: str = "val_loss",
    tensorboard_dir: Path | None = None,
    reduce_lr: bool = True,
    append: bool = False,
) -> list[keras.callbacks.Callback]:
    """EarlyStopping (best weights restored), optionally ReduceLROnPlateau, CSVLogger, TensorBoard.

    `append` continues an existing history.csv (fine-tuning after feature extraction).
    """
    callbacks: list[keras.callbacks.Callback] = [
        keras.callbacks.EarlyStopping(monitor=monitor, patience=patience, restore_best_weights=True),
    ]
    if reduce_lr:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor=monitor, factor=PLATEAU_FACTOR, patience=max(patience // 3, 1), min_lr=PLATEAU_MIN_LR))
    if history_csv is not None:
        callbacks.append(keras.callbacks.CSVLogger(str(history_csv), append=append))
    if tensorboard_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(tensorboard_dir)))
    return callbacks


@dataclass
class FitResult:
    history: dict[str, list[float]]
    seconds: float
    epochs_run: int
    best_epoch: int
    resumed_from_epoch: int | None = None
    weights_identical: bool | None = None  # multi-worker: every worker ended with the same weights


def _replay_shuffles(dataset, epochs_done: int) -> None:
    """Open (and drop) the iterators the finished epochs opened, so a resumed run shuffles as an uninterrupted one.

    Each new iterator of a seeded, reshuffling `tf.data` pipeline draws the next order;
    Keras `fit` opens two per epoch (and tfjourney's distributed loop does the same), so
    epoch k of a resumed run sees the order it would have seen without the interruption.
    """
    for _ in range(2 * epochs_done):
        iterator = iter(dataset)
        del iterator


def fit(
    model: keras.Model,
    train_data,
    validation_data,
    epochs: int,
    callbacks: list[keras.callbacks.Callback],
    initial_epoch: int = 0,
    verbose: int = 0,
    *,
    distribution=None,
    checkpoint=None,
) -> FitResult:
    """Train with Keras `fit`, or tfjourney's distributed step under `--distribute multiworker`.

    Args:
        distribution: a `training.distributed.Distribution` (None: one device).
        checkpoint: a `training.checkpoint.EpochCheckpoint`; saves every epoch and, when it
            holds a resumed state, continues after its last finished epoch.

    Returns:
        The history of every epoch (a resumed run's earlier epochs included), time, best epoch.
    """
    start_epoch = initial_epoch
    if checkpoint is not None:
        callbacks = [*callbacks, checkpoint]  # last: it saves the other callbacks' state after they update it
        initial_epoch = epochs if checkpoint.finished else max(initial_epoch, checkpoint.initial_epoch)
    if checkpoint is not None and checkpoint.resumed_from_epoch:
        _replay_shuffles(train_data, checkpoint.resumed_from_epoch)
    start = time.perf_counter()
    identical = None
    if distribution is not None and distribution.custom_loop:
        from tfjourney.training.distributed import fit_distributed, weights_identical

        history = fit_distributed(model, train_data, validation_data, epochs=epochs, callbacks=callbacks,
                                  strategy=distribution.strategy, initial_epoch=initial_epoch, verbose=verbose)
        identical = weights_identical(model, distribution.strategy)
    else:
        history = model.fit(
            train_data,
            validation_data=validation_data,
            epochs=epochs,
            initial_epoch=initial_epoch,
            callbacks=callbacks,
            verbose=verbose,
            shuffle=False,  # tfjourney always passes tf.data datasets, which shuffle themselves
        ).history
    seconds = time.perf_counter() - start
    if checkpoint is not None:
        history = checkpoint.history
    values = {k: [float(v) for v in vs] for k, vs in history.items()}
    monitor = values.get("val_loss") or values.get("loss") or [0.0]
    resumed = checkpoint.resumed_from_epoch if checkpoint is not None else None
    return FitResult(values, seconds, len(monitor), start_epoch + int(np.argmin(monitor)) + 1, resumed, identical)
