"""Regression and classification on a table: load -> build -> train -> evaluate -> write run.

Predicting and evaluating with a finished tabular run is in `pipelines/tables.py`.

Example:
    >>> from tfjourney.pipelines.tabular import train_tabular
    >>> run = train_tabular("classification", "circles", seed=42, out="runs/circles")
    >>> run.metrics["accuracy"]
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from tfjourney import plots
from tfjourney.baselines import classification_baselines, dates_that_do_not_help, regression_baselines
from tfjourney.blueprints import DEFAULT_SEED, TabularConfig, get_blueprint
from tfjourney.data.columns import ColumnThresholds
from tfjourney.data.tabular import Table, class_names_of, encode_labels, load_table, split_frame
from tfjourney.errors import ConfigError, TfjourneyNotice
from tfjourney.metrics import classification_metrics, positive_probability, predicted_labels, regression_metrics
from tfjourney.models.tabular import ColumnPlan, build_tabular_model, plan_columns
from tfjourney.models.heads import classifier_output
from tfjourney.pipelines.skeleton import finish_run, fit_in_run, open_run, plot_training, start_distribution
from tfjourney.runs import Run, new_run_record
from tfjourney.progress import Progress, format_duration
from tfjourney.training.budget import Budget, plan_budget
from tfjourney.training.fit import compile_classifier, compile_regressor, set_seed
from tfjourney.training.lr_finder import find_learning_rate
from tfjourney.training.table_data import predict_rows, table_dataset


def _task_of(kind: str, table: Table, requested: str) -> tuple[str, list[str]]:
    if kind == "regression":
        return "regression", []
    class_names = class_names_of(table.y)
    inferred = "binary" if len(class_names) == 2 else "multiclass"
    if requested not in ("auto", inferred):
        raise ConfigError(f"`task` {requested} does not fit target {table.target!r}, which has {len(class_names)} classes; drop `task` to infer it ({inferred}).")
    return inferred, class_names


def _check_output_fits_task(task: str, class_names: list[str], config: TabularConfig) -> None:
    """A sigmoid unit is for two classes, softmax for more: a mismatch trains but predicts nonsense."""
    if task == "regression":
        return
    head = classifier_output(len(class_names))
    if config.output_activation not in ("auto", head.activation):
        raise ConfigError(f"`output_activation` {config.output_activation} does not fit a {task} target, which uses {head.activation}; leave it at auto.")
    if config.loss not in ("auto", head.loss):
        raise ConfigError(f"`loss` {config.loss} does not fit a {task} target, which uses {head.loss}; leave it at auto.")


def _targets(frame: pd.DataFrame, table: Table, class_names: list[str]) -> np.ndarray:
    if class_names:
        return encode_labels(frame[table.target], class_names)
    return frame[table.target].to_numpy(dtype="float32")


def build_network(task: str, plans: list[ColumnPlan], config: TabularConfig, y_fit: np.ndarray, class_names: list[str], learning_rate: float) -> keras.Model:
    """The network for `task`, compiled with the blueprint's optimizer and loss at `learning_rate`."""
    model = build_tabular_model(plans, config, task=task, targets=y_fit, n_classes=len(class_names))
    if task == "regression":
        compile_regressor(model, config.loss, learning_rate, config.optimizer)
    else:
        compile_classifier(model, len(class_names), learning_rate, config.optimizer)
    return model


@dataclass
class PreparedTable:
    """A table read, split and planned exactly as `train` does it (`tfjourney tune` trains its trials on the same)."""

    table: Table
    task: str
    class_names: list[str]
    train_df: pd.DataFrame  # fit + validation rows
    fit_df: pd.DataFrame
    val_df: pd.DataFrame
    test_df: pd.DataFrame
    plans: list[ColumnPlan]
    left_out: dict[str, str]
    y_fit: np.ndarray
    y_val: np.ndarray
    y_test: np.ndarray


