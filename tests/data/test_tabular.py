"""load_table: every problem a user can fix is a DataError with the fix in one line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tfjourney.data.embedded import EMBEDDED_TABLES
from tfjourney.data.tabular import class_names_of, encode_labels, load_table, split_frame
from tfjourney.errors import DataError


def test_loads_csv_with_fingerprint_and_features(small_csv):
    path = small_csv(n=50)
    table = load_table(path, "charges", drop=["claim", "tier"])
    assert table.features == ["age", "bmi", "num children", "smoker", "region"]
    assert len(table.frame) == 50
    assert table.fingerprint.startswith("sha256:") and len(table.fingerprint) == 7 + 64
    assert table.delimiter == ","
    # "NA" in a string column is read as missing, not as the category "NA"
    assert table.frame["region"].isna().sum() == 2


@pytest.mark.parametrize("sep,name", [(";", "semicolon"), ("\t", "tab")])
def test_delimiter_is_detected(small_csv, sep, name):
    table = load_table(small_csv(n=40, sep=sep), "charges")
    assert table.delimiter == sep
    assert "charges" in table.frame.columns and table.frame.shape[1] == 8
    assert any(name in note for note in table.notes)


def test_semicolon_csv_with_decimal_commas_in_strings_still_splits_right(tmp_path):
    lines = ["city;price;note"] + [f"town{i % 3};{100 + i};a, b and c" for i in range(20)]
    path = tmp_path / "semi.csv"
    path.write_text("\n".join(lines) + "\n")
    table = load_table(path, "price")
    assert table.delimiter == ";" and table.features == ["city", "note"]


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_table(tmp_path / "nope.csv", "y")


def test_unknown_embedded_name_lists_the_names():
    with pytest.raises(DataError) as info:
        load_table("circlez")
    for name in EMBEDDED_TABLES:
        assert name in str(info.value)


@pytest.mark.parametrize("content", [b"", b"\n  \n"])
def test_empty_csv(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match="empty"):
        load_table(path, "y")


def test_header_only_csv(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("a,b,y\n")
    with pytest.raises(DataError, match="no data rows"):
        load_table(path, "y")


def test_target_not_a_column_lists_the_columns(small_csv):
    with pytest.raises(DataError) as info:
        load_table(small_csv(n=20), "price")
    message = str(info.value)
    assert "'price'" in message and "age, bmi, num children, smoker, region, charges" in message


def test_target_with_missing_values_drops_rows_and_warns_with_count(small_csv, frame_maker):
    frame = frame_maker(40)
    frame.loc[[3, 7, 11], "charges"] = np.nan
    with pytest.warns(UserWarning, match="dropped 3 row"):
        table = load_table(small_csv(frame=frame), "charges")
    assert len(table.frame) == 37 and table.y.notna().all()
    assert any("dropped 3" in note for note in table.notes)


def test_regression_target_not_numeric(small_csv):
    with pytest.raises(DataError, match="not numeric") as info:
        load_table(small_csv(n=20), "smoker", kind="regression")
    assert "classification" in str(info.value)


def test_classification_target_with_one_class(small_csv, frame_maker):
    frame = frame_maker(20)
    frame["claim"] = "yes"
    with pytest.raises(DataError, match="only one class"):
        load_table(small_csv(frame=frame), "claim", kind="classification")


def test_class_with_a_single_example(small_csv, frame_maker):
    frame = frame_maker(30)
    frame["claim"] = ["yes"] * 15 + ["no"] * 14 + ["maybe"]
    with pytest.raises(DataError, match="single example") as info:
        load_table(small_csv(frame=frame), "claim", kind="classification")
    assert "'maybe'" in str(info.value)


def test_classification_target_of_fractions_is_refused(small_csv):
    with pytest.raises(DataError, match="regression"):
        load_table(small_csv(n=30, missing=False), "bmi", kind="classification")


def test_non_utf8_csv_suggests_encoding_and_latin1_works(small_csv, frame_maker):
    frame = frame_maker(30)
    frame["region"] = frame["region"].replace({"northeast": "nordést"})
    path = small_csv(frame=frame, encoding="latin-1")
    with pytest.raises(DataError, match="`encoding`") as info:
        load_table(path, "charges")
    assert "\n" not in str(info.value)
    table = load_table(path, "charges", encoding="latin-1")
    assert "nordést" in set(table.frame["region"].dropna())


def test_unknown_encoding(small_csv):
    with pytest.raises(DataError, match="unknown encoding"):
        load_table(small_csv(n=20), "charges", encoding="klingon")


def test_drop_checks_columns(small_csv):
    path = small_csv(n=20)
    with pytest.raises(DataError, match="not in the data: ident"):
        load_table(path, "charges", drop=["ident"])
    with pytest.raises(DataError, match="removes the target"):
        load_table(path, "charges", drop=["charges"])
    assert "smoker" not in load_table(path, "charges", drop=["smoker"]).features


def test_too_few_rows(small_csv):
    with pytest.raises(DataError, match="at least 10"):
        load_table(small_csv(n=8), "charges")


@pytest.mark.parametrize("name", sorted(EMBEDDED_TABLES))
def test_embedded_tables_load_with_their_default_target(name):
    spec = EMBEDDED_TABLES[name]
    kind = "regression" if spec.task == "regression" else "classification"
    table = load_table(name, kind=kind)
    assert table.target == spec.target and table.source == f"embedded:{name}"
    if spec.task != "regression":
        n_classes = len(class_names_of(table.y))
        assert n_classes == (2 if spec.task == "binary" else 3)


def test_split_is_seeded_and_stratified():
    frame = pd.DataFrame({"x": np.arange(100), "y": ["a"] * 80 + ["b"] * 20})
    train, test = split_frame(frame, 0.2, seed=3, stratify=frame["y"])
    again, _ = split_frame(frame, 0.2, seed=3, stratify=frame["y"])
    assert len(test) == 20 and (test["y"] == "b").sum() == 4
    assert train["x"].tolist() == again["x"].tolist()
    with pytest.raises(DataError, match=r"in \(0, 1\)"):
        split_frame(frame, 1.5, seed=3)


def test_class_names_and_labels():
    y = pd.Series([2.0, 0.0, 1.0, 2.0])
    names = class_names_of(y)
    assert names == ["0", "1", "2"]
    assert encode_labels(y, names).tolist() == [2, 0, 1, 2]
    text = pd.Series(["yes", "no", "yes"])
    assert class_names_of(text) == ["no", "yes"]
    assert encode_labels(text, ["no", "yes"]).tolist() == [1, 0, 1]
