"""A messy real-world table end to end: roles in run.json and the report, treatments inside the model,
predict on raw rows with every new column kind, gradient boosting beside the network, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tfjourney.cli import main
from tfjourney.data.tabular import read_csv
from tfjourney.pipelines.tables import predict_tabular, run_plans
from tfjourney.pipelines.tabular import train_tabular
from tfjourney.training.table_data import predict_rows
from tfjourney.runs import load_run

N = 160
FAST = ("--epochs", "3", "--hidden", "8", "--seed", "3")


def messy(n: int = N, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = np.array(["late", "friendly", "broken", "cheap", "quick", "again", "never", "box"])
    age = rng.integers(18, 65, n).astype(object)
    age[[5, 9]] = "?"
    bmi = rng.normal(30, 4, n)
    bmi[7] = np.inf
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{rng.integers(10**9):09d}" for _ in range(n)],
            "age": age,
            "bmi": bmi,
            "smoker": rng.choice(["yes", "no"], n),
            "city": [f"town {i % 70}" for i in range(n)],
            "signup": pd.date_range("2020-01-01", periods=n, freq="5D").strftime("%Y-%m-%d"),
            "review": [" ".join(rng.choice(words, 5)) for _ in range(n)],
            "plan": "basic",
            "fax": np.nan,
        }
    )
    smoker = frame["smoker"].eq("yes").to_numpy()
    frame["charges"] = 300.0 * pd.to_numeric(frame["age"], errors="coerce").fillna(40) + 20000.0 * smoker + rng.normal(0, 500, n)
    return frame


@pytest.fixture(scope="module")
def messy_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("messy")
    csv = folder / "messy.csv"
    messy().to_csv(csv, index=False)
    out = folder / "run"
    # --keep signup: on 160 rows gradient boosting cannot show the dates help, so they would be left out
    assert main(["train", "regression", str(csv), "--target", "charges", "--keep", "signup", "--out", str(out), *FAST]) == 0
    return out


def test_roles_and_treatments_are_recorded_and_reported(messy_run):
    record = json.loads((messy_run / "run.json").read_text())
    columns = {c["name"]: c for c in record["data"]["columns"]}
    assert {name: c["role"] for name, c in columns.items()} == {
        "customer_id": "identifier", "age": "numeric", "bmi": "numeric", "smoker": "categorical", "city": "high_cardinality",
        "signup": "datetime", "review": "text", "plan": "constant", "fax": "empty",
    }
    assert [n for n, c in columns.items() if not c["used"]] == ["customer_id", "plan", "fax"]
    assert "hashed into 64 buckets" in columns["city"]["treatment"]
    assert "day of year (sin/cos)" in columns["signup"]["treatment"]
    assert "bag of words" in columns["review"]["treatment"]
    notes = record["data"]["notes"]
    assert any("'customer_id'" in note and "like an ID" in note for note in notes)
    assert any("'age'" in note and "'?' in 2 rows read as missing" in note for note in notes)  # "?" -> missing, filled in the model
    assert any("'bmi'" in note and "1 infinite" in note for note in notes)
    budget = record["data"]["budget"]
    assert budget["batch_size"] == 32 and not budget["batch_grew"]
    metrics = json.loads((messy_run / "metrics.json").read_text())
    assert np.isfinite(metrics["gbm_mae"]) and np.isfinite(metrics["mae"])
    report = (messy_run / "report.html").read_text()
    assert "gradient boosting" in report and "high-cardinality" in report and "9 features, 6 used" in report


def test_predict_takes_raw_rows_with_every_new_column_kind(messy_run, tmp_path):
    raw = messy(12, seed=5).drop(columns=["customer_id", "plan", "fax", "charges"])  # left-out columns are not needed
    raw.loc[0, "city"] = "a town never seen"
    raw.loc[1, "signup"] = "not a date"
    raw["bmi"] = raw["bmi"].astype(object)
    raw.loc[2, "bmi"] = "1e400"
    raw.loc[4, "bmi"] = "?"
    raw.loc[3, "review"] = "completely new words here"
    csv = tmp_path / "raw.csv"
    raw.to_csv(csv, index=False)
    predicted = predict_tabular(messy_run, csv)["predicted_charges"].to_numpy()
    assert predicted.shape == (12,) and np.isfinite(predicted).all()
    run = load_run(messy_run)
    frame, _ = read_csv(csv)
    np.testing.assert_allclose(predicted, predict_rows(run.load_model(), frame, run_plans(run)).ravel(), rtol=1e-5)
    preds_csv = tmp_path / "preds.csv"
    assert main(["predict", str(messy_run), str(csv), "--output", str(preds_csv)]) == 0
    np.testing.assert_allclose(pd.read_csv(preds_csv)["predicted_charges"], predicted, rtol=1e-4)


def test_dates_that_do_not_help_are_left_out_with_the_evidence(tmp_path):
    frame = messy(200)[["age", "smoker", "signup", "charges"]]
    frame["signup"] = np.random.default_rng(1).permutation(frame["signup"].to_numpy())
    csv = tmp_path / "noise_dates.csv"
    frame.to_csv(csv, index=False)
    run = train_tabular("regression", csv, target="charges", out=tmp_path / "run", epochs=2, hidden=(8,), seed=1)
    signup = next(c for c in run.record["data"]["columns"] if c["name"] == "signup")
    assert signup["used"] is False and "did not help" in signup["treatment"] and "name it in `keep`" in signup["treatment"]


@pytest.mark.parametrize(
    "option,needle",
    [
        (["--column-types", "nope=numeric"], "not a feature column"),
        (["--column-types", "age=number"], "unknown role 'number'"),
        (["--keep", "nope"], "--keep names 'nope'"),
    ],
)
def test_bad_column_options_exit_2_without_a_run_folder(tmp_path, capsys, option, needle):
    csv = tmp_path / "m.csv"
    messy(40).to_csv(csv, index=False)
    code = main(["train", "regression", str(csv), "--target", "charges", "--out", str(tmp_path / "run"), *FAST, *option])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if line.startswith("tfjourney: error:")]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv"]
