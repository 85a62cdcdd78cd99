"""Examples from a run's own data, as the model takes them: the test sample that verifies an
export and the training rows that calibrate an int8 model.

The splits are recomputed exactly as training made them (same seed, same fractions), so the
"test" sample is data the model never trained on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from tfjourney.errors import DataError
from tfjourney.registry import reads_images
from tfjourney.runs import Run


@dataclass
class Sample:
    """Model inputs keyed by input name, and the true labels (class indices, or target values)."""

    inputs: dict[str, np.ndarray]
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


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
    if reads_images(run.blueprint):
        return _image_samples(run, model, n_test, n_train, data)
    return _table_samples(run, model, n_test, n_train, data)


def _table_samples(run: Run, model: keras.Model, n_test: int, n_train: int, data) -> tuple[Sample, Sample]:
    from tfjourney.data.tabular import encode_labels, load_table, split_frame

    record = run.record
    source = data or record["data"]["source"]
    kind = run.blueprint
    if not str(source).startswith("embedded:") and not Path(source).is_file():
        raise DataError(
            f"export verifies on the run's own test data, but {source} is not there; pass `data` with the CSV the run trained on."
        )
    table = load_table(str(source).removeprefix("embedded:"), record["data"]["target"], (), kind,
                       encoding=record["data"].get("encoding", "utf-8"))
    class_names = record["data"]["class_names"]
    stratify = table.y.astype(str) if class_names else None
    train_df, test_df = split_frame(table.frame, record["config"]["test_size"], record["seed"], stratify)

    def sample(frame: pd.DataFrame, n: int) -> Sample:
        frame = frame.head(n)
        y = encode_labels(frame[table.target], class_names) if class_names else frame[table.target].to_numpy("float32")
        return Sample(frame_inputs(model, frame), y)

    return sample(test_df, n_test), sample(train_df, n_train)


def frame_inputs(model: keras.Model, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Raw DataFrame columns -> (n, 1) arrays keyed by the model's input names, typed as its inputs are.

    Strings: a missing cell is "" (the category training gave it); numbers: unparsable cells are NaN.
    """
    arrays = {}
    for column, tensor in _input_columns(model).items():
        if column not in frame.columns:
            raise DataError(f"the data has no column {column!r}, which the model needs; pass the columns it was trained on.")
        values = frame[column]
        if str(tensor.dtype) == "string":
            array = values.astype("object").where(values.notna(), "").astype(str).to_numpy(dtype=str)
        else:
            array = pd.to_numeric(values, errors="coerce").to_numpy(dtype=str(tensor.dtype))
        arrays[tensor.name] = array.reshape(-1, 1)
    return arrays


def _input_columns(model: keras.Model) -> dict[str, keras.KerasTensor]:
    """Raw column name -> model input (a tabular model's inputs are a dict keyed by column)."""
    structure = model.input
    if isinstance(structure, dict):
        return structure
    tensors = structure if isinstance(structure, (list, tuple)) else [structure]
    return {t.name: t for t in tensors}


def _image_samples(run: Run, model: keras.Model, n_test: int, n_train: int, data) -> tuple[Sample, Sample]:
    from tfjourney.data.image_datasets import load_image_folder
    from tfjourney.data.image_files import read_image
    from tfjourney.pipelines.images import resolve_image_source

    record = run.record
    source = data or record["data"]["source"]
    name = str(source).removeprefix("embedded:")
    folder = resolve_image_source(name)[0] if str(source).startswith("embedded:") else Path(record["data"].get("folder") or source)
    if data:
        folder = resolve_image_source(data)[0]
    if not Path(folder).is_dir():
        raise DataError(f"export verifies on the run's own test images, but {folder} is not there; pass `data` with the image folder the run trained on.")
    config = record["config"]
    size = tuple(record["data"]["image_size"])
    image_data = load_image_folder(folder, image_size=size, batch_size=config["batch_size"], seed=record["seed"],
                                   validation_split=config["validation_split"], test_split=config["test_split"])
    input_name = model.inputs[0].name

    def sample(split: str, n: int) -> Sample:
        files = _spread(image_data.files[split], n)
        pixels = np.stack([read_image(path, size) for path, _ in files]).astype("float32")
        return Sample({input_name: pixels}, np.array([label for _, label in files]))

    return sample("test", n_test), sample("train", n_train)


def _spread(files: list, n: int) -> list:
    """`n` files spread evenly over the list, which is sorted by class: every class gets its share."""
    if len(files) <= n:
        return files
    return [files[i] for i in np.linspace(0, len(files) - 1, n).round().astype(int)]
