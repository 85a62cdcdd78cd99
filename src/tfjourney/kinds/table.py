"""The `table` kind: CSV rows in, one prediction per row out (the regression and classification blueprints).

Serve takes TF Serving's row format (`{"instances": [{"age": 40, ...}]}`) or its columnar
format (`{"inputs": {"age": [40, 51], ...}}`); a column is named as in the CSV or by the
tensor-safe name the exported files use (`num children` or `num_children`). Values may be
written as the training file wrote them ("27,9", "$1,234.56", "12%", its missing tokens;
`tfjourney.data.columns.parse_raw_frame`), and the columns training left out are accepted
and ignored, as `predict` ignores them in a file.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from tfjourney.errors import DataError, UnsupportedFileError
from tfjourney.kinds import Kind, Sample, Upload

KIND = Kind(name="table", module=__name__, upload=Upload(accept=".csv,.tsv,.txt,.xlsx,.parquet,text/csv", multiple=False,
                                                         hint="One CSV (or .tsv, .xlsx, .parquet) with the training columns"))
_TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_BINARY_SUFFIXES = (".xlsx", ".parquet")


# ------------------------------------------------------------------ predict and evaluate (files)
def predict(run, inputs: list[str | Path], *, top_k: int | None = None, tta: bool = False):
    """`tfjourney predict RUN INPUT.csv`: one prediction (and class probabilities) per row."""
    from tfjourney.pipelines.tables import predict_run

    return predict_run(run, inputs, top_k=top_k, tta=tta)


def evaluate(run, data: str | Path, *, tta: bool = False) -> dict:
    """`tfjourney evaluate RUN DATA.csv`: the run's metrics on other labelled rows."""
    from tfjourney.pipelines.tables import evaluate_run

    return evaluate_run(run, data, tta=tta)


def check_upload(name: str | None, content: bytes) -> str:
    """A studio upload must be a text CSV/TSV, an .xlsx or a .parquet file; returns the suffix to stage it under."""
    suffix = Path(name or "").suffix.lower()
    if suffix in _BINARY_SUFFIXES:
        return suffix
    if suffix not in _TEXT_SUFFIXES:
        raise UnsupportedFileError(f"{name} is not a table file; upload a .csv (or .tsv, .xlsx, .parquet) with a header row.")
    if b"\x00" in content[:4096]:
        raise DataError(f"{name} looks binary, not text; upload a comma-separated text file.")
    return ".tsv" if suffix == ".tsv" else ".csv"


# ------------------------------------------------------------------ one HTTP request body
def decode(served, instances: list | None, inputs: Any):
    """A TF Serving body -> a DataFrame of raw rows with the model's columns (DataError naming the problem)."""
    import pandas as pd

    from tfjourney.data.columns import parse_raw_frame

    rows = _rows(served, instances) if instances is not None else _columns(served, inputs)
    frame = parse_raw_frame(pd.DataFrame(rows), served.run.record["data"]["columns"])  # numbers as the training file wrote them
    missing = [spec["name"] for spec in served.inputs if spec["name"] not in frame.columns]
    if missing:
        raise DataError(f"missing input(s) {', '.join(repr(m) for m in missing)}; model {served.name!r} takes: "
                        f"{', '.join(spec['name'] for spec in served.inputs)} (null marks a missing value).")
    for spec in served.inputs:
        column = frame[spec["name"]]
        if spec["dtype"] == "string":
            frame[spec["name"]] = column.map(lambda v: v if v is None or isinstance(v, str) else _text(v))
        else:
            frame[spec["name"]] = [_number(v, spec["name"], i) for i, v in enumerate(column)]
    return frame


def outputs(served, batch):
    """The model's outputs for decoded rows (the same function `tfjourney predict` uses)."""
    from tfjourney.pipelines.tables import frame_outputs

    return frame_outputs(served.run, served.model, batch)


def _column_names(served) -> dict[str, str]:
    """Accepted name -> raw column: the column itself, and the tensor-safe name the exported files use.

    Columns the run saw and does not use (identifiers, constants, dropped ones, the target) are accepted too.
    """
    from tfjourney.data.columns import left_out_names

    names = {name: name for name in left_out_names(served.run.record["data"])}
    for spec in served.inputs:
        names[spec["name"]] = spec["name"]
        names[spec["exported_name"]] = spec["name"]
    return names


