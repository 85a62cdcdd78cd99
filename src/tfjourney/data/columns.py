"""Column roles: what each feature column of a table *is*, decided once and explained.

A CSV from the wild is not the course's clean table. Before any model is built, every
feature column gets one role:

========================  =================================================  =================
role                      what it looks like                                 enters the model
========================  =================================================  =================
``numeric``               numbers (at least ``numeric_share`` of the cells;   yes
                          the other tokens are missing)
``categorical``           a few repeated values                              yes (one-hot)
``high_cardinality``      many repeated values (cities, product codes)       yes (hashed)
``identifier``            unique or nearly unique per row (IDs, names)       no (``--keep``)
``datetime``              dates or timestamps                                yes (date parts)
``text``                  long strings of several words                      yes (bag of words)
``constant``              one value                                          no (``--keep``)
``empty``                 no value at all                                    no
========================  =================================================  =================

`infer_roles` returns the roles and one notice per decision a user would not guess;
`clean_features` turns placeholder tokens and non-finite numbers into missing values.

A column is numeric by the evidence of its cells (readr's `guess_parser`): when at least
`numeric_share` of its non-empty cells read as numbers in one format (decimal commas,
thousands separators, currency signs and `%` included; see `tfjourney.data.numbers`), the
other tokens are its missing values, named in the notice. The format and the tokens are
kept in the column's role and run.json, and `parse_raw_frame` reads predict's and serve's
raw rows with them.

Example:
    >>> limits = ColumnThresholds.from_config(get_blueprint("regression").resolve())
    >>> roles, notices = infer_roles(frame, ["id", "age", "signup"], thresholds=limits)
    >>> [r.role for r in roles]  # ["identifier", "numeric", "datetime"]
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from tfjourney.data.numbers import NumberFormat, guess_number_format, is_missing_token, parse_numbers, read_with_format
from tfjourney.errors import DataError

LEFT_OUT = ("identifier", "constant", "empty")
# Roles a user may ask for with `column_types`; "identifier" means "leave it out".
OVERRIDABLE = ("numeric", "categorical", "high_cardinality", "datetime", "text", "identifier")

_DATE_FORMATS = (
    "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d",
    "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%d %b %Y", "%b %d %Y", "%b %d, %Y",
)
_DATE_LIKE = re.compile(r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2} [A-Za-z]{3,9},? \d{4}|[A-Za-z]{3,9} \d{1,2},? \d{4})")
_ID_NAME = re.compile(r"(^|[_\s.-])(id|uuid|guid|key|index|idx|no|number)$", re.IGNORECASE)
_CAMEL_ID = re.compile(r"[a-z](ID|Id)$")
_SAMPLE = 2000  # values looked at to guess a column's kind; the whole column is converted after


@dataclass(frozen=True)
class ColumnThresholds:
    """The limits role inference uses; their defaults are rows of the tabular blueprints.

    Args:
        max_one_hot: more distinct values than this makes a text column high-cardinality (hashed).
        identifier_share: a text column with more than `max_one_hot` distinct values that cover
            at least this share of its rows is identifier-like.
        text_words: a text column whose values average at least this many words is free text.
        date_share: a column is a date if at least this share of its values parse as dates.
        numeric_share: a column is numeric if at least this share of its non-empty cells
            read as numbers; its other tokens are missing values.
    """

    max_one_hot: int
    identifier_share: float
    text_words: float
    date_share: float
    numeric_share: float

    @classmethod
    def from_config(cls, config) -> "ColumnThresholds":
        """The thresholds of a resolved tabular config (a dict or a config object)."""
        get = config.get if isinstance(config, dict) else lambda key: getattr(config, key)
        return cls(get("max_one_hot"), get("identifier_share"), get("text_words"), get("date_share"), get("numeric_share"))


@dataclass(frozen=True)
class ColumnRole:
    """One feature column's role and the format predict parses it with (dates, and numbers as `NumberFormat.to_dict`)."""

    name: str
    role: str
    reason: str = ""
    date_format: str | None = None
    number_format: dict | None = None

    @property
    def used(self) -> bool:
        return self.role not in LEFT_OUT

    def to_dict(self) -> dict:
        return asdict(self)


