"""training.progress: the Keras callbacks that report epochs and predictions."""

from __future__ import annotations

import io
import re

import keras
import numpy as np

from tfjourney.progress import Progress
from tfjourney.training.progress import EpochProgress, PredictProgress, epoch_callbacks


def _tiny_fit(progress: Progress, epochs: int = 3, initial_epoch: int = 0):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, validation_split=0.25, epochs=epochs, initial_epoch=initial_epoch, batch_size=16, verbose=0,
              callbacks=[EpochProgress(progress, "training")])
    return model, x


def test_a_log_gets_one_line_per_epoch_and_a_summary():
    out = io.StringIO()
    _tiny_fit(Progress.for_stream(out), epochs=3)
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    for i, line in enumerate(lines[:3], start=1):
        assert re.fullmatch(rf"epoch {i}/3  loss \S+  val_accuracy \S+  best \S+  ETA \d\d:\d\d", line), line
    assert re.fullmatch(r"training: 3 epochs in \d\d:\d\d, best val_accuracy \S+ \(epoch [123]\)", lines[3])
    best = max(float(re.search(r"val_accuracy (\S+)", line).group(1)) for line in lines[:3])
    assert float(re.search(r"best (\S+)  ETA", lines[2]).group(1)) == best


def test_fine_tuning_counts_from_its_initial_epoch():
    out = io.StringIO()
    _tiny_fit(Progress.for_stream(out), epochs=5, initial_epoch=3)
    lines = out.getvalue().splitlines()
    assert [line.split("  ")[0] for line in lines[:2]] == ["epoch 4/5", "epoch 5/5"]
    assert lines[2].startswith("training: 2 epochs in ")


def test_silent_shows_nothing():
    out = io.StringIO()
    _tiny_fit(Progress(out, "silent"), epochs=2)
    assert out.getvalue() == ""


def test_predict_progress_counts_examples():
    out = io.StringIO()
    model, x = _tiny_fit(Progress(out, "silent"), epochs=1)
    phase = Progress(out, "lines").phase("evaluating", total=len(x))
    model.predict(x, batch_size=24, verbose=0, callbacks=[PredictProgress(phase)])
    assert phase.n == len(x)


def test_epoch_callbacks_only_when_someone_is_watching():
    assert epoch_callbacks(None) == [] and epoch_callbacks(Progress.silent()) == []
    assert epoch_callbacks(Progress(io.StringIO(), "lines"), keras_verbose=2) == []  # -v: Keras prints its own lines
    [callback] = epoch_callbacks(Progress(io.StringIO(), "lines"), "fine-tuning")
    assert isinstance(callback, EpochProgress) and callback.name == "fine-tuning"
