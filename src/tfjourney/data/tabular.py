"""Load a table (a CSV, TSV, Excel or Parquet file, or an embedded dataset), validate it once, and split it.

This is the edge of the tabular pipeline: everything after `load_table` trusts its
input. Every problem a user can fix raises `DataError` with a one-line fix. Reading the
file (delimiter, decimal mark, formats) is `tfjourney.data.table_files`.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from tfjourney.blueprints import FRACTION, get_blueprint
from tfjourney.data.columns import (
    ColumnRole, ColumnThresholds, check_keep, clean_features, infer_roles, missing_tokens_text, parse_column_types, read_numbers, to_number,
)
from tfjourney.data.embedded import EMBEDDED_TABLES
from tfjourney.data.numbers import NumberFormat
from tfjourney.data.table_files import read_table_file
from tfjourney.errors import DataError, TfjourneyNotice, TfjourneyWarning


@dataclass
class Table:
    """A validated table: features plus one target column, and where it came from."""

    frame: pd.DataFrame
    target: str
    source: str
    fingerprint: str
    delimiter: str = ","
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)
    roles: list[ColumnRole] = field(default_factory=list)
    decimal: str = "."
    dropped: list[str] = field(default_factory=list)
    target_format: NumberFormat | None = None  # how a numeric target's cells were read (evaluate reads them alike)

    @property
    def features(self) -> list[str]:
        """The feature columns that enter the model (identifier-like, constant and empty ones do not)."""
        columns = [c for c in self.frame.columns if c != self.target]
        if not self.roles:
            return columns
        used = {r.name for r in self.roles if r.used}
        return [c for c in columns if c in used]

    @property
    def X(self) -> pd.DataFrame:
        return self.frame[self.features]

    @property
    def y(self) -> pd.Series:
        return self.frame[self.target]


def load_table(
    data: str | Path,
    target: str | None = None,
    drop: tuple[str, ...] | list[str] = (),
    kind: str = "regression",
    encoding: str = "utf-8",
    *,
    thresholds: ColumnThresholds | None = None,
    column_types: str | dict[str, str] | None = None,
    keep: tuple[str, ...] | list[str] = (),
    sep: str | None = None,
    decimal: str | None = None,
) -> Table:
    """Load `data` (a table file or an embedded name) for a `kind` ("regression"/"classification") task.

    Args:
        data: a .csv/.tsv/.txt, .xlsx or .parquet path, or an embedded dataset name.
        target: the column to predict (embedded datasets have a default).
        drop: columns to leave out.
        kind: "regression" or "classification" (decides the target checks).
        encoding: a text file's encoding.
        thresholds: role-inference limits; None skips role inference (every column used as read).
        column_types: "col=role,..." or a dict of column -> role overrides.
        keep: columns to use even if they look like IDs or constants.
        sep: the delimiter; None guesses it.
        decimal: the decimal mark of numbers written as text ("." or ","); None guesses it.

    Returns:
        The validated Table, with each feature column's role and the notices about them.
    """
    path = Path(data)
    if path.is_file():
        read = read_table_file(path, encoding=encoding, sep=sep, decimal=decimal)
        table = Table(read.frame, "", str(path), read.fingerprint, read.delimiter, read.encoding, list(read.notes), decimal=read.decimal)
        for note in read.notes:  # a guess is shown, with the setting that overrides it
            warnings.warn(note, TfjourneyNotice, stacklevel=2)
    elif str(data) in EMBEDDED_TABLES:
        spec = EMBEDDED_TABLES[str(data)]
        frame = spec.loader()
        table = Table(frame, "", f"embedded:{spec.name}", _frame_fingerprint(frame))
        target = target or spec.target
    elif path.suffix or "/" in str(data) or "\\" in str(data):
        raise DataError(f"file not found: {data}; check the path (or pass an embedded dataset name: {', '.join(EMBEDDED_TABLES)}).")
    else:
        raise DataError(f"unknown dataset {str(data)!r}: pass a CSV path or one of the embedded datasets: {', '.join(EMBEDDED_TABLES)}.")
    if target is None:
        raise DataError(f"no `target` given; pass `target` with one of the columns: {_column_list(table.frame)}.")
    table.target = target
    _drop_columns(table, drop)
    # the target follows the numbers rule even when roles are not inferred, so every reader drops the same rows
    share = thresholds.numeric_share if thresholds is not None else get_blueprint(kind).defaults()["numeric_share"]
    _check_target(table, kind, share)
    if thresholds is not None:
        _assign_roles(table, thresholds, column_types, keep)
    return table


def _assign_roles(table: Table, thresholds: ColumnThresholds, column_types, keep) -> None:
    columns = [c for c in table.frame.columns if c != table.target]
    overrides = column_types if isinstance(column_types, dict) else parse_column_types(column_types, columns)
    keep = check_keep(keep, columns)
    table.roles, notices = infer_roles(table.frame, columns, thresholds=thresholds, overrides=overrides, keep=keep, decimal=table.decimal)
    table.frame, cleaned = clean_features(table.frame, table.roles)
    for notice in notices + cleaned:
        warnings.warn(notice, TfjourneyNotice, stacklevel=3)
    table.notes += notices + cleaned
    if not table.features:
        left_out = ", ".join(f"{r.name} ({r.role})" for r in table.roles)
        raise DataError(f"no usable feature columns: {left_out}; name one in `keep`, or give it a role in `column_types` (e.g. COL=numeric).")


def read_csv(path: Path, encoding: str = "utf-8", *, sep: str | None = None, decimal: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read a table file (CSV/TSV/Excel/Parquet) with its delimiter and decimal mark guessed unless given: (frame, delimiter)."""
    read = read_table_file(path, encoding=encoding, sep=sep, decimal=decimal)
    return read.frame, read.delimiter


