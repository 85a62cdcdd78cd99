"""Runs that survive interruption: a checkpoint at the end of every epoch, and `--resume`.

`EpochCheckpoint` is a Keras callback placed *after* EarlyStopping and
ReduceLROnPlateau. At the end of each epoch it saves everything the next epoch depends
on: the model weights, the optimizer's variables (Adam's moments and step count), the
learning rate, the history so far, and the callbacks' own state (early stopping's best
value, best weights and patience counter; the plateau schedule's best value, wait and
cooldown). Keras' `BackupAndRestore` keeps weights and optimizer only, so a resumed run
would forget its best weights and restart its patience; this one does not.

On resume it restores all of that in `on_train_begin`, after the other callbacks have
reset themselves, and `fit` continues from the epoch after the last finished one.
A checkpoint is written to a sibling folder and swapped in, so a kill mid-write leaves
the previous one whole.

Example:
    >>> state = load_checkpoint(partial_folder / "checkpoint")       # None: nothing to resume
    >>> checkpoint = EpochCheckpoint(staging / "checkpoint", watch=callbacks, state=state)
    >>> model.fit(..., initial_epoch=checkpoint.initial_epoch, callbacks=[*callbacks, checkpoint])
"""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
from pathlib import Path

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras loads: TensorFlow's native start-up notices stay muted

import keras
import numpy as np

from tfjourney.errors import RunFolderError
from tfjourney.progress import Progress
from tfjourney.runs import CHECKPOINT_DIR, HISTORY_FILE

STATE_FILE = "state.json"
_EARLY_STOPPING_KEYS = ("wait", "stopped_epoch", "best", "best_epoch")
_PLATEAU_KEYS = ("wait", "best", "cooldown_counter")


def load_checkpoint(folder: Path | str) -> dict | None:
    """The checkpoint saved in `folder` (state plus arrays), or None when there is none."""
    folder = Path(folder)
    for candidate in (folder, folder.with_name(folder.name + ".old")):  # .old: killed between the two renames
        if (candidate / STATE_FILE).is_file():
            state = json.loads((candidate / STATE_FILE).read_text())
            with np.load(candidate / "arrays.npz") as arrays:
                state["arrays"] = {k: arrays[k] for k in arrays.files}
            return state
    return None


def checkpoint_epoch(folder: Path | str) -> int | None:
    """The last finished epoch a checkpoint in `folder` holds (its state file only; None when there is none)."""
    folder = Path(folder)
    for candidate in (folder, folder.with_name(folder.name + ".old")):
        try:
            return int(json.loads((candidate / STATE_FILE).read_text())["epoch"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def check_same_run(state: dict, identity: dict) -> None:
    """Refuse to resume a checkpoint made by a different command, naming what differs."""
    saved = state.get("identity", {})
    differences = []
    for key in sorted(set(saved) | set(identity)):
        before, now = saved.get(key), _jsonable(identity.get(key))
        if isinstance(before, dict) and isinstance(now, dict):
            differences += [f"{k} {before.get(k)!r} -> {now.get(k)!r}" for k in sorted(set(before) | set(now)) if before.get(k) != now.get(k)]
        elif before != now:
            differences.append(f"{key} {before!r} -> {now!r}")
    if differences:
        raise RunFolderError(
            f"`resume`: these settings differ from the interrupted run's ({'; '.join(differences)}); "
            "repeat the interrupted run's settings exactly with `resume`, or drop `resume` to start over."
        )


def _jsonable(value):
    return json.loads(json.dumps(value, default=_plain_json))


def _plain_json(value):
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)  # a typed blueprint config
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def keep_history_rows(history_csv: Path, epochs: int) -> None:
    """Cut history.csv back to its first `epochs` rows: epochs after the checkpoint will be run again."""
    if not history_csv.is_file():
        return
    with history_csv.open(newline="") as handle:
        rows = list(csv.reader(handle))
    with history_csv.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows[: epochs + 1])


