"""The one custom layer tfjourney needs, registered so `keras.saving.load_model` finds it.

Importing `tfjourney` (or `tfjourney.models`) registers it; after that a run's
`model.keras` loads with plain `keras.saving.load_model`.
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
