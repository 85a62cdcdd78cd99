"""Test-time augmentation: the mean over an image and its mirror image."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfjourney.models.tta import predict_with_tta


def _model() -> keras.Model:
    keras.utils.set_random_seed(0)
    inputs = keras.Input((20, 20, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu")(keras.layers.Rescaling(1 / 255)(inputs))
    x = keras.layers.Flatten()(x)  # position-sensitive, so a mirror image predicts differently
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))


def _images(n=4) -> np.ndarray:
    return np.random.default_rng(0).uniform(0, 255, (n, 20, 20, 3)).astype("float32")


def test_a_horizontally_symmetric_image_predicts_the_same_with_and_without_tta():
    half = _images()[:, :, :10]
    symmetric = np.concatenate([half, half[:, :, ::-1]], axis=2)
    model = _model()
    np.testing.assert_allclose(predict_with_tta(model, symmetric), model.predict(symmetric, verbose=0), rtol=1e-5, atol=1e-7)


def test_tta_averages_the_image_and_its_mirror_for_arrays_and_datasets():
    images, model = _images(), _model()
    plain, mirrored = model.predict(images, verbose=0), model.predict(images[:, :, ::-1], verbose=0)
    assert not np.allclose(plain, mirrored)
    np.testing.assert_allclose(predict_with_tta(model, images), (plain + mirrored) / 2, rtol=1e-5)
    dataset = tf.data.Dataset.from_tensor_slices((images, np.zeros(4))).batch(2)
    np.testing.assert_allclose(predict_with_tta(model, dataset), (plain + mirrored) / 2, rtol=1e-5)
    with_crops = predict_with_tta(model, images, crops=True)
    assert with_crops.shape == plain.shape and not np.allclose(with_crops, (plain + mirrored) / 2)
