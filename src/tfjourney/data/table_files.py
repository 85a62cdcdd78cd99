"""Table files as people save them: CSV or TSV (delimiter and decimal mark guessed), Excel, Parquet.

Every guess is reported in a note that names its override (`sep`, `decimal`, `encoding`,
which the command line spells as flags). Excel and Parquet need optional
extras; without them the error is one line naming the pip command.

Example:
    >>> table = read_table_file("prices.csv")      # doctest: +SKIP
    >>> table.delimiter, table.decimal, table.notes  # (';', ',', ["detected semicolon-separated values ..."])
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import pandas as pd

from tfjourney.data.numbers import DECIMAL_MARKS, detect_decimal
from tfjourney.errors import DataError

DELIMITERS = ",;\t|"
_SNIFF_CHARS = 64 * 1024
_DECIMAL_LINES = 2000  # lines whose cells vote on the decimal mark
_SEP_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
TSV_SUFFIXES = (".tsv", ".tab")
# suffix -> (module pandas needs, tfjourney's extra that installs it)
_EXTRAS = {**{s: ("openpyxl", "excel") for s in EXCEL_SUFFIXES}, **{s: ("pyarrow", "parquet") for s in PARQUET_SUFFIXES}}


@dataclass
class TableFile:
    """A table file read into a DataFrame, with how it was read (recorded in run.json for predict)."""

    frame: pd.DataFrame
    fingerprint: str
    delimiter: str = ","
    decimal: str = "."
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)


def read_table_file(path: str | Path, *, encoding: str = "utf-8", sep: str | None = None, decimal: str | None = None) -> TableFile:
    """Read a .csv/.txt/.tsv, .xlsx or .parquet file; delimiter and decimal mark are guessed unless given.

    Args:
        path: the file.
        encoding: a text file's encoding.
        sep: the delimiter (one character, or "tab"); None guesses it (`.tsv`: tab).
        decimal: the decimal mark of numbers written as text, "." or ","; None guesses it.

    Returns:
        The frame, its fingerprint, the delimiter and decimal mark used, and a note per guess.
    """
    path = Path(path)
    sep, decimal = check_sep(sep), check_decimal(decimal)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise DataError(f"{path} is an old-style .xls workbook; save it as .xlsx (or CSV) and pass that file.")
    raw = path.read_bytes()
    fingerprint = "sha256:" + hashlib.sha256(raw).hexdigest()
    if suffix in _EXTRAS:
        frame = _read_binary(path, suffix)
        return _typed_file(frame, fingerprint, decimal)
    if suffix in TSV_SUFFIXES and sep is None:
        sep = "\t"
    return _read_text(raw, path, fingerprint, encoding, sep, decimal)


def check_sep(sep: str | None) -> str | None:
    """A delimiter override: one character, or a name such as "tab"; a one-line error otherwise."""
    if sep is None or sep == "":
        return None
    sep = _SEP_NAMES.get(sep.lower(), sep)
    if len(sep) != 1 or sep.isalnum() or sep in "\"'\n\r":
        raise DataError(f"`sep` {sep!r} is not a delimiter; pass one character such as ';' or '|', or `sep` tab.")
    return sep


def check_decimal(decimal: str | None) -> str | None:
    """A decimal-mark override: "." or ","."""
    if decimal is None or decimal == "":
        return None
    if decimal not in DECIMAL_MARKS:
        raise DataError(f"`decimal` {decimal!r} is not a decimal mark; pass '.' (1234.5) or ',' (1234,5).")
    return decimal


def _read_binary(path: Path, suffix: str) -> pd.DataFrame:
    module, extra = _EXTRAS[suffix]
    try:
        __import__(module)
    except ImportError:
        raise DataError(f"reading {suffix} files needs {module}; install it with: pip install 'tfjourney[{extra}]'") from None
    try:
        frame = pd.read_excel(path, sheet_name=0, engine="openpyxl") if suffix in EXCEL_SUFFIXES else pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - openpyxl and pyarrow raise many kinds; one line names the file
        kind = "an Excel workbook" if suffix in EXCEL_SUFFIXES else "a Parquet file"
        raise DataError(f"{path} could not be read as {kind} ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                        f"check that it is one, or save it as CSV.") from None
    if frame.empty:
        raise DataError(f"{path} has no data rows; add rows or pass another file.")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _typed_file(frame: pd.DataFrame, fingerprint: str, decimal: str | None) -> TableFile:
    """Excel and Parquet cells are typed; only numbers stored as text need a decimal mark."""
    notes = []
    if decimal is None:
        text = [v for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c]) for v in frame[c].dropna().head(_DECIMAL_LINES)]
        decimal = detect_decimal(str(v) for v in text) or "."
        if decimal == ",":
            notes.append(_decimal_note())
    return TableFile(frame, fingerprint, delimiter="", decimal=decimal, encoding="", notes=notes)


def _read_text(raw: bytes, path: Path, fingerprint: str, encoding: str, sep: str | None, decimal: str | None) -> TableFile:
    if not raw.strip():
        raise DataError(f"{path} is empty; pass a CSV with a header row and at least a few data rows.")
    try:
        text = raw.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path} is not valid {encoding} text (byte {raw[exc.start]:#04x} at position {exc.start}); "
            f"re-save it as UTF-8, or pass `encoding` latin-1 (or the file's real encoding)."
        ) from None
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r}; pass a Python codec name such as utf-8 or latin-1.") from None
    notes = []
    if sep is None:
        sep = sniff_delimiter(text[:_SNIFF_CHARS])
        if sep != ",":
            notes.append(f"detected {_delimiter_name(sep)}-separated values (pass `sep` if that is wrong)")
    if decimal is None:
        decimal = detect_decimal(_cells(text, sep)) or "."
        if decimal == ",":
            notes.append(_decimal_note())
    try:  # a decimal mark equal to the delimiter can only be inside quotes: those cells are text, read later
        frame = pd.read_csv(io.StringIO(text), sep=sep, decimal=decimal if decimal != sep else ".", skipinitialspace=True)
    except pd.errors.ParserError as exc:
        raise DataError(f"{path} could not be parsed as CSV ({str(exc).splitlines()[0]}); check that every row has the same number of fields, "
                        f"or pass `sep` if the delimiter is not {_delimiter_name(sep)}.") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty; pass a CSV with a header row and at least a few data rows.") from None
    if frame.empty:
        raise DataError(f"{path} has a header but no data rows; add rows or pass another file.")
    frame.columns = [str(c).strip() for c in frame.columns]
    return TableFile(frame, fingerprint, sep, decimal, encoding, notes)


def _decimal_note() -> str:
    return "detected decimal commas (16884,924 reads as 16884.924; pass `decimal` . if that is wrong)"


def _cells(text: str, sep: str):
    """The data cells of the first lines, for the decimal vote."""
    rows = csv.reader(io.StringIO(text), delimiter=sep)
    next(rows, None)
    for row in islice(rows, _DECIMAL_LINES):
        yield from row


def sniff_delimiter(sample: str) -> str:
    """Pick the delimiter that splits the header and the first rows into the same, largest width."""
    lines = sample.splitlines()
    try:
        return csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS} if lines else {}
        best = max(counts, key=counts.get) if counts else ","
        return best if counts.get(best) else ","


def _delimiter_name(delimiter: str) -> str:
    return {";": "semicolon", "\t": "tab", "|": "pipe", ",": "comma", " ": "space"}.get(delimiter, repr(delimiter))
