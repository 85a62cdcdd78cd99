"""Model builders: each reads its defaults from `tfjourney.blueprints`."""

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras / TensorFlow load: their native start-up notices stay muted

from tfjourney.models.layers import FillMissing
from tfjourney.models.playground import PlaygroundFeatures

__all__ = ["FillMissing", "PlaygroundFeatures"]
