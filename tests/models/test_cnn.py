"""The CNN builder: every kernel / stride / padding / pooling the CLI allows gives the expected shapes."""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest

from tfjourney.blueprints import CNN
from tfjourney.errors import ConfigError
from tfjourney.models.cnn import build_cnn, feature_map_sizes, smallest_image_size

KERNELS = CNN.row_for("kernel_size").choices
STRIDES = CNN.row_for("strides").choices
PADDINGS = CNN.row_for("padding").choices
POOLS = CNN.row_for("pool").choices


def _config(**overrides) -> dict:
    return CNN.resolve(**{"image_size": 224, **overrides})


@pytest.mark.parametrize("kernel,strides,padding,pool", list(itertools.product(KERNELS, STRIDES, PADDINGS, POOLS)))
def test_every_cli_combination_builds_with_expected_shapes(kernel, strides, padding, pool):
    config = _config(kernel_size=kernel, strides=strides, padding=padding, pool=pool)
    model = build_cnn(config, n_classes=3)
    expected = feature_map_sizes(224, config.conv_blocks, kernel, strides, padding)
    names = [f"block{b}_{layer}" for b in (1, 2) for layer in ("conv1", "conv2", "pool")]
    assert [model.get_layer(n).output.shape[1] for n in names] == expected
    assert model.get_layer("block1_conv1").output.shape[-1] == config.filters == 32
    assert model.output.shape == (None, 3)
    pool_type = keras.layers.MaxPooling2D if pool == "max" else keras.layers.AveragePooling2D
    assert isinstance(model.get_layer("block1_pool"), pool_type)


def test_the_courses_tiny_vgg_is_one_flag_away():
    model = build_cnn(_config(image_size=224, filters=10), n_classes=2)
    assert [model.get_layer(f"block1_conv{i}").output.shape[1:] for i in (1, 2)] == [(222, 222, 10), (220, 220, 10)]
    assert model.get_layer("block2_pool").output.shape[1:] == (53, 53, 10)
    assert model.output.shape == (None, 1)  # binary: one sigmoid unit
    assert model.get_layer("output").activation.__name__ == "sigmoid"


def test_model_takes_raw_pixels_and_outputs_probabilities():
    model = build_cnn(_config(image_size=32, padding="same"), n_classes=4)
    assert model.get_layer("rescale").scale == pytest.approx(1 / 255)
    probabilities = model.predict(np.full((2, 32, 32, 3), 255.0, "float32"), verbose=0)
    assert probabilities.shape == (2, 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_augmentation_is_inside_the_model_and_inactive_at_inference():
    model = build_cnn(_config(image_size=32, augment=True), n_classes=3, seed=0)
    images = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    augmentation = model.get_layer("augmentation")
    np.testing.assert_allclose(augmentation(images, training=False), images)
    assert not np.allclose(augmentation(images, training=True), images)


def test_too_small_image_names_the_smallest_size_that_works():
    smallest = smallest_image_size(2, 7, 2, "valid")
    with pytest.raises(ConfigError, match=rf"`image_size` {smallest} or more"):
        build_cnn(_config(image_size=smallest - 1, kernel_size=7, strides=2), n_classes=2)
    build_cnn(_config(image_size=smallest, kernel_size=7, strides=2), n_classes=2)
