"""A Keras callback that reports a trial's validation metric every epoch and lets Optuna's pruner stop it.

Example:
    >>> callback = PruningCallback(trial, monitor="val_mae")
    >>> model.fit(train_ds, validation_data=val_ds, epochs=50, callbacks=[callback])  # doctest: +SKIP
    >>> callback.pruned_at   # the epoch the pruner stopped the trial at, or None
"""

from __future__ import annotations

import math
import time

import keras


class PruningCallback(keras.callbacks.Callback):
    """Report `logs[monitor]` to the trial after each epoch; stop training when the pruner says so.

    Training stops through `model.stop_training` rather than an exception, so Keras finishes the
    epoch cleanly (EarlyStopping's best weights, the CSV logger); the objective then raises
    `optuna.TrialPruned` when `pruned_at` is set. A `deadline` (a `time.monotonic()` value) stops
    the trial too, so a study's `--timeout` holds inside a long trial.

    Args:
        trial: the `optuna.Trial` being trained.
        monitor: the validation metric in Keras's logs, e.g. "val_mae" or "val_accuracy" (default "val_loss").
        deadline: stop training at the first epoch end after this monotonic time (default None: no deadline).
    """

    def __init__(self, trial, monitor: str = "val_loss", deadline: float | None = None):
        super().__init__()
        self.trial = trial
        self.monitor = monitor
        self.deadline = deadline
        self.pruned_at: int | None = None
        self.out_of_time_at: int | None = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is None or not math.isfinite(float(value)):
            self.pruned_at = epoch  # a diverged trial (NaN loss) is pruned, not scored
            self.model.stop_training = True
            return
        self.trial.report(float(value), step=epoch)
        if self.trial.should_prune():
            self.pruned_at = epoch
            self.model.stop_training = True
        elif self.deadline is not None and time.monotonic() > self.deadline:
            self.out_of_time_at = epoch
            self.model.stop_training = True
