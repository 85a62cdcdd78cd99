"""Model builders: each reads its defaults from `tfjourney.blueprints`."""

from tfjourney.models.layers import FillMissing

__all__ = ["FillMissing"]
