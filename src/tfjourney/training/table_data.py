"""Tables in tf.data: batches of whole columns for training, and predictions for raw rows.

Example:
    >>> train = table_dataset(fit_df, y_fit, plans, batch_size=32, seed=42, shuffle=True)   # doctest: +SKIP
    >>> outputs = predict_rows(model, test_df, plans)                                      # doctest: +SKIP
"""

from __future__ import annotations

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras loads: TensorFlow's native start-up notices stay muted

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from tfjourney.models.tabular import ColumnPlan, model_inputs
from tfjourney.progress import Progress
from tfjourney.training.progress import predict_with_progress

PREDICT_BATCH_ROWS = 1024


def table_dataset(frame: pd.DataFrame, y: np.ndarray, plans: list[ColumnPlan], batch_size: int, seed: int, shuffle: bool) -> tf.data.Dataset:
    """Batches of whole columns, cut with one gather per batch.

    Shuffling row indices (not rows) and gathering each batch from the column tensors costs a
    few operations per batch instead of several per row: 3-4x faster epochs on 85k rows.

    Args:
        frame: the rows, raw (the model's preprocessing layers encode them).
        y: one target per row.
        plans: the columns the model takes.
        batch_size: rows per batch.
        seed: the shuffle's seed.
        shuffle: reshuffle the rows every epoch (training), or keep their order (validation).

    Returns:
        (columns dict, targets) batches, prefetched.
    """
    columns = {name: tf.constant(values) for name, values in model_inputs(frame, plans).items()}
    targets = tf.constant(y)
    indices = tf.data.Dataset.range(len(frame))
    if shuffle:
        indices = indices.shuffle(len(frame), seed=seed, reshuffle_each_iteration=True)
    batches = indices.batch(batch_size).map(
        lambda rows: ({name: tf.gather(values, rows) for name, values in columns.items()}, tf.gather(targets, rows))
    )
    return batches.prefetch(tf.data.AUTOTUNE)


def predict_rows(model: keras.Model, frame: pd.DataFrame, plans: list[ColumnPlan], progress: Progress | None = None) -> np.ndarray:
    """Model outputs for raw rows; goes through tf.data because Keras's array adapter rejects strings."""
    ds = tf.data.Dataset.from_tensor_slices(model_inputs(frame, plans)).batch(PREDICT_BATCH_ROWS)
    return predict_with_progress(model, ds, len(frame), progress, what="rows")
