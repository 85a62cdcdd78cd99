"""The run skeleton every pipeline goes through: where a run goes, what every run folder ends with."""

from __future__ import annotations

import json

import keras
import pytest

from tfjourney.blueprints import get_blueprint
from tfjourney.errors import RunFolderError
from tfjourney.pipelines.skeleton import finish_run, open_run, start_distribution, training_record
from tfjourney.runs import new_run_record
from tfjourney.training.fit import FitResult


def _tiny_model() -> keras.Model:
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)], name="tiny")


def test_finish_run_writes_the_files_every_run_ends_with(tmp_path):
    """model.keras, run.json (timings, the model's summary under what the pipeline put there), metrics.json,
    the extra JSON a blueprint adds, report.html; nothing at the run folder until the writer closes."""
    distribution = start_distribution("none", devices=None, global_batch_size=None, hyperparameters={})
    writer = open_run("regression", out=tmp_path / "run", overwrite=False, resume=False, distribution=distribution)
    record = new_run_record("regression", get_blueprint("regression").resolve(), 0, {"source": "t.csv", "target": "y", "class_names": []}, ["x"])
    record["model"] = {"name": "from the pipeline"}
    with writer as staging:
        finish_run(staging, model=_tiny_model(), record=record, metrics={"mae": 1.5, "baseline_mae": 3.0},
                   timings={"train_seconds": 2.0}, json_files={"classes.json": ["a", "b"]})
        assert not (tmp_path / "run").exists()
    run = writer.finished_run()
    assert {p.name for p in run.path.iterdir()} == {"model.keras", "run.json", "metrics.json", "classes.json", "report.html", "plots"}
    assert run.record["timings"] == {"train_seconds": 2.0}
    assert run.record["model"]["name"] == "from the pipeline" and run.record["model"]["params"] == 3
    assert run.metrics == {"mae": 1.5, "baseline_mae": 3.0}
    assert json.loads((run.path / "classes.json").read_text()) == ["a", "b"]
    assert run.load_model().count_params() == 3


def test_open_run_refuses_a_folder_of_user_files_before_anything_trains(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    distribution = start_distribution("none", devices=None, global_batch_size=None, hyperparameters={})
    with pytest.raises(RunFolderError, match="not a tfjourney run folder"):
        open_run("cnn", out=tmp_path / "mine", overwrite=True, resume=False, distribution=distribution)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_open_run_names_the_default_folder_after_the_blueprint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    distribution = start_distribution("none", devices=None, global_batch_size=None, hyperparameters={})
    writer = open_run("transfer", out=None, overwrite=False, resume=False, distribution=distribution)
    assert writer.run_dir.parent.name == "runs" and writer.run_dir.name.startswith("transfer-")


def test_a_global_batch_size_is_the_runs_batch_size():
    hyperparameters = {"batch_size": None, "epochs": 3}
    start_distribution("none", devices=None, global_batch_size=64, hyperparameters=hyperparameters)
    assert hyperparameters == {"batch_size": 64, "epochs": 3}


def test_training_record_is_what_run_json_keeps_of_a_phase():
    result = FitResult(history={"loss": [2.0, 1.0]}, seconds=1.0, epochs_run=2, best_epoch=2, resumed_from_epoch=1)
    assert training_record(result) == {"epochs_run": 2, "best_epoch": 2, "resumed_from_epoch": 1}
