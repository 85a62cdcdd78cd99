"""Table files: delimiter and decimal guesses with overrides, .tsv / .xlsx / .parquet, and a missing extra in one line."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from tfjourney.blueprints import get_blueprint
from tfjourney.cli import main
from tfjourney.data.columns import ColumnThresholds
from tfjourney.data.table_files import read_table_file
from tfjourney.data.tabular import load_table
from tfjourney.errors import DataError

LIMITS = ColumnThresholds.from_config(get_blueprint("regression").resolve())


def test_decimal_and_delimiter_overrides_win_over_the_guess(tmp_path):
    # "1,234" alone is ambiguous and guessed as a point-decimal file's thousand; --decimal , says it is 1.234
    path = tmp_path / "pipes.txt"
    rows = ["x|y"] + [f"{1 + i % 7},{100 + i:03d}|{i}" for i in range(30)]
    path.write_text("\n".join(rows) + "\n")
    guessed = read_table_file(path)
    assert guessed.delimiter == "|" and guessed.decimal == "."
    forced = read_table_file(path, decimal=",")
    assert forced.frame["x"].iloc[1] == pytest.approx(2.101) and forced.notes == [n for n in forced.notes if "decimal" not in n]
    assert any("pipe-separated" in n for n in guessed.notes)
    assert read_table_file(path, sep="|").notes == []  # a value the user gave is not a guess: no note


@pytest.mark.parametrize("sep, message", [("ab", "not a delimiter"), ("x", "not a delimiter")])
def test_bad_sep_and_decimal_are_one_line_errors(tmp_path, sep, message):
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match=message):
        read_table_file(path, sep=sep)
    with pytest.raises(DataError, match="'.' .* or ','"):
        read_table_file(path, decimal=";")


def test_tsv_reads_with_tabs_even_when_commas_abound(tmp_path, frame_maker):
    frame = frame_maker(40, seed=1, missing=False)
    frame["note"] = "a, b, c"
    path = tmp_path / "data.tsv"
    frame.to_csv(path, sep="\t", index=False)
    read = read_table_file(path)
    assert read.delimiter == "\t" and list(read.frame.columns) == list(frame.columns)


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_excel_and_parquet_round_trip_to_the_same_table_as_csv(tmp_path, frame_maker, suffix):
    frame = frame_maker(60, seed=2)
    frame["charges"] = [f"${c:,.2f}" for c in frame["charges"]]  # numbers stored as text, as spreadsheets often hold them
    csv_path, other = tmp_path / "t.csv", tmp_path / f"t{suffix}"
    frame.to_csv(csv_path, index=False)
    if suffix == ".xlsx":
        frame.to_excel(other, index=False)
    else:
        frame.to_parquet(other, index=False)
    from_csv = load_table(csv_path, "charges", drop=["claim", "tier"], thresholds=LIMITS)
    from_other = load_table(other, "charges", drop=["claim", "tier"], thresholds=LIMITS)
    assert from_other.features == from_csv.features
    np.testing.assert_allclose(from_other.frame["charges"], from_csv.frame["charges"])
    np.testing.assert_allclose(from_other.frame["bmi"], from_csv.frame["bmi"])
    assert from_other.fingerprint.startswith("sha256:") and from_other.fingerprint != from_csv.fingerprint


@pytest.mark.parametrize("suffix, module, extra", [(".xlsx", "openpyxl", "excel"), (".parquet", "pyarrow", "parquet")])
def test_a_missing_extra_is_one_line_naming_the_pip_command(tmp_path, monkeypatch, capsys, suffix, module, extra):
    path = tmp_path / f"t{suffix}"
    path.write_bytes(b"not really")
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if it were not installed
    with pytest.raises(DataError, match=rf"needs {module}; install it with: pip install 'tfjourney\[{extra}\]'"):
        read_table_file(path)
    assert main(["train", "regression", str(path), "--target", "y"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"tfjourney[{extra}]" in err


def test_a_broken_workbook_and_an_old_xls_name_the_file_and_the_fix(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK not a zip")
    with pytest.raises(DataError, match="could not be read as an Excel workbook.*save it as CSV"):
        read_table_file(broken)
    (tmp_path / "old.xls").write_bytes(b"x")
    with pytest.raises(DataError, match="save it as .xlsx"):
        read_table_file(tmp_path / "old.xls")


def test_cli_sep_and_decimal_reach_the_reader(tmp_path, frame_maker, monkeypatch):
    seen = {}

    def fake_train(kind, data, **options):
        seen.update(options)
        raise DataError("stop here")

    monkeypatch.setattr("tfjourney.pipelines.tabular.train_tabular", fake_train)
    path = tmp_path / "a.csv"
    frame_maker(20).to_csv(path, index=False)
    assert main(["train", "regression", str(path), "--target", "charges", "--sep", ";", "--decimal", ",", "--encoding", "latin-1"]) == 2
    assert (seen["sep"], seen["decimal"], seen["encoding"]) == (";", ",", "latin-1")


def test_a_wrong_decimal_override_names_the_right_one(tmp_path, frame_maker):
    path = tmp_path / "euro.csv"
    frame_maker(40, seed=6, missing=False).to_csv(path, sep=";", decimal=",", index=False)
    with pytest.raises(DataError, match="not numeric with decimal mark '.'.*pass `decimal` , to read them"):
        load_table(path, "charges", decimal=".", thresholds=LIMITS)
