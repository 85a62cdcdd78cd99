"""One live Playground network: settings -> data + Keras model, trained an epoch at a time.

Each `step()` trains one epoch (mini-batch SGD, as the Playground does) inside one compiled
`tf.function`, then evaluates the train/test loss and every neuron on a grid of the drawing
square in one more compiled pass. That keeps a 2-feature 2x8 network well above 10 updates
per second on two CPU cores, where `model.fit(epochs=1)` + `model.predict` manage a few.

Example:
    >>> session = PlaygroundSession(playground_settings(dataset="circle", features=["x1^2", "x2^2"], hidden=[4]))
    >>> update = session.step()
    >>> update["epoch"], update["test_loss"] < 1
    (1, True)
"""

from __future__ import annotations

import base64
import threading
from dataclasses import asdict
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tfjourney.blueprints import PLAYGROUND, PLAYGROUND_MAX_EPOCHS, PLAYGROUND_MAX_LAYERS, PLAYGROUND_MAX_NEURONS, PLAYGROUND_STEP_EPOCHS
from tfjourney.errors import ConfigError, DataError
from tfjourney.models.playground import DATA_EXTENT, DOMAIN, build_playground_model, check_features
from tfjourney.playground.datasets import PlaygroundData, UploadedTable, make_data, table_data
from tfjourney.training.fit import set_seed

GRID = 50  # the output heatmap: GRID x GRID points over [-DOMAIN, DOMAIN]^2
NEURON_GRID = 25  # neuron heatmaps: 25 x 25 of the grid's points, edges included
_NEURON_INDEX = np.round(np.linspace(0, GRID - 1, NEURON_GRID)).astype(int)


def playground_settings(**overrides: Any) -> dict[str, Any]:
    """The Playground's defaults (blueprints.PLAYGROUND) updated with `overrides`, each checked.

    Raises:
        ConfigError naming the setting and the values it accepts.
    """
    config = asdict(PLAYGROUND.resolve(**{k: v for k, v in overrides.items() if k != "csv"}))
    config["features"] = list(check_features(config["features"]))
    hidden = [int(n) for n in config["hidden"]]
    if len(hidden) > PLAYGROUND_MAX_LAYERS or any(not 1 <= n <= PLAYGROUND_MAX_NEURONS for n in hidden):
        raise ConfigError(f"hidden layers {hidden} must be 0-{PLAYGROUND_MAX_LAYERS} layers of 1-{PLAYGROUND_MAX_NEURONS} "
                          "neurons each, e.g. [4, 2].")
    config["hidden"] = hidden
    config["csv"] = overrides.get("csv")
    if (config["dataset"] == "csv") != bool(config["csv"]):
        raise ConfigError("dataset 'csv' needs an uploaded CSV (and a CSV needs dataset 'csv'); upload the file first.")
    return config


def load_data(settings: dict[str, Any], table: UploadedTable | None = None) -> PlaygroundData:
    if settings["dataset"] == "csv":
        if table is None:
            raise DataError("the uploaded CSV is no longer in memory (the studio restarted); upload it again.")
        return table_data(table, train_percent=settings["train_percent"], seed=settings["seed"])
    return make_data(dataset=settings["dataset"], noise=settings["noise"], train_percent=settings["train_percent"],
                     points=settings["points"], seed=settings["seed"])


