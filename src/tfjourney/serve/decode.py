"""TF Serving request bodies -> what the library predicts from: a DataFrame of raw rows, or 0-255 pixels.

Row format: `{"instances": [...]}`, one entry per example (an object keyed by input name, or,
for a single-input model, the value itself). Columnar: `{"inputs": {...}}` (input name -> one
value per example) or `{"inputs": [...]}` for a single input. Images are nested pixel lists of
the model's shape, or `{"b64": "<base64 JPEG/PNG>"}` of any size (resized as `predict` does).
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

import numpy as np
import pandas as pd

from tfjourney.data.columns import left_out_names, parse_raw_frame
from tfjourney.errors import DataError
from tfjourney.serve.errors import ServeError
from tfjourney.serve.limits import MAX_INSTANCES
from tfjourney.serve.models import ServedModel


def decode_request(served: ServedModel, instances: list | None, inputs: Any) -> pd.DataFrame | np.ndarray:
    """The body's examples, decoded for `served` (400 naming the problem when they do not fit)."""
    if (instances is None) == (inputs is None):
        raise ServeError(400, 'send exactly one of "instances" (row format) or "inputs" (columnar format).')
    if served.is_image:
        return _images(served, _image_values(served, instances, inputs))
    rows = _rows(served, instances) if instances is not None else _columns(served, inputs)
    return _frame(served, rows)


def _check_count(n: int) -> None:
    if n == 0:
        raise ServeError(400, "the request holds no examples; send at least one.")
    if n > MAX_INSTANCES:
        raise ServeError(400, f"the request holds {n} examples; send at most {MAX_INSTANCES} per request.")


# ------------------------------------------------------------------ tables
def _column_names(served: ServedModel) -> dict[str, str]:
    """Accepted name -> raw column: the column itself, and the tensor-safe name the exported files use.

    Columns the run saw but does not use (identifiers, constants, dropped columns, the target)
    are accepted too and ignored, as `predict` ignores them in a CSV.
    """
    names = {name: name for name in left_out_names(served.run.record["data"])}
    for spec in served.inputs:
        names[spec["name"]] = spec["name"]
        names[spec["exported_name"]] = spec["name"]
    return names


def _rows(served: ServedModel, instances: list) -> list[dict]:
    if not isinstance(instances, list):
        raise ServeError(400, '"instances" must be a list, one object per example, e.g. [{"age": 40, "smoker": "no"}].')
    _check_count(len(instances))
    names = _column_names(served)
    rows = []
    for i, instance in enumerate(instances):
        if not isinstance(instance, dict):
            raise ServeError(400, f"instance {i} is a {type(instance).__name__}; send an object keyed by column, e.g. "
                                  f'{{"{served.inputs[0]["name"]}": ...}}.')
        rows.append({_known(names, key, served): _scalar(value, key, i) for key, value in instance.items()})
    return rows


def _columns(served: ServedModel, inputs: Any) -> list[dict]:
    if not isinstance(inputs, dict):
        raise ServeError(400, '"inputs" must be an object of columns, e.g. {"age": [40, 51], "smoker": ["no", "yes"]}.')
    names = _column_names(served)
    columns = {_known(names, key, served): value if isinstance(value, list) else [value] for key, value in inputs.items()}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ServeError(400, f"the columns of \"inputs\" have different lengths ({', '.join(map(str, sorted(lengths)))}); send one value per example in each.")
    n = lengths.pop() if lengths else 0
    _check_count(n)
    return [{key: _scalar(values[i], key, i) for key, values in columns.items()} for i in range(n)]


def _known(names: dict[str, str], key: str, served: ServedModel) -> str:
    if key not in names:
        expected = ", ".join(spec["name"] for spec in served.inputs)
        raise ServeError(400, f"unknown input {key!r}; model {served.name!r} takes: {expected}.")
    return names[key]


