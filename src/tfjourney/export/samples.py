"""Examples from a run's own data, as the model takes them: the test sample that verifies an
export and the training examples that calibrate an int8 model.

How they are read is the run's kind of input (`tfjourney.kinds.<kind>.samples`), so the
"test" sample is the split training made, data the model never trained on.
"""

from __future__ import annotations

from pathlib import Path

import keras

from tfjourney.kinds import Sample
from tfjourney.registry import registration_of_run
from tfjourney.runs import Run

__all__ = ["Sample", "run_samples"]


def run_samples(run: Run, model: keras.Model, n_test: int, n_train: int, data: str | Path | None = None) -> tuple[Sample, Sample]:
    """(test sample, training sample) of at most `n_test` / `n_train` examples.

    Args:
        run: the run folder.
        model: its model (the input names and dtypes decide how raw values are fed).
        n_test: examples to verify on.
        n_train: examples to calibrate int8 quantization with.
        data: the data the run trained on, when it is no longer where run.json says.

    Returns:
        The two samples.
    """
    samples = registration_of_run(run.blueprint, run.path).kind_function("samples")
    return samples(run, model, n_test, n_train, data)