def parse_column_types(text: str | None, columns: list[str]) -> dict[str, str]:
    """`"a=numeric,b=text"` -> {"a": "numeric", "b": "text"}, with one-line errors naming the fix."""
    if not text:
        return {}
    overrides = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, role = item.rpartition("=")
        name, role = name.strip(), role.strip()
        if not sep or not name:
            raise DataError(f"`column_types` entry {item!r} is not COLUMN=ROLE; pass e.g. zip=categorical,notes=text.")
        if role not in OVERRIDABLE:
            raise DataError(f"`column_types` gives {name!r} the unknown role {role!r}; choose one of: {', '.join(OVERRIDABLE)}.")
        if name not in columns:
            raise DataError(f"`column_types` names {name!r}, which is not a feature column; the feature columns are: {', '.join(columns)}.")
        overrides[name] = role
    return overrides


def check_keep(keep: list[str] | tuple[str, ...], columns: list[str]) -> list[str]:
    """`keep` names must be feature columns."""
    keep = [c for c in keep if c]
    unknown = [c for c in keep if c not in columns]
    if unknown:
        raise DataError(f"`keep` names {', '.join(map(repr, unknown))}, not feature column(s); the feature columns are: {', '.join(columns)}.")
    return keep


def to_number(column: pd.Series, number_format: NumberFormat | None = None) -> pd.Series:
    """Numbers as float64 (in `number_format`, plain by default): every other cell is NaN, and so are inf / -inf / 1e400."""
    numbers = parse_numbers(column, number_format or NumberFormat())
    return numbers.where(np.isfinite(numbers))


def to_days(column: pd.Series, date_format: str | None) -> pd.Series:
    """Dates -> days since 1970-01-01 (float, fractional for times); unparseable -> NaN."""
    if pd.api.types.is_datetime64_any_dtype(column):
        stamps = column
    else:
        text = column.astype("object").where(column.notna() & ~is_missing_token(column))
        stamps = pd.to_datetime(text, format=date_format or "mixed", errors="coerce")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return (stamps - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)


def read_numbers(column: pd.Series, *, decimal: str = ".", share: float) -> tuple[NumberFormat | None, int]:
    """The column's number format when at least `share` of its non-empty cells read as numbers, else None; and how many did not.

    Cells of a column pandas read as numbers are all numbers. Well-known placeholders
    (`MISSING_TOKENS`, such as "?") count as missing, not against the share.
    """
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        return NumberFormat(decimal), 0
    guess = guess_number_format(column, decimal=decimal)
    if guess.parsed == 0 or guess.share < share:
        return None, 0
    return guess.format, guess.unread


def _date_format(values: pd.Series, share: float) -> tuple[str | None, float]:
    """The date format most of `values` parse with (None = mixed formats), and the share that parse."""
    sample = values.astype(str).head(_SAMPLE)
    if sample.str.match(_DATE_LIKE).mean() < share:
        return None, 0.0
    best, best_share = None, 0.0
    for fmt in _DATE_FORMATS:
        parsed = pd.to_datetime(sample, format=fmt, errors="coerce").notna().mean()
        if parsed > best_share:
            best, best_share = fmt, parsed
    if best_share < share:
        mixed = pd.to_datetime(sample, format="mixed", errors="coerce").notna().mean()
        if mixed > best_share:
            best, best_share = "mixed", mixed
    return best, best_share


def _mean_words(values: pd.Series) -> float:
    return float(values.astype(str).head(_SAMPLE).str.split().str.len().mean())


