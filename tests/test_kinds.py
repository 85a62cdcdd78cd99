"""Kinds of input: a blueprint of a new kind is its rows, one kind module, one pipeline module and one registration.

The toy "sequence" kind (tests/toy/) goes through every front end: train, predict, evaluate,
the report, export, serve and the studio's Runs and Predict pages, none of which knows it.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tfjourney.blueprints import BLUEPRINTS, COUNT, Blueprint, Range, Row
from tfjourney.cli import main
from tfjourney.errors import ConfigError
from tfjourney.kinds import KINDS, get_kind
from tfjourney.registry import REGISTRY, Registration

TOY = Path(__file__).parent / "toy"


@dataclass(frozen=True)
class SequenceConfig:
    width: int
    units: int
    epochs: int
    batch_size: int
    learning_rate: float
    patience: int


SEQUENCE = Blueprint("sequence", "Toy sequences", "Is a sequence's sum above zero?", SequenceConfig, rows=(
    Row("Numbers per sequence", "-", 6, "width", range=Range(1, 100)),
    Row("Hidden units", "8", 8, "units", range=COUNT),
    Row("Epochs", "30", 30, "epochs", range=COUNT),
    Row("Batch size", "32", 32, "batch_size", range=COUNT),
    Row("Learning rate", "0.01", 0.01, "learning_rate", range=Range(0, low_open=True)),
    Row("Patience", "5", 5, "patience", range=Range(0)),
))


@pytest.fixture(scope="module")
def toy_blueprint():
    """The whole addition of the new kind: rows, one registration (the kind and pipeline modules live in tests/toy/)."""
    patch = pytest.MonkeyPatch()
    patch.syspath_prepend(str(TOY))
    patch.setitem(BLUEPRINTS, "sequence", SEQUENCE)
    patch.setitem(REGISTRY, "sequence", Registration("sequence", kind="sequence", task="classification",
                                                      train="sequence_pipeline:train_sequences"))
    import sequence_kind

    patch.setitem(KINDS, "sequence", sequence_kind.KIND)
    yield
    patch.undo()


def _write_sequences(path: Path, n: int, seed: int, labelled: bool = True) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, 6)).round(3)
    lines = [" ".join(map(str, row)) + (f"\t{'up' if row.sum() > 0 else 'down'}" if labelled else "") for row in x]
    path.write_text("\n".join(lines) + "\n")
    return x


@pytest.fixture(scope="module")
def toy_run(toy_blueprint, tmp_path_factory):
    folder = tmp_path_factory.mktemp("toy")
    data = folder / "train.seq"
    _write_sequences(data, 300, seed=0)
    assert main(["train", "sequence", str(data), "--units", "16", "--epochs", "40", "--quiet", "--out", str(folder / "runs" / "toy")]) == 0
    return folder / "runs" / "toy", folder


def test_the_cli_trains_a_new_kind_with_flags_from_its_rows(toy_run, capsys):
    run_dir, _ = toy_run
    record = json.loads((run_dir / "run.json").read_text())
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert record["config"]["units"] == 16 and record["blueprint"] == "sequence"
    assert metrics["accuracy"] >= 0.85 > metrics["baseline_accuracy"]  # a sum's sign is learnable by one hidden layer
    assert main(["train", "sequence", "x.seq", "--width", "0"]) == 2
    assert "--width 0 must be between 1 and 100" in capsys.readouterr().err


def test_predict_and_evaluate_go_through_the_kind(toy_run, capsys):
    run_dir, folder = toy_run
    new = folder / "new.seq"
    x = _write_sequences(new, 20, seed=5, labelled=True)
    assert main(["predict", str(run_dir), str(new), "--output", str(folder / "p.csv")]) == 0
    import pandas as pd

    predicted = pd.read_csv(folder / "p.csv")
    assert len(predicted) == 20 and np.mean(predicted["class"] == np.where(x.sum(axis=1) > 0, "up", "down")) >= 0.8
    assert main(["evaluate", str(run_dir), str(new)]) == 0
    assert json.loads(capsys.readouterr().out.split("predictions written")[-1].split("\n", 1)[1])["accuracy"] >= 0.8


def test_the_report_shows_the_kinds_run(toy_run):
    run_dir, _ = toy_run
    html = (run_dir / "report.html").read_text()
    assert "Toy sequences" in html and "Accuracy" in html


def test_export_verifies_a_saved_model_on_the_kinds_samples(toy_run):
    from tfjourney.export import export_run

    run_dir, _ = toy_run
    result = export_run(run_dir, formats=["saved_model"])
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert result.written == ["saved_model"] and not result.problems
    assert manifest["inputs"][0]["meaning"] == "a sequence of 6 numbers"
    assert manifest["exports"][0]["verification"]["examples"] == 60  # the run's own test split, recorded in run.json


def test_serve_decodes_with_the_kind(toy_run):
    from tfjourney.serve.app import create_app

    run_dir, _ = toy_run
    with warnings.catch_warnings(), TestClient(create_app([run_dir])) as client:
        warnings.simplefilter("ignore")
        answer = client.post("/v1/models/toy:predict", json={"instances": [[1, 1, 1, 1, 1, 1], [-1, -1, -1, -1, -1, -1]]})
        assert answer.status_code == 200
        assert [row["class"] for row in answer.json()["tfjourney"]] == ["up", "down"]
        bad = client.post("/v1/models/toy:predict", json={"instances": [[1, 2]]})
        assert bad.status_code == 400 and "needs 6 numbers" in bad.json()["error"]


def test_the_studio_lists_the_run_with_its_kind_and_predicts_an_upload(toy_run):
    from tfjourney.studio.app import create_app

    _, folder = toy_run
    with TestClient(create_app(runs_dir=folder / "runs")) as client:
        run = client.get("/api/runs").json()["runs"][0]
        assert run["kind"] == {"name": "sequence", "explainer": None,
                               "upload": {"accept": ".seq,text/plain", "multiple": False, "hint": "One .seq file"}}
        assert run["metric"] == "accuracy" and run["task"] == "classification"
        upload = (folder / "new.seq").read_bytes() if (folder / "new.seq").exists() else b"1 1 1 1 1 1\n"
        answer = client.post(f"/api/predict/{run['id']}", files={"files": ("mine.seq", upload, "text/plain")})
        assert answer.status_code == 200 and answer.json()["columns"] == ["row", "class", "probability"]
        wrong = client.post(f"/api/predict/{run['id']}", files={"files": ("mine.csv", b"a,b\n1,2\n", "text/csv")})
        assert wrong.status_code == 415 and "not a .seq file" in wrong.json()["error"]
        page = client.get("/predict")
        assert page.status_code == 200


def test_an_unknown_kind_is_refused_when_registered():
    with pytest.raises(ConfigError, match="unknown kind of input 'tweets'"):
        from tfjourney.registry import register

        register(Registration("regression", kind="tweets", task="regression", train="x:y"))


@pytest.mark.parametrize("name", ["table", "images"])
def test_every_kind_module_defines_every_function(name):
    from tfjourney.kinds import KIND_FUNCTIONS

    kind = get_kind(name)
    assert all(callable(kind.function(function)) for function in KIND_FUNCTIONS)