def prepare_table(
    kind: str, data: str | Path, config: TabularConfig, *, target: str | None, drop, seed: int, encoding: str = "utf-8",
    sep: str | None = None, decimal: str | None = None, column_types: str | dict[str, str] | None = None, keep=(),
) -> tuple[PreparedTable, TabularConfig]:
    """Load `data`, infer the task, split test / validation off with `seed`, and plan each column on the training rows.

    Args:
        kind: "regression" or "classification".
        data: a CSV path or an embedded dataset name.
        config: the resolved blueprint config (its split fractions and column thresholds are used).
        target, drop, seed, encoding, sep, decimal, column_types, keep: as `train_tabular` takes them.

    Returns:
        The prepared table, and `config` with a classification's `task` filled in.
    """
    table = load_table(
        data, target, drop, kind, encoding=encoding, sep=sep, decimal=decimal,
        thresholds=ColumnThresholds.from_config(config), column_types=column_types, keep=keep,
    )
    task, class_names = _task_of(kind, table, getattr(config, "task", "auto"))
    _check_output_fits_task(task, class_names, config)
    if kind == "classification":
        config = replace(config, task=task)
    stratify = table.y.astype(str) if class_names else None
    train_df, test_df = split_frame(table.frame, config.test_size, seed, stratify)
    fit_df, val_df = split_frame(train_df, config.validation_split, seed, train_df[table.target].astype(str) if class_names else None)
    plans = _plan(fit_df, table, config)
    y_fit, y_val, y_test = (_targets(f, table, class_names) for f in (fit_df, val_df, test_df))
    plans, left_out = _leave_out_useless_dates(plans, fit_df, y_fit, val_df, y_val, task, seed, keep)
    table.notes += [f"column {name!r}: {why}" for name, why in left_out.items()]
    prepared = PreparedTable(table, task, class_names, train_df, fit_df, val_df, test_df, plans, left_out, y_fit, y_val, y_test)
    return prepared, config


def fit_budget(prepared: PreparedTable, config: TabularConfig, *, grow_batch: bool) -> tuple[Budget, TabularConfig]:
    """The batch size and epoch cap for the training rows (training/budget.py), and `config` with them applied.

    `grow_batch` is False when the batch size was chosen (a flag, or a trial's value).
    """
    budget = plan_budget(
        rows=len(prepared.fit_df), batch_size=config.batch_size, epochs=config.epochs, steps_per_epoch=config.steps_per_epoch,
        max_steps=config.max_steps, grow_batch=grow_batch,
    )
    return budget, replace(config, batch_size=budget.batch_size, epochs=budget.epochs)