def _infer_one(name: str, column: pd.Series, thresholds: ColumnThresholds, decimal: str) -> tuple[ColumnRole, str | None]:
    """The role of one column and its notice (None when the role is what anyone would guess)."""
    values = column.dropna()
    n_rows = len(column)
    if values.empty:
        return ColumnRole(name, "empty", "no values"), f"column {name!r} is empty; left out"
    if pd.api.types.is_datetime64_any_dtype(column):
        return ColumnRole(name, "datetime", "dates", None), None
    number_format, unread = read_numbers(values, decimal=decimal, share=thresholds.numeric_share)
    if number_format is not None:
        return _numeric_role(name, column, number_format, unread)
    text = values.astype(str)
    distinct = text.nunique()
    if distinct == 1 and len(values) == n_rows:
        return ColumnRole(name, "constant", f"always {text.iloc[0]!r}"), f"column {name!r} always holds {text.iloc[0]!r}; left out as constant (name it in `keep` to use it)"
    date_format, parsed_share = _date_format(text, thresholds.date_share)
    if date_format is not None and parsed_share >= thresholds.date_share:
        return _date_role(name, column, date_format)
    if _mean_words(text) >= thresholds.text_words:
        return ColumnRole(name, "text", "free text"), f"column {name!r} is free text (about {_mean_words(text):.0f} words a value); encoded as a bag of words"
    if distinct > thresholds.max_one_hot and distinct >= thresholds.identifier_share * len(values):
        return ColumnRole(name, "identifier", f"{distinct} distinct values in {len(values)} rows"), (
            f"column {name!r} has a distinct value on {distinct / len(values):.0%} of rows, like an ID or a name; left out (name it in `keep` to use it)"
        )
    if distinct > thresholds.max_one_hot:
        return ColumnRole(name, "high_cardinality", f"{distinct} distinct values"), (
            f"column {name!r} has {distinct} distinct values (more than {thresholds.max_one_hot}); hashed into buckets instead of one-hot"
        )
    return ColumnRole(name, "categorical", f"{distinct} distinct values"), None


def _numeric_role(name: str, column: pd.Series, number_format: NumberFormat, unread: int) -> tuple[ColumnRole, str | None]:
    """A column that reads as numbers: constant, a row number, or numeric (with its format and missing tokens named)."""
    numbers = to_number(column, number_format)
    present = column.dropna()
    distinct = numbers.dropna().nunique()
    record = number_format.to_dict()
    if distinct <= 1 and numbers.isna().sum() == 0:
        return (ColumnRole(name, "constant", f"always {_show(present.iloc[0])}", number_format=record),
                f"column {name!r} always holds {_show(present.iloc[0])}; left out as constant (name it in `keep` to use it)")
    if _is_row_number(name, numbers, len(column)):
        return ColumnRole(name, "identifier", "a distinct whole number per row", number_format=record), (
            f"column {name!r} holds a distinct whole number on every row, like an ID or row number; left out (name it in `keep` to use it)"
        )
    written = number_format.describe()
    if not unread and not written:
        return ColumnRole(name, "numeric", "numbers", number_format=record), None
    reason = ", ".join(part for part in (written, f"{unread} cell(s) read as missing" if unread else "") if part)
    notice = f"column {name!r} is numeric"
    if written:
        notice += f" ({written})"
    if unread:
        notice += f"; {missing_tokens_text(number_format.missing)} read as missing (to keep them, name the column in `column_types` as {name}=categorical)"
    return ColumnRole(name, "numeric", reason, number_format=record), notice


def missing_tokens_text(missing: dict[str, int], *, limit: int = 4) -> str:
    """{"tbd": 67, "?": 3} -> "'tbd' in 67 rows, '?' in 3 rows" (the most frequent first)."""
    ranked = sorted(missing.items(), key=lambda item: (-item[1], item[0]))
    text = ", ".join(f"{token!r} in {count} row{'s' if count != 1 else ''}" for token, count in ranked[:limit])
    if len(ranked) > limit:
        text += f" and {len(ranked) - limit} other token(s) in {sum(c for _, c in ranked[limit:])} rows"
    return text


