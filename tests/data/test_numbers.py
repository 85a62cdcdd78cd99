"""Numbers as people write them: a column is numeric by the evidence of its cells, not by a token list."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tfjourney.blueprints import MISSING_TOKENS, get_blueprint
from tfjourney.data.columns import ColumnThresholds, clean_features, infer_roles, parse_raw_frame
from tfjourney.data.numbers import NumberFormat, detect_decimal, guess_number_format, parse_numbers
from tfjourney.data.tabular import load_table

LIMITS = ColumnThresholds.from_config(get_blueprint("regression").resolve())


def random_token(rng: np.random.Generator) -> str:
    """A placeholder no list in the code can know: random letters (and maybe a digit or a symbol)."""
    while True:
        token = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz#*/_"), int(rng.integers(2, 8))))
        if token.lower() not in MISSING_TOKENS and not token.isdigit():
            return token


@pytest.mark.parametrize("seed", range(5))
def test_a_random_unlisted_token_in_five_percent_of_a_column_is_missing_and_named(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(80, 300))
    token = random_token(rng)
    bmi = np.round(rng.normal(30, 5, n), 2).astype(object)
    hit = rng.choice(n, max(n // 20, 1), replace=False)
    bmi[hit] = token
    frame = pd.DataFrame({"bmi": bmi, "charges": 1.0})
    roles, notices = infer_roles(frame, ["bmi"], thresholds=LIMITS)
    assert roles[0].role == "numeric"
    assert roles[0].number_format["missing"] == {token: len(hit)}
    assert f"{token!r} in {len(hit)} rows read as missing" in notices[0]
    cleaned, _ = clean_features(frame, roles)
    assert cleaned["bmi"].isna().sum() == len(hit)
    np.testing.assert_allclose(cleaned["bmi"].dropna().to_numpy(), np.delete(bmi, hit).astype(float))


def test_below_the_share_a_column_stays_text_and_the_share_is_a_blueprint_row():
    rng = np.random.default_rng(1)
    values = np.round(rng.normal(30, 5, 100), 1).astype(object)
    values[:15] = [random_token(rng) for _ in range(15)]  # 85% numbers: under 0.9
    frame = pd.DataFrame({"x": values})
    assert infer_roles(frame, ["x"], thresholds=LIMITS)[0][0].role != "numeric"
    looser = ColumnThresholds.from_config(get_blueprint("regression").resolve(numeric_share=0.8))
    assert infer_roles(frame, ["x"], thresholds=looser)[0][0].role == "numeric"
    assert get_blueprint("classification").defaults()["numeric_share"] == LIMITS.numeric_share


@pytest.mark.parametrize(
    "cells, decimal",
    [
        (["16884,924", "1725,5523", "27,9", "1,234"], ","),
        (["16.884,92", "1.725,55", "884"], ","),
        (["1.234.567", "12"], ","),
        (["16884.924", "0.5", "1,234"], "."),
        (["$1,234.56", "$99.00"], "."),
        (["1,234", "12", "abc"], None),  # "1,234" is a thousand or one and a bit: no evidence
    ],
)
def test_the_decimal_mark_is_read_from_unambiguous_cells(cells, decimal):
    assert detect_decimal(cells) == decimal


def test_currency_thousands_and_percent_are_read_and_recorded():
    rng = np.random.default_rng(4)
    amounts = rng.uniform(10, 50_000, 60).round(2)
    guess = guess_number_format(pd.Series([f"${a:,.2f}" for a in amounts]), decimal=".")
    assert guess.share == 1.0 and guess.format.thousands == "," and guess.format.currency == "$"
    np.testing.assert_allclose(parse_numbers(pd.Series([f"${a:,.2f}" for a in amounts]), guess.format), amounts)
    percent = guess_number_format(pd.Series(["12%", "5 %", "-3%", "100%"]), decimal=".")
    assert percent.format.percent and parse_numbers(pd.Series(["12%", "-3%"]), percent.format).tolist() == [12.0, -3.0]
    euro = guess_number_format(pd.Series(["16.884,92 €", "1.725,55 €", "884,10 €"]), decimal=",")
    assert (euro.format.thousands, euro.format.currency) == (".", "€")
    assert parse_numbers(pd.Series(["16.884,92 €", "-5,5 €"]), euro.format).tolist() == [16884.92, -5.5]


def test_a_cell_in_the_other_format_is_not_misread():
    comma = NumberFormat(decimal=",", thousands=".")
    assert parse_numbers(pd.Series(["1.234", "1.5", "1,5", "12.345.678"]), comma).tolist()[0] == 1234.0
    parsed = parse_numbers(pd.Series(["1.234", "1.5", "1,5", "12.345.678"]), comma).tolist()
    assert np.isnan(parsed[1]) and parsed[2:] == [1.5, 12345678.0]
    point = NumberFormat(decimal=".", thousands=",")
    parsed = parse_numbers(pd.Series(["1,234", "1,5", "1.5", 7, None]), point).tolist()
    assert parsed[0] == 1234.0 and np.isnan(parsed[1]) and parsed[2:4] == [1.5, 7.0] and np.isnan(parsed[4])


def test_a_semicolon_file_with_decimal_commas_reads_as_numbers_with_notes(tmp_path, frame_maker):
    frame = frame_maker(120, seed=3)
    path = tmp_path / "euro.csv"
    frame.to_csv(path, sep=";", decimal=",", index=False)
    table = load_table(path, "charges", drop=["claim", "tier"], thresholds=LIMITS)
    assert (table.delimiter, table.decimal) == (";", ",")
    assert {r.name: r.role for r in table.roles}["bmi"] == "numeric"
    np.testing.assert_allclose(table.frame["charges"], frame["charges"])
    np.testing.assert_allclose(table.frame["bmi"], frame["bmi"])
    assert any("semicolon" in n and "`sep`" in n for n in table.notes)
    assert any("decimal commas" in n and "`decimal`" in n for n in table.notes)


def test_dollar_charges_and_percent_features_train_as_numbers(tmp_path, frame_maker):
    frame = frame_maker(120, seed=5).drop(columns=["claim", "tier"])
    discount = np.random.default_rng(5).integers(0, 30, 120)
    raw = frame.assign(charges=[f"${c:,.2f}" for c in frame["charges"]], discount=[f"{d}%" for d in discount])
    path = tmp_path / "dollars.csv"
    raw.to_csv(path, index=False)
    table = load_table(path, "charges", thresholds=LIMITS)
    np.testing.assert_allclose(table.frame["charges"], frame["charges"].round(2))
    assert table.target_format.currency == "$" and table.target_format.thousands == ","
    assert any("target 'charges' read as numbers" in n for n in table.notes)
    assert {r.name: r.role for r in table.roles}["discount"] == "numeric" and (table.frame["discount"] == discount).all()


def test_a_target_with_a_random_token_drops_those_rows_and_names_the_token(tmp_path, frame_maker):
    rng = np.random.default_rng(8)
    token = random_token(rng)
    frame = frame_maker(100, seed=8)[["age", "smoker", "charges"]].astype({"charges": object})
    frame.loc[[3, 30, 60], "charges"] = token
    path = tmp_path / "target.csv"
    frame.to_csv(path, index=False)
    table = load_table(path, "charges", thresholds=LIMITS)
    assert len(table.frame) == 97 and table.target_format.missing == {token: 3}
    assert any(f"{token!r} in 3 rows read as missing" in n for n in table.notes)


def test_parse_raw_frame_reads_rows_as_training_did_and_leaves_unknown_cells_for_the_caller():
    columns = [
        {"name": "bmi", "kind": "numeric", "number_format": NumberFormat(",", ".", "", False, {"tbd": 4}).to_dict()},
        {"name": "region", "kind": "categorical"},
        {"name": "ref", "kind": "identifier", "used": False},
    ]
    frame = pd.DataFrame({"bmi": ["27,9", "1.027,5", "tbd", None, 31.5, "oops"], "region": ["NA", "north", None, "x", "y", "z"], "ref": list("abcdef")})
    parsed = parse_raw_frame(frame, columns)
    assert parsed["bmi"].tolist()[:2] == [27.9, 1027.5] and pd.isna(parsed["bmi"].iloc[2]) and pd.isna(parsed["bmi"].iloc[3])
    assert parsed["bmi"].iloc[4] == 31.5 and parsed["bmi"].iloc[5] == "oops"  # not a number, not a known token: the caller says so
    assert pd.isna(parsed["region"].iloc[0]) and parsed["region"].iloc[1] == "north"  # "NA" means what it meant in the CSV
    assert parsed["ref"].tolist() == list("abcdef")
