"""End to end on tiny data: the run folder, learning against baselines, repeatability, round trips.

The trained runs come from session fixtures in tests/conftest.py (each trained once).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from tfjourney.blueprints import get_blueprint
from tfjourney.cli import main
from tfjourney.data.tabular import load_table, split_frame
from tfjourney.errors import TfjourneyWarning
from tfjourney.pipelines.tables import evaluate_tabular, predict_tabular
from tfjourney.pipelines.tabular import train_tabular
from tfjourney.runs import load_run


def _json(path):
    return json.loads(path.read_text())


# ------------------------------------------------------------------ run folder contents
def test_regression_run_folder_contents(regression_run, mixed_csv):
    for name in ("model.keras", "run.json", "history.csv", "metrics.json", "report.html", "plots/loss.png", "plots/predicted_vs_actual.png"):
        assert (regression_run / name).is_file(), name
        assert (regression_run / name).stat().st_size > 0, name
    record = _json(regression_run / "run.json")
    assert record["blueprint"] == "regression"
    assert record["command"][:3] == ["tfjourney", "train", "regression"] or record["command"][0] == "tfjourney"
    assert record["seed"] == 7
    config = record["config"]
    defaults = get_blueprint("regression").defaults()
    for key in ("activation", "output_activation", "loss", "optimizer", "batch_size", "test_size"):
        assert config[key] == defaults[key], key
    assert config["hidden"] == [100, 100] and config["epochs"] == 30
    data = record["data"]
    assert data["fingerprint"].startswith("sha256:") and data["target"] == "charges"
    assert [c["name"] for c in data["columns"]] == ["age", "bmi", "num children", "smoker", "region"]
    kinds = {c["name"]: c["kind"] for c in data["columns"]}
    assert kinds["smoker"] == "categorical" and kinds["bmi"] == "numeric"
    assert sum(data["rows"].values()) == 400
    assert {"python", "keras", "numpy"} <= set(record["versions"])
    assert record["timings"]["train_seconds"] > 0
    history = pd.read_csv(regression_run / "history.csv")
    assert len(history) == record["training"]["epochs_run"] and {"loss", "val_loss"} <= set(history.columns)
    html = (regression_run / "report.html").read_text()
    assert "data:image/png;base64," in html


def test_regression_beats_the_mean_by_a_wide_margin(regression_run):
    metrics = _json(regression_run / "metrics.json")
    assert set(metrics) >= {"mae", "mse", "rmse", "r2", "baseline_mae", "linear_mae"}
    assert metrics["mae"] < 0.3 * metrics["baseline_mae"]
    assert metrics["r2"] > 0.9
    assert metrics["rmse"] == pytest.approx(np.sqrt(metrics["mse"]))


def test_circles_classification_learns(circles_run):
    metrics = _json(circles_run / "metrics.json")
    assert metrics["baseline_accuracy"] == pytest.approx(0.5)
    assert metrics["accuracy"] >= 0.95
    assert metrics["roc_auc"] >= 0.98
    assert set(metrics) >= {"accuracy", "precision", "recall", "f1", "roc_auc", "baseline_accuracy", "per_class"}
    for name in ("confusion_matrix.png", "decision_boundary.png", "roc_curve.png", "loss.png"):
        assert (circles_run / "plots" / name).is_file(), name
    record = _json(circles_run / "run.json")
    assert record["data"]["task"] == "binary" and record["data"]["class_names"] == ["0", "1"]
    assert record["data"]["source"] == "embedded:circles"
    assert record["data"]["class_balance"]["test"] == {"0": 100, "1": 100}


# ------------------------------------------------------------------ repeatability and the lr finder
def test_same_seed_gives_identical_metrics(regression_run, regression_args, mixed_csv, tmp_path):
    again = tmp_path / "again"
    assert main(["train", "regression", str(mixed_csv), "--target", "charges", "--out", str(again), *regression_args]) == 0
    assert _json(again / "metrics.json") == _json(regression_run / "metrics.json")
    assert pd.read_csv(again / "history.csv").equals(pd.read_csv(regression_run / "history.csv"))


def test_find_lr_writes_plot_and_uses_the_suggestion(mixed_csv, tmp_path):
    out = tmp_path / "lr"
    assert main(["train", "regression", str(mixed_csv), "--target", "charges", "--drop", "claim,tier", "--find-lr", "--epochs", "2", "--out", str(out)]) == 0
    assert (out / "plots" / "lr_finder.png").is_file()
    record = _json(out / "run.json")
    assert record["lr_finder"]["suggested"] == record["config"]["learning_rate"]
    assert record["config"]["learning_rate"] != get_blueprint("regression").defaults()["learning_rate"]
    assert record["timings"]["find_lr_seconds"] > 0


# ------------------------------------------------------------------ multiclass through the API
@pytest.fixture(scope="module")
def tier_run(mixed_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("tier") / "run"
    return train_tabular("classification", mixed_csv, target="tier", drop=["charges", "claim"], out=out, epochs=8, seed=1)


def test_multiclass_run(tier_run, mixed_csv, tmp_path):
    assert tier_run.record["data"]["task"] == "multiclass"
    assert tier_run.record["data"]["class_names"] == ["high", "low", "mid"]
    assert tier_run.record["config"]["loss"] == "auto"
    assert "roc_auc" not in tier_run.metrics
    assert tier_run.metrics["accuracy"] > tier_run.metrics["baseline_accuracy"] + 0.2
    model = tier_run.load_model()
    assert model.output.shape[-1] == 3
    preds = predict_tabular(tier_run.path, mixed_csv)
    assert list(preds.columns) == ["row", "predicted_tier", "probability", "p_high", "p_low", "p_mid"]
    np.testing.assert_allclose(preds[["p_high", "p_low", "p_mid"]].sum(axis=1), 1.0, rtol=1e-5)
    assert set(preds["predicted_tier"]) <= {"high", "low", "mid"}


# ------------------------------------------------------------------ predict / evaluate / fresh-process round trip
def _test_rows(mixed_csv, seed=7):
    table = load_table(mixed_csv, "charges", drop=["claim", "tier"])
    _, test = split_frame(table.frame, 0.2, seed)
    return test


def test_evaluate_on_the_test_rows_matches_metrics_json(regression_run, mixed_csv, tmp_path):
    path = tmp_path / "test_rows.csv"
    _test_rows(mixed_csv).to_csv(path, index=False)
    metrics = evaluate_tabular(regression_run, path)
    stored = _json(regression_run / "metrics.json")
    for key in ("mae", "mse", "rmse", "r2"):
        assert metrics[key] == pytest.approx(stored[key], rel=1e-4), key


def test_evaluate_classification_matches_metrics_json(circles_run, tmp_path):
    table = load_table("circles", kind="classification")
    _, test = split_frame(table.frame, 0.2, 42, table.y.astype(str))
    path = tmp_path / "circles_test.csv"
    test.to_csv(path, index=False)
    metrics = evaluate_tabular(circles_run, path)
    stored = _json(circles_run / "metrics.json")
    assert metrics["accuracy"] == pytest.approx(stored["accuracy"])
    assert metrics["roc_auc"] == pytest.approx(stored["roc_auc"], rel=1e-4)


def test_fresh_process_round_trip(regression_run, mixed_csv, tmp_path):
    rows = pd.read_csv(mixed_csv).head(25).drop(columns=["charges", "claim", "tier"])
    rows.loc[0, "region"] = "atlantis"  # unseen category
    rows.loc[1, "bmi"] = np.nan  # a gap
    input_csv = tmp_path / "input.csv"
    rows.to_csv(input_csv, index=False)
    with pytest.warns(TfjourneyWarning, match="'atlantis'"):
        in_process = predict_tabular(regression_run, input_csv)["predicted_charges"].to_numpy()
    assert np.isfinite(in_process).all()

    script = textwrap.dedent(
        f"""
        import sys, numpy as np, pandas as pd, tensorflow as tf
        import tfjourney, keras
        model = keras.saving.load_model({str(regression_run / "model.keras")!r})
        frame = pd.read_csv({str(input_csv)!r})
        inputs = {{}}
        for name in model.input:
            col = frame[name]
            if pd.api.types.is_numeric_dtype(col):
                inputs[name] = tf.constant(col.to_numpy("float32").reshape(-1, 1))
            else:
                inputs[name] = tf.constant(col.fillna("").astype(str).to_numpy().reshape(-1, 1))
        np.save({str(tmp_path / "fresh.npy")!r}, np.asarray(model(inputs)).ravel())
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    fresh = np.load(tmp_path / "fresh.npy")
    np.testing.assert_allclose(fresh, in_process, rtol=1e-5, atol=1e-3)

    preds_csv = tmp_path / "preds.csv"
    assert main(["predict", str(regression_run), str(input_csv), "--output", str(preds_csv)]) == 0
    from_cli = pd.read_csv(preds_csv)["predicted_charges"].to_numpy()
    np.testing.assert_allclose(from_cli, in_process, rtol=1e-5, atol=1e-3)


def test_load_run_reads_back(regression_run):
    run = load_run(regression_run)
    assert run.blueprint == "regression" and run.metrics["mae"] > 0
    assert run.load_model().name == "regression"
