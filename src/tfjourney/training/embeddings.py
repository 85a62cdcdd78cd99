"""Feature extraction's fast path: embed every image once, then train the head on the embeddings.

`embed` runs the frozen backbone over a batched, prefetched `tf.data` pipeline (decode ->
resize -> batch) through one traced function, the same kind of step Keras's own `predict`
uses, so an image costs what the backbone's forward pass costs rather than an eager call
per layer. Every split goes through the same function and the last, smaller batch is
padded to the batch size, so the function is traced once per run (tracing EfficientNet
costs seconds, as much as embedding a hundred images).

Example:
    >>> from tfjourney.models.transfer import feature_model
    >>> (train_x, train_y), (val_x, val_y) = embed(feature_model(model), image_data.train, image_data.val)
"""

from __future__ import annotations

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras loads: TensorFlow's native start-up notices stay muted

import keras
import numpy as np
import tensorflow as tf

from tfjourney.progress import Phase


def forward_function(features: keras.Model):
    """`features` in inference mode as one traced function, as Keras's own predict step (no XLA:
    compiling EfficientNet with it took longer than embedding the whole folder on a 2-core CPU)."""
    return tf.function(lambda images: features(images, training=False))


def _padded(images: tf.Tensor, batch_size: int) -> tf.Tensor:
    missing = batch_size - int(images.shape[0])
    return images if missing <= 0 else tf.concat([images, tf.zeros((missing, *images.shape[1:]), images.dtype)], 0)


def embed(features: keras.Model, *datasets: tf.data.Dataset, phase: Phase | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """One backbone pass over each dataset of (images, labels) batches, all through one traced function.

    Args:
        features: raw image -> embedding (`models.transfer.feature_model`).
        *datasets: batched (images, labels), each iterated once, so a shuffled dataset's labels still match.
        phase: a progress phase that counts the images as they are embedded (None: silent).

    Returns:
        One (embeddings, labels) pair of NumPy arrays per dataset, in the order the dataset gave them.
    """
    forward = forward_function(features)
    batch_size = None
    results = []
    for dataset in datasets:
        embeddings, labels = [], []
        for images, batch_labels in dataset.prefetch(tf.data.AUTOTUNE):
            batch_size = batch_size or int(images.shape[0])
            embeddings.append(forward(_padded(images, batch_size))[: images.shape[0]])
            labels.append(batch_labels)
            if phase is not None:
                phase.update(int(batch_labels.shape[0]))
        if not embeddings:
            results.append((np.zeros((0, features.output_shape[-1]), "float32"), np.zeros((0,), "int64")))
            continue
        results.append((keras.ops.convert_to_numpy(tf.concat(embeddings, 0)), tf.concat(labels, 0).numpy()))
    return results


def embedding_dataset(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int, shuffle: bool) -> tf.data.Dataset:
    """Cached embeddings as a batched dataset: the head's whole training input."""
    ds = tf.data.Dataset.from_tensor_slices((x, y)).cache()
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
