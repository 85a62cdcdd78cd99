"""A blueprint's search space with the user's `--space` overrides: what each trial suggests, checked once.

The spaces themselves are data on the blueprint rows (`tfjourney.blueprints.Space`); this module
reads the overrides a user types, checks every end and choice with the row's own `check` (so
`--space learning_rate=0:1` fails exactly as `--lr 0` does), and turns a space into Optuna
suggestions and back into config values.

Override forms (`key=...`):
    lo:hi          a number range (whole numbers for an int row); `lo:hi:log` samples on a log scale
    a,b,c          choices
    value          fixed: the key is not searched
    10:100x1:3     (tuple rows such as `hidden`) neurons 10-100, 1 to 3 layers

Example:
    >>> space = search_space("regression", ["learning_rate=1e-3:1e-1", "loss=mae,huber", "epochs=50"])
    >>> space.fixed
    {'epochs': 50}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tfjourney.blueprints import Blueprint, Range, Row, Space, format_value, get_blueprint
from tfjourney.errors import ConfigError

# Keys a search may not vary: every trial must see the same validation split, and the test split is never tuned.
UNSEARCHABLE = ("validation_split", "test_size", "test_split", "image_size")
LAYERS_PARAM = "_layers"  # hidden -> hidden_layers, hidden_neurons
NEURONS_PARAM = "_neurons"


@dataclass(frozen=True)
class SearchSpace:
    """The keys a study searches (key -> Space) and the keys it fixes (key -> value) for one blueprint."""

    blueprint: str
    searched: dict[str, Space] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A plain, comparable form: stored with the study, compared when a study is opened again."""
        return {
            "blueprint": self.blueprint,
            "searched": {key: space.to_dict() for key, space in sorted(self.searched.items())},
            "fixed": {key: format_value(value) for key, value in sorted(self.fixed.items())},
        }

    def suggest(self, trial) -> dict[str, Any]:
        """The config values of one Optuna trial: each searched key drawn from its space, then the fixed keys."""
        blueprint = get_blueprint(self.blueprint)
        values = {key: _suggest(trial, blueprint.row_for(key), key, space) for key, space in self.searched.items()}
        return {**values, **self.fixed}

    def default_params(self) -> dict[str, Any]:
        """Optuna parameters that reproduce the blueprint's defaults (trial 0), clipped into the space."""
        defaults = get_blueprint(self.blueprint).defaults()
        params: dict[str, Any] = {}
        for key, space in self.searched.items():
            params.update(_as_params(key, defaults[key], space))
        return params

    def config_values(self, params: dict[str, Any]) -> dict[str, Any]:
        """Optuna parameters (a finished trial's `params`) -> the config values they stand for."""
        values = dict(self.fixed)
        for key, space in self.searched.items():
            if space.layers is not None:
                values[key] = (int(params[key + NEURONS_PARAM]),) * int(params[key + LAYERS_PARAM])
            else:
                values[key] = params[key]
        return values


def search_space(blueprint: str | Blueprint, overrides: Iterable[str] | None = None) -> SearchSpace:
    """The blueprint's default search space with `overrides` ("key=lo:hi", "key=a,b,c", "key=value") applied.

    Args:
        blueprint: a blueprint or its name.
        overrides: the `--space` texts; later ones win.

    Returns:
        The checked `SearchSpace`. Raises ConfigError naming the key and the fix for an unknown
        key, a key that may not be searched, an empty or inverted range, or a value the row refuses.
    """
    blueprint = get_blueprint(blueprint) if isinstance(blueprint, str) else blueprint
    searched = dict(blueprint.search_space())
    fixed: dict[str, Any] = {}
    for text in overrides or ():
        key, value = _parse_one(blueprint, text)
        searched.pop(key, None)
        fixed.pop(key, None)
        if isinstance(value, Space):
            searched[key] = value
        else:
            fixed[key] = value
    return SearchSpace(blueprint.name, searched, fixed)


