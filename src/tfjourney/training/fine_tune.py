"""Fine-tuning in stages: gradual unfreezing with discriminative learning rates.

The seed's recipe is "train the new head on a frozen backbone, then gradually unfreeze
more and more layers". Each stage here unfreezes the backbone's top N layers
(BatchNormalization stays frozen), continues the epoch count where the last stage
stopped (`initial_epoch`), and is kept only if it lowers the best validation loss so
far; otherwise the weights from before the stage come back.

The layers a stage adds form one block. With `lr_decay` < 1 the deeper (earlier) blocks
learn more slowly: the head and the top block train at the fine-tuning rate, block k
at `rate * lr_decay ** k` (ULMFiT's discriminative learning rates). This is Keras's own
`keras.optimizers.MultiOptimizer`: one Adam per block, each variable routed to its
block's Adam by its path, no hand-written update rule.

Example:
    >>> stages = fine_tune_stages([10, 20, 40], epochs=5)
    >>> [(s.layers, s.epochs) for s in stages]
    [(10, 5), (20, 5), (40, 5)]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras loads: TensorFlow's native start-up notices stay muted

import keras
import tensorflow as tf

from tfjourney.blueprints import TransferConfig
from tfjourney.data.image_datasets import ImageData
from tfjourney.errors import ConfigError
from tfjourney.models.cnn import build_augmentation
from tfjourney.models.heads import classifier_output
from tfjourney.models.transfer import unfreeze_top_layers, unfrozen_blocks
from tfjourney.training.fit import fit, set_seed


@dataclass(frozen=True)
class Stage:
    """One fine-tuning stage: unfreeze the top `layers` layers and train `epochs` more epochs."""

    layers: int
    epochs: int


@dataclass
class StageResult:
    """What one stage did, as `run.json` records it under `training.stages`."""

    stage: int  # 1-based
    layers: int  # top layers unfrozen (BatchNormalization among them stays frozen)
    trainable_layers: int
    learning_rates: list[float]  # the head and the top block first, then each deeper block
    start_epoch: int  # 1-based, as on the plots
    epochs_run: int
    best_val_loss: float | None
    kept: bool  # False: validation loss did not improve, so the weights from before the stage came back
    seconds: float
    history: dict[str, list[float]] = field(repr=False)

    def record(self) -> dict:
        """The JSON-ready entry, without the per-epoch history (history.csv holds it)."""
        return {k: v for k, v in asdict(self).items() if k != "history"}


def _as_list(value: int | Sequence[int]) -> list[int]:
    return [int(v) for v in value] if isinstance(value, (list, tuple)) else [int(value)]


def fine_tune_stages(layers: int | Sequence[int], epochs: int | Sequence[int]) -> list[Stage]:
    """The stages a schedule describes; no stages for `layers` 0 (no fine-tuning).

    Args:
        layers: top layers unfrozen per stage, increasing (`20`, or `[10, 20, 40]`).
        epochs: epochs per stage, one number for every stage or one per stage.

    Returns:
        One `Stage` per entry of `layers`.
    """
    layer_counts, epoch_counts = _as_list(layers), _as_list(epochs)
    if layer_counts == [0]:
        return []
    if any(n < 1 for n in layer_counts) or any(b <= a for a, b in zip(layer_counts, layer_counts[1:])):
        raise ConfigError(f"fine_tune_layers {','.join(map(str, layer_counts))} must be positive and increasing, "
                          "one count per stage such as 10,20,40 (or 0 for no fine-tuning).")
    if len(epoch_counts) == 1:
        epoch_counts *= len(layer_counts)
    if len(epoch_counts) != len(layer_counts):
        raise ConfigError(f"fine_tune_epochs gives {len(epoch_counts)} numbers for {len(layer_counts)} stages; "
                          "pass one number for every stage or one per stage.")
    if any(e < 1 for e in epoch_counts):
        raise ConfigError(f"fine_tune_epochs {','.join(map(str, epoch_counts))} must be at least 1 per stage.")
    return [Stage(n, e) for n, e in zip(layer_counts, epoch_counts)]


def block_learning_rates(learning_rate: float, blocks: int, lr_decay: float) -> list[float]:
    """The rate of each block, top first: `learning_rate * lr_decay ** k`."""
    return [learning_rate * lr_decay**k for k in range(max(blocks, 1))]


def discriminative_optimizer(blocks: list[list[keras.layers.Layer]], learning_rate: float, lr_decay: float) -> keras.optimizers.Optimizer:
    """Adam for the head and the top block; one Adam per deeper block at a rate `lr_decay` times smaller each.

    One block (or `lr_decay` 1) is a plain Adam, exactly today's one-step fine-tuning.

    Args:
        blocks: layers per block, top block first (`models.transfer.unfrozen_blocks`).
        learning_rate: the rate of the head and the top block.
        lr_decay: factor between one block's rate and the next deeper one's, in (0, 1].

    Returns:
        A `keras.optimizers.Adam`, or a `keras.optimizers.MultiOptimizer` of one Adam per block.
    """
    rates = block_learning_rates(learning_rate, len(blocks), lr_decay)
    if len(set(rates)) == 1:  # one block, or no decay: a single rate
        return keras.optimizers.Adam(learning_rate)
    optimizer_map = keras.optimizers.OptimizerMap(default_optimizer=keras.optimizers.Adam(learning_rate, name="adam_block0"))
    for k, (block, rate) in enumerate(zip(blocks[1:], rates[1:]), start=1):
        block_optimizer = keras.optimizers.Adam(rate, name=f"adam_block{k}")
        for variable in (w for layer in block for w in layer.weights):
            optimizer_map[variable.path] = block_optimizer
    return keras.optimizers.MultiOptimizer(optimizer_map)


# ----------------------------------------------------------------------------- phase 2's training images
def augmented(dataset: tf.data.Dataset, seed: int) -> tf.data.Dataset:
    """Training batches through random flips, rotations and zooms, in the input pipeline.

    Applied in tf.data rather than in the model, so the saved model stays what phase 1
    built; a sequential map keeps the random draws, and so the run, repeatable.
    """
    augmentation = build_augmentation(seed)
    return dataset.map(lambda images, labels: (augmentation(images, training=True), labels))


def fine_tunes(config: TransferConfig) -> bool:
    """Whether phase 2 runs: `fine_tune` on and at least one stage in the schedule."""
    return config.fine_tune and tuple(config.fine_tune_layers) != (0,)


def augments_fine_tuning_data(config: TransferConfig) -> bool:
    """Phase 2 adds its own augmentation only when it runs, is asked for, and the model does not augment already."""
    return fine_tunes(config) and config.fine_tune_augment and not config.augment


def fine_tune_training_data(image_data: ImageData, config: TransferConfig, seed: int) -> tf.data.Dataset:
    """Phase 2's training images: augmented where `augments_fine_tuning_data` says so."""
    return augmented(image_data.train, seed) if augments_fine_tuning_data(config) else image_data.train


