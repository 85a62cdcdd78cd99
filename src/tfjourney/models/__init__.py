"""Model builders: each reads its defaults from `tfjourney.blueprints`."""

from tfjourney.models.layers import FillMissing
from tfjourney.models.playground import PlaygroundFeatures

__all__ = ["FillMissing", "PlaygroundFeatures"]
