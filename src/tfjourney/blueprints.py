"""The journey's four "typical architecture" tables, as data.

Each blueprint is the seed's table of hyperparameters: one row per hyperparameter with
the course's *typical value* (text, as the course states it) and the *default*
tfjourney uses. Model builders and the CLI read their defaults only from here, so
changing a default here changes it everywhere (and in every report).

Example:
    >>> from tfjourney.blueprints import get_blueprint
    >>> get_blueprint("regression").defaults()["loss"]
    'mae'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tfjourney.errors import ConfigError


@dataclass(frozen=True)
class Row:
    """One hyperparameter: what the course calls typical and what tfjourney uses.

    `key` names the config entry the row controls (None for rows derived from the
    data, such as the input shape); `choices` lists the values the CLI accepts.
    """

    hyperparameter: str
    typical: str
    default: Any = None
    key: str | None = None
    choices: tuple[Any, ...] = ()
    source: str = "course"  # "course" for the seed's table, "tfjourney" for training rows we add


@dataclass(frozen=True)
class Blueprint:
    """A named table of rows; `defaults()` is the config a builder starts from."""

    name: str
    title: str
    summary: str
    rows: tuple[Row, ...] = field(default_factory=tuple)

    def defaults(self) -> dict[str, Any]:
        return {row.key: row.default for row in self.rows if row.key is not None}

    def row_for(self, key: str) -> Row:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)

    def resolve(self, **overrides: Any) -> dict[str, Any]:
        """Defaults updated with the overrides that are not None, each checked against its row."""
        config = self.defaults()
        for key, value in overrides.items():
            if value is None:
                continue
            if key not in config:
                raise ConfigError(
                    f"`{key}` is not a hyperparameter of the {self.name} blueprint; "
                    f"choose from: {', '.join(sorted(config))}."
                )
            row = self.row_for(key)
            if row.choices and value not in row.choices:
                raise ConfigError(
                    f"{row.hyperparameter} `{key}={value!r}` is not allowed; "
                    f"choose one of: {', '.join(map(str, row.choices))}."
                )
            config[key] = value
        return config

    def table_rows(self, config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts, with the value actually used and whether it differs from the default."""
        config = config or {}
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

    def format_table(self, config: dict[str, Any] | None = None) -> str:
        """A plain-text table for the terminal (`tfjourney blueprint NAME`)."""
        header = ("Hyperparameter", "Typical value (course)", "tfjourney default")
        body = [(r["hyperparameter"], r["typical"], r["used"]) for r in self.table_rows(config)]
        widths = [max(len(line[i]) for line in [header, *body]) for i in range(3)]
        lines = [f"{self.title}", f"{self.summary}", ""]
        lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in body]
        return "\n".join(lines)


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
    Row("Learning rate (halved when validation loss stalls)", "0.001 (Adam's default)", 0.01, "learning_rate", source="tfjourney"),
    Row("Epochs (max; early stopping decides)", "problem specific", 300, "epochs", source="tfjourney"),
    Row("Batch size", "32", 32, "batch_size", source="tfjourney"),
    Row("Validation split (from training data)", "-", 0.2, "validation_split", source="tfjourney"),
    Row("Early stopping patience (epochs)", "-", 30, "patience", source="tfjourney"),
    Row("Test split", "0.2", 0.2, "test_size", source="tfjourney"),
    Row("Steps per epoch before the batch grows (batch doubles from the batch size)", "-", 100, "steps_per_epoch", source="tfjourney"),
    Row("Max optimizer steps (caps the epochs of large tables)", "-", 10000, "max_steps", source="tfjourney"),
)

# How tabular columns are read: the role-inference limits and the treatments of the roles
# a clean course CSV does not have (see tfjourney.data.columns).
_TABULAR_COLUMN_ROWS = (
    Row("One-hot up to this many categories (more: hashed)", "-", 50, "max_one_hot", source="tfjourney"),
    Row("Hash buckets of a high-cardinality column", "-", 64, "hash_buckets", source="tfjourney"),
    Row("Identifier-like: distinct values / rows at least", "-", 0.95, "identifier_share", source="tfjourney"),
    Row("Free text: average words per value at least", "-", 4.0, "text_words", source="tfjourney"),
    Row("Free-text vocabulary (bag of words)", "-", 1000, "text_tokens", source="tfjourney"),
    Row("Dates: share of values that parse at least", "-", 0.9, "date_share", source="tfjourney"),
)

