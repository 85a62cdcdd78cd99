"""The studio's Runs page lists `tfjourney tune` studies and serves their report pages, linked to the best run."""

from __future__ import annotations

import json
import shutil

from fastapi.testclient import TestClient

from tfjourney.studio.app import create_app


def test_the_studio_lists_studies_and_links_the_best_run(tmp_path, circles_run):
    study = tmp_path / "runs" / "studies" / "classification-circles"
    shutil.copytree(circles_run, study / "best-trial-3")
    (study / "study.json").write_text(json.dumps({
        "study": "classification-circles", "blueprint": "classification", "metric": "validation accuracy",
        "best_value": 0.95, "default_value": 0.9, "best_trial": 3, "trials": {"complete": 4, "pruned": 1, "failed": 0},
        "best_run": str(study / "best-trial-3"),
    }))
    (study / "report.html").write_text('<!doctype html><html><body><a href="best-trial-3/report.html">best</a></body></html>')
    with TestClient(create_app(runs_dir=tmp_path / "runs")) as client:
        runs = {run["relative"]: run["id"] for run in client.get("/api/runs").json()["runs"]}
        studies = client.get("/api/studies").json()["studies"]
        assert [s["name"] for s in studies] == ["classification-circles"]
        entry = studies[0]
        assert entry["best_run_id"] == runs["studies/classification-circles/best-trial-3"] and "path" not in entry
        assert entry["best_value"] == 0.95 and entry["trials"]["pruned"] == 1
        page = client.get(f"/studies/{entry['id']}/report").text
        assert f'href="/runs/{entry["best_run_id"]}/report"' in page and 'href="/playground"' in page
        missing = client.get("/studies/0123456789ab/report")
        assert missing.status_code == 404 and "error" in missing.json()
