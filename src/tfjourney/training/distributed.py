"""Training past one device: `tf.distribute` strategies and tfjourney's own distributed step.

Three ways to train (`--distribute`):

- `none`: one device, Keras `fit`.
- `mirrored`: `MirroredStrategy` over the local GPUs (or `devices` logical CPU devices,
  for testing), Keras `fit`.
- `multiworker`: `MultiWorkerMirroredStrategy` from `TF_CONFIG`. Keras 3's `fit` fails
  under it (a PerReplica value reaches a Tensor conversion in the first step), so
  `fit_distributed` runs tfjourney's own loop: one training step written once
  (`strategy.run`, the loss averaged with `tf.nn.compute_average_loss`, the dataset
  split with `experimental_distribute_dataset` and auto-shard policy DATA) that drives
  the *same* Keras callbacks `fit` would (early stopping with best weights, the
  learning-rate plateau schedule, CSVLogger, TensorBoard, the epoch checkpoint), so a
  run gives the same losses, history and run folder as `fit`.

Strategies must be created before TensorFlow runs its first operation, so
`setup_distribution` is the first thing a distributed `train` does.

Example:
    >>> distribution = setup_distribution("mirrored", devices=2)   # first, before any TF op
    >>> with distribution.scope():
    ...     model = build_model(); model.compile(...)
    >>> result = fit(model, train_ds, val_ds, epochs, callbacks, distribution=distribution)
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from tfjourney.errors import ConfigError
from tfjourney.training.cluster import DISTRIBUTE_CHOICES, ClusterSpec, read_tf_config

_STRATEGIES: dict[tuple, Any] = {}  # a process creates each strategy once (collectives cannot be reconfigured)


@dataclass(frozen=True)
class Distribution:
    """How this process trains: the mode, its strategy (None for one device) and its cluster place."""

    mode: str = "none"
    strategy: Any = None
    cluster: ClusterSpec | None = None
    devices: tuple[str, ...] = field(default_factory=tuple)

    @property
    def replicas(self) -> int:
        return int(self.strategy.num_replicas_in_sync) if self.strategy is not None else 1

    @property
    def workers(self) -> int:
        return self.cluster.n_workers if self.cluster else 1

    @property
    def is_chief(self) -> bool:
        return self.cluster is None or self.cluster.is_chief

    @property
    def custom_loop(self) -> bool:
        """Keras `fit` cannot train under MultiWorkerMirroredStrategy; tfjourney's own step does."""
        return self.mode == "multiworker"

    def scope(self):
        """Build and compile models inside this, so their variables are mirrored."""
        return self.strategy.scope() if self.strategy is not None else contextlib.nullcontext()

    def check_batch_size(self, global_batch_size: int) -> None:
        if global_batch_size % self.replicas:
            raise ConfigError(
                f"`global_batch_size` {global_batch_size} does not split evenly over {self.replicas} replicas; "
                f"pass a multiple of {self.replicas}, e.g. {self.replicas * max(global_batch_size // self.replicas, 1)}."
            )

    def record(self, global_batch_size: int, weights_identical: bool | None = None) -> dict:
        """What run.json says about the distribution (`weights_identical`: all workers ended with the same weights)."""
        return {
            **({"weights_identical": weights_identical} if weights_identical is not None else {}),
            "strategy": self.mode,
            "replicas": self.replicas,
            "workers": self.workers,
            "global_batch_size": int(global_batch_size),
            "per_replica_batch_size": int(global_batch_size) // self.replicas,
            "devices": list(self.devices),
        }


def _context_initialized() -> bool:
    from tensorflow.python.eager import context

    return context.context()._initialized  # noqa: SLF001 (no public way to ask)


def _gpus() -> list:
    import tensorflow as tf

    return tf.config.list_physical_devices("GPU")