def train_tabular(
    kind: str,
    data: str | Path,
    *,
    target: str | None = None,
    drop: tuple[str, ...] | list[str] = (),
    out: str | Path | None = None,
    overwrite: bool = False,
    seed: int = DEFAULT_SEED,
    find_lr: bool = False,
    tensorboard: bool = False,
    encoding: str = "utf-8",
    sep: str | None = None,
    decimal: str | None = None,
    column_types: str | dict[str, str] | None = None,
    keep: tuple[str, ...] | list[str] = (),
    command: list[str] | None = None,
    verbose: int = 0,
    progress: Progress | None = None,
    distribute: str = "none",
    devices: int | None = None,
    global_batch_size: int | None = None,
    resume: bool = False,
    hidden: tuple[int, ...] | None = None,
    activation: str | None = None,
    output_activation: str | None = None,
    loss: str | None = None,
    optimizer: str | None = None,
    learning_rate: float | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    validation_split: float | None = None,
    patience: int | None = None,
    test_size: float | None = None,
    steps_per_epoch: int | None = None,
    max_steps: int | None = None,
    max_one_hot: int | None = None,
    hash_buckets: int | None = None,
    identifier_share: float | None = None,
    text_words: float | None = None,
    text_tokens: int | None = None,
    date_share: float | None = None,
    numeric_share: float | None = None,
    task: str | None = None,
    study: dict | None = None,
) -> Run:
    """Train the `kind` blueprint ("regression" or "classification") on `data` and write a run folder.

    ``progress`` shows each phase as it runs (default: nothing is shown); ``verbose`` prints Keras's own epoch lines.
    `column_types` ("col=role,...") overrides the inferred column roles; `keep` uses columns that
    look like IDs or constants anyway. A batch size passed in `hyperparameters` is used as is;
    otherwise the batch grows with the rows (see tfjourney.training.budget).
    `distribute` ("none", "mirrored", "multiworker", "auto"), `devices` and `global_batch_size`
    choose how training is spread (training/distributed.py); `resume` continues the
    interrupted run of the same command from its last finished epoch.

    Args:
        kind: "regression" or "classification".
        data: a CSV path or an embedded dataset name (see `tfjourney datasets`).
        target: the column to predict (optional for embedded datasets).
        drop: columns to leave out.
        find_lr: run the learning-rate sweep first and use its suggestion.
        encoding: a text file's encoding.
        sep: the delimiter of a text file; None guesses it (and a note says so).
        decimal: the decimal mark of numbers written as text, "." or ","; None guesses it.
        column_types: "col=role,..." overriding the inferred column roles.
        keep: columns to use even if they look like IDs or constants.
        out: the run folder to write (default: runs/<blueprint>-<timestamp>).
        overwrite: replace a previous run folder at `out` (never other files).
        seed: the random seed; the same seed repeats a run.
        tensorboard: also write TensorBoard logs to RUN_DIR/logs.
        command: the command line recorded in run.json (default: this process's).
        verbose: 2 prints Keras's own epoch lines.
        progress: shows each phase as it runs (default: nothing is shown).
        hidden: Hidden layers (neurons each); None (default) takes the blueprint's value.
        activation: Hidden activation; None (default) takes the blueprint's value.
        output_activation: Output activation; None (default) takes the blueprint's value.
        loss: Loss function; None (default) takes the blueprint's value.
        optimizer: Optimizer; None (default) takes the blueprint's value.
        learning_rate: Learning rate (halved when validation loss stalls); None (default) takes the blueprint's value.
        epochs: Epochs (max; early stopping decides); None (default) takes the blueprint's value.
        batch_size: Batch size; None (default) takes the blueprint's value.
        validation_split: Validation split (from training data); None (default) takes the blueprint's value.
        patience: Early stopping patience (epochs); None (default) takes the blueprint's value.
        test_size: Test split; None (default) takes the blueprint's value.
        steps_per_epoch: Steps per epoch before the batch grows (batch doubles from the batch size); None (default) takes the blueprint's value.
        max_steps: Max optimizer steps (caps the epochs of large tables); None (default) takes the blueprint's value.
        max_one_hot: One-hot up to this many categories (more: hashed); None (default) takes the blueprint's value.
        hash_buckets: Hash buckets of a high-cardinality column; None (default) takes the blueprint's value.
        identifier_share: Identifier-like: distinct values / rows at least; None (default) takes the blueprint's value.
        text_words: Free text: average words per value at least; None (default) takes the blueprint's value.
        text_tokens: Free-text vocabulary (bag of words); None (default) takes the blueprint's value.
        date_share: Dates: share of values that parse at least; None (default) takes the blueprint's value.
        numeric_share: Numbers: share of non-empty cells that parse at least (the other tokens read as missing); None (default) takes the blueprint's value.
        task: Task (classification only); None (default) takes the blueprint's value.
        study: for a run `tfjourney tune` retrained from its best trial: the study and trial, kept in run.json.

    Returns:
        The finished run (`tfjourney.runs.Run`), read back from its folder.
    """
    hyperparameters = {  # the blueprint's keys; None takes the blueprint's value
        "hidden": hidden, "activation": activation, "output_activation": output_activation, "loss": loss,
        "optimizer": optimizer, "learning_rate": learning_rate, "epochs": epochs, "batch_size": batch_size,
        "validation_split": validation_split, "patience": patience, "test_size": test_size,
        "steps_per_epoch": steps_per_epoch, "max_steps": max_steps, "max_one_hot": max_one_hot,
        "hash_buckets": hash_buckets, "identifier_share": identifier_share, "text_words": text_words,
        "text_tokens": text_tokens, "date_share": date_share, "numeric_share": numeric_share, "task": task,
    }
    distribution = start_distribution(distribute, devices=devices, global_batch_size=global_batch_size, hyperparameters=hyperparameters)
    config = get_blueprint(kind).resolve(**hyperparameters)
    writer = open_run(kind, out=out, overwrite=overwrite, resume=resume, distribution=distribution)
    prepared, config = prepare_table(kind, data, config, target=target, drop=drop, seed=seed, encoding=encoding, sep=sep,
                                     decimal=decimal, column_types=column_types, keep=keep)
    table, task, class_names, plans, left_out = prepared.table, prepared.task, prepared.class_names, prepared.plans, prepared.left_out
    train_df, fit_df, val_df, test_df = prepared.train_df, prepared.fit_df, prepared.val_df, prepared.test_df
    y_fit, y_val, y_test = prepared.y_fit, prepared.y_val, prepared.y_test
    timings: dict[str, float] = {}
    budget, config = fit_budget(prepared, config, grow_batch=hyperparameters.get("batch_size") is None)

    set_seed(seed)
    fit_ds = table_dataset(fit_df, y_fit, plans, config.batch_size, seed, shuffle=True)
    val_ds = table_dataset(val_df, y_val, plans, config.batch_size, seed, shuffle=False)
    lr_result = None
    if find_lr:
        started = time.perf_counter()
        sweep_model = build_network(task, plans, config, y_fit, class_names, config.learning_rate)
        with (progress or Progress.silent()).phase("finding the learning rate") as phase:
            lr_result = find_learning_rate(sweep_model, fit_ds, steps_per_epoch=int(np.ceil(len(fit_df) / config.batch_size)))
            phase.done(f"learning-rate finder: suggests {lr_result.suggested:.3g} ({format_duration(phase.elapsed)})")
        config = replace(config, learning_rate=lr_result.suggested)
        timings["find_lr_seconds"] = time.perf_counter() - started
        set_seed(seed)

    distribution.check_batch_size(config.batch_size)
    with distribution.scope():
        model = build_network(task, plans, config, y_fit, class_names, config.learning_rate)
    record = new_run_record(
        kind,
        config,
        seed,
        {
            "source": table.source,
            "fingerprint": table.fingerprint,
            "encoding": table.encoding,
            "delimiter": table.delimiter,
            "decimal": table.decimal,
            "target": table.target,
            "target_format": table.target_format.to_dict() if table.target_format else None,
            "dropped": table.dropped,
            "task": task,
            "class_names": class_names,
            "columns": _column_records(table, plans, left_out),
            "budget": budget.to_dict(),
            "rows": {"train": len(fit_df), "validation": len(val_df), "test": len(test_df)},
            "class_balance": _class_balance(table, class_names, fit_df, val_df, test_df),
            "notes": table.notes,
        },
        command,
    )
    if study is not None:
        record["study"] = study

    with writer as staging:
        identity = {"blueprint": kind, "data": table.source, "target": table.target, "seed": seed, "config": config}
        result = fit_in_run(writer, staging, model, fit_ds, val_ds, config=config, identity=identity, record=record,
                            distribution=distribution, tensorboard=tensorboard, verbose=verbose, progress=progress)
        timings["train_seconds"] = result.seconds
        started = time.perf_counter()
        predictions = predict_rows(model, test_df, plans, progress)
        timings["evaluate_seconds"] = time.perf_counter() - started
        metrics = _evaluate(task, table, plans, train_df, test_df, y_test, predictions, class_names, staging, seed)
        plot_training(staging, result.history, title=f"{kind} on {Path(table.source).name}", record=record, lr_result=lr_result)
        if class_names and len(plans) == 2 and all(p.kind == "numeric" for p in plans):
            _plot_boundary(model, plans, test_df, y_test, class_names, staging / "plots" / "decision_boundary.png")
        finish_run(staging, model=model, record=record, metrics=metrics, timings=timings)
    return writer.finished_run()


