"""The course's learning-rate sweep: raise the rate exponentially, watch the loss.

The course ran 100 epochs with `lr = 1e-4 * 10**(epoch / 20)`; this does the same
sweep per batch over a few epochs (fastai's `lr_find`), which takes seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras loads: TensorFlow's native start-up notices stay muted

import keras
import numpy as np

from tfjourney.blueprints import LR_FINDER_FALLBACK


@dataclass
class LRFinderResult:
    learning_rates: list[float]
    losses: list[float]
    suggested: float

    @property
    def smoothed_losses(self) -> list[float]:
        return _smooth(np.asarray(self.losses, dtype="float64")).tolist()


class _ExponentialSweep(keras.callbacks.Callback):
    def __init__(self, start: float, end: float, steps: int):
        super().__init__()
        self.start, self.steps = start, steps
        self.factor = (end / start) ** (1 / max(steps - 1, 1))
        self.learning_rates: list[float] = []
        self.losses: list[float] = []
        self.best = math.inf
        self._epoch_mean = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_mean = 0.0

    def on_train_batch_begin(self, batch, logs=None):
        lr = self.start * self.factor ** len(self.learning_rates)
        self.model.optimizer.learning_rate.assign(lr)
        self.learning_rates.append(lr)

    def on_train_batch_end(self, batch, logs=None):
        # Keras 3 logs the epoch's running mean; undo it to get this batch's own loss.
        mean = float(logs["loss"])
        loss = (batch + 1) * mean - batch * self._epoch_mean
        self._epoch_mean = mean
        self.losses.append(loss)
        self.best = min(self.best, loss)
        if not math.isfinite(loss) or loss > 4 * self.best or len(self.losses) >= self.steps:
            self.model.stop_training = True


def find_learning_rate(
    model: keras.Model, train_data, steps_per_epoch: int, start: float = 1e-5, end: float = 1.0, steps: int = 200
) -> LRFinderResult:
    """Sweep `model` (compiled, freshly built: the sweep spoils its weights) and suggest a rate."""
    sweep = _ExponentialSweep(start, end, steps)
    epochs = math.ceil(steps / max(steps_per_epoch, 1))
    model.fit(train_data, epochs=epochs, callbacks=[sweep], verbose=0, shuffle=False)
    n = min(len(sweep.learning_rates), len(sweep.losses))
    lrs, losses = sweep.learning_rates[:n], sweep.losses[:n]
    return LRFinderResult(lrs, losses, suggest_learning_rate(lrs, losses))


def suggest_learning_rate(learning_rates: list[float], losses: list[float]) -> float:
    """A tenth of the rate with the lowest smoothed loss: the course's "just before it blows up"."""
    smoothed = _smooth(np.asarray(losses, dtype="float64"))
    finite = np.isfinite(smoothed)
    if not finite.any():
        return LR_FINDER_FALLBACK
    best = int(np.nanargmin(np.where(finite, smoothed, np.inf)))
    return float(learning_rates[best] / 10)


def _smooth(values: np.ndarray, beta: float = 0.9) -> np.ndarray:
    out, running = np.empty_like(values), 0.0
    for i, v in enumerate(values):
        running = beta * running + (1 - beta) * v
        out[i] = running / (1 - beta ** (i + 1))
    return out