def _logical_cpus(devices: int) -> list[str]:
    """`devices` logical CPU devices on the one physical CPU (for testing mirrored training)."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    if not _context_initialized():
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(devices)])
    logical = [d.name for d in tf.config.list_logical_devices("CPU")]
    if len(logical) < devices:
        raise ConfigError(
            f"`devices` {devices} must be set before TensorFlow starts, and it already runs with {len(logical)} CPU device(s); "
            "call setup_distribution() first thing in a fresh process, or use the `tfjourney train` command."
        )
    return logical[:devices]


def setup_distribution(mode: str = "none", *, devices: int | None = None) -> Distribution:
    """Create the strategy for `mode`; call it before TensorFlow runs any operation.

    Args:
        mode: "none", "mirrored", "multiworker" or "auto" (mirrored when more than one GPU is visible).
        devices: for "mirrored" only: train on this many logical CPU devices instead of the GPUs.

    Returns:
        The Distribution every later step (model scope, fit, run folder) consults.
    """
    if mode not in DISTRIBUTE_CHOICES:
        raise ConfigError(f"`distribute` {mode!r} is not known; choose one of: {', '.join(DISTRIBUTE_CHOICES)}.")
    if devices is not None and devices < 1:
        raise ConfigError(f"`devices` {devices} must be at least 1.")
    if devices is not None and mode not in ("mirrored", "auto"):
        raise ConfigError("`devices` is for `distribute` mirrored (logical CPU devices for testing); drop it, or set `distribute` to mirrored.")
    if mode == "auto":
        mode = "mirrored" if devices or len(_gpus()) > 1 else "none"
    if mode == "none":
        return Distribution("none")
    if mode == "mirrored":
        return _mirrored(devices)
    cluster = read_tf_config()
    if cluster is None:
        raise ConfigError(
            "`distribute` multiworker needs TF_CONFIG, which is not set; start the workers with "
            "`tfjourney launch --workers N -- train ...` (or set TF_CONFIG on each machine: `tfjourney launch --print-tf-config --hosts ...`)."
        )
    return _multiworker(cluster)


def _mirrored(devices: int | None) -> Distribution:
    import tensorflow as tf

    names = _logical_cpus(devices) if devices else [d.name for d in tf.config.list_logical_devices("GPU")] or None
    key = ("mirrored", tuple(names or ()))
    if key not in _STRATEGIES:
        _STRATEGIES[key] = tf.distribute.MirroredStrategy(devices=names)
    strategy = _STRATEGIES[key]
    return Distribution("mirrored", strategy, None, tuple(strategy.extended.worker_devices))


def _multiworker(cluster: ClusterSpec) -> Distribution:
    import tensorflow as tf

    key = ("multiworker",)
    if key not in _STRATEGIES:
        if _context_initialized():
            raise ConfigError(
                "`distribute` multiworker must be set up before TensorFlow starts; call setup_distribution() first thing "
                "in a fresh process, or use `tfjourney launch --workers N -- train ...`."
            )
        communication = tf.distribute.experimental.CommunicationOptions(implementation=tf.distribute.experimental.CommunicationImplementation.RING)
        _STRATEGIES[key] = tf.distribute.MultiWorkerMirroredStrategy(communication_options=communication)
    strategy = _STRATEGIES[key]
    return Distribution("multiworker", strategy, cluster, tuple(strategy.extended.worker_devices))


# ----------------------------------------------------------------------------- the distributed step
def shard_by_data(dataset):
    """Every worker reads the whole dataset and keeps its share of each global batch (auto-shard DATA)."""
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def per_example_loss(identifier):
    """The compiled loss, unreduced: one value per example (as Keras computes it before averaging)."""
    import keras

    loss = keras.losses.get(identifier)
    if isinstance(loss, keras.losses.Loss):
        return loss.__class__.from_config({**loss.get_config(), "reduction": None})
    return _PerExampleLoss(loss)


def _same_rank(y_true, y_pred):
    """(batch,) labels beside (batch, 1) outputs gain the axis, as Keras' loss wrapper does."""
    import keras

    if len(y_pred.shape) == len(y_true.shape) + 1 and y_pred.shape[-1] == 1:
        y_true = keras.ops.expand_dims(y_true, -1)
    return y_true, y_pred


