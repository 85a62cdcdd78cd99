"""Raw rows in the training file's format predict the same through `predict` (CSV, TSV, Excel, Parquet) and `serve`,
and both accept the columns training left out."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tfjourney.blueprints import MISSING_TOKENS
from tfjourney.cli import main
from tfjourney.predict import predict
from tfjourney.serve.app import create_app

N = 160


def _token(rng: np.random.Generator) -> str:
    while True:
        token = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), int(rng.integers(3, 7))))
        if token not in MISSING_TOKENS:
            return token


@pytest.fixture(scope="module")
def raw_files(tmp_path_factory, frame_maker):
    """Two training files written as people write them, and the token hidden in the first."""
    folder = tmp_path_factory.mktemp("raw")
    rng = np.random.default_rng(23)
    token = _token(rng)
    money = frame_maker(N, seed=23).drop(columns=["claim", "tier"])
    money["bmi"] = money["bmi"].astype(object)
    money.loc[rng.choice(N, N // 20, replace=False), "bmi"] = token
    money["charges"] = [f"${c:,.2f}" for c in money["charges"]]
    money["discount"] = [f"{d}%" for d in rng.integers(0, 40, N)]
    money["customer_ref"] = [f"CR-{i:05d}" for i in rng.permutation(N)]
    money["branch"] = "main street"
    money["comment"] = rng.choice(["call back", "ok"], N)
    money.to_csv(folder / "money.csv", index=False)
    euro = frame_maker(N, seed=24).drop(columns=["claim", "tier"])
    euro.to_csv(folder / "euro.csv", sep=";", decimal=",", index=False)
    return folder, token


def _train(folder, name: str, *extra: str):
    out = folder / f"run-{name}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["train", "regression", str(folder / f"{name}.csv"), "--target", "charges", "--out", str(out),
                     "--epochs", "2", "--seed", "3", "-q", *extra]) == 0
    return out


@pytest.fixture(scope="module")
def money_run(raw_files):
    return _train(raw_files[0], "money", "--drop", "comment")


@pytest.fixture(scope="module")
def euro_run(raw_files):
    return _train(raw_files[0], "euro")


def _raw_rows(path, sep: str, rows: list[int]) -> pd.DataFrame:
    """The file's rows exactly as written: every cell the text a user would paste."""
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False).iloc[rows].reset_index(drop=True)


def _predicted(run, path) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return predict([str(run), str(path)]).table["predicted_charges"].to_numpy()


def _served(run, instances: list[dict]):
    with warnings.catch_warnings(), TestClient(create_app([run])) as client:
        warnings.simplefilter("ignore")
        return client.post(f"/v1/models/{run.name}:predict", json={"instances": instances})


