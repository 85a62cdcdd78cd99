"""A layer kept only so tabular runs saved before 2026-11 still load.

New tabular models fill missing values with `keras.ops` in the functional graph
(`tfjourney.models.tabular.fill_missing`) and load in a process that never imported
tfjourney. Older `model.keras` files name `tfjourney>FillMissing`: importing `tfjourney`
(or `tfjourney.models`) registers it, and `Run.load_model` does so for you. To re-save an
old run so it loads without tfjourney, retrain it (`tfjourney train ... --out NEW_DIR`, the
command is in its run.json).
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tfjourney")
class FillMissing(keras.layers.Layer):
    """Replace NaN with a fixed value (the training mean), so raw CSV rows with gaps work.

    Args:
        value: the number that stands in for a missing value.

    Example:
        >>> FillMissing(2.0)(np.array([[1.0], [np.nan]]))  # [[1.], [2.]]
    """

    def __init__(self, value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.value = float(value)

    def call(self, inputs):
        inputs = ops.cast(inputs, self.compute_dtype)
        return ops.where(ops.isnan(inputs), ops.full_like(inputs, self.value), inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "value": self.value}
