"""Save a Playground network as a regular run folder, through the same RunWriter as `tfjourney train`.

A binary Playground network becomes a `classification` run, a regression one a `regression`
run: model.keras (raw column dict in, as every tabular run), run.json, metrics.json beside
the scikit-learn baselines, history.csv, plots and report.html. `tfjourney predict RUN CSV`
works on it unchanged.

Example:
    >>> run = save_playground_run(session, out="runs/playground-circle")   # doctest: +SKIP
    >>> run.metrics["accuracy"]
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from tfjourney import plots
from tfjourney.baselines import classification_baselines, regression_baselines
from tfjourney.blueprints import get_blueprint
from tfjourney.metrics import classification_metrics, regression_metrics
from tfjourney.models.tabular import ColumnPlan
from tfjourney.playground.datasets import PlaygroundData
from tfjourney.playground.session import PlaygroundSession
from tfjourney.pipelines.skeleton import finish_run
from tfjourney.runs import HISTORY_FILE, Run, RunWriter, load_run, new_run_record

NOTES = [
    "Trained live in the studio's Playground with plain SGD (no momentum), mini-batches as set there.",
    "The Playground splits train/test only: history.csv's val_loss is the test loss after each epoch.",
]


def _frames(data: PlaygroundData) -> tuple[pd.DataFrame, pd.DataFrame]:
    first, second = data.columns
    train = pd.DataFrame({first: data.x_train[:, 0], second: data.x_train[:, 1]})
    test = pd.DataFrame({first: data.x_test[:, 0], second: data.x_test[:, 1]})
    return train, test


def _plans(data: PlaygroundData, train: pd.DataFrame) -> list[ColumnPlan]:
    return [ColumnPlan(name, "numeric", 0, float(train[name].mean()), float(train[name].std(ddof=0)) or 1.0) for name in data.columns]


def _fingerprint(data: PlaygroundData) -> str:
    digest = hashlib.sha256()
    for array in (data.x_train, data.y_train, data.x_test, data.y_test):
        digest.update(np.ascontiguousarray(array).tobytes())
    return "sha256:" + digest.hexdigest()


def _config(session: PlaygroundSession, kind: str) -> dict:
    """The tabular blueprint's config with the Playground's choices in its keys (SGD without momentum is noted)."""
    settings = session.settings
    config = get_blueprint(kind).defaults()
    config.update(hidden=list(settings["hidden"]), activation=settings["activation"], optimizer="sgd",
                  learning_rate=settings["learning_rate"], batch_size=settings["batch_size"], epochs=session.epoch,
                  test_size=round(1 - settings["train_percent"] / 100, 4), validation_split=0.0)
    if kind == "classification":
        config.update(output_activation="sigmoid", loss="binary_crossentropy", task="binary")
    else:
        config.update(output_activation="none", loss="mse")
    return config


def _metrics(session: PlaygroundSession, train: pd.DataFrame, test: pd.DataFrame, plans, staging: Path) -> dict:
    data, model = session.data, session.model
    predictions = model.predict({c: test[[c]].to_numpy("float32") for c in data.columns}, verbose=0)
    if data.task == "binary":
        y_train, y_test = data.y_train.astype("int64"), data.y_test.astype("int64")
        baselines = classification_baselines(train, y_train, test, plans)
        metrics = classification_metrics(y_test, predictions, data.class_names, baselines["baseline"])
        metrics["linear_accuracy"] = float(np.mean(baselines["linear"] == y_test))
        plots.make_confusion_matrix(y_test, (predictions[:, 0] >= 0.5).astype(int), data.class_names,
                                    path=staging / "plots" / "confusion_matrix.png")
        predict = plots.predict_2d(lambda inputs: model.predict(inputs, verbose=0, batch_size=4096), list(data.columns))
        plots.plot_decision_boundary(predict, test.to_numpy(), y_test, staging / "plots" / "decision_boundary.png",
                                     data.class_names, feature_names=data.columns)
        return metrics
    baselines = regression_baselines(train, data.y_train, test, plans)
    plots.plot_predicted_vs_actual(data.y_test, predictions, staging / "plots" / "predicted_vs_actual.png", data.target)
    return regression_metrics(data.y_test, predictions, baselines["baseline"], baselines["linear"])


def save_playground_run(session: PlaygroundSession, *, out: Path | str, command: list[str] | None = None) -> Run:
    """Write the session's current network as a new run folder at `out` (never replacing anything).

    It ends as every pipeline's run does (`pipelines.skeleton.finish_run`).

    Args:
        session: the Playground network, as trained so far.
        out: the new run folder; RunFolderError if it exists.
        command: what to record as the command (default: this process's argv).

    Returns:
        The run, read back from disk.
    """
    data = session.data
    kind = "classification" if data.task == "binary" else "regression"
    train, test = _frames(data)
    plans = _plans(data, train)
    with session.lock, RunWriter(out, overwrite=False) as staging:
        record = new_run_record(kind, _config(session, kind), session.settings["seed"], {
            "source": data.source, "fingerprint": _fingerprint(data), "encoding": "utf-8", "target": data.target,
            "task": data.task, "class_names": data.class_names, "columns": [p.to_dict() for p in plans],
            "rows": {"train": len(train), "validation": 0, "test": len(test)}, "notes": list(NOTES),
        }, command)
        record["playground"] = {k: v for k, v in session.settings.items() if v is not None}
        record["training"] = {"epochs_run": session.epoch, "best_epoch": session.epoch}
        pd.DataFrame({"epoch": range(len(session.history["loss"])), **session.history}).to_csv(staging / HISTORY_FILE, index=False)
        metrics = _metrics(session, train, test, plans, staging)
        if session.history["loss"]:
            plots.plot_loss_curves(session.history, staging / "plots" / "loss.png", title=f"Playground on {data.source}")
        finish_run(staging, model=session.model, record=record, metrics=metrics)
    return load_run(out)
