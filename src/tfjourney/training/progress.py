"""Keras callbacks that feed a :class:`tfjourney.progress.Progress`: epochs while fitting, batches while predicting.

Example:
    >>> from tfjourney.progress import Progress
    >>> progress = Progress.for_stream()
    >>> model.fit(train, validation_data=val, epochs=20, verbose=0,
    ...           callbacks=[EpochProgress(progress)])                  # doctest: +SKIP
    epoch 1/20  loss 0.693  val_accuracy 0.512  best 0.512  ETA 00:19
    ...
    training: 12 epochs in 00:11, best val_accuracy 0.975 (epoch 9)
"""

from __future__ import annotations

import math

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras loads: TensorFlow's native start-up notices stay muted

import keras
import numpy as np

from tfjourney.progress import Phase, Progress, format_duration, per_second

# The validation number a learner watches, in order of preference; higher is better except for these.
_SHOWN_METRICS = ("val_accuracy", "val_mae", "val_loss", "accuracy", "mae", "loss")
_LOWER_IS_BETTER = ("mae", "mse", "loss")
_EPOCH_BAR = "{desc} |{bar:20}| {text}"


def _number(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else str(value)


class EpochProgress(keras.callbacks.Callback):
    """Training's sign of life: one line per epoch (epoch i/N, loss, validation metric, best so far, ETA).

    On a terminal the line sits beside a live bar that also moves batch by batch; in a log it
    is printed once per epoch. When fitting ends, one summary line says how many epochs ran
    and the best validation value.

    Args:
        progress: where to report; ``Progress.silent()`` shows nothing.
        name: the phase's label, e.g. "training" or "fine-tuning".
    """

    async_safe = True  # batch reports only move the bar forward, so Keras may send them from a worker thread

    def __init__(self, progress: Progress, name: str = "training") -> None:
        super().__init__()
        self.progress = progress
        self.name = name
        self.phase: Phase | None = None

    def on_train_begin(self, logs=None) -> None:
        self.epochs = int(self.params.get("epochs") or 0)
        self.steps = self.params.get("steps")
        self.first_epoch: int | None = None
        self.current = 0
        self.best: tuple[str, float, int] | None = None
        self.numbers = ""  # the last epoch's loss, metric, best and ETA
        self.phase = self.progress.phase(self.name, unit="epoch", bar_format=_EPOCH_BAR)

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        if self.first_epoch is None:
            self.first_epoch = epoch  # fine-tuning continues from initial_epoch
            self.phase.total = self.epochs - epoch
        self.phase.status(f"epoch {epoch + 1}/{self.epochs}  {self.numbers}".rstrip())
        self.current = epoch

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        if self.phase is not None and self.steps and self.progress.mode == "live":
            self.phase.advance_to(self.current - self.first_epoch + (batch + 1) / self.steps)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        logs = logs or {}
        done = epoch - self.first_epoch + 1
        self.phase.advance_to(done)
        parts = []
        if "loss" in logs:
            parts.append(f"loss {_number(float(logs['loss']))}")
        shown = next((key for key in _SHOWN_METRICS if key in logs), None)
        if shown is not None:
            value = float(logs[shown])
            self._remember_best(shown, value, epoch + 1)
            parts += [f"{shown} {_number(value)}", f"best {_number(self.best[1])}"]
        remaining = self.epochs - epoch - 1
        parts.append(f"ETA {format_duration(self.phase.elapsed / done * remaining)}")
        self.numbers = "  ".join(parts)
        self.phase.line(f"epoch {epoch + 1}/{self.epochs}  {self.numbers}")

    def on_train_end(self, logs=None) -> None:
        if self.phase is None:
            return
        ran = self.current - (self.first_epoch or 0) + 1 if self.first_epoch is not None else 0
        summary = f"{self.name}: {ran} epoch{'s' if ran != 1 else ''} in {format_duration(self.phase.elapsed)}"
        if self.best is not None:
            name, value, epoch = self.best
            summary += f", best {name} {_number(value)} (epoch {epoch})"
        self.phase.done(summary)

    def _remember_best(self, name: str, value: float, epoch: int) -> None:
        lower = name.endswith(_LOWER_IS_BETTER)
        if self.best is None or (value < self.best[1] if lower else value > self.best[1]):
            self.best = (name, value, epoch)


class PredictProgress(keras.callbacks.Callback):
    """``model.predict``'s sign of life: advances a phase by the examples of each batch.

    Args:
        phase: the phase to advance (its total is the number of examples).
    """

    def __init__(self, phase: Phase) -> None:
        super().__init__()
        self.phase = phase

    def on_predict_batch_end(self, batch: int, logs=None) -> None:
        outputs = keras.tree.flatten((logs or {}).get("outputs", []))
        self.phase.update(int(outputs[0].shape[0]) if outputs else 0)


def epoch_callbacks(progress: Progress | None, name: str = "training", keras_verbose: int = 0) -> list[keras.callbacks.Callback]:
    """``[EpochProgress]`` when there is somewhere to report and Keras is not printing its own epoch lines."""
    if progress is None or not progress.enabled or keras_verbose:
        return []
    return [EpochProgress(progress, name)]


def predict_with_progress(
    model: keras.Model, data, count: int, progress: Progress | None, *, what: str = "test images", name: str = "evaluating",
    label: str = "",
) -> np.ndarray:
    """``model.predict(data)`` shown as one phase over ``count`` examples, ending with its speed.

    Args:
        model: the model to run.
        data: a batched ``tf.data.Dataset`` (or anything ``predict`` takes).
        count: how many examples ``data`` holds (the bar's total).
        progress: where to report (None: nowhere).
        what: the examples' name in the summary, e.g. "test rows".
        name: the phase's name beside its live bar.
        label: what the summary line starts with, e.g. "feature extraction: " (default: nothing).

    Returns:
        The model's outputs, as ``model.predict`` returns them.
    """
    progress = progress or Progress.silent()
    with progress.phase(name, total=count, unit=what.split()[-1]) as phase:
        outputs = model.predict(data, verbose=0, callbacks=[PredictProgress(phase)])
        phase.done(label + per_second("evaluated", count, what, phase.elapsed, unit=what.split()[-1]))
    return outputs
