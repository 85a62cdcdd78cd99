"""The forecasting blueprint's networks: raw window in, forecast in the series' units out.

Every model is a Functional model of stock Keras layers (and `keras.ops` sort for the ensemble's
median), so `model.keras` loads with plain Keras, no tfjourney installed. Scaling lives inside
the model, fitted on the training part only:

- `last` (default): the window minus its last value, divided by the training part's standard
  deviation of one-step changes; the body forecasts the change, and the last value is added
  back. A body that learns nothing forecasts the last value: the naive forecast.
- `standard`: each column normalized by the training part's mean and standard deviation.

Bodies: `dense` (Dense(units, relu)), `conv1d` (Conv1D(units, kernel_size, causal)),
`lstm` (LSTM(units)), `nbeats` (fully connected blocks whose backcast is subtracted from the
input and whose forecasts are summed, Oreshkin et al. 2019, written with Subtract/Add layers).
An `ensemble` joins members (each a whole model) under one input; its point forecast is
their median.

Example:
    >>> from tfjourney.blueprints import get_blueprint
    >>> stats = ScalingStats.fit(np.random.rand(100, 1))
    >>> model = build_forecast_model(get_blueprint("forecast").resolve(), stats=stats)
    >>> model.output_shape
    (None, 1)
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from tfjourney.blueprints import ForecastConfig

MEMBER_PREFIX = "member_"


@dataclass(frozen=True)
class ScalingStats:
    """Per-column statistics of the training rows: mean, standard deviation, and std of one-step changes."""

    mean: list[float]
    std: list[float]
    change_std: list[float]

    @classmethod
    def fit(cls, train_rows: np.ndarray) -> ScalingStats:
        rows = np.asarray(train_rows, dtype="float64").reshape(len(train_rows), -1)
        changes = np.diff(rows, axis=0)
        safe = lambda values: [float(v) if v > 0 else 1.0 for v in values]  # a constant column: divide by 1  # noqa: E731
        return cls(rows.mean(axis=0).tolist(), safe(rows.std(axis=0)), safe(changes.std(axis=0) if len(changes) else np.ones(rows.shape[1])))

    @property
    def channels(self) -> int:
        return len(self.mean)


def _body(x, config: ForecastConfig, window: int, channels: int):
    """The body on scaled (window, channels) inputs, ending in `horizon` linear units."""
    if config.body == "conv1d":
        x = keras.layers.Conv1D(config.units, config.kernel_size, padding="causal", activation="relu", name="conv1d")(x)
        x = keras.layers.Flatten(name="flatten")(x)
    elif config.body == "lstm":
        x = keras.layers.LSTM(config.units, name="lstm")(x)
    elif config.body == "nbeats":
        return _nbeats(keras.layers.Flatten(name="flatten")(x), config, window * channels)
    else:  # dense (and each ensemble member)
        x = keras.layers.Flatten(name="flatten")(x)
        x = keras.layers.Dense(config.units, activation="relu", name="dense")(x)
    return keras.layers.Dense(config.horizon, name="forecast")(x)


def _nbeats(x, config: ForecastConfig, inputs: int):
    """N-BEATS' generic blocks: each reads the residual, subtracts its backcast from it, and adds its forecast."""
    residual, forecasts = x, []
    for block in range(config.nbeats_blocks):
        hidden = residual
        for layer in range(4):
            hidden = keras.layers.Dense(config.nbeats_width, activation="relu", name=f"block{block}_dense{layer}")(hidden)
        backcast = keras.layers.Dense(inputs, name=f"block{block}_backcast")(hidden)
        forecasts.append(keras.layers.Dense(config.horizon, name=f"block{block}_forecast")(hidden))
        residual = keras.layers.Subtract(name=f"block{block}_residual")([residual, backcast])
    return keras.layers.Add(name="forecast")(forecasts) if len(forecasts) > 1 else forecasts[0]


def _last_target(last, channels: int):
    """(batch, 1, channels) -> (batch, 1): the target column of the window's last row."""
    if channels > 1:
        last = keras.layers.Permute((2, 1), name="columns_first")(last)
        last = keras.layers.Cropping1D((0, channels - 1), name="target_column")(last)
    return keras.layers.Flatten(name="last_value")(last)


def build_forecast_model(config: ForecastConfig, *, stats: ScalingStats, name: str = "forecast") -> keras.Model:
    """One network of `config.body` (an ensemble member uses the dense body), scaling inside.

    Args:
        config: the resolved forecast blueprint (window, horizon, body, units, scaling, ...).
        stats: `ScalingStats.fit` on the training rows; its number of columns sets the input.
        name: the model's name.

    Returns:
        An uncompiled model taking (batch, window) — or (batch, window, columns) with
        features — raw values, returning (batch, horizon) forecasts in the series' units.
    """
    window, channels = config.window, stats.channels
    inputs = keras.Input((window,) if channels == 1 else (window, channels), name="window")
    x = keras.layers.Reshape((window, channels), name="columns")(inputs) if channels == 1 else inputs
    if config.scaling == "last":
        last = keras.layers.Cropping1D((window - 1, 0), name="last_row")(x)
        x = keras.layers.Subtract(name="change_from_last")([x, last])
        x = keras.layers.Normalization(axis=-1, mean=[0.0] * channels, variance=[s**2 for s in stats.change_std], name="scale")(x)
        y = _body(x, config, window, channels)
        y = keras.layers.Rescaling(stats.change_std[0], name="unscale")(y)
        outputs = keras.layers.Add(name="plus_last_value")([y, _last_target(last, channels)])
    else:
        x = keras.layers.Normalization(axis=-1, mean=stats.mean, variance=[s**2 for s in stats.std], name="scale")(x)
        y = _body(x, config, window, channels)
        outputs = keras.layers.Rescaling(stats.std[0], offset=stats.mean[0], name="unscale")(y)
    return keras.Model(inputs, outputs, name=name)


def join_ensemble(members: list[keras.Model], *, name: str = "ensemble") -> keras.Model:
    """One model of trained members under one input; its output is the members' median forecast."""
    inputs = keras.Input(members[0].inputs[0].shape[1:], name="window")
    ordered = keras.ops.sort(keras.ops.stack([member(inputs) for member in members], axis=-1), axis=-1)  # (batch, horizon, members)
    middle = len(members) // 2
    # the median as sort-and-pick: keras.ops.median needs ops LiteRT has no built-in kernels for
    median = ordered[..., middle] if len(members) % 2 else (ordered[..., middle - 1] + ordered[..., middle]) / 2
    return keras.Model(inputs, median, name=name)


def ensemble_members(model: keras.Model) -> list[keras.Model]:
    """The members of a joined ensemble (empty for a single network)."""
    return [layer for layer in model.layers if isinstance(layer, keras.Model) and layer.name.startswith(MEMBER_PREFIX)]


def member_forecasts(model: keras.Model, inputs: np.ndarray) -> np.ndarray | None:
    """(members, n, horizon) forecasts of each member of an ensemble; None for a single network."""
    members = ensemble_members(model)
    if not members:
        return None
    inputs = np.asarray(inputs, dtype="float32")  # members are called directly: predict() would retrace once per member
    return np.stack([np.concatenate([np.asarray(member(inputs[i:i + 4096], training=False)) for i in range(0, len(inputs), 4096)])
                     for member in members])
