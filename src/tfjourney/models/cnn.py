"""The CNN blueprint: a Tiny VGG built from the table's rows, taking raw 0-255 pixels.

Augmentation layers (active only in training) and rescaling live inside the model, so
`model.keras` takes the same raw images `tfjourney predict` reads.
"""

from __future__ import annotations

import math

import keras

from tfjourney.blueprints import CnnConfig
from tfjourney.errors import ConfigError
from tfjourney.models.heads import classifier_output


def build_augmentation(seed: int | None = None) -> keras.Sequential:
    """Random flip, rotation and zoom: the course's augmentation, as Keras preprocessing layers."""
    return keras.Sequential(
        [
            keras.layers.RandomFlip("horizontal", seed=seed),
            keras.layers.RandomRotation(0.1, seed=seed),
            keras.layers.RandomZoom(0.1, seed=seed),
        ],
        name="augmentation",
    )


def _conv_output(size: int, kernel: int, strides: int, padding: str) -> int:
    if padding == "same":
        return math.ceil(size / strides)
    return (size - kernel) // strides + 1


def feature_map_sizes(image_size: int, conv_blocks: int, kernel_size: int, strides: int, padding: str) -> list[int]:
    """Spatial size after each layer (conv, conv, pool per block); checked before building."""
    sizes, size = [], image_size
    for _ in range(conv_blocks):
        for _ in range(2):
            size = _conv_output(size, kernel_size, strides, padding)
            sizes.append(size)
        size = size // 2
        sizes.append(size)
    return sizes


def smallest_image_size(conv_blocks: int, kernel_size: int, strides: int, padding: str) -> int:
    size = 1
    while min(feature_map_sizes(size, conv_blocks, kernel_size, strides, padding)) < 1:
        size += 1
    return size


def check_cnn_shapes(config: CnnConfig) -> None:
    """The feature maps must keep at least one pixel through every block: a check across keys."""
    args = (config.conv_blocks, config.kernel_size, config.strides, config.padding)
    if min(feature_map_sizes(config.image_size, *args)) < 1:
        smallest = smallest_image_size(*args)
        raise ConfigError(
            f"`image_size` {config.image_size} is too small for {config.conv_blocks} conv blocks with kernel "
            f"{config.kernel_size}, stride {config.strides}, padding {config.padding!r}: the feature maps shrink "
            f"to nothing; pass `image_size` {smallest} or more, fewer `conv_blocks`, or `padding` same."
        )


def build_cnn(config: CnnConfig, n_classes: int, seed: int | None = None) -> keras.Model:
    """(Conv2D -> Conv2D -> Pool) x blocks -> Flatten -> Dense output, layer names stable for explain."""
    check_cnn_shapes(config)
    size = config.image_size
    inputs = keras.Input(shape=(size, size, 3), name="image")
    x = build_augmentation(seed)(inputs) if config.augment else inputs
    x = keras.layers.Rescaling(1.0 / 255, name="rescale")(x)
    pool = keras.layers.MaxPooling2D if config.pool == "max" else keras.layers.AveragePooling2D
    for block in range(1, config.conv_blocks + 1):
        for conv in (1, 2):
            x = keras.layers.Conv2D(
                config.filters,
                config.kernel_size,
                strides=config.strides,
                padding=config.padding,
                activation=config.activation,
                name=f"block{block}_conv{conv}",
            )(x)
        x = pool(pool_size=2, name=f"block{block}_pool")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    head = classifier_output(n_classes)
    outputs = keras.layers.Dense(head.units, activation=head.activation, name="output")(x)
    return keras.Model(inputs, outputs, name="tiny_vgg")
