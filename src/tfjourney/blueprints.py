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
            used = config.get(row.key, row.default) if row.key else config.get(row.hyperparameter, row.default)
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
)

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
    ),
)

BLUEPRINTS: dict[str, Blueprint] = {bp.name: bp for bp in (REGRESSION, CLASSIFICATION)}


def get_blueprint(name: str) -> Blueprint:
    try:
        return BLUEPRINTS[name]
    except KeyError:
        raise ConfigError(
            f"unknown blueprint {name!r}; choose one of: {', '.join(BLUEPRINTS)}."
        ) from None
