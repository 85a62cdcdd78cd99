"""`tune` end to end on a tiny table: trial 0 is the defaults, the best trial becomes a run that predict and export take,
the study continues when repeated, and every bad input is one ConfigError with nothing half-written."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tfjourney.errors import ConfigError
from tfjourney.runs import load_run
from tfjourney.tune import tune


@pytest.fixture(scope="module")
def study(tmp_path_factory, tiny_csv, fast_space):
    folder = tmp_path_factory.mktemp("tune") / "study"
    result = tune("regression", tiny_csv, target="charges", trials=3, sampler="random", pruner="none",
                  space=list(fast_space), seed=7, out=folder, command=["tfjourney", "tune"])
    return result


def test_trial_zero_is_the_blueprint_defaults_and_the_counts_add_up(study):
    trials = pd.read_csv(study.folder / "trials.csv")
    assert list(trials["number"]) == [0, 1, 2]
    first = trials.iloc[0]
    assert bool(first["default"])
    assert first["param_activation"] == "relu" and first["param_hidden_neurons"] == 16  # default (100,100) clipped into 8:16
    assert study.finished + study.pruned == 3 and study.failed == 0
    assert study.default_value == pytest.approx(first["value"])
    best = trials.loc[trials["value"].idxmin()]
    assert study.best_trial == best["number"] and study.best_value == pytest.approx(best["value"])


def test_the_best_run_is_the_best_trial_retrained_on_the_same_validation_split(study):
    run = load_run(study.run_dir)
    assert run.path.name == f"best-trial-{study.best_trial}"
    assert run.record["study"]["name"] == "regression-insurance"  # BLUEPRINT-DATA
    assert run.record["study"]["trial"] == study.best_trial
    assert run.record["study"]["storage"].startswith("sqlite:///")
    history = pd.read_csv(run.path / "history.csv")
    kept = history.loc[history["val_loss"].idxmin(), "val_mae"]  # early stopping keeps the best val_loss epoch (loss is MAE)
    assert kept == pytest.approx(study.best_value, rel=0.02)
    assert run.record["config"]["epochs"] == 4 and run.record["config"]["patience"] == 2


def test_the_study_folder_has_its_report(study):
    summary = json.loads((study.folder / "study.json").read_text())
    names = [row["name"] for row in summary["comparison"]]
    assert names[0].startswith("Blueprint defaults") and "Gradient boosting" in names
    gbm = next(row for row in summary["comparison"] if row["name"] == "Gradient boosting")
    assert gbm["validation"] > 0 and gbm["test"] > 0
    assert (study.folder / "plots" / "best_so_far.png").stat().st_size > 5000
    assert (study.folder / "plots" / "parameters.png").stat().st_size > 5000
    page = (study.folder / "report.html").read_text()
    assert "Best vs default" in page and f"best-trial-{study.best_trial}/report.html" in page


def test_predict_and_export_take_the_best_run(study, tiny_csv):
    from tfjourney.export import export_run
    from tfjourney.predict import predict

    result = predict([str(study.run_dir), str(tiny_csv)])
    assert len(result.to_text().splitlines()) >= 160
    exported = export_run(study.run_dir, formats=["onnx"])
    assert not exported.problems and "onnx" in exported.written


def test_repeating_the_command_continues_the_study_without_rerunning(study, tiny_csv, fast_space, trial_rows):
    before = trial_rows(study.folder)
    again = tune("regression", tiny_csv, target="charges", trials=4, sampler="random", pruner="none",
                 space=list(fast_space), seed=7, out=study.folder)
    after = trial_rows(study.folder)
    assert after[:3] == before  # finished trials kept as they were: same value, same completion time
    assert [row[0] for row in after] == [0, 1, 2, 3]
    assert again.finished + again.pruned == 4


def test_another_blueprint_or_space_under_the_same_name_is_refused(study, tiny_csv, fast_space):
    with pytest.raises(ConfigError, match="blueprint"):
        tune("classification", tiny_csv, target="smoker", trials=3, space=["epochs=2"], seed=7, out=study.folder,
             study="regression-insurance")
    with pytest.raises(ConfigError) as info:
        tune("regression", tiny_csv, target="charges", trials=3, space=[*fast_space, "loss=mae,mse"], seed=7, out=study.folder)
    assert "search space" in str(info.value) and "loss" in str(info.value)


def test_a_timeout_too_short_for_one_trial_leaves_nothing(tmp_path, tiny_csv, fast_space):
    folder = tmp_path / "short"
    with pytest.raises(ConfigError) as info:
        tune("regression", tiny_csv, target="charges", trials=3, timeout="0.01s", space=list(fast_space), out=folder)
    assert "`timeout`" in str(info.value) and "before one trial finished" in str(info.value)
    assert not folder.exists()


def test_unreachable_storage_names_host_and_port_never_the_password(tmp_path, tiny_csv):
    with pytest.raises(ConfigError) as info:
        tune("regression", tiny_csv, target="charges", trials=2, storage="postgresql://tuner:s3cret@127.0.0.1:1/studies",
             out=tmp_path / "remote")
    message = str(info.value)
    assert "127.0.0.1:1" in message and "s3cret" not in message
    assert not (tmp_path / "remote").exists()


def test_redact_removes_the_password():
    from tfjourney.tune.storage import redact

    assert redact("postgresql+psycopg://tuner:s3cret@db.example:5433/s") == "postgresql+psycopg://tuner@db.example:5433/s"
    assert redact("sqlite:////tmp/x/study.db") == "sqlite:////tmp/x/study.db"