def _plan(fit_df: pd.DataFrame, table: Table, config: TabularConfig) -> list[ColumnPlan]:
    """Each used column's treatment, from its role and the training split's statistics."""
    roles = {r.name: r for r in table.roles}
    return plan_columns(
        fit_df[table.features],
        {name: r.role for name, r in roles.items()},
        date_formats={name: r.date_format for name, r in roles.items()},
        hash_buckets=config.hash_buckets,
        text_tokens=config.text_tokens,
    )


_LEFT_OUT_TREATMENT = {
    "identifier": "left out: identifier-like (name it in `keep` to use it)",
    "constant": "left out: one value only (name it in `keep` to use it)",
    "empty": "left out: no values",
}


def _leave_out_useless_dates(plans, fit_df, y_fit, val_df, y_val, task, seed, keep) -> tuple[list[ColumnPlan], dict[str, str]]:
    """Dates gradient boosting finds no use for on the validation rows are noise to the network: left out, with a notice."""
    useless = dates_that_do_not_help(fit_df, y_fit, val_df, y_val, plans, task=task, seed=seed)
    useless = {name: scores for name, scores in useless.items() if name not in keep}
    if len(useless) == len(plans):
        return plans, {}
    score = "MAE" if task == "regression" else "log loss"
    left_out = {}
    for name, (with_dates, without) in useless.items():
        evidence = f"gradient boosting's validation {score} was {with_dates:,.4g} with them, {without:,.4g} without"
        left_out[name] = f"left out: the dates did not help ({evidence}); name it in `keep` to use them"
        warnings.warn(f"column {name!r} holds dates that did not help ({evidence}); left out (name it in `keep` to use them)", TfjourneyNotice, stacklevel=3)
    return [p for p in plans if p.name not in left_out], left_out


