"""The series kind: serve decodes windows and timed rows, export writes and verifies the window model."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tfjourney.cli import main
from tfjourney.errors import DataError
from tfjourney.kinds import KIND_FUNCTIONS, get_kind
from tfjourney.runs import load_run


@pytest.fixture(scope="module")
def ensemble_run(tmp_path_factory):
    """A tiny ensemble (3 losses x 1 member): the hardest model to serve and export (nested models, a sort for the median)."""
    folder = tmp_path_factory.mktemp("series_kind")
    t = np.arange(200)
    frame = pd.DataFrame({"t": pd.date_range("2022-01-01", periods=200, freq="D").strftime("%Y-%m-%d"),
                          "y": 10 + np.sin(t / 3) + 0.01 * t})
    frame.to_csv(folder / "y.csv", index=False)
    assert main(["train", "forecast", str(folder / "y.csv"), "--time", "t", "--target", "y", "--body", "ensemble", "--members", "1",
                 "--units", "8", "--epochs", "2", "--out", str(folder / "ens"), "-q"]) == 0
    return load_run(folder / "ens"), frame


def test_the_kind_defines_every_function():
    kind = get_kind("series")
    assert all(callable(kind.function(name)) for name in KIND_FUNCTIONS)
    assert kind.function("check_upload")("mine.csv", b"t,y\n1,2\n") == ".csv"
    with pytest.raises(DataError, match="not a CSV"):
        kind.function("check_upload")("mine.png", b"\x89PNG")


def test_serve_takes_windows_and_timed_rows(ensemble_run):
    from tfjourney.serve.app import create_app

    run, frame = ensemble_run
    model = run.load_model()
    values = frame["y"].to_numpy(dtype="float32")
    with warnings.catch_warnings(), TestClient(create_app([run.path])) as client:
        warnings.simplefilter("ignore")
        windows = [values[:7].tolist(), values[50:57].tolist()]
        answer = client.post("/v1/models/ens:predict", json={"instances": windows})
        assert answer.status_code == 200, answer.text
        np.testing.assert_allclose(np.ravel(answer.json()["predictions"]), model.predict(np.array(windows), verbose=0).ravel(), rtol=1e-5)
        rows = [{"time": t, "value": float(v)} for t, v in zip(frame["t"][:12], values[:12])][::-1]  # any order: sorted by time
        timed = client.post("/v1/models/ens:predict", json={"instances": rows})
        assert timed.status_code == 200, timed.text
        np.testing.assert_allclose(np.ravel(timed.json()["predictions"]), model.predict(values[5:12][None], verbose=0).ravel(), rtol=1e-5)
        for body, needle in (({"instances": [[1, 2, 3]]}, "7 values"),
                             ({"instances": rows[:3]}, "fewer than the run's window of 7"),
                             ({"instances": rows + rows[:1]}, "appears twice"),
                             ({"instances": [[1, 2, 3, 4, 5, 6, float("inf")]]}, "")):
            bad = client.post("/v1/models/ens:predict", content=json.dumps(body))
            assert bad.status_code == 400 and needle in bad.json()["error"], bad.text


def test_export_writes_and_verifies_every_format(ensemble_run):
    from tfjourney.export import export_run

    run, _ = ensemble_run
    result = export_run(run.path, formats=["saved_model", "tflite", "onnx"])
    assert result.written == ["saved_model", "tflite", "onnx"] and not result.problems
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["inputs"][0]["meaning"].startswith("the last 7 values of 'y', oldest first")
    assert all(entry["verification"]["passed"] and entry["verification"]["examples"] == 39 for entry in manifest["exports"])


def test_the_studio_predict_page_draws_the_forecast_of_an_upload(ensemble_run):
    from tfjourney.studio.app import create_app

    run, frame = ensemble_run
    with TestClient(create_app(runs_dir=run.path.parent)) as client:
        entry = next(r for r in client.get("/api/runs").json()["runs"] if r["name"] == "ens")
        assert entry["kind"]["name"] == "series" and entry["task"] == "forecast"
        upload = frame.iloc[-30:].to_csv(index=False).encode()
        answer = client.post(f"/api/predict/{entry['id']}", files={"files": ("recent.csv", upload, "text/csv")})
        assert answer.status_code == 200, answer.text
        result = answer.json()
        assert result["columns"] == ["t", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
        assert len(result["data"]) == 30 and result["data"][0][0] == "2022-07-20"  # the day after the upload's last row
        assert result["chart"].startswith("data:image/png;base64,")
        wrong = client.post(f"/api/predict/{entry['id']}", files={"files": ("recent.txt", b"hello", "text/plain")})
        assert wrong.status_code in (400, 415) and "not a CSV" in wrong.json()["error"]
