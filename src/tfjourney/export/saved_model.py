"""SavedModel for TensorFlow Serving: Keras 3's `model.export(format="tf_saved_model")`.

The `serving_default` signature takes the model's raw inputs (CSV columns, or 0-255 pixels),
so a TF Serving client needs nothing from tfjourney.
"""

from __future__ import annotations

from pathlib import Path

import keras

from tfjourney.export.graph import export_signature
from tfjourney.export.quiet import captured_output


def write_saved_model(model: keras.Model, folder: Path) -> Path:
    """Write `model` as a SavedModel into `folder` (which must not exist yet).

    Args:
        model: the inference model.
        folder: the SavedModel directory to create.

    Returns:
        `folder`.
    """
    with captured_output():
        model.export(str(folder), format="tf_saved_model", verbose=False, input_signature=export_signature(model))
    return folder