class EpochCheckpoint(keras.callbacks.Callback):
    """Save the training state at each epoch end; restore it at train begin when resuming.

    Args:
        folder: where to write the checkpoint (None: write nothing, e.g. a worker that is not the chief).
        watch: the other callbacks of this fit; EarlyStopping and ReduceLROnPlateau state is saved and restored.
        state: a checkpoint from `load_checkpoint` to resume from (None: a fresh start).
        identity: what makes this run this run (blueprint, data, seed, config), stored for `check_same_run`.
    """

    def __init__(self, folder: Path | None, *, watch: list[keras.callbacks.Callback], state: dict | None = None,
                 identity: dict | None = None):
        super().__init__()
        self.folder = Path(folder) if folder is not None else None
        self.watch = list(watch)
        self.state = state
        self.identity = _jsonable(identity or {})
        self.history: dict[str, list[float]] = {k: list(v) for k, v in (state or {}).get("history", {}).items()}
        self.epochs_done = int((state or {}).get("epoch", 0))
        self.resumed_epoch = self.epochs_done if state is not None else None

    @property
    def initial_epoch(self) -> int:
        return self.resumed_epoch or 0

    @property
    def finished(self) -> bool:
        """True when the checkpointed run had already stopped early: resuming trains no more epochs."""
        return bool((self.state or {}).get("stopped"))

    @property
    def resumed_from_epoch(self) -> int | None:
        return self.resumed_epoch

    # ------------------------------------------------------------------ restore
    def on_train_begin(self, logs=None):
        if self.state is None:
            return
        arrays = self.state["arrays"]
        model = self.model
        model.set_weights(_list(arrays, "weight"))
        with model.distribute_strategy.scope():
            if not model.optimizer.built:
                model.optimizer.build(model.trainable_variables)
        for variable, value in zip(model.optimizer.variables, _list(arrays, "optimizer")):
            variable.assign(value)
        model.optimizer.learning_rate = float(self.state["learning_rate"])
        for callback in self.watch:
            saved = self.state["callbacks"].get(_kind(callback))
            if saved is None:
                continue
            for key, value in saved.items():
                setattr(callback, key, value)
            if isinstance(callback, keras.callbacks.EarlyStopping) and "best_weight_0" in arrays:
                callback.best_weights = _list(arrays, "best_weight")

    # ------------------------------------------------------------------ save
    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        self.epochs_done = epoch + 1
        if self.folder is not None:
            self._save()

    def _save(self) -> None:
        model = self.model
        arrays = {f"weight_{i}": w for i, w in enumerate(model.get_weights())}
        arrays.update({f"optimizer_{i}": np.asarray(v.numpy()) for i, v in enumerate(model.optimizer.variables)})
        callbacks = {}
        for callback in self.watch:
            kind = _kind(callback)
            if kind == "early_stopping":
                callbacks[kind] = {k: _plain(getattr(callback, k)) for k in _EARLY_STOPPING_KEYS}
                if callback.best_weights is not None:
                    arrays.update({f"best_weight_{i}": w for i, w in enumerate(callback.best_weights)})
            elif kind == "reduce_lr":
                callbacks[kind] = {k: _plain(getattr(callback, k)) for k in _PLATEAU_KEYS}
        state = {
            "epoch": self.epochs_done,
            "history": self.history,
            "learning_rate": float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)),
            "callbacks": callbacks,
            "stopped": bool(getattr(model, "stop_training", False)),
            "identity": self.identity,
        }
        _write_atomically(self.folder, state, arrays)


def prepare_checkpoint(writer, staging: Path, *, watch: list[keras.callbacks.Callback], identity: dict,
                       progress: Progress | None = None) -> EpochCheckpoint:
    """The epoch checkpoint of a run being written by `writer` (a runs.RunWriter), resumed when it says so.

    Only the chief saves checkpoints; every worker resumes from the chief's (a folder they share).
    A resumed run says so on `progress`: "resuming after epoch N".
    """
    state = None
    if writer.resume:
        state = load_checkpoint(writer.partial / CHECKPOINT_DIR)
        if state is None:
            raise RunFolderError(f"`resume`: the checkpoint in {writer.partial} cannot be read; run without `resume` to start over.")
        check_same_run(state, identity)
        keep_history_rows(staging / HISTORY_FILE, int(state["epoch"]))
        if progress is not None:
            progress.write(f"resuming after epoch {int(state['epoch'])} (its checkpoint is in {writer.partial.name})")
    folder = staging / CHECKPOINT_DIR if writer.chief else None
    return EpochCheckpoint(folder, watch=watch, state=state, identity=identity)


def _kind(callback) -> str | None:
    if isinstance(callback, keras.callbacks.EarlyStopping):
        return "early_stopping"
    if isinstance(callback, keras.callbacks.ReduceLROnPlateau):
        return "reduce_lr"
    return None


def _plain(value):
    if value is None:
        return None
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, (float, int)):
        return value
    return float(np.asarray(value))


def _list(arrays: dict, prefix: str) -> list[np.ndarray]:
    count = sum(1 for k in arrays if k.startswith(prefix + "_") and k[len(prefix) + 1:].isdigit())
    return [arrays[f"{prefix}_{i}"] for i in range(count)]


def _write_atomically(folder: Path, state: dict, arrays: dict) -> None:
    """Write into folder.tmp, then swap: a kill at any moment leaves one whole checkpoint."""
    tmp, old = folder.with_name(folder.name + ".tmp"), folder.with_name(folder.name + ".old")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    np.savez(tmp / "arrays.npz", **arrays)
    (tmp / STATE_FILE).write_text(json.dumps(state, indent=1))
    if folder.exists():
        shutil.rmtree(old, ignore_errors=True)
        folder.rename(old)
    tmp.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
