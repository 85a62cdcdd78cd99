"""Fine-tuning in stages on a tiny backbone: epochs continue, layers unfreeze per stage, BatchNorm stays
frozen, each block learns at its own rate, and a stage that hurts validation is rolled back."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfjourney.errors import ConfigError
from tfjourney.models.transfer import build_transfer_model, fine_tunable_layers, unfrozen_blocks
from tfjourney.training.fine_tune import discriminative_optimizer, fine_tune_in_stages, fine_tune_stages
from tfjourney.training.fit import set_seed


def _tiny_backbone() -> keras.Model:
    """A flat conv "backbone": 3 conv/BN/ReLU blocks, 9 fine-tunable layers, 3 of them BatchNormalization."""
    inputs = keras.Input((16, 16, 3), name="image")
    x = keras.layers.Rescaling(1 / 255)(inputs)
    for i, filters in enumerate((4, 6, 8)):
        x = keras.layers.Conv2D(filters, 3, padding="same", name=f"conv{i}")(x)
        x = keras.layers.BatchNormalization(name=f"bn{i}")(x)
        x = keras.layers.ReLU(name=f"relu{i}")(x)
    return keras.Model(inputs, x, name="tiny")


def _data(seed: int = 0, n: int = 32) -> tf.data.Dataset:
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 255, (n, 16, 16, 3)).astype("float32")
    labels = (images[:, :, :8].mean(axis=(1, 2, 3)) > images[:, :, 8:].mean(axis=(1, 2, 3))).astype("int64")
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(8)


class _TrainableAtStart(keras.callbacks.Callback):
    """Records, at the start of each fit, which backbone layers train."""

    def __init__(self, backbone, seen):
        super().__init__()
        self.backbone, self.seen = backbone, seen

    def on_train_begin(self, logs=None):
        self.seen.append({layer.name for layer in fine_tunable_layers(self.backbone) if layer.trainable})


def _model():
    set_seed(0)
    backbone = _tiny_backbone()
    return build_transfer_model(backbone, n_classes=2, augment=False, seed=0), backbone


def test_a_schedule_is_stages_of_increasing_layers_with_epochs_each():
    assert fine_tune_stages(20, 5) == fine_tune_stages([20], [5])
    assert [(s.layers, s.epochs) for s in fine_tune_stages((10, 20, 40), (2, 3, 4))] == [(10, 2), (20, 3), (40, 4)]
    assert [s.epochs for s in fine_tune_stages((10, 20), 5)] == [5, 5]
    assert fine_tune_stages(0, 5) == []
    with pytest.raises(ConfigError, match="positive and increasing"):
        fine_tune_stages((20, 10), 5)
    with pytest.raises(ConfigError, match="one per stage"):
        fine_tune_stages((10, 20, 40), (1, 2))


def test_stages_continue_the_epochs_unfreeze_more_each_time_and_keep_batchnorm_frozen():
    model, backbone = _model()
    seen: list[set[str]] = []
    results = fine_tune_in_stages(
        model, backbone, stages=fine_tune_stages((3, 9), (1, 2)), train_data=lambda _: _data(0), val_data=_data(1),
        learning_rate=1e-3, lr_decay=0.5, n_classes=2, initial_epoch=4, best_val_loss=None,
        callbacks=lambda _: [_TrainableAtStart(backbone, seen)], seed=0,
    )
    assert [(r.start_epoch, r.epochs_run) for r in results] == [(5, 1), (6, 2)]  # 1-based, continuing phase 1's 4 epochs
    assert seen == [{"conv2", "relu2"}, {"conv0", "relu0", "conv1", "relu1", "conv2", "relu2"}]  # bn0-bn2 never train
    assert [r.trainable_layers for r in results] == [2, 6]
    assert results[0].learning_rates == [1e-3] and results[1].learning_rates == pytest.approx([1e-3, 5e-4])
    assert all(r.kept for r in results)  # no bar to beat: every stage is kept
    assert isinstance(model.optimizer, keras.optimizers.Adam)  # saved with a plain Adam, loadable anywhere


def test_each_block_learns_at_its_own_rate():
    """Adam's first step moves every weight by about its learning rate: the deeper block's steps are lr_decay times smaller."""
    model, backbone = _model()
    backbone.trainable = True
    blocks = unfrozen_blocks(backbone, [3, 6])  # top block: conv2/bn2/relu2; next: conv1/bn1/relu1
    for layer in fine_tunable_layers(backbone):
        layer.trainable = layer in blocks[0] + blocks[1] and not isinstance(layer, keras.layers.BatchNormalization)
    optimizer = discriminative_optimizer(blocks, learning_rate=1e-2, lr_decay=0.25)
    assert isinstance(optimizer, keras.optimizers.MultiOptimizer)
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    kernels = {name: backbone.get_layer(name).kernel for name in ("conv1", "conv2")}
    before = {name: v.numpy().copy() for name, v in kernels.items()}
    images, labels = next(iter(_data(0)))
    model.train_on_batch(images, labels)
    step = {name: np.median(np.abs(kernels[name].numpy() - before[name])) for name in kernels}
    assert step["conv2"] == pytest.approx(1e-2, rel=0.05)
    assert step["conv1"] == pytest.approx(0.25e-2, rel=0.05)


def test_one_block_or_no_decay_is_a_plain_adam():
    _, backbone = _model()
    assert isinstance(discriminative_optimizer(unfrozen_blocks(backbone, [9]), 1e-3, 0.5), keras.optimizers.Adam)
    assert isinstance(discriminative_optimizer(unfrozen_blocks(backbone, [3, 9]), 1e-3, 1.0), keras.optimizers.Adam)


def test_a_stage_that_makes_validation_worse_is_rolled_back():
    model, backbone = _model()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    val = _data(1)
    before = [w.copy() for w in model.get_weights()]
    val_loss_before = model.evaluate(val, verbose=0)
    results = fine_tune_in_stages(
        model, backbone, stages=fine_tune_stages(9, 1), train_data=lambda _: _data(0), val_data=val,
        learning_rate=50.0, lr_decay=1.0, n_classes=2, initial_epoch=0, best_val_loss=val_loss_before,
        callbacks=lambda _: [], seed=0,
    )
    assert results[0].best_val_loss > val_loss_before and results[0].kept is False
    for restored, original in zip(model.get_weights(), before):
        np.testing.assert_array_equal(restored, original)