def _column_list(frame: pd.DataFrame) -> str:
    return ", ".join(map(str, frame.columns))


def _drop_columns(table: Table, drop) -> None:
    drop = [c for c in drop if c]
    missing = [c for c in drop if c not in table.frame.columns]
    if missing:
        raise DataError(f"`drop` names columns that are not in the data: {', '.join(missing)}; the columns are: {_column_list(table.frame)}.")
    if table.target in drop:
        raise DataError(f"`drop` removes the target {table.target!r}; leave it out of `drop`.")
    table.frame = table.frame.drop(columns=drop)
    table.dropped = list(drop)


def _check_target(table: Table, kind: str, share: float) -> None:
    frame = table.frame
    if table.target not in frame.columns:
        raise DataError(f"`target` {table.target!r} is not a column; the columns are: {_column_list(frame)}.")
    if not table.features:
        raise DataError(f"{table.source} has no feature columns besides the target {table.target!r}; pass a table with at least one feature.")
    _read_target_numbers(table, kind, share)
    frame = table.frame
    missing = int(frame[table.target].isna().sum())
    if missing:
        message = f"dropped {missing} row(s) whose target {table.target!r} is missing or not a finite number"
        warnings.warn(message, TfjourneyWarning, stacklevel=3)
        table.notes.append(message)
        table.frame = frame = frame[frame[table.target].notna()].reset_index(drop=True)
    if len(frame) < 10:
        raise DataError(f"{table.source} has only {len(frame)} usable rows; tfjourney needs at least 10 to split into train, validation and test.")
    if kind == "regression":
        _check_regression_target(table, share)
    else:
        _check_classification_target(table)


def _read_target_numbers(table: Table, kind: str, share: float) -> None:
    """A target whose cells read as numbers (at least `share` of them) becomes numbers; its other tokens are missing.

    A classification target is read so only when some of its cells are not numbers
    (0/1 with a few "tbd"); labels that are all text stay labels.
    """
    column = table.frame[table.target]
    if pd.api.types.is_bool_dtype(column):
        return
    number_format, unread = read_numbers(column.dropna(), decimal=table.decimal, share=share)
    if number_format is None or (kind != "regression" and not unread):
        return
    table.target_format = number_format
    table.frame = table.frame.assign(**{table.target: to_number(column, number_format)})
    written = number_format.describe()
    if written or unread:
        details = "; ".join(part for part in (written, missing_tokens_text(number_format.missing) + " read as missing" if unread else "") if part)
        message = f"target {table.target!r} read as numbers ({details})"
        warnings.warn(message, TfjourneyNotice, stacklevel=4)
        table.notes.append(message)


def _check_regression_target(table: Table, share: float) -> None:
    y = table.frame[table.target]
    if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        examples = ", ".join(map(repr, y.astype(str).unique()[:3]))
        other = "," if table.decimal == "." else "."
        if read_numbers(y.dropna(), decimal=other, share=share)[0] is not None:
            raise DataError(f"regression target {table.target!r} is not numeric with decimal mark {table.decimal!r} "
                            f"(values like {examples}); pass `decimal` {other} to read them as numbers.")
        raise DataError(
            f"regression target {table.target!r} is not numeric (values like {examples}); "
            f"pick a numeric column, or run `tfjourney train classification` to predict a category."
        )


def _check_classification_target(table: Table) -> None:
    y = table.frame[table.target]
    if pd.api.types.is_float_dtype(y) and not np.all(np.mod(y, 1) == 0):
        raise DataError(
            f"classification target {table.target!r} holds non-integer numbers ({y.nunique()} distinct values); "
            f"use `tfjourney train regression` to predict a number, or pick a column of categories."
        )
    counts = y.astype(str).value_counts()
    if len(counts) < 2:
        raise DataError(f"classification target {table.target!r} has only one class ({counts.index[0]!r}); a classifier needs at least two classes in the data.")
    singles = counts[counts < 2].index.tolist()
    if singles:
        raise DataError(
            f"class(es) {', '.join(map(repr, singles))} of {table.target!r} have a single example, so a stratified "
            f"train/test split cannot put one in each split; add examples or remove those rows."
        )


def class_names_of(y: pd.Series) -> list[str]:
    """Sorted class labels as strings: the order of the model's output units."""
    values = y.unique()
    if pd.api.types.is_numeric_dtype(y):
        return [_label_text(v) for v in sorted(values)]
    return sorted(str(v) for v in values)


def _label_text(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def label_texts(y: pd.Series) -> pd.Series:
    """Labels as the strings `class_names_of` uses (1.0 -> "1")."""
    return y.map(_label_text) if pd.api.types.is_numeric_dtype(y) else y.astype(str)


def encode_labels(y: pd.Series, class_names: list[str]) -> np.ndarray:
    index = {name: i for i, name in enumerate(class_names)}
    return label_texts(y).map(index).to_numpy(dtype="int32")


def split_frame(
    frame: pd.DataFrame, fraction: float, seed: int, stratify: pd.Series | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One seeded (and, for classification, stratified) split; `fraction` of the rows go to the second part.

    Used for the test split (`test_size`) and the validation split (`validation_split`).
    """
    if fraction not in FRACTION:
        raise DataError(f"split fraction {fraction} must be {FRACTION.describe()}; pass e.g. 0.2.")
    try:
        first, second = train_test_split(frame, test_size=fraction, random_state=seed, stratify=stratify)
    except ValueError as exc:
        raise DataError(f"cannot split {len(frame)} rows with fraction {fraction}: {exc}; use a larger dataset or another `test_size`.") from None
    return first.reset_index(drop=True), second.reset_index(drop=True)


def _frame_fingerprint(frame: pd.DataFrame) -> str:
    return "sha256:" + hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
