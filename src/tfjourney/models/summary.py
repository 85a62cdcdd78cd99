"""A model's layer table as plain data, stored in run.json so reports work without the model file."""

from __future__ import annotations

import math

import keras


def _count(weights) -> int:
    return sum(math.prod(w.shape) for w in weights)


def _output_shape(layer: keras.layers.Layer) -> str:
    try:
        shape = layer.output.shape
    except (AttributeError, ValueError):
        return "?"
    if isinstance(shape, dict):
        return ", ".join(str(tuple(s)) for s in shape.values())
    return str(tuple(shape)).replace("None", "batch")


def layer_table(model: keras.Model) -> list[dict]:
    """One row per top-level layer: name, type, output shape, parameters, trainable vs frozen."""
    rows = []
    for layer in model.layers:
        trainable = _count(layer.trainable_weights)
        total = int(layer.count_params()) if layer.built else 0
        rows.append(
            {
                "name": layer.name,
                "type": type(layer).__name__,
                "output_shape": _output_shape(layer),
                "params": total,
                "trainable_params": trainable,
                "frozen_params": total - trainable,
                "trainable": bool(layer.trainable),
            }
        )
    return rows


def model_record(model: keras.Model) -> dict:
    trainable = _count(model.trainable_weights)
    total = int(model.count_params())
    return {"name": model.name, "params": total, "trainable_params": trainable, "frozen_params": total - trainable, "layers": layer_table(model)}
