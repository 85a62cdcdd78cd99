"""`tune cnn` on a tiny image folder: the seed's CNN choices are searched, impossible shapes are skipped (not scored),
and the best trial becomes a cnn run that predicts images."""

from __future__ import annotations

import optuna
import pandas as pd

from tfjourney.models.cnn import smallest_image_size
from tfjourney.predict import predict
from tfjourney.runs import load_run
from tfjourney.tune import tune


def test_cnn_study_skips_impossible_shapes_and_its_best_run_predicts(tmp_path, shapes_folder, probe_image):
    folder = tmp_path / "cnn-study"
    # a 7-pixel kernel with valid padding cannot fit 2 blocks in 24 px: such trials are skipped, not failed
    result = tune("cnn", shapes_folder, trials=3, sampler="grid", pruner="none", out=folder, seed=1,
                  space=["image_size=24", "epochs=2", "filters=10", "kernel_size=3,7", "padding=valid", "strides=1,2",
                         "learning_rate=0.001", "batch_size=16"])
    trials = pd.read_csv(folder / "trials.csv")
    assert bool(trials.iloc[0]["default"]) and trials.iloc[0]["param_kernel_size"] == 3
    study = optuna.load_study(study_name=result.study, storage=f"sqlite:///{folder / 'study.db'}")
    skipped = [t for t in study.trials if t.user_attrs.get("invalid")]
    for trial in skipped:
        assert trial.state == optuna.trial.TrialState.PRUNED and "too small" in trial.user_attrs["invalid"]
        assert smallest_image_size(2, trial.params["kernel_size"], trial.params["strides"], "valid") > 24
    assert skipped and result.finished >= 1
    assert result.metric == "accuracy" and result.direction == "maximize"
    run = load_run(result.run_dir)
    assert run.blueprint == "cnn" and run.record["study"]["trial"] == result.best_trial
    assert run.record["config"]["image_size"] == 24
    table = predict([str(result.run_dir), str(probe_image)]).table
    assert len(table) == 1