def _column_records(table: Table, plans: list[ColumnPlan], left_out: dict[str, str]) -> list[dict]:
    """Every feature column for run.json and the report: role and treatment, used or left out."""
    by_name = {p.name: p for p in plans}
    records = []
    for role in table.roles:
        if role.name in by_name:
            records.append({**by_name[role.name].to_dict(), "reason": role.reason, "number_format": role.number_format})
        elif role.name in left_out:
            records.append({"name": role.name, "kind": role.role, "role": role.role, "used": False, "reason": role.reason,
                            "date_format": role.date_format, "treatment": left_out[role.name]})
        else:
            treatment = _LEFT_OUT_TREATMENT.get(role.role, "left out").format(name=role.name)
            records.append({"name": role.name, "kind": role.role, "role": role.role, "used": False, "reason": role.reason, "treatment": treatment})
    return records or [p.to_dict() for p in plans]


def _class_balance(table: Table, class_names, *frames) -> dict:
    if not class_names:
        return {}
    names = ("train", "validation", "test")
    return {
        name: {c: int(n) for c, n in zip(class_names, np.bincount(encode_labels(f[table.target], class_names), minlength=len(class_names)))}
        for name, f in zip(names, frames)
    }


def _evaluate(task, table, plans, train_df, test_df, y_test, predictions, class_names, staging: Path, seed: int) -> dict:
    y_train = _targets(train_df, table, class_names)
    if task == "regression":
        baselines = regression_baselines(train_df, y_train, test_df, plans, seed=seed)
        metrics = regression_metrics(y_test, predictions, baselines["baseline"], baselines["linear"], baselines["gbm"])
        plots.plot_predicted_vs_actual(y_test, predictions, staging / "plots" / "predicted_vs_actual.png", table.target)
        return metrics
    baselines = classification_baselines(train_df, y_train, test_df, plans, seed=seed)
    metrics = classification_metrics(y_test, predictions, class_names, baselines["baseline"])
    metrics["linear_accuracy"] = float(np.mean(baselines["linear"] == y_test))
    metrics["gbm_accuracy"] = float(np.mean(baselines["gbm"] == y_test))
    plots.make_confusion_matrix(y_test, predicted_labels(predictions), class_names, path=staging / "plots" / "confusion_matrix.png")
    if task == "binary":
        plots.plot_roc_curve(y_test, positive_probability(predictions), metrics.get("roc_auc"), staging / "plots" / "roc_curve.png",
                            class_names[1])
    return metrics


def _plot_boundary(model, plans, frame, y, class_names, path: Path) -> None:
    columns = [p.name for p in plans]
    predict = plots.predict_2d(lambda inputs: model.predict(inputs, verbose=0, batch_size=4096), columns)
    plots.plot_decision_boundary(predict, frame[columns].to_numpy(), y, path, class_names, feature_names=tuple(columns))
