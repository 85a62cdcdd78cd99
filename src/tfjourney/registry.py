"""Every blueprint, registered once: its config type and the functions that train, predict, evaluate and describe its runs.

Front ends (the CLI, `predict`/`evaluate`, the journey, the report, and every later one)
look a blueprint up here instead of branching on its name. Functions are named as
"module:function" strings and imported on first use, so importing this module imports no
TensorFlow.

Adding a fifth blueprint: put its table in `tfjourney/blueprints.py` (rows + a config
dataclass), write its pipeline module (train / predict / evaluate functions with the
signatures below), and add one `register(Registration(...))` line here.

Example:
    >>> from tfjourney.registry import get_registration
    >>> get_registration("cnn").reads
    'images'
    >>> train_cnn = get_registration("cnn").trainer()  # imports the pipeline (and TensorFlow) now
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tfjourney.blueprints import BLUEPRINTS, Blueprint
from tfjourney.errors import ConfigError, RunFolderError


@dataclass(frozen=True)
class Registration:
    """How the front ends drive one blueprint.

    Attributes:
        name: the blueprint's name in `tfjourney.blueprints`.
        reads: what its runs predict from and are evaluated on: "table" (CSV rows) or "images".
        report_kind: the report's task-specific section: "regression", "classification" or "image".
        train: "module:function" called as `train(data, *train_args, **options)`, returning a `Run`.
        train_args: positional arguments put in front of `data` (e.g. the tabular kind).
        options: the run options its `train` takes besides the blueprint's hyperparameters
            (e.g. `target`, `strict`, `weights`); the CLI passes exactly these.
        predict: "module:function" called as `predict(run, inputs, top_k=None, tta=False)`, returning a DataFrame.
        evaluate: "module:function" called as `evaluate(run, data, tta=False)`, returning a metrics dict.
        describe: "module:function" called as `describe(blueprint_name, metrics)`: the run's one-line headline.
    """

    name: str
    reads: str
    report_kind: str
    train: str
    predict: str
    evaluate: str
    options: tuple[str, ...] = ()
    train_args: tuple[Any, ...] = ()
    describe: str = "tfjourney.reports.headline:headline"

    @property
    def blueprint(self) -> Blueprint:
        return BLUEPRINTS[self.name]

    @property
    def config_type(self) -> type:
        return self.blueprint.config_type

    def trainer(self) -> Callable[..., Any]:
        """`train(data, **options_and_hyperparameters) -> Run`, with `train_args` already applied."""
        return functools.partial(load(self.train), *self.train_args)

    def predictor(self) -> Callable[..., Any]:
        return load(self.predict)

    def evaluator(self) -> Callable[..., Any]:
        return load(self.evaluate)

    def describer(self) -> Callable[[str, dict], str]:
        return load(self.describe)


def load(target: str) -> Callable[..., Any]:
    """Import "package.module:function" and return the function."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


REGISTRY: dict[str, Registration] = {}


def register(registration: Registration) -> Registration:
    """Add a blueprint's registration; its table must already be in `tfjourney.blueprints`."""
    if registration.name not in BLUEPRINTS:
        raise ConfigError(f"blueprint {registration.name!r} has no table in tfjourney.blueprints; add its rows there first.")
    if registration.reads not in ("table", "images"):
        raise ConfigError(f"`reads` must be 'table' or 'images', got {registration.reads!r}.")
    REGISTRY[registration.name] = registration
    return registration


def get_registration(name: str) -> Registration:
    """The registration of blueprint `name`; unknown names list the registered ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ConfigError(f"unknown blueprint {name!r}; choose one of: {', '.join(REGISTRY)}.") from None


def registration_of_run(blueprint: str, path: Any = None) -> Registration:
    """The registration of a run's blueprint, or RunFolderError for a run tfjourney cannot handle."""
    if blueprint not in REGISTRY:
        where = f"{path} is a" if path is not None else "a"
        raise RunFolderError(f"{where} {blueprint!r} run, which this tfjourney does not know; "
                             f"it handles {', '.join(REGISTRY)} runs.")
    return REGISTRY[blueprint]


def reads_images(blueprint: str) -> bool:
    """Whether runs of `blueprint` take images (cnn, transfer); False for unknown names."""
    return blueprint in REGISTRY and REGISTRY[blueprint].reads == "images"


def names_reading(reads: str) -> tuple[str, ...]:
    """The blueprints whose runs read `reads` ("table" or "images"), e.g. for `load_run(expect=...)`."""
    return tuple(name for name, registration in REGISTRY.items() if registration.reads == reads)


_TABULAR_OPTIONS = ("target", "drop", "find_lr", "encoding", "sep", "decimal", "column_types", "keep")
register(Registration(
    "regression", reads="table", report_kind="regression",
    train="tfjourney.pipelines.tabular:train_tabular", train_args=("regression",), options=_TABULAR_OPTIONS,
    predict="tfjourney.pipelines.tables:predict_run", evaluate="tfjourney.pipelines.tables:evaluate_run",
))
register(Registration(
    "classification", reads="table", report_kind="classification",
    train="tfjourney.pipelines.tabular:train_tabular", train_args=("classification",), options=_TABULAR_OPTIONS,
    predict="tfjourney.pipelines.tables:predict_run", evaluate="tfjourney.pipelines.tables:evaluate_run",
))
register(Registration(
    "cnn", reads="images", report_kind="image",
    train="tfjourney.pipelines.cnn:train_cnn", options=("strict",),
    predict="tfjourney.pipelines.images:predict_images", evaluate="tfjourney.pipelines.images:evaluate_images",
))
register(Registration(
    "transfer", reads="images", report_kind="image",
    train="tfjourney.pipelines.transfer:train_transfer", options=("strict", "weights", "find_lr"),
    predict="tfjourney.pipelines.images:predict_images", evaluate="tfjourney.pipelines.images:evaluate_images",
))
