"""Numbers as people write them: decimal commas, thousands separators, currency signs and `%`.

readr's idea (`guess_parser`, `problems()`): a column's type follows the evidence of its
cells. `guess_number_format` finds the one format most of a column's cells parse with;
the cells that do not parse are reported as missing-value tokens instead of deciding the
column's type. `parse_numbers` applies a format: at training time, and again to every raw
row `predict` and `serve` see, because the format is recorded in run.json.

The decimal mark is a property of the file (a European spreadsheet writes `16884,924`
everywhere); `detect_decimal` reads it from the cells whose mark is unambiguous.

Example:
    >>> cells = pd.Series(["$16,884.92", "$1,725.55", "tbd", "$4,449.46"])
    >>> guess = guess_number_format(cells, decimal=".")
    >>> guess.format.to_dict()  # {'decimal': '.', 'thousands': ',', 'currency': '$', 'percent': False, 'missing': {'tbd': 1}}
    >>> guess.share             # 0.75
    >>> parse_numbers(pd.Series(["$2,000", "tbd"]), guess.format).tolist()  # [2000.0, nan]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tfjourney.blueprints import MISSING_TOKENS

DECIMAL_MARKS = (".", ",")
CURRENCY_SIGNS = "$€£¥₹"
# Thousands separators tried besides the decimal mark's counterpart: spaces (also the
# no-break spaces spreadsheets write) and the Swiss apostrophe.
_SPACES = re.compile("[\u00a0\u202f]")
_OTHER_THOUSANDS = (" ", "'")
_CURRENCY = re.compile(f"^\\s*([-+]?)\\s*[{CURRENCY_SIGNS}]\\s*|\\s*[{CURRENCY_SIGNS}]\\s*$")
_SIGN_SPACE = re.compile(r"^([-+])\s+")
_VOTE_SAMPLE = 20000  # cells looked at to find a file's decimal mark
_MAX_TOKENS = 1000  # missing tokens recorded per column (the most frequent): run.json stays small


@dataclass(frozen=True)
class NumberFormat:
    """How one column writes its numbers, recorded in run.json so predict and serve read rows alike.

    Args:
        decimal: the decimal mark, "." or ",".
        thousands: the thousands separator the column uses ("," "." " " "'"), or None.
        currency: currency signs stripped from the cells ("$"), or "".
        percent: a trailing "%" is stripped (12% reads as 12).
        missing: the tokens that did not parse in the training file, with their counts.
    """

    decimal: str = "."
    thousands: str | None = None
    currency: str = ""
    percent: bool = False
    missing: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"decimal": self.decimal, "thousands": self.thousands, "currency": self.currency,
                "percent": self.percent, "missing": dict(self.missing)}

    @classmethod
    def from_dict(cls, record: dict) -> "NumberFormat":
        return cls(record.get("decimal", "."), record.get("thousands"), record.get("currency", ""),
                   bool(record.get("percent", False)), dict(record.get("missing", {})))

    def describe(self) -> str:
        """What a column's cells carry besides the number, e.g. "',' as thousands separator, read without '$'"; "" when nothing.

        The decimal mark is the file's, said once for the file (`tfjourney.data.table_files`).
        """
        parts = [f"{self.thousands!r} as thousands separator"] if self.thousands else []
        signs = [repr(sign) for sign in self.currency] + (["'%' (12% is 12)"] if self.percent else [])
        if signs:
            parts.append(f"read without {' and '.join(signs)}")
        return ", ".join(parts)


@dataclass(frozen=True)
class NumberGuess:
    """What `guess_number_format` found: the format, the share of cells it reads, and the unread tokens."""

    format: NumberFormat
    share: float
    parsed: int
    hinted: int  # cells that are `MISSING_TOKENS` (placeholders any reader knows), not counted in `share`
    unread: int  # non-empty cells that are not numbers (hinted ones included): the missing values


def is_missing_token(values: pd.Series) -> pd.Series:
    """True where a cell holds a well-known placeholder for "no value" (`?`, `-`, `n.a.`, ...): a hint, not a rule."""
    return values.astype(str).str.strip().str.lower().isin(MISSING_TOKENS)


def detect_decimal(cells: Iterable[str]) -> str | None:
    """The decimal mark the cells whose mark is unambiguous agree on ("." or ","); None without evidence.

    `16884,924`, `0,5` and `1.234,5` vote for a comma; `16884.924`, `0.5` and `1,234.5` for a
    point; `1,234` (either a thousand or one and a bit) does not vote.
    """
    votes = {".": 0, ",": 0}
    for n, cell in enumerate(cells):
        if n >= _VOTE_SAMPLE:
            break
        mark = _decimal_vote(cell)
        if mark:
            votes[mark] += 1
    if votes["."] == votes[","]:
        return None
    return max(votes, key=votes.get)


def _decimal_vote(cell: str) -> str | None:
    text = _strip_decoration(str(cell))
    if not text or not text[-1].isdigit():
        return None
    for mark, other in ((",", "."), (".", ",")):
        if re.fullmatch(rf"\d{{1,3}}(?:{re.escape(other)}\d{{3}})+{re.escape(mark)}\d+", text):
            return mark  # 1.234,5: the last mark is the decimal one
        if re.fullmatch(rf"\d{{1,3}}(?:{re.escape(other)}\d{{3}}){{2,}}", text):
            return mark  # 1.234.567: repeated marks are thousands
        if re.fullmatch(rf"(\d{{4,}}|0|)\{mark}\d+|\d+\{mark}(\d{{1,2}}|\d{{4,}})", text):
            return mark  # 16884,924 / 0,5 / 12,5 / 3,14159: not a group of three after one to three digits
    return None


def _strip_decoration(text: str) -> str:
    text = _SPACES.sub(" ", text.strip())
    text = _CURRENCY.sub(lambda m: m.group(1) or "", text).strip()
    text = text.removesuffix("%").strip()
    return text.lstrip("+-").strip()


def guess_number_format(values: pd.Series, *, decimal: str = ".") -> NumberGuess:
    """The format that reads the most of `values` as numbers, and the share of cells it reads.

    Args:
        values: a column's cells (missing cells are ignored).
        decimal: the file's decimal mark (`detect_decimal`).

    Returns:
        The guess: its format (with the cells it did not read as `missing` tokens and their
        counts), the share of non-empty cells it read (well-known placeholders such as "?" are
        left out of the share), and how many it read.
    """
    text = values.dropna().astype(str).str.replace(_SPACES, " ", regex=True).str.strip()
    text = text[text != ""]
    hinted = is_missing_token(text)
    cells = text[~hinted]
    currency = "".join(sign for sign in CURRENCY_SIGNS if cells.str.contains(sign, regex=False).any())
    percent = bool(cells.str.endswith("%").any())
    best, best_parsed = NumberFormat(decimal), -1
    for thousands in (None, *_thousands_candidates(decimal)):
        candidate = NumberFormat(decimal, thousands, currency, percent)
        parsed = int(_parse_text(cells, candidate).notna().sum())
        if parsed > best_parsed:
            best, best_parsed = candidate, parsed
    numbers = _parse_text(cells, best)
    read = cells[numbers.notna()]
    unread = text[(~hinted & numbers.isna().reindex(text.index, fill_value=False)) | hinted]
    used = NumberFormat(
        decimal,
        best.thousands if best.thousands and _groups(_undecorated(read, best), best).any() else None,
        "".join(sign for sign in currency if read.str.contains(sign, regex=False).any()),
        bool(percent and read.str.endswith("%").any()),
        {str(token): int(count) for token, count in unread.value_counts().head(_MAX_TOKENS).items()},
    )
    share = best_parsed / len(cells) if len(cells) else 0.0
    return NumberGuess(used, share, max(best_parsed, 0), int(hinted.sum()), len(unread))


def _thousands_candidates(decimal: str) -> tuple[str, ...]:
    return ("," if decimal == "." else ".", *_OTHER_THOUSANDS)


def _groups(text: pd.Series, number_format: NumberFormat) -> pd.Series:
    """Cells written with thousands groups (1,234,567.5), which are the only ones a separator is removed from."""
    t, d = re.escape(number_format.thousands), re.escape(number_format.decimal)
    return text.str.fullmatch(rf"[-+]?\d{{1,3}}(?:{t}\d{{3}})+(?:{d}\d*)?")


def parse_numbers(values: pd.Series, number_format: NumberFormat) -> pd.Series:
    """`values` read as float64 with `number_format`; anything that is not a number in it is NaN.

    Cells that are numbers already (a JSON body's 40, a spreadsheet's 30.5) are kept as they
    are; only text is parsed. Infinite values stay infinite (the caller decides about them).
    """
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    cells = values.astype("object")
    is_text = cells.map(lambda v: isinstance(v, str))
    numbers = pd.to_numeric(cells.where(~is_text).map(_plain_number), errors="coerce").astype("float64")
    if is_text.any():
        numbers[is_text] = _parse_text(cells[is_text].astype(str), number_format).to_numpy()
    return numbers


def _plain_number(value):
    return float(value) if isinstance(value, (bool, np.bool_)) else value


def _parse_text(text: pd.Series, number_format: NumberFormat) -> pd.Series:
    if text.empty:
        return pd.Series(np.nan, index=text.index, dtype="float64")
    cells = _undecorated(text, number_format)
    if number_format.thousands:
        cells = cells.where(~_groups(cells, number_format), cells.str.replace(number_format.thousands, "", regex=False))
    other = "." if number_format.decimal == "," else ","
    cells = cells.where(~cells.str.contains(other, regex=False), "")  # the other mark, outside groups: not this format
    cells = cells.where(~cells.str.contains(r"[\s_']", regex=True), "")
    if number_format.decimal == ",":
        cells = cells.str.replace(",", ".", regex=False)
    return pd.to_numeric(cells, errors="coerce").astype("float64")


def _undecorated(text: pd.Series, number_format: NumberFormat) -> pd.Series:
    """Cells without the format's currency signs and percent sign, with a sign glued to its number."""
    cells = text.astype(str).str.replace(_SPACES, " ", regex=True).str.strip()
    if number_format.currency:
        cells = cells.str.replace(_CURRENCY, lambda m: m.group(1) or "", regex=True).str.strip()
    if number_format.percent:
        cells = cells.str.replace(r"\s*%$", "", regex=True)
    return cells.str.replace(_SIGN_SPACE, r"\1", regex=True)


def read_with_format(values: pd.Series, number_format: NumberFormat) -> tuple[pd.Series, pd.Series]:
    """(the cells as numbers, the cells that are neither numbers nor missing in `number_format`).

    Missing means: empty, a token the training file had (`number_format.missing`), or a
    well-known placeholder. The second series holds the other cells, as they were, so the
    caller can say which values it could not read.
    """
    numbers = parse_numbers(values, number_format)
    present = values.notna() & (values.astype(str).str.strip() != "")
    known = set(number_format.missing)
    missing = values.astype(str).str.strip().isin(known) | is_missing_token(values)
    return numbers, values[present & numbers.isna() & ~missing & ~_is_nan_text(values)]


def _is_nan_text(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.lower().isin({"nan", "inf", "-inf", "+inf", "infinity", "-infinity"})
