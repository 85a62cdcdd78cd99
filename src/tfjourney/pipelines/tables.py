"""What tabular runs are read back for: predictions and metrics on new rows (CSV, TSV, Excel, Parquet).

Raw rows are read as the training file was (its decimal mark and encoding, recorded in
run.json), and `parse_raw_frame` reads each numeric column's numbers with the format and
missing tokens training found, so rows in the training file's format predict the same
through `predict`, `evaluate` and `serve`. Columns training left out are accepted and ignored.

The counterpart of `pipelines/images.py` for tables; `train_tabular` (pipelines/tabular.py)
writes the runs these functions read, and the registry's `predict` and `evaluate` for the
regression and classification blueprints are `predict_run` and `evaluate_run` here.

Example:
    >>> from tfjourney.pipelines.tables import predict_tabular
    >>> predict_tabular("runs/insurance", "new_customers.csv")    # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from tfjourney.data.columns import LEFT_OUT, parse_raw_frame, to_number, unreadable_cells
from tfjourney.data.image_files import IMAGE_EXTENSIONS
from tfjourney.data.numbers import NumberFormat
from tfjourney.data.tabular import encode_labels, label_texts
from tfjourney.data.table_files import read_table_file
from tfjourney.errors import DataError, RunFolderError, TfjourneyWarning
from tfjourney.metrics import class_probabilities, classification_metrics, regression_metrics
from tfjourney.models.tabular import ColumnPlan, categorical_values
from tfjourney.registry import names_of_kind
from tfjourney.runs import Run, load_run
from tfjourney.training.table_data import predict_rows


def _read_rows(run: Run, path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"file not found: {path}; pass a CSV with the columns the model was trained on.")
    data = run.record["data"]
    read = read_table_file(path, encoding=data.get("encoding") or "utf-8", decimal=data.get("decimal"))  # as the training file was read
    check_columns(run, read.frame, str(path))
    return parse_raw_frame(read.frame, data["columns"])


def check_columns(run: Run, frame: pd.DataFrame, where: str = "the data") -> None:
    """Every column the model was trained on must be there (extra columns are ignored)."""
    needed = [p.name for p in run_plans(run)]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(f"{where} is missing column(s) the model needs: {', '.join(missing)}; the model was trained on: {', '.join(needed)}.")


def _warn_unseen_categories(frame: pd.DataFrame, plans: list[ColumnPlan]) -> None:
    """Unseen categories are handled (one out-of-vocabulary slot), but the user should know."""
    for plan in plans:
        if plan.kind != "categorical":
            continue
        unseen = sorted(set(categorical_values(frame[plan.name])) - set(plan.vocabulary))
        if unseen:
            examples = ", ".join(repr(v) for v in unseen[:3])
            warnings.warn(
                f"column {plan.name!r} has {len(unseen)} value(s) never seen in training ({examples}); "
                "the model treats them as unknown",
                TfjourneyWarning,
                stacklevel=3,
            )


def run_plans(run: Run) -> list[ColumnPlan]:
    """The columns the model takes, as run.json recorded them (left-out columns are not needed)."""
    return [ColumnPlan.from_dict(c) for c in run.record["data"]["columns"] if c.get("used", True) and c.get("kind") not in LEFT_OUT]


def predict_tabular(run_dir: str | Path, input_csv: str | Path) -> pd.DataFrame:
    """Predictions for raw CSV rows, as a DataFrame: the prediction, and class probabilities."""
    run = load_run(run_dir, expect=names_of_kind("table"))
    frame = _read_rows(run, input_csv)
    table = prediction_table(run, frame_outputs(run, run.load_model(), frame), frame.index)
    return _with_ids(run, frame, table)


def _with_ids(run: Run, frame: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The predictions led by what identifies each row: its number in the file (1 = the first data row) and the
    identifier columns training left out (an ID, a name), so a saved CSV can be joined back to its input."""
    identifiers = [c["name"] for c in run.record["data"].get("columns", []) if c.get("role") == "identifier" and c["name"] in frame.columns]
    ids = pd.DataFrame({"row": np.arange(1, len(frame) + 1), **{name: frame[name].to_numpy() for name in identifiers}}, index=table.index)
    return pd.concat([ids, table], axis=1)