def domain_grid(resolution: int = GRID) -> np.ndarray:
    """[resolution^2, 2] points over the drawing square, row 0 at the top (x2 = +DOMAIN), x1 left to right."""
    ticks = np.linspace(-DOMAIN, DOMAIN, resolution, dtype="float32")
    x1, x2 = np.meshgrid(ticks, ticks[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1)


def to_columns(points: np.ndarray, data: PlaygroundData) -> np.ndarray:
    """Drawing-square coordinates -> the data's raw column units."""
    return (np.asarray(data.center) + points * np.asarray(data.half_range) / DATA_EXTENT).astype("float32")


def to_domain(points: np.ndarray, data: PlaygroundData) -> np.ndarray:
    return (points - np.asarray(data.center)) * DATA_EXTENT / np.asarray(data.half_range)


def quantize(values: np.ndarray) -> str:
    """Values in [-1, 1] as base64 bytes 0..255: compact enough to stream ten times a second."""
    scaled = np.round((np.clip(values, -1, 1) + 1) * 127.5).astype(np.uint8)
    return base64.b64encode(scaled.tobytes()).decode("ascii")


class PlaygroundSession:
    """A Keras model and its data, stepped one epoch at a time; thread-safe per session."""

    def __init__(self, settings: dict[str, Any], table: UploadedTable | None = None):
        self.settings = settings
        self.data = load_data(settings, table)
        set_seed(settings["seed"])
        self.model = build_playground_model(
            columns=self.data.columns, features=settings["features"], hidden=settings["hidden"],
            activation=settings["activation"], regularization=settings["regularization"],
            regularization_rate=settings["regularization_rate"], task=self.data.task, center=self.data.center,
            half_range=self.data.half_range, target_center=self.data.target_center,
            target_half_range=self.data.target_half_range,
        )
        self.optimizer = keras.optimizers.SGD(learning_rate=settings["learning_rate"])
        self.optimizer.build(self.model.trainable_variables)
        self.probe = self._probe()
        self.epoch = 0
        self.history: dict[str, list[float]] = {"loss": [], "val_loss": []}
        self.lock = threading.Lock()
        self._rng = np.random.default_rng(settings["seed"])
        self._grid = to_columns(domain_grid(), self.data)
        self._tensors = [tf.constant(a) for a in (self.data.x_train, self.data.y_train[:, None], self.data.x_test, self.data.y_test[:, None])]
        self._train_epoch = tf.function(self._train_epoch_fn, reduce_retracing=True)
        self._evaluate = tf.function(self._evaluate_fn, reduce_retracing=True)
        self._losses = tf.function(self._losses_fn, reduce_retracing=True)

    # ------------------------------------------------------------------ model plumbing
    @property
    def layer_names(self) -> list[str]:
        return ["features", *[f"hidden_{i}" for i in range(1, len(self.settings["hidden"]) + 1)], "output"]

    def _probe(self) -> keras.Model:
        """Every neuron's output (features, hidden layers, the output unit) from the raw inputs."""
        outputs = [self.model.get_layer(name).output for name in self.layer_names]
        return keras.Model(self.model.inputs, outputs)

    def _inputs(self, x: tf.Tensor) -> dict[str, tf.Tensor]:
        first, second = self.data.columns
        return {first: x[:, 0:1], second: x[:, 1:2]}

    def _display(self, prediction: tf.Tensor) -> tf.Tensor:
        """Model output in the heatmap's units: 2p - 1 for a class, the target scaled to [-1, 1] for a number."""
        if self.data.task == "binary":
            return 2.0 * prediction - 1.0
        return (prediction - self.data.target_center) / self.data.target_half_range

    def _loss(self, y: tf.Tensor, prediction: tf.Tensor) -> tf.Tensor:
        """Binary cross-entropy, or the squared error measured in the heatmap's units (independent of the target's scale)."""
        if self.data.task == "binary":
            return keras.ops.mean(keras.losses.binary_crossentropy(y, prediction))
        return keras.ops.mean(keras.ops.square(self._display(prediction) - self._display(y)))

    def _train_epoch_fn(self, x: tf.Tensor, y: tf.Tensor, order: tf.Tensor) -> None:
        batch = self.settings["batch_size"]
        steps = (tf.shape(order)[0] + batch - 1) // batch
        for i in tf.range(steps):
            index = order[i * batch : (i + 1) * batch]
            xb, yb = tf.gather(x, index), tf.gather(y, index)
            with tf.GradientTape() as tape:
                loss = self._loss(yb, self.model(self._inputs(xb), training=True))
                if self.model.losses:
                    loss = loss + tf.add_n(self.model.losses)
            gradients = tape.gradient(loss, self.model.trainable_variables)
            self.optimizer.apply(gradients, self.model.trainable_variables)

    def _losses_fn(self, x_train, y_train, x_test, y_test):
        train_loss = self._loss(y_train, self.model(self._inputs(x_train), training=False))
        return train_loss, self._loss(y_test, self.model(self._inputs(x_test), training=False))

    def _evaluate_fn(self, x_train, y_train, x_test, y_test, grid):
        train_prediction = self.model(self._inputs(x_train), training=False)
        test_prediction = self.model(self._inputs(x_test), training=False)
        neurons = self.probe(self._inputs(grid), training=False)
        return self._loss(y_train, train_prediction), self._loss(y_test, test_prediction), train_prediction, test_prediction, neurons

    # ------------------------------------------------------------------ public
    def step(self, epochs: int = 1) -> dict[str, Any]:
        """Train `epochs` epochs, then return the update the page draws (losses, heatmaps, weights)."""
        if epochs not in PLAYGROUND_STEP_EPOCHS:
            raise ConfigError(f"epochs per step {epochs} must be {PLAYGROUND_STEP_EPOCHS.describe()}.")
        with self.lock:
            if self.epoch + epochs > PLAYGROUND_MAX_EPOCHS:
                raise ConfigError(f"this network has trained {self.epoch} epochs, the most one session may; press reset.")
            x_train, y_train = self._tensors[:2]
            for remaining in range(epochs - 1, -1, -1):
                self._train_epoch(x_train, y_train, tf.constant(self._rng.permutation(len(self.data.x_train)), dtype=tf.int32))
                self.epoch += 1
                if remaining:  # every epoch's losses go into the history; the last one's come with its update
                    self._record(*(float(v) for v in self._losses(*self._tensors)))
            return self._update()

    def snapshot(self) -> dict[str, Any]:
        """The current state without training (what the page draws first, and after reset)."""
        with self.lock:
            return self._update(record=False)

    def _update(self, record: bool = True) -> dict[str, Any]:
        loss, test_loss, train_prediction, test_prediction, neurons = self._evaluate(*self._tensors, tf.constant(self._grid))
        loss, test_loss = float(loss), float(test_loss)
        if record:
            self._record(loss, test_loss)
        neurons = [keras.ops.convert_to_numpy(n) for n in neurons]
        update = {"epoch": self.epoch, "loss": loss, "test_loss": test_loss, "output": quantize(self._output_display(neurons[-1])[:, 0]),
                  "grid": GRID, "neuron_grid": NEURON_GRID, "neurons": self._neuron_maps(neurons), "weights": self._weights()}
        if self.data.task == "binary":
            update["accuracy"] = _accuracy(self.data.y_train, train_prediction)
            update["test_accuracy"] = _accuracy(self.data.y_test, test_prediction)
        return update

    def _output_display(self, output_unit: np.ndarray) -> np.ndarray:
        """The output unit in heatmap units (a regression's unit is already the target scaled to [-1, 1])."""
        return 2.0 * output_unit - 1.0 if self.data.task == "binary" else output_unit

    def _record(self, loss: float, test_loss: float) -> None:
        self.history["loss"].append(loss)
        self.history["val_loss"].append(test_loss)

    def _neuron_maps(self, outputs: list[np.ndarray]) -> list[list[str]]:
        """Per layer, per neuron: its heatmap (features scaled by their largest value, neurons clipped to [-1, 1])."""
        maps = []
        for name, values in zip(self.layer_names[:-1], outputs[:-1]):
            grid = values.reshape(GRID, GRID, -1)[_NEURON_INDEX][:, _NEURON_INDEX]
            if name == "features":
                grid = grid / np.maximum(np.abs(grid).max(axis=(0, 1)), 1e-6)
            maps.append([quantize(grid[..., j].ravel()) for j in range(grid.shape[-1])])
        return maps

    def _weights(self) -> list[list[list[float]]]:
        """Each Dense kernel [inputs][units], rounded: the page draws connections from them."""
        names = self.layer_names[1:]
        return [np.round(keras.ops.convert_to_numpy(self.model.get_layer(n).kernel), 4).tolist() for n in names]

    def points(self) -> dict[str, Any]:
        """The data points in drawing-square coordinates, with labels in heatmap units ([-1, 1])."""
        def side(x: np.ndarray, y: np.ndarray) -> dict[str, list]:
            label = (2 * y - 1) if self.data.task == "binary" else np.clip((y - self.data.target_center) / self.data.target_half_range, -1, 1)
            return {"x": np.round(to_domain(x, self.data), 3).tolist(), "label": np.round(label, 3).tolist()}

        return {"train": side(self.data.x_train, self.data.y_train), "test": side(self.data.x_test, self.data.y_test),
                "task": self.data.task, "columns": list(self.data.columns), "class_names": self.data.class_names,
                "layers": [len(self.settings["features"]), *self.settings["hidden"], 1], "features": self.settings["features"]}

    def boundary(self, resolution: int = GRID) -> dict[str, Any]:
        """The output on a resolution x resolution grid, in raw column units and raw model outputs (full precision)."""
        if not 2 <= resolution <= 200:
            raise ConfigError(f"grid resolution {resolution} must be between 2 and 200.")
        grid = to_columns(domain_grid(resolution), self.data)
        with self.lock:
            values = keras.ops.convert_to_numpy(self.model(self._inputs(tf.constant(grid)), training=False))[:, 0]
        first, second = self.data.columns
        return {"resolution": resolution, first: grid[:, 0].tolist(), second: grid[:, 1].tolist(), "values": values.tolist()}


def _accuracy(y: np.ndarray, prediction: tf.Tensor) -> float:
    return float(np.mean((keras.ops.convert_to_numpy(prediction)[:, 0] >= 0.5) == (y >= 0.5)))