def _is_row_number(name: str, numbers: pd.Series, n_rows: int) -> bool:
    """Whole numbers, one per row, that count rows or are named like an ID."""
    present = numbers.dropna()
    if len(present) < n_rows or n_rows < 3 or present.nunique() < n_rows or not np.all(np.mod(present, 1) == 0):
        return False
    counts_rows = present.is_monotonic_increasing and present.max() - present.min() + 1 == n_rows
    return counts_rows or bool(_ID_NAME.search(name.strip()) or _CAMEL_ID.search(name.strip()))


def _date_role(name: str, column: pd.Series, date_format: str) -> tuple[ColumnRole, str]:
    days = to_days(column, date_format)
    unparsed = int((days.isna() & column.notna()).sum())
    note = f"column {name!r} holds dates ({_format_name(date_format)}); read as year, month, day of week, day of year (sin/cos) and elapsed days"
    if unparsed:
        note += f"; {unparsed} value(s) that are not dates read as missing"
    return ColumnRole(name, "datetime", "dates", date_format), note


def _format_name(date_format: str) -> str:
    return "mixed formats" if date_format == "mixed" else date_format.replace("%", "")


def _override(name: str, column: pd.Series, role: str, decimal: str) -> tuple[ColumnRole, str]:
    note = f"column {name!r} is {role} as `column_types` asks"
    if role == "datetime":
        date_format, _ = _date_format(column.dropna().astype(str), 0.0)
        days = to_days(column, date_format or "mixed")
        unparsed = int((days.isna() & column.notna()).sum())
        if unparsed:
            note += f"; {unparsed} value(s) that are not dates read as missing"
        return ColumnRole(name, role, "`column_types`", date_format or "mixed"), note
    if role == "numeric":
        number_format, _ = read_numbers(column, decimal=decimal, share=0.0)
        number_format = number_format or NumberFormat(decimal)
        unparsed = int((to_number(column, number_format).isna() & column.notna()).sum())
        if unparsed:
            note += f"; {unparsed} value(s) that are not numbers read as missing"
        return ColumnRole(name, role, "`column_types`", number_format=number_format.to_dict()), note
    if role == "identifier":
        note = f"column {name!r} is left out as `column_types` asks"
    return ColumnRole(name, role, "`column_types`"), note


def _kept(role: ColumnRole, column: pd.Series) -> tuple[ColumnRole, str]:
    """`keep`: a left-out column enters the model after all, as numbers or hashed categories."""
    if role.role == "empty":
        raise DataError(f"`keep` {role.name}: the column is empty, so there is nothing to keep; remove it from `keep`.")
    kept = "numeric" if role.number_format is not None else ("categorical" if role.role == "constant" else "high_cardinality")
    return (ColumnRole(role.name, kept, f"`keep` (looked {role.role})", number_format=role.number_format),
            f"column {role.name!r} looks {role.role.replace('_', '-')} but is kept as `keep` asks ({kept.replace('_', '-')})")


def infer_roles(
    frame: pd.DataFrame,
    columns: list[str],
    *,
    thresholds: ColumnThresholds,
    overrides: dict[str, str] | None = None,
    keep: list[str] | tuple[str, ...] = (),
    decimal: str = ".",
) -> tuple[list[ColumnRole], list[str]]:
    """Each of `columns` gets a role; a notice for every decision that is not plainly numeric/categorical.

    Args:
        frame: the whole table (roles do not depend on the split; statistics do, later).
        columns: the feature columns, in order.
        thresholds: the limits of the rules (from the blueprint).
        overrides: column -> role from `column_types` (checked with `parse_column_types`).
        keep: columns to use even if they look like IDs or constants.
        decimal: the file's decimal mark ("." or ","), which numbers written as text use.

    Returns:
        (roles in column order, notices in column order)
    """
    overrides = overrides or {}
    roles, notices = [], []
    for name in columns:
        if name in overrides:
            role, notice = _override(name, frame[name], overrides[name], decimal)
        else:
            role, notice = _infer_one(name, frame[name], thresholds, decimal)
            if name in keep and not role.used:
                role, notice = _kept(role, frame[name])
        roles.append(role)
        if notice:
            notices.append(notice)
    return roles, notices


