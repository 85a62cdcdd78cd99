"""Compile and fit with the callbacks a practitioner would choose.

EarlyStopping restores the best weights, CSVLogger writes `history.csv` as training
goes, TensorBoard is optional. `set_seed` makes a run repeatable on one machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from tfjourney.blueprints import OPTIMIZERS, PLATEAU_FACTOR, PLATEAU_MIN_LR, SGD_MOMENTUM
from tfjourney.errors import ConfigError


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


def fit(
    model: keras.Model,
    train_data,
    validation_data,
    epochs: int,
    callbacks: list[keras.callbacks.Callback],
    initial_epoch: int = 0,
    verbose: int = 0,
) -> FitResult:
    start = time.perf_counter()
    history = model.fit(
        train_data,
        validation_data=validation_data,
        epochs=epochs,
        initial_epoch=initial_epoch,
        callbacks=callbacks,
        verbose=verbose,
        shuffle=False,  # tfjourney always passes tf.data datasets, which shuffle themselves
    )
    seconds = time.perf_counter() - start
    values = {k: [float(v) for v in vs] for k, vs in history.history.items()}
    monitor = values.get("val_loss") or values.get("loss") or [0.0]
    return FitResult(values, seconds, len(monitor), initial_epoch + int(np.argmin(monitor)) + 1)