def _parse_one(blueprint: Blueprint, text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    key = key.strip().replace("-", "_")
    keys = blueprint.defaults()
    if not sep or not key:
        raise ConfigError(f"`space` {text!r} needs the form KEY=LO:HI, KEY=A,B,C or KEY=VALUE, e.g. learning_rate=0.0001:0.1.")
    if key not in keys:
        raise ConfigError(f"`space` key {key!r} is not a hyperparameter of the {blueprint.name} blueprint; choose from: {', '.join(sorted(keys))}.")
    row = blueprint.row_for(key)
    value = value.strip()
    if not value:
        raise ConfigError(f"`space` {key}= is empty; give a range such as {_example(row)}, choices a,b,c, or one value.")
    if ":" in value:
        if key in UNSEARCHABLE:
            raise ConfigError(f"`space` {key} cannot be searched (every trial must use the same data split and size); fix it with {key}=VALUE.")
        return key, _parse_range(row, key, value)
    if isinstance(row.default, tuple):  # `hidden=64,64` is one value, not choices
        return key, row.check(_parse_tuple(key, value))
    parts = [p.strip() for p in value.split(",")]
    if len(parts) == 1:
        return key, row.check(_parse_scalar(row, key, parts[0]))
    if key in UNSEARCHABLE:
        raise ConfigError(f"`space` {key} cannot be searched (every trial must use the same data split and size); fix it with {key}=VALUE.")
    if "" in parts:
        raise ConfigError(f"`space` {key}={value} has an empty choice; list the values as a,b,c.")
    choices = tuple(dict.fromkeys(row.check(_parse_scalar(row, key, p)) for p in parts))
    return key, Space(choices=choices)


def _parse_range(row: Row, key: str, text: str) -> Space:
    """'lo:hi', 'lo:hi:log', and for tuple rows 'lo:hi' (neurons) or 'lo:hi x l1:l2' (neurons, layers)."""
    layers = None
    if isinstance(row.default, tuple):
        text, _, layer_text = text.partition("x")
        default_layers = row.space.layers if row.space is not None and row.space.layers is not None else Range(1, len(row.default))
        layers = _layers(key, layer_text) if layer_text else default_layers
    parts = [p.strip() for p in text.split(":")]
    log = len(parts) == 3 and parts[2] == "log"
    if len(parts) != 2 and not log:
        raise ConfigError(f"`space` {key}={text} is not a range; write LO:HI (or LO:HI:log), e.g. {_example(row)}.")
    element = _element_row(row)
    low, high = (element.check(_parse_scalar(element, key, p)) for p in parts[:2])
    if low > high:
        raise ConfigError(f"`space` {key}={text} is an inverted range; write the low end first: {key}={format_value(high)}:{format_value(low)}.")
    if low == high:
        raise ConfigError(f"`space` {key}={text} is an empty range; give two different ends, or fix the value with {key}={format_value(low)}.")
    log = log or (row.space is not None and row.space.log)
    if log and low <= 0:
        raise ConfigError(f"`space` {key}={text} is on a log scale, which needs a low end above 0; e.g. {_example(row)}.")
    return Space(low, high, log=log, layers=layers)


def _layers(key: str, text: str) -> Range:
    try:
        low, high = (int(p) for p in text.split(":"))
    except ValueError:
        raise ConfigError(f"`space` {key} layers {text!r} must be LO:HI whole numbers, e.g. {key}=10:100x1:3.") from None
    if low < 1 or low >= high:
        raise ConfigError(f"`space` {key} layers {low}:{high} must be an increasing range from at least 1, e.g. {key}=10:100x1:3.")
    return Range(low, high)


def _element_row(row: Row) -> Row:
    """The row that checks one element: a tuple row's elements are checked like an int row."""
    if isinstance(row.default, tuple):
        return Row(row.hyperparameter, row.typical, row.default[0], row.key, range=row.range)
    return row


def _parse_scalar(row: Row, key: str, text: str) -> Any:
    kind = type(row.default)
    try:
        if kind is bool:
            if text.lower() not in ("true", "false"):
                raise ValueError
            return text.lower() == "true"
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError:
        raise ConfigError(f"`space` {key} value {text!r} is not a {kind.__name__}; e.g. {key}={format_value(row.default)}.") from None
    return text


def _parse_tuple(key: str, text: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in text.split(","))
    except ValueError:
        raise ConfigError(f"`space` {key}={text} must be whole numbers such as 64,64, or a range 10:100.") from None


def _example(row: Row) -> str:
    space = row.search_space()
    if space is not None and space.low is not None:
        return f"{row.key}={format_value(space.low)}:{format_value(space.high)}"
    return f"{row.key}=LO:HI"


def _suggest(trial, row: Row, key: str, space: Space) -> Any:
    if space.choices:
        return trial.suggest_categorical(key, list(space.choices))
    if space.layers is not None:
        layers = trial.suggest_int(key + LAYERS_PARAM, int(space.layers.low), int(space.layers.high))
        neurons = trial.suggest_int(key + NEURONS_PARAM, int(space.low), int(space.high), log=space.log)
        return (neurons,) * layers
    if isinstance(row.default, int):
        return trial.suggest_int(key, int(space.low), int(space.high), log=space.log)
    return trial.suggest_float(key, float(space.low), float(space.high), log=space.log)


def _as_params(key: str, default: Any, space: Space) -> dict[str, Any]:
    if space.choices:
        return {key: default if default in space.choices else space.choices[0]}
    if space.layers is not None:
        layers = min(max(len(default), int(space.layers.low)), int(space.layers.high))
        neurons = min(max(int(default[0]), int(space.low)), int(space.high))
        return {key + LAYERS_PARAM: layers, key + NEURONS_PARAM: neurons}
    return {key: type(default)(min(max(default, space.low), space.high))}
