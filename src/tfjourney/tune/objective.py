"""What one trial trains: the blueprint's own data split, model and training recipe, at the trial's hyperparameters.

A search prepares its data once, exactly as `train` would (`prepare_table` for tables,
`load_for_training` for images), then each trial builds the blueprint's model with the trial's
config and trains it on the training rows, scored on the validation split. The test split is
handed to no trial: a `Search` keeps only the training and validation parts.

Example:
    >>> search = tabular_search("regression", "insurance.csv", target="charges", fixed={}, seed=42)
    >>> search.metric, search.direction
    ('mae', 'minimize')
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import keras
import numpy as np

from tfjourney.blueprints import get_blueprint
from tfjourney.errors import ConfigError
from tfjourney.training.fit import default_callbacks, fit, set_seed
from tfjourney.tune.pruning import PruningCallback


class TrialOutOfTime(Exception):
    """The study's timeout ran out inside a trial; the trial is failed (not scored) and the study stops."""


@dataclass
class Search:
    """One blueprint's trials on one dataset: how to train a config and score it on the validation split.

    Attributes:
        blueprint: the blueprint's name.
        metric: the validation metric the study optimises ("mae", "accuracy").
        direction: "minimize" or "maximize".
        fingerprint: identifies the data (a study refuses other data under its name).
        train: `train(config, callbacks) -> (validation score, epochs run)`.
        baselines: validation scores of reference models on the same split, e.g. {"gradient boosting": 1612.0}.
        resolved: `resolved(values)` -> the checked config a trial trains with.
    """

    blueprint: str
    metric: str
    direction: str
    fingerprint: str
    train: Callable[[Any, list], tuple[float, int]]
    resolved: Callable[[dict], Any]
    baselines: dict[str, float] = field(default_factory=dict)
    seed: int = 0

    def objective(self, space, *, deadline: float | None = None):
        """The Optuna objective: suggest from `space`, train, report each epoch, return the validation score."""
        return lambda trial: self._run_trial(trial, space, deadline)

    def _run_trial(self, trial, space, deadline: float | None) -> float:
        import optuna

        values = space.suggest(trial)
        trial.set_user_attr("worker", int(os.environ.get("TFJOURNEY_TUNE_WORKER", "0") or 0))
        try:
            config = self.resolved(values)
        except ConfigError as exc:  # e.g. a kernel that does not fit the image after strides: not a config to score
            trial.set_user_attr("invalid", str(exc))
            raise optuna.TrialPruned(str(exc)) from None
        pruning = PruningCallback(trial, monitor=f"val_{self.metric}", deadline=deadline)
        started = time.perf_counter()
        score, epochs = self.train(config, [pruning])
        trial.set_user_attr("epochs", epochs)
        trial.set_user_attr("seconds", round(time.perf_counter() - started, 2))
        if pruning.out_of_time_at is not None:
            raise TrialOutOfTime(f"the timeout ran out after {epochs} epochs of trial {trial.number}")
        if pruning.pruned_at is not None:
            raise optuna.TrialPruned(f"pruned after epoch {pruning.pruned_at + 1}")
        return score


def _fit_and_score(model: keras.Model, train_ds, val_ds, config, callbacks: list, metric: str) -> tuple[float, int]:
    """Train with the blueprint's recipe (early stopping restores the best weights) and score the kept weights."""
    recipe = default_callbacks(None, config.patience)
    result = fit(model, train_ds, val_ds, config.epochs, [*recipe, *callbacks])
    scores = model.evaluate(val_ds, verbose=0, return_dict=True)
    return float(scores[metric]), result.epochs_run