def _rows(served, instances: Any) -> list[dict]:
    if not isinstance(instances, list):
        raise DataError('"instances" must be a list, one object per example, e.g. [{"age": 40, "smoker": "no"}].')
    names = _column_names(served)
    rows = []
    for i, instance in enumerate(instances):
        if not isinstance(instance, dict):
            raise DataError(f"instance {i} is a {type(instance).__name__}; send an object keyed by column, e.g. "
                            f'{{"{served.inputs[0]["name"]}": ...}}.')
        rows.append({_known(names, key, served): _scalar(value, key, i) for key, value in instance.items()})
    return rows


def _columns(served, inputs: Any) -> list[dict]:
    if not isinstance(inputs, dict):
        raise DataError('"inputs" must be an object of columns, e.g. {"age": [40, 51], "smoker": ["no", "yes"]}.')
    names = _column_names(served)
    columns = {_known(names, key, served): value if isinstance(value, list) else [value] for key, value in inputs.items()}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise DataError(f"the columns of \"inputs\" have different lengths ({', '.join(map(str, sorted(lengths)))}); "
                        "send one value per example in each.")
    n = lengths.pop() if lengths else 0
    return [{key: _scalar(values[i], key, i) for key, values in columns.items()} for i in range(n)]


def _known(names: dict[str, str], key: str, served) -> str:
    if key not in names:
        expected = ", ".join(spec["name"] for spec in served.inputs)
        raise DataError(f"unknown input {key!r}; model {served.name!r} takes: {expected}.")
    return names[key]


def _scalar(value: Any, key: str, index: int):
    """A cell: a number, a string or null; a one-element list ([40], as a (None, 1) input takes it) is unwrapped."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    raise DataError(f"input {key!r} of example {index} is {type(value).__name__}; send a number, a string or null.")


def _text(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _number(value, column: str, index: int) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise DataError(f"input {column!r} of example {index} must be a number (or null), got {value!r}.")
    try:
        return float(value)
    except ValueError:
        raise DataError(f"input {column!r} of example {index} must be a number (or null), got {value!r}.") from None


# ------------------------------------------------------------------ export
def describe_input(run, spec) -> str:
    """The manifest's words for one input: a raw CSV column as text or as a number."""
    if spec.dtype == "string":
        return f"raw CSV column {spec.name!r} as text; a missing cell is \"\""
    return f"raw CSV column {spec.name!r} as a number; a missing cell is NaN"


def samples(run, model, n_test: int, n_train: int, data: str | Path | None = None) -> tuple[Sample, Sample]:
    """(test, training) rows of the run's own split as the model takes them, at most `n_test` / `n_train`.

    The split is the one training made: read back from run.json where the run recorded it,
    recomputed with the same seed and fractions for runs written before splits were recorded.
    """
    from tfjourney.data.columns import parse_raw_frame
    from tfjourney.data.tabular import encode_labels, load_table, split_frame

    record = run.record
    source = data or record["data"]["source"]
    if not str(source).startswith("embedded:") and not Path(source).is_file():
        raise DataError(f"export verifies on the run's own test data, but {source} is not there; "
                        "pass `data` with the CSV the run trained on.")
    table = load_table(str(source).removeprefix("embedded:"), record["data"]["target"], (), _task(run),
                       encoding=record["data"].get("encoding") or "utf-8", sep=record["data"].get("delimiter") or None,
                       decimal=record["data"].get("decimal"))
    table.frame = parse_raw_frame(table.frame, record["data"]["columns"])  # "$1,234.56", "27,9": as training read them
    class_names = record["data"]["class_names"]
    stratify = table.y.astype(str) if class_names else None
    train_df, test_df = split_frame(table.frame, record["config"]["test_size"], record["seed"], stratify)

    def sample(frame, n: int) -> Sample:
        frame = frame.head(n)
        y = encode_labels(frame[table.target], class_names) if class_names else frame[table.target].to_numpy("float32")
        return Sample(frame_inputs(model, frame), y)

    return sample(test_df, n_test), sample(train_df, n_train)


def _task(run) -> str:
    from tfjourney.registry import registration_of_run

    return registration_of_run(run.blueprint, run.path).task


def frame_inputs(model, frame) -> dict:
    """Raw DataFrame columns -> (n, 1) arrays keyed by the model's input names, typed as its inputs are.

    Strings: a missing cell is "" (the category training gave it); numbers: unparsable cells are NaN.
    """
    import pandas as pd

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


def _input_columns(model) -> dict:
    """Raw column name -> model input (a tabular model's inputs are a dict keyed by column)."""
    structure = model.input
    if isinstance(structure, dict):
        return structure
    tensors = structure if isinstance(structure, (list, tuple)) else [structure]
    return {t.name: t for t in tensors}