def _best(history: dict[str, list[float]], key: str = "val_loss") -> float | None:
    return min(history[key]) if history.get(key) else None


def fine_tune_in_stages(
    model: keras.Model,
    backbone: keras.Model,
    *,
    stages: list[Stage],
    train_data: Callable[[int], tf.data.Dataset],
    val_data: tf.data.Dataset | None,
    learning_rate: float,
    lr_decay: float,
    n_classes: int,
    initial_epoch: int,
    best_val_loss: float | None,
    callbacks: Callable[[int], list[keras.callbacks.Callback]],
    seed: int,
    verbose: int = 0,
) -> list[StageResult]:
    """Run every stage in turn; each continues the epochs and is kept only if validation loss improves.

    Args:
        model: the transfer model, its head already trained (phase 1).
        backbone: the backbone inside `model`.
        stages: from `fine_tune_stages`.
        train_data: stage index (0-based) -> that stage's training batches.
        val_data: validation batches (None: every stage is kept).
        learning_rate: the fine-tuning rate of the head and the top block.
        lr_decay: rate factor per deeper block (1: one rate for all).
        n_classes: number of classes (picks the loss).
        initial_epoch: epochs already run (phase 1).
        best_val_loss: best validation loss so far (phase 1's), the bar each stage must beat.
        callbacks: stage index -> a fresh callback list (early stopping restores that stage's best epoch).
        seed: stage k is seeded with `seed + k`.
        verbose: Keras's fit verbosity.

    Returns:
        One `StageResult` per stage. On return the model holds the weights of the last kept
        stage (or phase 1's), compiled with a plain Adam so that `model.keras` loads anywhere.
    """
    blocks = unfrozen_blocks(backbone, [stage.layers for stage in stages])
    results: list[StageResult] = []
    epoch = initial_epoch
    for index, stage in enumerate(stages):
        weights_before = model.get_weights()
        trainable = unfreeze_top_layers(backbone, stage.layers)
        stage_blocks = blocks[: index + 1]  # top block first
        optimizer = discriminative_optimizer(stage_blocks, learning_rate, lr_decay)
        model.compile(optimizer=optimizer, loss=classifier_output(n_classes).loss, metrics=["accuracy"])
        set_seed(seed + index)
        started = time.perf_counter()
        result = fit(model, train_data(index), val_data, epoch + stage.epochs, callbacks(index), initial_epoch=epoch, verbose=verbose)
        stage_best = _best(result.history)
        kept = best_val_loss is None or stage_best is None or stage_best < best_val_loss
        if kept:
            best_val_loss = stage_best if stage_best is not None else best_val_loss
        else:
            model.set_weights(weights_before)
        results.append(StageResult(
            stage=index + 1, layers=stage.layers, trainable_layers=trainable,
            learning_rates=block_learning_rates(learning_rate, index + 1, lr_decay if len(stage_blocks) > 1 else 1.0),
            start_epoch=epoch + 1, epochs_run=result.epochs_run, best_val_loss=stage_best, kept=kept,
            seconds=time.perf_counter() - started, history=result.history,
        ))
        epoch += result.epochs_run
    if isinstance(model.optimizer, keras.optimizers.MultiOptimizer):
        # model.keras stores the optimizer; a plain Adam loads anywhere, the per-block map is only for training
        plain = keras.optimizers.Adam(learning_rate)
        model.compile(optimizer=plain, loss=classifier_output(n_classes).loss, metrics=["accuracy"])
        plain.build(model.trainable_variables)  # so a loaded model.keras finds the optimizer variables it expects
    return results
