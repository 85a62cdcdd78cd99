"""Column roles: every role the inference returns, placeholders, non-finite values, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tfjourney.blueprints import get_blueprint
from tfjourney.data.columns import ColumnThresholds, clean_features, infer_roles, parse_column_types, to_days
from tfjourney.data.tabular import load_table
from tfjourney.errors import DataError, TfjourneyNotice, TfjourneyWarning

N = 80
LIMITS = ColumnThresholds.from_config(get_blueprint("regression").resolve())


def messy_frame(n: int = N, seed: int = 0) -> pd.DataFrame:
    """One column of every role, plus a target."""
    rng = np.random.default_rng(seed)
    words = np.array(["great", "service", "late", "delivery", "friendly", "staff", "broken", "box", "would", "buy", "again"])
    return pd.DataFrame(
        {
            "customer_id": [f"C{rng.integers(10**9):09d}" for _ in range(n)],
            "row": np.arange(1, n + 1),
            "age": rng.integers(18, 65, n),
            "smoker": rng.choice(["yes", "no"], n),
            "city": [f"city {i % 60}" for i in range(n)],
            "signup": pd.date_range("2021-01-01", periods=n, freq="7D").strftime("%Y-%m-%d"),
            "notes": [" ".join(rng.choice(words, 6)) for _ in range(n)],
            "country": "NZ",
            "fax": np.nan,
            "charges": rng.normal(1000, 100, n),
        }
    )


def _roles(frame: pd.DataFrame, **kwargs) -> dict[str, str]:
    columns = [c for c in frame.columns if c != "charges"]
    roles, _ = infer_roles(frame, columns, thresholds=LIMITS, **kwargs)
    return {r.name: r.role for r in roles}


def test_every_role_is_inferred_with_a_notice_for_each_non_obvious_one():
    frame = messy_frame()
    columns = [c for c in frame.columns if c != "charges"]
    roles, notices = infer_roles(frame, columns, thresholds=LIMITS)
    assert {r.name: r.role for r in roles} == {
        "customer_id": "identifier",
        "row": "identifier",
        "age": "numeric",
        "smoker": "categorical",
        "city": "high_cardinality",
        "signup": "datetime",
        "notes": "text",
        "country": "constant",
        "fax": "empty",
    }
    noticed = {n.split("'")[1] for n in notices}
    assert noticed == {"customer_id", "row", "city", "signup", "notes", "country", "fax"}  # not age, not smoker
    assert all("\n" not in n for n in notices)
    assert next(r for r in roles if r.name == "signup").date_format == "%Y-%m-%d"


def test_unique_numbers_that_are_measurements_stay_numeric():
    frame = pd.DataFrame({"income": np.random.default_rng(1).normal(5e4, 1e4, N).round(2), "charges": 1.0})
    assert _roles(frame) == {"income": "numeric"}


def test_ids_named_like_ids_are_identifiers_even_when_unordered():
    ids = np.random.default_rng(2).permutation(np.arange(842302, 842302 + N * 7, 7))
    frame = pd.DataFrame({"CustomerID": ids, "patient_no": ids + 1, "charges": 1.0})
    assert _roles(frame) == {"CustomerID": "identifier", "patient_no": "identifier"}


@pytest.mark.parametrize("token", ["?", "-", "n.a.", "missing", "N/A", " ? "])
def test_placeholder_tokens_make_a_numeric_column_with_missing_values(token):
    bmi = np.round(np.random.default_rng(3).normal(30, 5, N), 1).astype(object)
    bmi[[3, 10, 20]] = token
    frame = pd.DataFrame({"bmi": bmi, "charges": 1.0})
    roles, notices = infer_roles(frame, ["bmi"], thresholds=LIMITS)
    assert roles[0].role == "numeric"
    assert f"{token.strip()!r} in 3 rows read as missing" in notices[0]
    cleaned, _ = clean_features(frame, roles)
    assert cleaned["bmi"].dtype == "float64" and cleaned["bmi"].isna().sum() == 3


def test_non_finite_features_become_missing_with_a_notice(tmp_path):
    frame = messy_frame()[["age", "charges"]].astype({"age": "float64"})
    frame.loc[[1, 2], "age"] = [np.inf, -np.inf]
    path = tmp_path / "inf.csv"
    text = frame.to_csv(index=False).replace("inf", "1e400", 1)  # an overflow reads as inf too
    path.write_text(text)
    with pytest.warns(TfjourneyNotice, match="2 infinite"):
        table = load_table(path, "charges", thresholds=LIMITS)
    assert table.frame["age"].isna().sum() == 2 and np.isfinite(table.frame["age"].dropna()).all()


def test_non_finite_and_placeholder_targets_drop_their_rows_with_a_warning(tmp_path):
    frame = messy_frame()[["age", "charges"]].astype({"charges": object})
    frame.loc[[0, 1, 2], "charges"] = ["inf", "?", "-inf"]
    path = tmp_path / "target.csv"
    frame.to_csv(path, index=False)
    with pytest.warns(TfjourneyWarning, match="dropped 3 row"):
        table = load_table(path, "charges", thresholds=LIMITS)
    assert len(table.frame) == N - 3 and np.isfinite(table.frame["charges"]).all()


def test_unparseable_dates_are_missing_and_counted():
    frame = messy_frame()[["signup", "charges"]]
    frame.loc[[4, 5], "signup"] = ["soon", "31/31/2020"]
    roles, notices = infer_roles(frame, ["signup"], thresholds=LIMITS)
    assert roles[0].role == "datetime"
    assert "2 value(s) that are not dates read as missing" in notices[0]
    days = to_days(frame["signup"], roles[0].date_format)
    assert days.isna().sum() == 2 and days.iloc[0] == (pd.Timestamp("2021-01-01") - pd.Timestamp("1970-01-01")).days


def test_column_types_override_and_keep_force_a_column_in():
    frame = messy_frame()
    roles = _roles(frame, overrides={"city": "categorical", "age": "text"}, keep=["customer_id", "country"])
    assert roles["city"] == "categorical" and roles["age"] == "text"
    assert roles["customer_id"] == "high_cardinality" and roles["country"] == "categorical"
    assert roles["row"] == "identifier"  # not kept


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "text,fragment",
    [
        ("nope=numeric", "not a feature column; the feature columns are: age"),
        ("age=number", "unknown role 'number'; choose one of: numeric, categorical"),
        ("age", "is not COLUMN=ROLE"),
    ],
)
def test_bad_column_types_are_one_line_errors(text, fragment):
    with pytest.raises(DataError, match=fragment) as info:
        parse_column_types(text, ["age", "smoker"])
    assert "\n" not in str(info.value)


def test_all_empty_column_is_dropped_and_keep_unknown_is_an_error(tmp_path):
    path = tmp_path / "t.csv"
    messy_frame().to_csv(path, index=False)
    with pytest.warns(TfjourneyNotice, match="'fax' is empty; left out"):
        table = load_table(path, "charges", thresholds=LIMITS)
    assert "fax" not in table.features and "customer_id" not in table.features
    with pytest.raises(DataError, match="`keep` names 'nope'"):
        load_table(path, "charges", thresholds=LIMITS, keep=["nope"])
    with pytest.raises(DataError, match="`keep` fax: the column is empty"):
        load_table(path, "charges", thresholds=LIMITS, keep=["fax"])


def test_a_table_of_only_left_out_columns_says_how_to_use_one(tmp_path):
    path = tmp_path / "ids.csv"
    messy_frame()[["customer_id", "country", "charges"]].to_csv(path, index=False)
    with pytest.raises(DataError, match="no usable feature columns.*name one in `keep`"):
        load_table(path, "charges", thresholds=LIMITS)
