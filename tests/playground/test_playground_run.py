"""Save as run: a Playground network becomes a regular run folder that `tfjourney predict` reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tfjourney.errors import RunFolderError
from tfjourney.playground.run import save_playground_run
from tfjourney.playground.session import PlaygroundSession, playground_settings
from tfjourney.predict import predict
from tfjourney.runs import load_run


@pytest.fixture(scope="module")
def trained():
    session = PlaygroundSession(playground_settings(dataset="circle", features=["x1^2", "x2^2"], hidden=[3]))
    session.step(epochs=40)
    return session


def test_saved_run_predicts_what_the_session_drew(trained, tmp_path):
    run = save_playground_run(trained, out=tmp_path / "pg", command=["test"])
    assert run.blueprint == "classification"
    assert {"model.keras", "run.json", "metrics.json", "history.csv", "report.html"} <= {p.name for p in run.path.iterdir()}
    assert run.record["config"]["hidden"] == [3] and run.record["playground"]["features"] == ["x1^2", "x2^2"]
    assert run.record["training"]["epochs_run"] == 40
    assert 0 <= run.metrics["baseline_accuracy"] <= 1 and "linear_accuracy" in run.metrics
    assert len(pd.read_csv(run.path / "history.csv")) == 40

    grid = trained.boundary(resolution=6)
    csv = tmp_path / "points.csv"
    pd.DataFrame({"x1": grid["x1"], "x2": grid["x2"]}).to_csv(csv, index=False)
    table = predict([str(run.path), str(csv)]).table
    np.testing.assert_allclose(table["p_blue"], grid["values"], atol=1e-5)
    reloaded = load_run(run.path).load_model()
    assert reloaded.get_layer("features").features == ("x1^2", "x2^2")


def test_save_never_replaces_a_folder(trained, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.txt").write_text("keep")
    with pytest.raises(RunFolderError):
        save_playground_run(trained, out=tmp_path / "taken")
    assert (tmp_path / "taken" / "mine.txt").read_text() == "keep"