def frame_outputs(run: Run, model: keras.Model, frame: pd.DataFrame) -> np.ndarray:
    """The model's outputs for raw rows already in memory (a DataFrame with the training columns).

    Numbers written as the training file wrote them ("16884,924", "$1,234.56", "12%", its
    missing tokens) read as training read them; other columns are ignored.
    """
    check_columns(run, frame)
    frame = parse_raw_frame(frame, run.record["data"]["columns"])
    plans = run_plans(run)
    _warn_unseen_categories(frame, plans)
    _warn_unreadable_numbers(frame, run.record["data"]["columns"])
    return predict_rows(model, frame, plans)


def _warn_unreadable_numbers(frame: pd.DataFrame, columns: list[dict]) -> None:
    """Cells of a numeric column that are neither numbers nor a missing token training saw: read as missing, said once."""
    for name, cells in unreadable_cells(frame, columns).items():
        examples = ", ".join(repr(c) for c in cells[:3])
        warnings.warn(
            f"column {name!r} has {len(cells)} value(s) that are not numbers as the training file wrote them ({examples}); read as missing",
            TfjourneyWarning,
            stacklevel=3,
        )


def prediction_table(run: Run, predictions: np.ndarray, index=None) -> pd.DataFrame:
    """Model outputs -> the columns `tfjourney predict` prints: the prediction, and class probabilities."""
    target = run.record["data"]["target"]
    class_names = run.record["data"]["class_names"]
    result = pd.DataFrame(index=index if index is not None else range(len(predictions)))
    if class_names:
        probabilities = class_probabilities(predictions)
        result[f"predicted_{target}"] = [class_names[i] for i in probabilities.argmax(axis=1)]
        result["probability"] = probabilities.max(axis=1)
        for i, name in enumerate(class_names):
            result[f"p_{name}"] = probabilities[:, i]
    else:
        result[f"predicted_{target}"] = np.ravel(predictions)
    return result


def evaluate_tabular(run_dir: str | Path, data_csv: str | Path) -> dict:
    """The run's metrics recomputed on another labelled CSV (same columns plus the target)."""
    run = load_run(run_dir, expect=names_of_kind("table"))
    frame = _read_rows(run, data_csv)
    target = run.record["data"]["target"]
    if target not in frame.columns:
        raise DataError(f"{data_csv} has no target column {target!r}; evaluate needs the true values to compare against.")
    class_names = run.record["data"]["class_names"]
    target_format = run.record["data"].get("target_format")
    if target_format or not class_names:
        frame = frame.assign(**{target: to_number(frame[target], NumberFormat.from_dict(target_format or {}))})
    frame = frame[frame[target].notna()].reset_index(drop=True)
    model = run.load_model()
    predictions = frame_outputs(run, model, frame)
    if not class_names:
        return regression_metrics(frame[target].to_numpy(dtype="float64"), predictions)
    texts = label_texts(frame[target])
    known = texts.isin(class_names)
    if not known.all():
        unknown = sorted(set(texts[~known]))
        raise DataError(f"{data_csv} has target values the model never saw: {', '.join(unknown)}; the model knows: {', '.join(class_names)}.")
    y = encode_labels(frame[target], class_names)
    return classification_metrics(y, predictions, class_names)


def predict_run(run: Run, inputs: list[str | Path], top_k: int | None = None, tta: bool = False) -> pd.DataFrame:
    """`predict` for a tabular run (the registry's entry): one CSV of rows in, one prediction per row out.

    Args:
        run: a regression or classification run.
        inputs: exactly one CSV path.
        top_k: not used by tabular runs (every class's probability is a column already).
        tta: test-time augmentation is for image runs; True is refused.

    Returns:
        The predictions, one row per input row.
    """
    _refuse_tta(run, tta)
    if any(Path(p).suffix.lower() in IMAGE_EXTENSIONS for p in inputs):
        raise RunFolderError(f"{run.path} is a {run.blueprint} run, which predicts from a CSV; image prediction needs a cnn or transfer run.")
    if len(inputs) != 1:
        raise DataError(f"a {run.blueprint} run predicts from one CSV file; pass `tfjourney predict RUN_DIR INPUT.csv`.")
    return predict_tabular(run.path, inputs[0])


def evaluate_run(run: Run, data: str | Path, tta: bool = False) -> dict:
    """`evaluate` for a tabular run (the registry's entry): its metrics on another labelled CSV."""
    _refuse_tta(run, tta)
    return evaluate_tabular(run.path, data)


def _refuse_tta(run: Run, tta: bool) -> None:
    if tta:
        raise RunFolderError(f"{run.path} is a {run.blueprint} run; `tta` (test-time augmentation) needs a cnn or transfer run.")