# Cells that mean "no value" in a numeric column (the UCI convention and friends), compared
# lower-cased after stripping spaces. pandas already reads "", "NA", "NaN", "null", "n/a" as missing.
MISSING_TOKENS = frozenset({"?", "-", "--", ".", "n.a.", "n.a", "na", "n/a", "nan", "null", "none", "missing", "#n/a", "unknown", "not available"})

DEFAULT_SEED = 42  # every command's --seed default: the same run twice gives the same numbers

ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "selu", "gelu", "swish", "linear")

REGRESSION = Blueprint(
    name="regression",
    title="Neural network regression",
    summary="Predict a number from tabular features (e.g. insurance charges).",
    rows=(
        Row("Input layer shape", "Same shape as number of features", "number of features"),
        Row("Hidden layers (neurons each)", "Problem specific, minimum 1; generally 10 to 100 neurons", (100, 100), "hidden"),
        Row("Output layer shape", "Same shape as desired prediction (e.g. 1 for a price)", 1),
        Row("Hidden activation", "Usually ReLU", "relu", "activation", ACTIVATIONS),
        Row("Output activation", "None, ReLU, logistic/tanh", "none", "output_activation", ("none", "relu", "sigmoid", "tanh")),
        Row("Loss function", "MSE (mean square error) or MAE (mean absolute error) / Huber", "mae", "loss", ("mae", "mse", "huber")),
        Row("Optimizer", "SGD (stochastic gradient descent), Adam", "adam", "optimizer", ("adam", "sgd")),
        *_TABULAR_TRAINING_ROWS,
        *_TABULAR_COLUMN_ROWS,
    ),
)

CLASSIFICATION = Blueprint(
    name="classification",
    title="Binary and multiclass classification",
    summary="Predict a class from tabular features; binary vs multiclass is inferred from the target.",
    rows=(
        Row("Input layer shape", "Same as number of features", "number of features"),
        Row("Hidden layers (neurons each)", "Problem specific, minimum 1; generally 10 to 100 neurons", (100, 100), "hidden"),
        Row("Output layer shape", "Binary: 1; multiclass: 1 per class", "1 or number of classes"),
        Row("Hidden activation", "Usually ReLU", "relu", "activation", ACTIVATIONS),
        Row("Output activation", "Binary: sigmoid; multiclass: softmax", "auto", "output_activation", ("auto", "sigmoid", "softmax")),
        Row(
            "Loss function",
            "Binary: binary cross entropy; multiclass: (sparse) categorical cross entropy",
            "auto",
            "loss",
            ("auto", "binary_crossentropy", "sparse_categorical_crossentropy"),
        ),
        Row("Optimizer", "SGD, Adam", "adam", "optimizer", ("adam", "sgd")),
        Row("Task", "binary or multiclass", "auto", "task", ("auto", "binary", "multiclass"), source="tfjourney"),
        *_TABULAR_TRAINING_ROWS,
        *_TABULAR_COLUMN_ROWS,
    ),
)

CNN = Blueprint(
    name="cnn",
    title="Convolutional neural network (Tiny VGG)",
    summary="Classify images from a folder of class subfolders, learning features from scratch.",
    rows=(
        Row("Input image(s)", "Target images: [batch_size, height, width, colour_channels]", 224, "image_size"),
        Row("Input layer", "Takes in target images and preprocesses them (rescale 0-255 to 0-1)", "Rescaling(1/255)"),
        Row("Convolution blocks", "Conv2D layers that extract features; Tiny VGG: (Conv2D -> Conv2D -> MaxPool) x 2", 2, "conv_blocks"),
        Row("Filters", "How many feature extractors per conv layer: 10, 32, 64, 128 (CNN Explainer's Tiny VGG: 10)", 32, "filters"),
        Row("Kernel size", "Shape of each filter: 3, 5, 7 (lower learns smaller features)", 3, "kernel_size", (3, 5, 7)),
        Row("Padding", "'same' pads so output keeps its size, 'valid' does not pad", "valid", "padding", ("valid", "same")),
        Row("Strides", "Pixels a filter moves per step: 1 (default), 2", 1, "strides", (1, 2)),
        Row("Hidden activation", "Adds non-linearity to learned features: usually ReLU", "relu", "activation", ACTIVATIONS),
        Row("Pooling layer", "Reduces the dimensionality of learned features: Max or Average", "max", "pool", ("max", "avg")),
        Row("Fully connected layer", "Further refines learned features: Dense", "Flatten -> Dense"),
        Row("Output layer", "Binary: 1 unit, sigmoid; multiclass: 1 per class, softmax", "auto"),
        Row("Data augmentation", "Random flips, rotations, zooms (training only)", False, "augment", (False, True), source="tfjourney"),
        Row("Learning rate", "0.001 (Adam's default)", 0.001, "learning_rate", source="tfjourney"),
        Row("Epochs (max; early stopping decides)", "5-20", 20, "epochs", source="tfjourney"),
        Row("Batch size", "32", 32, "batch_size", source="tfjourney"),
        Row("Validation split (from training images)", "-", 0.2, "validation_split", source="tfjourney"),
        Row("Test split (single-folder layout only)", "-", 0.2, "test_split", source="tfjourney"),
        Row("Early stopping patience (epochs)", "-", 6, "patience", source="tfjourney"),
    ),
)

