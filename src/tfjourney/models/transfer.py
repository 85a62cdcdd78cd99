"""The transfer model: a pretrained backbone under a new head, and the layers fine-tuning unfreezes.

One functional model, raw pixels in: (augmentation) -> backbone (always in inference mode, so
BatchNormalization keeps its ImageNet statistics) -> GlobalAveragePooling2D -> Dense. Feature
extraction trains only the Dense head; fine-tuning unfreezes the backbone's top layers in
stages, each stage's new layers forming one block of the discriminative learning rates.

Example:
    >>> from tfjourney.models.backbones import build_backbone
    >>> backbone = build_backbone("efficientnet_lite0", image_size=64)
    >>> model = build_transfer_model(backbone, n_classes=3, augment=False)
    >>> unfreeze_top_layers(backbone, 10)  # layers that now train (BatchNormalization excluded)
    7
"""

from __future__ import annotations

import keras

from tfjourney.errors import ConfigError
from tfjourney.models.cnn import build_augmentation
from tfjourney.models.heads import classifier_output

POOL_LAYER = "pool"
HEAD_LAYER = "classifier"


def build_transfer_model(backbone: keras.Model, n_classes: int, augment: bool, seed: int | None = None) -> keras.Model:
    """Raw pixels -> (augmentation) -> frozen backbone (inference mode) -> GlobalAveragePooling -> Dense.

    Args:
        backbone: a flat feature extractor from `models.backbones.build_backbone`; frozen here.
        n_classes: number of classes (2 gives one sigmoid unit, more a softmax).
        augment: put the random flip/rotation/zoom layers in front of the backbone.
        seed: seed of the augmentation layers.

    Returns:
        The whole model, named `transfer_<backbone>`.
    """
    backbone.trainable = False
    inputs = keras.Input(shape=backbone.input_shape[1:], name="image")
    x = build_augmentation(seed)(inputs) if augment else inputs
    x = backbone(x, training=False)  # BatchNormalization stays in inference mode, even when fine-tuning
    x = keras.layers.GlobalAveragePooling2D(name=POOL_LAYER)(x)
    head = classifier_output(n_classes)
    outputs = keras.layers.Dense(head.units, activation=head.activation, name=HEAD_LAYER)(x)
    return keras.Model(inputs, outputs, name=f"transfer_{backbone.name}")


def feature_model(model: keras.Model) -> keras.Model:
    """Raw image -> pooled backbone embedding: the part of a transfer model that phase 1 keeps frozen."""
    return keras.Model(model.inputs, model.get_layer(POOL_LAYER).output)


def head_model(model: keras.Model, embedding_size: int) -> keras.Model:
    """Embedding -> class probabilities, sharing the transfer model's own Dense layer (and weights)."""
    embedding = keras.Input(shape=(embedding_size,), name="embedding")
    return keras.Model(embedding, model.get_layer(HEAD_LAYER)(embedding), name="head")


def fine_tunable_layers(backbone: keras.Model) -> list[keras.layers.Layer]:
    """The layers "top N" counts over: everything after the input and the preprocessing."""
    return [layer for layer in backbone.layers if not isinstance(layer, (keras.layers.InputLayer, keras.layers.Rescaling))]


def check_fine_tune_layers(backbone: keras.Model, n: int) -> None:
    """Raise a ConfigError naming the maximum when `n` is not between 0 and the backbone's layer count."""
    maximum = len(fine_tunable_layers(backbone))
    if not 0 <= n <= maximum:
        raise ConfigError(f"fine_tune_layers {n} is larger than {backbone.name}'s {maximum} layers; pass at most {maximum}.")


def unfreeze_top_layers(backbone: keras.Model, n: int) -> int:
    """Unfreeze the top `n` layers except BatchNormalization; returns how many now train."""
    check_fine_tune_layers(backbone, n)
    layers = fine_tunable_layers(backbone)
    backbone.trainable = True
    for layer in backbone.layers:
        layer.trainable = False
    top = layers[len(layers) - n :] if n else []
    for layer in top:
        layer.trainable = not isinstance(layer, keras.layers.BatchNormalization)
    return sum(layer.trainable for layer in top)


def unfrozen_blocks(backbone: keras.Model, stage_layers: list[int]) -> list[list[keras.layers.Layer]]:
    """The layers each stage adds, top block first: stages (10, 20) give the top 10, then layers 11-20.

    These are the blocks of the discriminative learning rates: block k trains at the
    fine-tuning rate times `lr_decay ** k`.
    """
    layers = fine_tunable_layers(backbone)
    blocks, previous = [], 0
    for n in stage_layers:
        check_fine_tune_layers(backbone, n)
        blocks.append(layers[len(layers) - n : len(layers) - previous])
        previous = n
    return blocks
