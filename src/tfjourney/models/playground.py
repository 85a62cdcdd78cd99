"""The Playground's network: two raw columns -> chosen features -> small Dense stack -> one output.

As in the Neural Network Playground, the two inputs live on a [-6, 6] square; a column from
a user's CSV is mapped onto it by a Normalization layer inside the model, so `model.keras`
takes the CSV's raw columns (a dict keyed by column name, like every tabular run) and
`tfjourney predict` works on a saved Playground run unchanged.

Example:
    >>> model = build_playground_model(columns=("x1", "x2"), features=("x1", "x2"), hidden=(4, 2))
    >>> model.output_shape
    (None, 1)
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import ops

from tfjourney.blueprints import PLAYGROUND
from tfjourney.errors import ConfigError

# name -> how it is computed from (x1, x2); the Playground's seven input features, in its order
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
DOMAIN = 6.0  # the Playground draws and generates on [-DOMAIN, DOMAIN]^2
DATA_EXTENT = 5.0  # a CSV column's range is mapped onto [-DATA_EXTENT, DATA_EXTENT]


def _feature(name: str, x1, x2):
    return {
        "x1": lambda: x1,
        "x2": lambda: x2,
        "x1^2": lambda: x1 * x1,
        "x2^2": lambda: x2 * x2,
        "x1*x2": lambda: x1 * x2,
        "sin(x1)": lambda: ops.sin(x1),
        "sin(x2)": lambda: ops.sin(x2),
    }[name]()


def check_features(features: Sequence[str]) -> tuple[str, ...]:
    """The features in the Playground's order; ConfigError naming the valid ones otherwise."""
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise ConfigError(f"unknown input feature {unknown[0]!r}; choose from: {', '.join(FEATURES)}.")
    if not features:
        raise ConfigError(f"the network needs at least one input feature; switch on one of: {', '.join(FEATURES)}.")
    return tuple(f for f in FEATURES if f in features)


@keras.saving.register_keras_serializable(package="tfjourney")
class PlaygroundFeatures(keras.layers.Layer):
    """[batch, 2] points (x1, x2) -> [batch, len(features)]: the Playground's input features.

    Args:
        features: names from FEATURES, e.g. ("x1^2", "x2^2").

    Example:
        >>> PlaygroundFeatures(("x1", "x1*x2"))(np.array([[2.0, 3.0]]))  # [[2., 6.]]
    """

    def __init__(self, features: Sequence[str] = ("x1", "x2"), **kwargs):
        super().__init__(**kwargs)
        self.features = check_features(features)

    def call(self, inputs):
        inputs = ops.cast(inputs, self.compute_dtype)
        x1, x2 = inputs[:, 0:1], inputs[:, 1:2]
        return ops.concatenate([_feature(name, x1, x2) for name in self.features], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], len(self.features))

    def get_config(self):
        return {**super().get_config(), "features": list(self.features)}


def _regularizer(kind: str, rate: float):
    if kind == "none" or rate == 0:
        return None
    if kind == "l1":
        return keras.regularizers.L1(rate)
    if kind == "l2":
        return keras.regularizers.L2(rate)
    raise ConfigError(f"unknown regularization {kind!r}; choose none, l1 or l2.")


_DEFAULTS = PLAYGROUND.defaults()


def build_playground_model(
    *,
    columns: tuple[str, str] = ("x1", "x2"),
    features: Sequence[str] = ("x1", "x2"),
    hidden: Sequence[int] = (4, 2),
    activation: str = _DEFAULTS["activation"],
    regularization: str = _DEFAULTS["regularization"],
    regularization_rate: float = _DEFAULTS["regularization_rate"],
    task: str = "binary",
    center: Sequence[float] = (0.0, 0.0),
    half_range: Sequence[float] = (DATA_EXTENT, DATA_EXTENT),
    target_center: float = 0.0,
    target_half_range: float = 1.0,
) -> keras.Model:
    """Dict of two raw columns in -> one output (sigmoid probability, or a number in target units).

    Args:
        columns: the two input column names (the model's dict keys).
        features: which Playground features feed the first layer.
        hidden: neurons per hidden layer, () for none.
        activation: hidden activation (relu, tanh, sigmoid, linear).
        regularization: "none", "l1" or "l2" on every Dense kernel, at `regularization_rate`.
        task: "binary" (1 sigmoid unit) or "regression" (1 linear unit rescaled to target units).
        center, half_range: each column's midpoint and half-range, mapped onto [-5, 5].
        target_center, target_half_range: the regression target's midpoint and half-range.

    Returns:
        An uncompiled keras.Model; layer names `to_domain`, `features`, `hidden_<i>`, `output`.
    """
    if task not in ("binary", "regression"):
        raise ConfigError(f"the Playground trains a binary classifier or a regression, not {task!r}.")
    inputs = {name: keras.Input(shape=(1,), name=name, dtype="float32") for name in columns}
    x = keras.layers.Concatenate(name="points")([inputs[name] for name in columns])
    variance = [(h / DATA_EXTENT) ** 2 for h in half_range]
    x = keras.layers.Normalization(mean=list(center), variance=variance, name="to_domain")(x)
    x = PlaygroundFeatures(features, name="features")(x)
    regularizer = _regularizer(regularization, regularization_rate)
    for i, units in enumerate(hidden, start=1):
        x = keras.layers.Dense(units, activation=activation, kernel_regularizer=regularizer, name=f"hidden_{i}")(x)
    if task == "binary":
        output = keras.layers.Dense(1, activation="sigmoid", kernel_regularizer=regularizer, name="output")(x)
    else:
        output = keras.layers.Dense(1, kernel_regularizer=regularizer, name="output")(x)
        output = keras.layers.Rescaling(scale=target_half_range, offset=target_center, name="to_target_units")(output)
    return keras.Model(inputs, output, name="playground")
