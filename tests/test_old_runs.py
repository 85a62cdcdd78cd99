"""Run folders written by tfjourney 0.1 before kinds (tests/fixtures/old_run/, committed as written then) still work."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tfjourney.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "old_run"


@pytest.fixture
def old_run(tmp_path, monkeypatch):
    """A copy of the old run beside the CSV it trained on (its run.json names the CSV relative to where it ran)."""
    shutil.copytree(FIXTURE, tmp_path / "old")
    monkeypatch.chdir(tmp_path / "old")
    return Path("regression-v0.1")


def test_an_old_run_predicts_reports_and_exports(old_run, capsys, tmp_path):
    assert "kind" not in json.loads((old_run / "run.json").read_text())  # written before kinds existed
    assert main(["predict", str(old_run), "insurance_small.csv", "--output", str(tmp_path / "p.csv")]) == 0
    predictions = pd.read_csv(tmp_path / "p.csv")
    assert len(predictions) == 120 and predictions["predicted_charges"].notna().all()
    assert main(["report", str(old_run)]) == 0
    assert "MAE" in (old_run / "report.html").read_text()
    assert main(["export", str(old_run), "--format", "saved_model"]) == 0
    manifest = json.loads((old_run / "export" / "manifest.json").read_text())
    assert manifest["exports"][0]["verification"]["passed"] is True


def test_the_studio_lists_and_predicts_with_an_old_run(old_run):
    from tfjourney.studio.app import create_app

    with warnings.catch_warnings(), TestClient(create_app(runs_dir=Path("."))) as client:
        warnings.simplefilter("ignore")
        run = next(r for r in client.get("/api/runs").json()["runs"] if r["name"] == "regression-v0.1")
        assert run["kind"]["name"] == "table" and run["metric"] == "mae"
        answer = client.post(f"/api/predict/{run['id']}", files={"files": ("rows.csv", Path("insurance_small.csv").read_bytes(), "text/csv")})
        assert answer.status_code == 200 and len(answer.json()["data"]) == 120