class _PerExampleLoss:
    """A loss function (e.g. `keras.losses.binary_crossentropy`) applied per example, unreduced."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, y_true, y_pred):
        import keras

        y_pred = keras.ops.convert_to_tensor(y_pred, dtype="float32")
        y_true = keras.ops.convert_to_tensor(y_true, dtype="float32")
        return self.fn(*_same_rank(y_true, y_pred))


def per_example_metric(name: str, y_true, y_pred):
    """The compiled metric `name`, one value per example; "accuracy" resolved as Keras resolves it (by shape)."""
    import keras

    if name in ("accuracy", "acc"):
        if y_pred.shape[-1] == 1:
            return keras.metrics.binary_accuracy(y_true, y_pred)
        if len(y_true.shape) < len(y_pred.shape) or y_true.shape[-1] == 1:
            return keras.metrics.sparse_categorical_accuracy(y_true, y_pred)
        return keras.metrics.categorical_accuracy(y_true, y_pred)
    fn = keras.losses.get(name)  # "mae", "mse": the metric is the loss function of that name
    if isinstance(fn, keras.losses.Loss) or not callable(fn):
        raise ConfigError(f"the distributed step cannot compute the metric {name!r} per example; use accuracy, mae or mse.")
    return _PerExampleLoss(fn)(y_true, y_pred)


def _metric_names(model) -> list[str]:
    metrics = (model.get_compile_config() or {}).get("metrics") or []
    names = []
    for metric in metrics:
        if not isinstance(metric, str):
            raise ConfigError(f"the distributed step supports metrics named by string (e.g. 'accuracy'), not {metric!r}.")
        names.append(metric)
    return names


class DistributedStep:
    """One training step and one evaluation step, written once, for one device or N replicas.

    Each replica returns the *sums* of its per-example loss and metrics and its example
    count; the step reduces them across replicas (SUM), so an epoch's numbers are
    example-weighted means exactly as Keras' own trackers compute them. The gradient
    uses each replica's mean loss divided by the number of replicas
    (`tf.nn.compute_average_loss` with global batch = local batch x replicas), which is
    what `fit` does under a strategy, and the plain batch mean on one device.
    """

    def __init__(self, model, strategy):
        import tensorflow as tf

        self.model, self.strategy = model, strategy or tf.distribute.get_strategy()
        self.loss_fn = per_example_loss(model.loss)
        self.metric_names = _metric_names(model)
        with self.strategy.scope():
            model.optimizer.build(model.trainable_variables)
        self.train_function = tf.function(self._distributed(self._train_replica), reduce_retracing=True)
        self.test_function = tf.function(self._distributed(self._test_replica), reduce_retracing=True)

    def _sums(self, y, y_pred, per_example):
        import tensorflow as tf

        sums = {"loss": tf.reduce_sum(per_example), "count": tf.cast(tf.shape(per_example)[0], per_example.dtype)}
        for name in self.metric_names:
            sums[name] = tf.reduce_sum(tf.cast(per_example_metric(name, y, y_pred), per_example.dtype))
        return sums

    def _train_replica(self, x, y):
        import tensorflow as tf

        model = self.model
        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)
            per_example = self.loss_fn(y, y_pred)
            local_batch = tf.shape(per_example)[0]
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=local_batch * self.strategy.num_replicas_in_sync)
        gradients = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return self._sums(y, y_pred, per_example)

    def _test_replica(self, x, y):
        y_pred = self.model(x, training=False)
        return self._sums(y, y_pred, self.loss_fn(y, y_pred))

    def _distributed(self, replica_fn):
        import tensorflow as tf

        def step(batch):
            x, y = batch
            per_replica = self.strategy.run(replica_fn, args=(x, y))
            return {k: self.strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None) for k, v in per_replica.items()}

        return step

    def run_epoch(self, dataset, train: bool, callbacks=None) -> dict[str, float]:
        """One pass over a distributed dataset -> {"loss": mean, metric: mean}."""
        totals: dict[str, float] = {}
        function = self.train_function if train else self.test_function
        for step, batch in enumerate(dataset):
            if callbacks is not None:
                callbacks.on_train_batch_begin(step)
            sums = {k: float(v) for k, v in function(batch).items()}
            for key, value in sums.items():
                totals[key] = totals.get(key, 0.0) + value
            if callbacks is not None:
                callbacks.on_train_batch_end(step, _means(totals))
        return _means(totals)


def _means(totals: dict[str, float]) -> dict[str, float]:
    count = totals.get("count", 0.0) or 1.0
    return {k: v / count for k, v in totals.items() if k != "count"}


def _draw_shuffle_order(dataset) -> None:
    """Start (and drop) one iterator, as Keras `fit` does: every new iterator draws the next reshuffle seed.

    Keras 3 `fit` under a strategy opens one iterator for its symbolic build before the
    first epoch and one more between epochs; opening the same ones here makes each epoch
    see the examples in the same order as under `fit` (a test holds both to the same losses).
    """
    iterator = iter(dataset)
    del iterator


def fit_distributed(model, train_data, validation_data, *, epochs: int, callbacks: list, strategy=None,
                    initial_epoch: int = 0, verbose: int = 0) -> dict[str, list[float]]:
    """What `model.fit` does, with tfjourney's distributed step: returns the history it records.

    Args:
        model: a compiled model built inside `strategy.scope()`.
        train_data, validation_data: batched `tf.data` datasets (global batch size); validation may be None.
        epochs, initial_epoch: as in `fit`.
        callbacks: Keras callbacks; they see the same logs and hooks as under `fit`.
        strategy: a `tf.distribute` strategy (None: the default, one device).
        verbose: 0 silent, otherwise Keras' progress bar per epoch.

    Returns:
        The History dict: one list per logged value, one entry per epoch run.
    """
    import keras

    step = DistributedStep(model, strategy)
    distribute = step.strategy.experimental_distribute_dataset
    train = distribute(shard_by_data(train_data))
    val = distribute(shard_by_data(validation_data)) if validation_data is not None else None
    callback_list = keras.callbacks.CallbackList(callbacks, model=model, add_history=True, add_progbar=verbose != 0,
                                                 verbose=verbose, epochs=epochs, steps=None)
    model.stop_training = False
    callback_list.on_train_begin()
    logs: dict[str, float] = {}
    _draw_shuffle_order(train)  # as fit's symbolic build does under a strategy
    for epoch in range(initial_epoch, epochs):
        if epoch > initial_epoch:
            _draw_shuffle_order(train)  # as fit's epoch iterator does between epochs
        callback_list.on_epoch_begin(epoch)
        logs = step.run_epoch(train, train=True, callbacks=callback_list)
        if val is not None:
            logs.update({f"val_{k}": v for k, v in step.run_epoch(val, train=False).items()})
        callback_list.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callback_list.on_train_end(logs)
    return model.history.history


def weights_identical(model, strategy) -> bool:
    """True when every worker holds exactly the same weights: their SHA-256 digests agree (an all-reduce).

    Each replica contributes its digest's 32 bytes d; they are all equal exactly when
    n * sum(d^2) == sum(d)^2 byte by byte (the spread is zero), exact in float32 for bytes.
    """
    import hashlib

    import numpy as np
    import tensorflow as tf

    digest = hashlib.sha256(b"".join(np.ascontiguousarray(w).tobytes() for w in model.get_weights())).digest()
    values = tf.constant(np.frombuffer(digest, dtype=np.uint8).astype("float32"))
    per_replica = strategy.run(lambda: (values, values * values))
    total, squares = (strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None).numpy() for v in per_replica)
    return bool(np.all(strategy.num_replicas_in_sync * squares == total * total))
