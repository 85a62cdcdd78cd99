"""The CNN Explainer's "what if" panel: output shapes and parameter counts for other Table 3 choices.

Built by the very builder `tfjourney train cnn` uses (`models.cnn.build_cnn` on the blueprint's
resolved config), so an invalid combination fails with the builder's own message.

Example:
    >>> cnn_whatif(kernel_size=5, padding="same", filters=32, n_classes=3)[1]["output_shape"]   # doctest: +SKIP
    [224, 224, 32]
"""

from __future__ import annotations

from typing import Any

from tfjourney.blueprints import get_blueprint
from tfjourney.errors import ConfigError
from tfjourney.models.cnn import build_cnn

WHATIF_KEYS = ("image_size", "conv_blocks", "filters", "kernel_size", "padding", "strides", "pool", "activation")
MAX_CLASSES = 1000


def cnn_whatif(*, n_classes: int = 2, **choices: Any) -> dict:
    """Every layer's output shape and parameter count for the CNN blueprint with `choices` changed.

    Args:
        n_classes: how many classes the output layer predicts.
        **choices: any of WHATIF_KEYS, e.g. kernel_size=5, padding="same".

    Returns:
        {"layers": [{"name", "type", "output_shape", "params"}], "params": total}.
    """
    unknown = sorted(set(choices) - set(WHATIF_KEYS))
    if unknown:
        raise ConfigError(f"the what-if panel changes {', '.join(WHATIF_KEYS)}; not {unknown[0]!r}.")
    if not 2 <= n_classes <= MAX_CLASSES:
        raise ConfigError(f"classes {n_classes} must be between 2 and {MAX_CLASSES}.")
    config = get_blueprint("cnn").resolve(**choices)
    model = build_cnn(config, n_classes)
    layers = [{"name": layer.name, "type": type(layer).__name__, "output_shape": list(layer.output.shape[1:]),
               "params": int(layer.count_params())} for layer in model.layers[1:]]
    return {"layers": layers, "params": int(model.count_params())}
