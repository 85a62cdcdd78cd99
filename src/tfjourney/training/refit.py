"""The head learns from every labelled photo: refit it on training + validation embeddings.

Phase 1 holds out a validation split so early stopping can choose how many epochs the
head needs. With few photos per class that split is a large share of what there is (15
of 75 per class at the default 0.2), so once the epochs are chosen, a fresh head (the
same initial weights, the same seed) trains on the cached embeddings of training and
validation photos together for exactly that many epochs, as a course notebook trains on
all of its photos. It costs milliseconds per epoch: no backbone pass runs.

Example:
    >>> result = refit_head(head, initial, train, val, epochs=4, n_classes=3, learning_rate=1e-3, batch_size=32, seed=42)
    >>> result.record()
    {'epochs': 4, 'rows': 75, 'seconds': 0.4}
"""

from __future__ import annotations

from dataclasses import dataclass

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras loads: TensorFlow's native start-up notices stay muted

import keras
import numpy as np

from tfjourney.training.distributed import Distribution
from tfjourney.training.embeddings import embedding_dataset
from tfjourney.training.fit import compile_classifier, fit, set_seed


@dataclass(frozen=True)
class RefitResult:
    """What run.json's `training.refit` records."""

    epochs: int
    rows: int
    seconds: float

    def record(self) -> dict:
        return {"epochs": self.epochs, "rows": self.rows, "seconds": round(self.seconds, 3)}


def refit_head(
    head: keras.Model,
    initial_weights: list[np.ndarray],
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    *,
    epochs: int,
    n_classes: int,
    learning_rate: float,
    batch_size: int,
    seed: int,
    distribution: Distribution | None = None,
    callbacks: list[keras.callbacks.Callback] | None = None,
) -> RefitResult:
    """Train `head` afresh on training + validation embeddings for `epochs` epochs (no early stopping: nothing is held out).

    Args:
        head: embedding -> probabilities (`models.transfer.head_model`); its weights are replaced.
        initial_weights: the head's weights before phase 1 trained it (the fresh start).
        train, val: (embeddings, labels) of the training and validation split.
        epochs: how many epochs phase 1 chose (early stopping's best epoch).
        n_classes, learning_rate, batch_size, seed: as phase 1 used them.
        distribution: the run's distribution (None: one device).
        callbacks: extra callbacks, e.g. progress (never early stopping or the history CSV).

    Returns:
        The epochs, the rows trained on and the seconds it took.
    """
    x = np.concatenate([train[0], val[0]])
    y = np.concatenate([train[1], val[1]])
    head.set_weights(initial_weights)
    with (distribution or Distribution()).scope():
        compile_classifier(head, n_classes, learning_rate)
    set_seed(seed)
    result = fit(head, embedding_dataset(x, y, batch_size, seed, shuffle=True), None, epochs, list(callbacks or []),
                 distribution=distribution)
    return RefitResult(epochs=epochs, rows=len(x), seconds=result.seconds)
