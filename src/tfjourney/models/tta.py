"""Test-time augmentation: average a model's prediction over an image and its mirror image.

A classifier that has seen flipped photos in training often gets an uncertain photo right
from one side and not the other; averaging the two predictions smooths that out at the
cost of one more forward pass. `crops=True` adds a slightly zoomed-in centre crop of each
(two passes more).

Example:
    >>> probabilities = predict_with_tta(run.load_model(), images)
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

CROP_FRACTION = 0.9  # the centre crop keeps 90% of each side, then is resized back


def _flip(images: tf.Tensor) -> tf.Tensor:
    return tf.image.flip_left_right(images)


def _centre_crop(images: tf.Tensor) -> tf.Tensor:
    size = tf.shape(images)[1:3]
    cropped = tf.image.central_crop(images, CROP_FRACTION)
    return tf.cast(tf.image.resize(cropped, size), images.dtype)


def tta_transforms(crops: bool = False) -> list[Callable[[tf.Tensor], tf.Tensor]]:
    """The views predictions are averaged over: the image itself first, its mirror, optionally centre crops of both."""
    views = [tf.identity, _flip]
    if crops:
        views += [_centre_crop, lambda images: _centre_crop(_flip(images))]
    return views


def _view_of(data, transform):
    if isinstance(data, tf.data.Dataset):
        return data.map(lambda images, *rest: (transform(images), *rest))
    return transform(tf.convert_to_tensor(data)).numpy()


def predict_with_tta(
    model: keras.Model, data: np.ndarray | tf.data.Dataset, crops: bool = False, plain_outputs: np.ndarray | None = None
) -> np.ndarray:
    """The model's outputs averaged over `tta_transforms(crops)`.

    Args:
        model: an image model that takes raw 0-255 pixels.
        data: a batch of images (N, H, W, 3), or a batched dataset of (images, labels).
        crops: also average over 90% centre crops of the image and its mirror.
        plain_outputs: `model.predict(data)` when the caller has it already (saves that pass).

    Returns:
        The mean of the model's outputs over the views, shaped as `model.predict` returns them.
    """
    transforms = tta_transforms(crops)
    outputs = [] if plain_outputs is None else [np.asarray(plain_outputs)]
    for transform in transforms[len(outputs):]:
        outputs.append(np.asarray(model.predict(_view_of(data, transform), verbose=0)))
    return np.mean(outputs, axis=0)
