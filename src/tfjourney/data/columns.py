"""Column roles: what each feature column of a table *is*, decided once and explained.

A CSV from the wild is not the course's clean table. Before any model is built, every
feature column gets one role:

========================  =================================================  =================
role                      what it looks like                                 enters the model
========================  =================================================  =================
``numeric``               numbers (placeholders such as ``?`` are missing)   yes
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

from tfjourney.blueprints import MISSING_TOKENS
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
    """

    max_one_hot: int
    identifier_share: float
    text_words: float
    date_share: float

    @classmethod
    def from_config(cls, config) -> "ColumnThresholds":
        """The thresholds of a resolved tabular config (a dict or a config object)."""
        get = config.get if isinstance(config, dict) else lambda key: getattr(config, key)
        return cls(get("max_one_hot"), get("identifier_share"), get("text_words"), get("date_share"))


@dataclass(frozen=True)
class ColumnRole:
    """One feature column's role and, for dates, the format predict parses it with."""

    name: str
    role: str
    reason: str = ""
    date_format: str | None = None

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


def is_missing_token(values: pd.Series) -> pd.Series:
    """True where a cell holds a placeholder for "no value" (`?`, `-`, `n.a.`, `missing`, ...)."""
    return values.astype(str).str.strip().str.lower().isin(MISSING_TOKENS)


def to_number(column: pd.Series) -> pd.Series:
    """Numbers as float64: placeholders and unparseable cells become NaN, and so do inf / -inf / 1e400."""
    if pd.api.types.is_bool_dtype(column):
        numbers = column.astype("float64")
    elif pd.api.types.is_numeric_dtype(column):
        numbers = column.astype("float64")
    else:
        numbers = pd.to_numeric(column.astype("object").where(~is_missing_token(column)), errors="coerce")
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


def looks_numeric(values: pd.Series) -> tuple[bool, int]:
    """(are the non-missing `values` numbers apart from placeholder tokens, how many placeholders)."""
    placeholders = is_missing_token(values)
    rest = values[~placeholders]
    if rest.empty:
        return False, int(placeholders.sum())
    parsed = pd.to_numeric(rest, errors="coerce")
    return bool(parsed.notna().all()), int(placeholders.sum())


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


def _infer_one(name: str, column: pd.Series, thresholds: ColumnThresholds) -> tuple[ColumnRole, str | None]:
    """The role of one column and its notice (None when the role is what anyone would guess)."""
    values = column.dropna()
    n_rows = len(column)
    if values.empty:
        return ColumnRole(name, "empty", "no values"), f"column {name!r} is empty; left out"
    if pd.api.types.is_datetime64_any_dtype(column):
        return ColumnRole(name, "datetime", "dates", None), None
    numeric = pd.api.types.is_numeric_dtype(column)
    placeholders = 0
    if not numeric:
        numeric, placeholders = looks_numeric(values)
    if numeric:
        numbers = to_number(column)
        distinct = numbers.dropna().nunique()
        if distinct <= 1 and numbers.isna().sum() == 0:
            return ColumnRole(name, "constant", f"always {_show(values.iloc[0])}"), f"column {name!r} always holds {_show(values.iloc[0])}; left out as constant (name it in `keep` to use it)"
        if _is_row_number(name, numbers, n_rows):
            return ColumnRole(name, "identifier", "a distinct whole number per row"), (
                f"column {name!r} holds a distinct whole number on every row, like an ID or row number; left out (name it in `keep` to use it)"
            )
        if placeholders:
            return ColumnRole(name, "numeric", f"{placeholders} placeholder(s) read as missing"), (
                f"column {name!r} is numeric; {placeholders} placeholder value(s) such as {_placeholder_example(values)} read as missing"
            )
        return ColumnRole(name, "numeric", "numbers"), None
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


def _placeholder_example(values: pd.Series) -> str:
    tokens = values[is_missing_token(values)].astype(str).str.strip().unique()[:2]
    return ", ".join(repr(t) for t in tokens)


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


def _override(name: str, column: pd.Series, role: str) -> tuple[ColumnRole, str]:
    note = f"column {name!r} is {role} as `column_types` asks"
    if role == "datetime":
        date_format, _ = _date_format(column.dropna().astype(str), 0.0)
        days = to_days(column, date_format or "mixed")
        unparsed = int((days.isna() & column.notna()).sum())
        if unparsed:
            note += f"; {unparsed} value(s) that are not dates read as missing"
        return ColumnRole(name, role, "`column_types`", date_format or "mixed"), note
    if role == "numeric":
        unparsed = int((to_number(column).isna() & column.notna()).sum())
        if unparsed:
            note += f"; {unparsed} value(s) that are not numbers read as missing"
    if role == "identifier":
        note = f"column {name!r} is left out as `column_types` asks"
    return ColumnRole(name, role, "`column_types`"), note


def _kept(role: ColumnRole, column: pd.Series) -> tuple[ColumnRole, str]:
    """`keep`: a left-out column enters the model after all, as numbers or hashed categories."""
    if role.role == "empty":
        raise DataError(f"`keep` {role.name}: the column is empty, so there is nothing to keep; remove it from `keep`.")
    numeric = pd.api.types.is_numeric_dtype(column) or looks_numeric(column.dropna())[0]
    kept = "numeric" if numeric else ("categorical" if role.role == "constant" else "high_cardinality")
    return ColumnRole(role.name, kept, f"`keep` (looked {role.role})"), f"column {role.name!r} looks {role.role.replace('_', '-')} but is kept as `keep` asks ({kept.replace('_', '-')})"


def infer_roles(
    frame: pd.DataFrame,
    columns: list[str],
    *,
    thresholds: ColumnThresholds,
    overrides: dict[str, str] | None = None,
    keep: list[str] | tuple[str, ...] = (),
) -> tuple[list[ColumnRole], list[str]]:
    """Each of `columns` gets a role; a notice for every decision that is not plainly numeric/categorical.

    Args:
        frame: the whole table (roles do not depend on the split; statistics do, later).
        columns: the feature columns, in order.
        thresholds: the limits of the rules (from the blueprint).
        overrides: column -> role from `column_types` (checked with `parse_column_types`).
        keep: columns to use even if they look like IDs or constants.

    Returns:
        (roles in column order, notices in column order)
    """
    overrides = overrides or {}
    roles, notices = [], []
    for name in columns:
        if name in overrides:
            role, notice = _override(name, frame[name], overrides[name])
        else:
            role, notice = _infer_one(name, frame[name], thresholds)
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
        infinite = _count_infinite(raw)
        frame[role.name] = to_number(raw)
        if infinite:
            notices.append(f"column {role.name!r} has {infinite} infinite or overflowing value(s) (inf, 1e400, ...); read as missing")
    return frame, notices


def _count_infinite(column: pd.Series) -> int:
    if pd.api.types.is_bool_dtype(column):
        return 0
    numbers = column.astype("float64") if pd.api.types.is_numeric_dtype(column) else pd.to_numeric(column, errors="coerce")
    return int(np.isinf(numbers).sum())


def _show(value) -> str:
    """A cell as a user typed it: 5, 'yes' (not np.int64(5))."""
    return repr(value.item() if hasattr(value, "item") else value)