def tabular_search(kind: str, data: str | Path, *, target: str | None, fixed: dict, seed: int, drop=(),
                   encoding: str = "utf-8", column_types=None, keep=()) -> Search:
    """The trials of a regression or classification study: the table split exactly as `train_tabular` splits it.

    Args:
        kind: "regression" or "classification".
        data: a CSV path or an embedded dataset name.
        target, drop, encoding, column_types, keep: as `train_tabular` takes them.
        fixed: blueprint values every trial shares (the search space's fixed keys).
        seed: the seed of the split and of every trial's initial weights.

    Returns:
        The `Search`; it holds the training and validation rows only.
    """
    from tfjourney.baselines import classification_baselines, regression_baselines
    from tfjourney.pipelines.tabular import build_network, fit_budget, prepare_table
    from tfjourney.training.table_data import table_dataset

    blueprint = get_blueprint(kind)
    base = blueprint.resolve(**fixed)
    prepared, base = prepare_table(kind, data, base, target=target, drop=drop, seed=seed, encoding=encoding,
                                   column_types=column_types, keep=keep)
    prepared.test_df = prepared.test_df.iloc[:0]  # no trial may look at the test rows
    prepared.y_test = prepared.y_test[:0]
    task, plans, class_names = prepared.task, prepared.plans, prepared.class_names
    metric, direction = ("mae", "minimize") if task == "regression" else ("accuracy", "maximize")
    default_batch = blueprint.defaults()["batch_size"]

    def resolved(values: dict) -> Any:
        config = blueprint.resolve(**values)
        if kind == "classification":
            config = replace(config, task=task)
        grow = "batch_size" not in fixed and values.get("batch_size", default_batch) == default_batch  # as `train` without --batch-size
        return fit_budget(prepared, config, grow_batch=grow)[1]

    def train(config, callbacks: list) -> tuple[float, int]:
        set_seed(seed)  # the same order of calls as train_tabular: a trial at the defaults is the default run
        fit_ds = table_dataset(prepared.fit_df, prepared.y_fit, plans, config.batch_size, seed, shuffle=True)
        val_ds = table_dataset(prepared.val_df, prepared.y_val, plans, config.batch_size, seed, shuffle=False)
        model = build_network(task, plans, config, prepared.y_fit, class_names, config.learning_rate)
        return _fit_and_score(model, fit_ds, val_ds, config, callbacks, metric)

    if task == "regression":
        gbm = regression_baselines(prepared.fit_df, prepared.y_fit, prepared.val_df, plans, seed=seed)["gbm"]
        baselines = {"gradient boosting": float(np.mean(np.abs(gbm - prepared.y_val)))}
    else:
        gbm = classification_baselines(prepared.fit_df, prepared.y_fit, prepared.val_df, plans, seed=seed)["gbm"]
        baselines = {"gradient boosting": float(np.mean(gbm == prepared.y_val))}
    fingerprint = f"{prepared.table.fingerprint}:{prepared.table.target}"
    return Search(kind, metric, direction, fingerprint, train, resolved, baselines, seed)


def cnn_search(data: str | Path, *, fixed: dict, seed: int, strict: bool = False) -> Search:
    """The trials of a CNN study: the image folder split exactly as `train_cnn` splits it (test images unused).

    Args:
        data: an image folder or an embedded image dataset (`digits`, `shapes`).
        fixed: blueprint values every trial shares (e.g. image_size).
        seed: the seed of the split and of every trial's initial weights.
        strict: fail on unreadable images instead of skipping them.

    Returns:
        The `Search`.
    """
    from tfjourney.models.cnn import build_cnn, check_cnn_shapes
    from tfjourney.pipelines.images import data_record, load_for_training, resolve_image_source
    from tfjourney.training.fit import compile_classifier

    blueprint = get_blueprint("cnn")
    folder, source, native_size = resolve_image_source(data)
    if "image_size" not in fixed and native_size is not None:
        fixed = {**fixed, "image_size": native_size}
    loaded: dict[int, Any] = {}  # image data per batch size (the datasets are batched when loaded)

    def images(config):
        if config.batch_size not in loaded:
            image_data = load_for_training(folder, config, seed, strict, None)
            image_data.test = None  # no trial may look at the test images
            loaded[config.batch_size] = image_data
        return loaded[config.batch_size]

    def resolved(values: dict) -> Any:
        config = blueprint.resolve(**values)
        check_cnn_shapes(config)
        return config

    def train(config, callbacks: list) -> tuple[float, int]:
        image_data = images(config)
        n_classes = len(image_data.class_names)
        set_seed(seed)
        model = build_cnn(config, n_classes, seed=seed)
        compile_classifier(model, n_classes, config.learning_rate)
        return _fit_and_score(model, image_data.train, image_data.val, config, callbacks, "accuracy")

    first = images(blueprint.resolve(**fixed))
    fingerprint = data_record(first, source, folder).get("fingerprint", source)
    return Search("cnn", "accuracy", "maximize", str(fingerprint), train, resolved, {}, seed)


def make_search(blueprint: str, data: str | Path, *, target: str | None, fixed: dict, seed: int, drop=()) -> Search:
    """The `Search` of a tunable blueprint: a table blueprint (regression, classification) or the CNN."""
    from tfjourney.blueprints import CnnConfig
    from tfjourney.registry import get_registration

    registration = get_registration(blueprint)
    if registration.kind == "table":
        return tabular_search(blueprint, data, target=target, fixed=fixed, seed=seed, drop=drop)
    if registration.config_type is CnnConfig:
        if target is not None:
            raise ConfigError("`target` is for tables; a cnn study reads its classes from the image folders, so drop it.")
        return cnn_search(data, fixed=fixed, seed=seed)
    raise ConfigError(f"tfjourney tune searches the regression, classification and cnn blueprints, not {blueprint!r}; "
                      "train it with `tfjourney train` instead.")
