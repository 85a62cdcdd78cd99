"""Every blueprint, registered once: its config type and the functions that train, predict, evaluate and describe its runs.

Front ends (the CLI, `predict`/`evaluate`, the journey, the report, and every later one)
look a blueprint up here instead of branching on its name. Functions are named as
"module:function" strings and imported on first use, so importing this module imports no
TensorFlow.

Adding a blueprint: put its table in `tfjourney/blueprints.py` (rows + a config dataclass),
write its pipeline module (a train function with the signature below), and add one
`register(Registration(...))` line here naming its kind of input and its task. A new kind of
input is one more module in `tfjourney/kinds/`.

Example:
    >>> from tfjourney.registry import get_registration
    >>> get_registration("cnn").kind, get_registration("cnn").task
    ('images', 'classification')
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
from tfjourney.kinds import Kind, get_kind
from tfjourney.tasks import Task, get_task


@dataclass(frozen=True)
class Registration:
    """How the front ends drive one blueprint.

    Attributes:
        name: the blueprint's name in `tfjourney.blueprints`.
        kind: the kind of input its runs read ("table", "images", ...; see `tfjourney.kinds`), which
            owns reading predict/evaluate inputs, decoding HTTP requests, export samples and uploads.
        task: what it predicts ("regression", "classification", "forecast"; see `tfjourney.tasks`),
            which decides the primary metric, its baselines and the headline.
        train: "module:function" called as `train(data, *train_args, **options)`, returning a `Run`.
        train_args: positional arguments put in front of `data` (e.g. the tabular kind).
        options: the run options its `train` takes besides the blueprint's hyperparameters
            (e.g. `target`, `strict`, `weights`); the CLI passes exactly these.
        predict: "module:function" called as `predict(run, inputs, top_k=None, tta=False)`, returning a
            DataFrame; None: the kind's.
        evaluate: "module:function" called as `evaluate(run, data, tta=False)`, returning a metrics dict;
            None: the kind's.
        describe: "module:function" called as `describe(blueprint_name, metrics)`: the run's one-line headline.
    """

    name: str
    kind: str
    task: str
    train: str
    options: tuple[str, ...] = ()
    train_args: tuple[Any, ...] = ()
    predict: str | None = None
    evaluate: str | None = None
    describe: str = "tfjourney.reports.headline:headline"

    @property
    def blueprint(self) -> Blueprint:
        return BLUEPRINTS[self.name]

    @property
    def config_type(self) -> type:
        return self.blueprint.config_type

    @property
    def input_kind(self) -> Kind:
        """The `Kind` its runs read (imports the kind's small module, not TensorFlow)."""
        return get_kind(self.kind)

    @property
    def task_spec(self) -> Task:
        return get_task(self.task)

    @property
    def report_section(self) -> str:
        """The report's results section: the kind's own ("image"), else the task's."""
        return self.input_kind.report_section or self.task

    def trainer(self) -> Callable[..., Any]:
        """`train(data, **options_and_hyperparameters) -> Run`, with `train_args` already applied."""
        return functools.partial(load(self.train), *self.train_args)

    def predictor(self) -> Callable[..., Any]:
        return load(self.predict) if self.predict else self.input_kind.function("predict")

    def evaluator(self) -> Callable[..., Any]:
        return load(self.evaluate) if self.evaluate else self.input_kind.function("evaluate")

    def describer(self) -> Callable[[str, dict], str]:
        return load(self.describe)

    def kind_function(self, name: str) -> Callable[..., Any]:
        """The kind's `name` function (`decode`, `outputs`, `samples`, ...)."""
        return self.input_kind.function(name)

    def to_dict(self) -> dict:
        """What a web page needs to know about runs of this blueprint: its kind and task."""
        return {"blueprint": self.name, "kind": self.input_kind.to_dict(), "task": self.task}


def load(target: str) -> Callable[..., Any]:
    """Import "package.module:function" and return the function."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


REGISTRY: dict[str, Registration] = {}


def register(registration: Registration) -> Registration:
    """Add a blueprint's registration; its table must already be in `tfjourney.blueprints`."""
    if registration.name not in BLUEPRINTS:
        raise ConfigError(f"blueprint {registration.name!r} has no table in tfjourney.blueprints; add its rows there first.")
    get_kind(registration.kind)  # an unknown kind or task fails here, at registration, naming it
    get_task(registration.task)
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


def names_of_kind(kind: str) -> tuple[str, ...]:
    """The blueprints whose runs read `kind` ("table", "images", ...), e.g. for `load_run(expect=...)`."""
    return tuple(name for name, registration in REGISTRY.items() if registration.kind == kind)


def registration_for(blueprint: str) -> Registration | None:
    """The registration of `blueprint`, or None for a blueprint this tfjourney does not know."""
    return REGISTRY.get(blueprint)


_TABULAR_OPTIONS = ("target", "drop", "find_lr", "encoding", "sep", "decimal", "column_types", "keep")
register(Registration(
    "regression", kind="table", task="regression",
    train="tfjourney.pipelines.tabular:train_tabular", train_args=("regression",), options=_TABULAR_OPTIONS,
))
register(Registration(
    "classification", kind="table", task="classification",
    train="tfjourney.pipelines.tabular:train_tabular", train_args=("classification",), options=_TABULAR_OPTIONS,
))
register(Registration("cnn", kind="images", task="classification", train="tfjourney.pipelines.cnn:train_cnn", options=("strict",)))
register(Registration(
    "transfer", kind="images", task="classification",
    train="tfjourney.pipelines.transfer:train_transfer", options=("strict", "weights", "find_lr"),
))