TRANSFER = Blueprint(
    name="transfer",
    title="Transfer learning (feature extraction, then fine-tuning)",
    summary="Reuse an ImageNet-pretrained backbone: train a new head on frozen features, then optionally unfreeze the top layers.",
    rows=(
        Row("Backbone", "A model pretrained on ImageNet: EfficientNet, ResNet, MobileNet", "efficientnet_lite0", "backbone"),
        Row("Input image(s)", "The size the backbone was trained on", 224, "image_size"),
        Row("Frozen layers (phase 1)", "All backbone layers (feature extraction)", "all"),
        Row("Head", "GlobalAveragePooling2D -> Dense (sigmoid for 2 classes, softmax otherwise)", "GlobalAveragePooling2D -> Dense"),
        Row("Phase-1 learning rate", "0.001 (Adam's default)", 0.001, "learning_rate"),
        Row("Phase-1 epochs", "5", 5, "epochs"),
        Row("Unfrozen top layers (phase 2, fine-tuning)", "Top 10-20 layers; BatchNormalization stays frozen", 0, "fine_tune_layers"),
        Row("Phase-2 learning rate factor", "Lower the learning rate 10x for fine-tuning", 0.1, "fine_tune_lr_factor"),
        Row("Phase-2 epochs", "5 more, continuing from where phase 1 stopped", 5, "fine_tune_epochs"),
        Row("Data augmentation while fine-tuning", "Random flips, rotations, zooms while the top layers train",
            True, "fine_tune_augment", (False, True), source="tfjourney"),
        Row("Early stopping patience (epochs, both phases)", "-", 3, "patience", source="tfjourney"),
        Row("Data augmentation (both phases)", "Random flips, rotations, zooms in front of the frozen backbone", False, "augment", (False, True), source="tfjourney"),
        Row("Batch size", "32", 32, "batch_size", source="tfjourney"),
        Row("Validation split (from training images)", "-", 0.2, "validation_split", source="tfjourney"),
        Row("Test split (single-folder layout only)", "-", 0.2, "test_split", source="tfjourney"),
    ),
)

BLUEPRINTS: dict[str, Blueprint] = {bp.name: bp for bp in (REGRESSION, CLASSIFICATION, CNN, TRANSFER)}


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
PLAYGROUND = Blueprint(
    name="playground",
    title="Neural Network Playground (tfjourney studio)",
    summary="A small network on two features, trained live in the studio; saved as a classification or regression run.",
    rows=(
        Row("Data", "circle, xor, gauss, spiral (classification); plane, multigauss (regression)", "circle", "dataset",
            ("circle", "xor", "gauss", "spiral", "plane", "multigauss", "csv")),
        Row("Noise (%)", "0-50", 0, "noise", tuple(range(0, 51, 5))),
        Row("Training data (%)", "10-90", 50, "train_percent", tuple(range(10, 91, 10))),
        Row("Input features", "x1, x2, x1², x2², x1·x2, sin x1, sin x2", ("x1", "x2"), "features"),
        Row("Hidden layers (neurons each)", "0-6 layers of 1-8 neurons", (4, 2), "hidden"),
        Row("Activation", "ReLU, tanh, sigmoid, linear", "tanh", "activation", ("relu", "tanh", "sigmoid", "linear")),
        Row("Learning rate (SGD)", "0.00001 to 10", 0.03, "learning_rate",
            (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)),
        Row("Regularization", "None, L1, L2", "none", "regularization", ("none", "l1", "l2")),
        Row("Regularization rate", "0 to 10", 0.0, "regularization_rate", (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)),
        Row("Batch size", "1-30", 10, "batch_size", tuple(range(1, 31))),
        Row("Points", "500", 500, "points", source="tfjourney"),
        Row("Seed", "-", DEFAULT_SEED, "seed", source="tfjourney"),
    ),
)
PLAYGROUND_MAX_LAYERS = 6
PLAYGROUND_MAX_NEURONS = 8