def _scalar(value: Any, key: str, index: int):
    """A cell: a number, a string or null; a one-element list ([40], as a (None, 1) input takes it) is unwrapped."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    raise ServeError(400, f"input {key!r} of example {index} is {type(value).__name__}; send a number, a string or null.")


def _frame(served: ServedModel, rows: list[dict]) -> pd.DataFrame:
    frame = parse_raw_frame(pd.DataFrame(rows), served.run.record["data"]["columns"])  # numbers as the training file wrote them
    missing = [spec["name"] for spec in served.inputs if spec["name"] not in frame.columns]
    if missing:
        raise ServeError(400, f"missing input(s) {', '.join(repr(m) for m in missing)}; model {served.name!r} takes: "
                              f"{', '.join(spec['name'] for spec in served.inputs)} (null marks a missing value).")
    for spec in served.inputs:
        column = frame[spec["name"]]
        if spec["dtype"] == "string":
            frame[spec["name"]] = column.map(lambda v: v if v is None or isinstance(v, str) else _text(v))
        else:
            frame[spec["name"]] = [_number(v, spec["name"], i) for i, v in enumerate(column)]
    return frame


def _text(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _number(value, column: str, index: int) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ServeError(400, f"input {column!r} of example {index} must be a number (or null), got {value!r}.")
    try:
        return float(value)
    except ValueError:
        raise ServeError(400, f"input {column!r} of example {index} must be a number (or null), got {value!r}.") from None


# ------------------------------------------------------------------ images
def _image_values(served: ServedModel, instances: list | None, inputs: Any) -> list:
    key = served.inputs[0]["name"]
    if instances is not None:
        if not isinstance(instances, list):
            raise ServeError(400, '"instances" must be a list of images: pixel lists, or {"b64": "..."} objects.')
        values = [_unwrap(item, key) for item in instances]
    else:
        values = inputs.get(key, inputs.get(served.inputs[0]["exported_name"])) if isinstance(inputs, dict) and "b64" not in inputs else inputs
        if values is None:
            raise ServeError(400, f'"inputs" has no {key!r}; send {{"{key}": [image, ...]}} or a list of images.')
        if isinstance(values, dict) or (isinstance(values, list) and np.ndim(values) == 3 and _all_numbers(values)):
            values = [values]
    _check_count(len(values))
    return values


def _all_numbers(value) -> bool:
    try:
        np.asarray(value, dtype="float32")
        return True
    except (TypeError, ValueError):
        return False


def _unwrap(item: Any, key: str) -> Any:
    """An instance may be the image itself or an object holding it under the input's name."""
    if isinstance(item, dict) and "b64" not in item:
        if len(item) != 1:
            raise ServeError(400, f'an image instance is a pixel list, {{"b64": "..."}}, or {{"{key}": ...}}; got keys {sorted(item)}.')
        return next(iter(item.values()))
    return item


def _images(served: ServedModel, values: list) -> np.ndarray:
    from tfjourney.data.image_files import decode_image

    height, width, channels = served.image_shape
    pixels = []
    for i, value in enumerate(values):
        if isinstance(value, dict):
            try:
                data = base64.b64decode(str(value["b64"]), validate=True)
            except (binascii.Error, ValueError):
                raise ServeError(400, f"image {i}: \"b64\" is not valid base64; send the JPEG/PNG file's bytes base64-encoded.") from None
            try:
                pixels.append(decode_image(data, (height, width), name=f"image {i}"))
            except DataError as exc:
                raise ServeError(400, str(exc)) from None
            continue
        try:
            array = np.asarray(value, dtype="float32")
        except (TypeError, ValueError):
            raise ServeError(400, f"image {i} is not a nested list of numbers; send [height][width][3] pixels 0-255 or {{\"b64\": \"...\"}}.") from None
        if array.shape != (height, width, channels):
            raise ServeError(400, f"image {i} has shape {list(array.shape)}; model {served.name!r} takes [{height}, {width}, {channels}] "
                                  "pixels 0-255, or send {\"b64\": \"...\"} (JPEG/PNG of any size, resized for you).")
        pixels.append(array)
    return np.stack(pixels)