def test_the_run_records_how_its_file_wrote_numbers(money_run, euro_run, raw_files):
    money = json.loads((money_run / "run.json").read_text())["data"]
    columns = {c["name"]: c for c in money["columns"]}
    assert columns["bmi"]["kind"] == "numeric" and columns["bmi"]["number_format"]["missing"] == {raw_files[1]: N // 20}
    assert columns["discount"]["number_format"]["percent"] and money["target_format"]["currency"] == "$"
    assert not columns["customer_ref"]["used"] and not columns["branch"]["used"] and money["dropped"] == ["comment"]
    assert any(f"{raw_files[1]!r} in {N // 20} rows read as missing" in note for note in money["notes"])
    euro = json.loads((euro_run / "run.json").read_text())["data"]
    assert (euro["delimiter"], euro["decimal"]) == (";", ",")


def test_predict_in_every_file_format_equals_serve_on_the_raw_rows(money_run, raw_files, tmp_path):
    folder, token = raw_files
    raw = _raw_rows(folder / "money.csv", ",", list(range(40)))
    assert (raw["bmi"] == token).any() and raw["charges"].str.startswith("$").all()  # the rows hold every oddity
    raw.to_csv(tmp_path / "rows.csv", index=False)
    raw.to_csv(tmp_path / "rows.tsv", sep="\t", index=False)
    raw.to_excel(tmp_path / "rows.xlsx", index=False)
    raw.to_parquet(tmp_path / "rows.parquet", index=False)
    expected = _predicted(money_run, tmp_path / "rows.csv")
    for suffix in ("tsv", "xlsx", "parquet"):
        np.testing.assert_allclose(_predicted(money_run, tmp_path / f"rows.{suffix}"), expected, rtol=1e-6, err_msg=suffix)
    answer = _served(money_run, raw.to_dict(orient="records"))  # with customer_ref, branch, comment and charges: left out, accepted
    assert answer.status_code == 200, answer.text
    np.testing.assert_allclose(np.ravel(answer.json()["predictions"]), expected, rtol=1e-5)
    token_rows = (raw["bmi"] == token).to_numpy()
    as_missing = raw.assign(bmi=np.where(token_rows, "", raw["bmi"]))
    np.testing.assert_allclose(np.ravel(_served(money_run, as_missing.to_dict(orient="records")).json()["predictions"]), expected, rtol=1e-5)


def test_decimal_comma_rows_predict_the_same_through_predict_and_serve(euro_run, raw_files, tmp_path):
    folder, _ = raw_files
    raw = _raw_rows(folder / "euro.csv", ";", list(range(30)))
    assert raw["bmi"].str.contains(",").any()
    rows = tmp_path / "rows.csv"
    raw.to_csv(rows, sep=";", index=False)
    expected = _predicted(euro_run, rows)
    answer = _served(euro_run, raw.to_dict(orient="records"))
    assert answer.status_code == 200, answer.text
    np.testing.assert_allclose(np.ravel(answer.json()["predictions"]), expected, rtol=1e-5)
    numbers = _served(euro_run, json.loads(pd.read_csv(rows, sep=";", decimal=",").to_json(orient="records")))  # JSON numbers
    np.testing.assert_allclose(np.ravel(numbers.json()["predictions"]), expected, rtol=1e-5)


def test_only_names_the_run_never_saw_are_refused(money_run, raw_files):
    raw = _raw_rows(raw_files[0] / "money.csv", ",", [0, 1]).to_dict(orient="records")
    answer = _served(money_run, [{**row, "shoe_size": "42"} for row in raw])
    assert answer.status_code == 400 and "unknown input 'shoe_size'" in answer.json()["error"]
    columns = {key: [row[key] for row in raw] for key in raw[0]}
    with warnings.catch_warnings(), TestClient(create_app([money_run])) as client:
        warnings.simplefilter("ignore")
        by_columns = client.post(f"/v1/models/{money_run.name}:predict", json={"inputs": columns})
    assert by_columns.status_code == 200, by_columns.text


def test_a_value_that_is_no_number_in_the_files_format_is_named(money_run, raw_files, tmp_path):
    raw = _raw_rows(raw_files[0] / "money.csv", ",", [0, 1, 2]).assign(bmi=["31.5", "unheard-of", "27"])
    raw.to_csv(tmp_path / "rows.csv", index=False)
    with pytest.warns(UserWarning, match="column 'bmi' has 1 value.*'unheard-of'.*read as missing"):
        predict([str(money_run), str(tmp_path / "rows.csv")])
    answer = _served(money_run, raw.to_dict(orient="records"))
    assert answer.status_code == 400 and "'bmi'" in answer.json()["error"]  # the API refuses what predict reads as missing


def test_evaluate_reads_a_dollar_target_as_training_did(money_run, raw_files, tmp_path):
    from tfjourney.predict import evaluate

    raw = _raw_rows(raw_files[0] / "money.csv", ",", list(range(40)))
    raw.to_csv(tmp_path / "rows.csv", index=False)
    truth = raw["charges"].str.replace("[$,]", "", regex=True).astype(float).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metrics = evaluate(str(money_run), str(tmp_path / "rows.csv"))
    assert metrics["mae"] == pytest.approx(np.mean(np.abs(_predicted(money_run, tmp_path / "rows.csv") - truth)), rel=1e-5)
