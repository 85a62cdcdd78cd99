"""The forecast blueprint end to end, as a user types it: train, predict --steps, predict new.csv, evaluate, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tfjourney.cli import main
from tfjourney.runs import load_run

FAST = ("--epochs", "40", "--patience", "8", "--batch-size", "16", "--units", "32", "-q")


def seasonal_frame(n: int = 360, seed: int = 0) -> pd.DataFrame:
    """Daily values: a trend, a 12-day cycle and a little noise (a network can beat the naive forecast here)."""
    t = np.arange(n)
    values = 50 + 0.02 * t + 3 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(seed).normal(0, 0.2, n)
    return pd.DataFrame({"when": pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d"), "sales": values.round(4)})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forecast")
    csv = folder / "sales.csv"
    seasonal_frame().to_csv(csv, index=False)
    code = main(["train", "forecast", str(csv), "--time", "when", "--target", "sales", "--out", str(folder / "run"), *FAST])
    assert code == 0
    return load_run(folder / "run"), csv


def test_the_run_beats_the_naive_forecasts_on_the_same_test_points(trained):
    run, _ = trained
    metrics = run.metrics
    assert metrics["test_windows"] == run.record["data"]["rows"]["test"] == 71  # 20% of the 353 windows
    assert metrics["season"] == 12 and any("season: 12 steps, inferred" in n for n in run.record["data"]["notes"])
    assert metrics["mase"] < metrics["naive_mase"] and metrics["mase"] < metrics["seasonal_naive_mase"]
    assert metrics["mase"] == pytest.approx(metrics["mae"] / metrics["mase_scale"])
    for baseline in ("naive", "seasonal_naive", "moving_average"):
        assert metrics[f"{baseline}_mase"] == pytest.approx(metrics["baselines"][baseline]["mase"])
    assert 0.5 <= metrics["coverage_80"] <= metrics["coverage_95"] <= 1.0
    for name in ("series", "forecasts", "errors", "baselines", "loss"):
        assert (run.path / "plots" / f"{name}.png").is_file()
    report = (run.path / "report.html").read_text()
    assert "Hyndman" in report and "MASE" in report


def test_predict_steps_forecasts_past_the_end_with_ordered_bands(trained, tmp_path, capsys):
    run, _ = trained
    output = tmp_path / "future.csv"
    assert main(["predict", str(run.path), "--steps", "30", "--output", str(output)]) == 0
    table = pd.read_csv(output)
    assert len(table) == 30 and list(table.columns) == ["when", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
    assert table["when"].iloc[0] == "2020-12-26" and table["when"].iloc[-1] == "2021-01-24"  # the day after the last row, daily
    assert (table.lower_95 <= table.lower_80).all() and (table.lower_80 <= table.forecast).all()
    assert (table.forecast <= table.upper_80).all() and (table.upper_80 <= table.upper_95).all()
    width = table.upper_95 - table.lower_95
    assert width.iloc[-1] > width.iloc[0]  # recursive steps: the band widens
    assert output.with_suffix(".png").is_file()
    assert main(["predict", str(run.path), "--steps", "3", "--output", str(output)]) == 2  # never overwritten
    assert "already exists" in capsys.readouterr().err


def test_predict_from_the_last_window_of_a_new_file(trained, tmp_path):
    run, _ = trained
    newer = seasonal_frame(n=400, seed=1).iloc[-20:]
    csv = tmp_path / "newer.csv"
    newer.to_csv(csv, index=False)
    output = tmp_path / "next.csv"
    assert main(["predict", str(run.path), str(csv), "--output", str(output)]) == 0
    table = pd.read_csv(output)
    assert len(table) == 1 and table["when"].iloc[0] == "2021-02-04"
    model = run.load_model()
    expected = model.predict(newer["sales"].to_numpy(dtype="float32")[-7:][None], verbose=0)[0, 0]
    assert table["forecast"].iloc[0] == pytest.approx(expected, rel=1e-5)


def test_evaluate_scores_another_stretch_beside_the_baselines(trained, tmp_path, capsys):
    run, _ = trained
    csv = tmp_path / "later.csv"
    seasonal_frame(n=500, seed=2).to_csv(csv, index=False)
    assert main(["evaluate", str(run.path), str(csv)]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["windows"] == 500 - 12 and metrics["mase"] < metrics["naive_mase"]


@pytest.mark.parametrize("change, args, needle", [
    (lambda f: pd.concat([f, f.iloc[[5]]]), (), "1 duplicate timestamp(s) in 'when' (2020-01-06)"),
    (lambda f: f.assign(when=f.when.where(f.index != 0, "yesterday")), (), "not a date at row 2: 'yesterday'"),
    (lambda f: f.assign(sales=f.sales.astype(str).where(f.index != 1, "lots")), (), "'sales' is not numeric: row 3 holds 'lots'"),
    (lambda f: f.assign(sales=f.sales.where(f.index != 2, np.inf)), (), "infinite value at row 4"),
    (lambda f: f.iloc[:6], (), "6 rows, too few for one window of 7"),
    (lambda f: f, ("--window", "0"), "--window 0 must be at least 1"),
    (lambda f: f, ("--horizon", "0"), "--horizon 0 must be at least 1"),
    (lambda f: f, ("--season", "300"), "--season 300 is longer than the training part"),
])
def test_bad_input_is_one_line_exit_2_and_no_run_folder(tmp_path, capsys, monkeypatch, change, args, needle):
    monkeypatch.chdir(tmp_path)
    change(seasonal_frame(60 if not args else 360)).to_csv("bad.csv", index=False)
    code = main(["train", "forecast", "bad.csv", "--time", "when", "--target", "sales", "--out", "run", "--epochs", "1", "-q", *args])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0 and err.startswith("tfjourney: error:"), err
    assert needle in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_features_and_a_longer_horizon(tmp_path, capsys):
    """The course's block-reward idea: another numeric column rides along; beyond the horizon its future is unknown."""
    frame = seasonal_frame(200).assign(promo=lambda f: (np.arange(len(f)) % 7 == 0).astype(float))
    frame.to_csv(tmp_path / "sales.csv", index=False)
    assert main(["train", "forecast", str(tmp_path / "sales.csv"), "--time", "when", "--target", "sales", "--features", "promo",
                 "--horizon", "3", "--out", str(tmp_path / "run"), "--epochs", "2", "-q"]) == 0
    run = load_run(tmp_path / "run")
    assert run.record["data"]["features"] == ["promo"] and run.load_model().input_shape == (None, 7, 2)
    assert main(["predict", str(run.path), "--steps", "3", "--output", str(tmp_path / "three.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "three.csv")) == 3
    assert main(["predict", str(run.path), "--steps", "5", "--output", str(tmp_path / "five.csv")]) == 2
    assert "beyond the run's horizon of 3" in capsys.readouterr().err
    assert not (tmp_path / "five.csv").exists()


def test_quantiles_give_the_intervals_from_a_second_model(tmp_path):
    seasonal_frame(200).to_csv(tmp_path / "sales.csv", index=False)
    assert main(["train", "forecast", str(tmp_path / "sales.csv"), "--time", "when", "--target", "sales", "--quantiles",
                 "--out", str(tmp_path / "run"), "--epochs", "3", "-q"]) == 0
    run = load_run(tmp_path / "run")
    assert run.record["forecast"]["intervals"]["method"] == "quantiles" and (run.path / "quantiles.keras").is_file()
    assert {"coverage_80", "coverage_95", "quantiles_seconds"} <= set(run.metrics) | set(run.record["timings"])
    assert main(["predict", str(run.path), "--steps", "4", "--output", str(tmp_path / "four.csv")]) == 0
    table = pd.read_csv(tmp_path / "four.csv")
    assert (table.lower_95 <= table.lower_80).all() and (table.upper_80 <= table.upper_95).all()