def clean_features(frame: pd.DataFrame, roles: list[ColumnRole]) -> tuple[pd.DataFrame, list[str]]:
    """Numeric columns become float64 with every placeholder and non-finite value as NaN (one notice per column with inf)."""
    frame = frame.copy()
    notices = []
    for role in roles:
        if role.role != "numeric":
            continue
        raw = frame[role.name]
        number_format = NumberFormat.from_dict(role.number_format) if role.number_format else NumberFormat()
        infinite = int(np.isinf(parse_numbers(raw, number_format)).sum())
        frame[role.name] = to_number(raw, number_format)
        if infinite:
            notices.append(f"column {role.name!r} has {infinite} infinite or overflowing value(s) (inf, 1e400, ...); read as missing")
    return frame, notices


def _show(value) -> str:
    """A cell as a user typed it: 5, 'yes' (not np.int64(5))."""
    return repr(value.item() if hasattr(value, "item") else value)


def parse_raw_frame(frame: pd.DataFrame, columns: list[dict]) -> pd.DataFrame:
    """Raw rows in the training file's format -> the numbers training read, for predict and serve alike.

    Each numeric column of `columns` (run.json's `data.columns`) that carries a
    `number_format` is read with it: decimal commas, thousands separators, currency and
    percent signs as the training file wrote them; its missing tokens, empty cells and
    well-known placeholders become NaN. A cell that is none of these is left as it was, so
    the caller can name it (`unreadable_cells`). Other columns are untouched.

    Args:
        frame: raw rows (a CSV read as training read it, or a request's values).
        columns: run.json's `data.columns` records.

    Returns:
        A copy of `frame` with those columns as float64 (object where a cell could not be read).
    """
    frame = frame.copy()
    for record in columns:
        name, number_format = record.get("name"), record.get("number_format")
        kind = record.get("kind", record.get("role"))
        if name in frame.columns and kind in _TEXT_KINDS:
            frame[name] = _without_csv_missing(frame[name])
        if number_format is None or name not in frame.columns or kind != "numeric":
            continue
        numbers, unread = read_with_format(frame[name], NumberFormat.from_dict(number_format))
        if unread.empty:
            frame[name] = numbers
        else:
            frame[name] = numbers.astype("object").where(~numbers.index.isin(unread.index), frame[name])
    return frame


_TEXT_KINDS = ("categorical", "high_cardinality", "text")
# The cells pandas' CSV reader reads as missing: a row sent as text ({"region": "NA"}) means what the file meant.
CSV_MISSING_TEXT = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                              "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})


def _without_csv_missing(column: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column):
        return column
    cells = column.astype("object")
    return cells.where(~cells.map(lambda v: isinstance(v, str) and v.strip() in CSV_MISSING_TEXT), None)


def unreadable_cells(frame: pd.DataFrame, columns: list[dict]) -> dict[str, list[str]]:
    """Column -> the distinct cells `parse_raw_frame` left as text in a numeric column (not numbers, not known missing)."""
    found = {}
    for record in columns:
        name = record.get("name")
        if record.get("number_format") is None or name not in frame.columns or pd.api.types.is_numeric_dtype(frame[name]):
            continue
        cells = frame[name][frame[name].map(lambda v: isinstance(v, str))]
        if not cells.empty:
            found[name] = sorted(set(cells.astype(str)))
    return found


def left_out_names(data: dict) -> list[str]:
    """The columns a run saw and does not use (left out, dropped, and the target): accepted and ignored in rows to predict."""
    names = [c["name"] for c in data.get("columns", []) if not c.get("used", True)]
    return names + list(data.get("dropped", [])) + ([data["target"]] if data.get("target") else [])
