"""A toy kind of input, "sequence": each example is a fixed-length sequence of numbers.

Written as a plug-in would be: one module with the kind's functions and its `KIND`. A file
of sequences is a text file, one example per line: the numbers separated by spaces, then
(for labelled data) a tab and the label.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tfjourney.errors import DataError, UnsupportedFileError
from tfjourney.kinds import Kind, Sample, Upload

KIND = Kind(name="sequence", module=__name__, upload=Upload(accept=".seq,text/plain", multiple=False, hint="One .seq file"))


def read_sequences(path: str | Path, width: int) -> tuple[np.ndarray, list[str]]:
    """(float32 [n, width] numbers, labels, "" where a line has none); DataError naming the first bad line."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"file not found: {path}; pass a .seq file.")
    rows, labels = [], []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        values, _, label = line.partition("\t")
        try:
            row = [float(v) for v in values.split()]
        except ValueError:
            raise DataError(f"{path} line {number} has a value that is not a number; write numbers separated by spaces.") from None
        if len(row) != width:
            raise DataError(f"{path} line {number} has {len(row)} numbers; every sequence needs {width}.")
        rows.append(row)
        labels.append(label.strip())
    return np.asarray(rows, dtype="float32").reshape(-1, width), labels


def _width(run) -> int:
    return int(run.record["config"]["width"])


def predict(run, inputs, *, top_k=None, tta=False) -> pd.DataFrame:
    if len(inputs) != 1:
        raise DataError("a sequence run predicts from one .seq file.")
    x, _ = read_sequences(inputs[0], _width(run))
    probabilities = np.ravel(run.load_model().predict(x, verbose=0))
    class_names = run.record["data"]["class_names"]
    return pd.DataFrame({"row": range(len(x)), "class": [class_names[int(p >= 0.5)] for p in probabilities], "probability": probabilities})


def evaluate(run, data, *, tta=False) -> dict:
    from tfjourney.metrics import classification_metrics

    x, labels = read_sequences(data, _width(run))
    class_names = run.record["data"]["class_names"]
    y = np.array([class_names.index(label) for label in labels])
    return classification_metrics(y, run.load_model().predict(x, verbose=0), class_names)


def decode(served, instances, inputs) -> np.ndarray:
    values = instances if instances is not None else inputs
    try:
        array = np.asarray(values, dtype="float32")
    except (TypeError, ValueError):
        raise DataError('send each sequence as a list of numbers: {"instances": [[0.1, 0.2, ...]]}.') from None
    width = served.model.inputs[0].shape[-1]
    if array.ndim != 2 or array.shape[1] != width:
        raise DataError(f"each sequence needs {width} numbers; got shape {list(array.shape)}.")
    return array


def outputs(served, batch) -> np.ndarray:
    return np.asarray(served.model.predict_on_batch(batch))


def samples(run, model, n_test, n_train, data=None):
    x, labels = read_sequences(data or run.record["data"]["source"], _width(run))
    class_names = run.record["data"]["class_names"]
    y = np.array([class_names.index(label) for label in labels])
    test, train = run.record["data"]["split"]["test"], run.record["data"]["split"]["train"]
    name = model.inputs[0].name
    return (Sample({name: x[test][:n_test]}, y[test][:n_test]), Sample({name: x[train][:n_train]}, y[train][:n_train]))


def describe_input(run, spec) -> str:
    return f"a sequence of {spec.shape[-1]} numbers"


def check_upload(name, content) -> str:
    if not str(name).endswith(".seq"):
        raise UnsupportedFileError(f"{name} is not a .seq file; upload one.")
    return ".seq"
