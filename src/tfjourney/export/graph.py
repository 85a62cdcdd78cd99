"""What an exported graph is made of: the inference model, its inputs, and what lives inside.

Works on any functional Keras model a run holds, so a new column treatment or layer in a
tabular model (or a new backbone) needs nothing here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import keras


@dataclass(frozen=True)
class InputSpec:
    """One model input as a client feeds it."""

    name: str
    dtype: str
    shape: list[int | None]

    def to_dict(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "shape": self.shape}


def is_augmentation(layer: keras.layers.Layer) -> bool:
    """Random layers (flip, rotation, zoom, ...) and the `augmentation` block that holds them."""
    if layer.name == "augmentation":
        return True
    return type(layer).__name__.startswith("Random") and "preprocessing" in type(layer).__module__


def inference_model(model: keras.Model) -> tuple[keras.Model, list[str]]:
    """The model without its augmentation layers (identity at inference anyway), sharing its weights.

    Returns:
        The inference model (the same object when nothing was removed) and the removed layers' names.
    """
    removed = [layer.name for layer in model.layers if is_augmentation(layer)]
    if not removed:
        return model, []
    clone = keras.models.clone_model(model, clone_function=_keep_or_skip)
    return clone, removed


class _Removed(keras.layers.Layer):
    """Stands where an augmentation layer was: passes its input through (and takes the call
    arguments Keras recorded for the original, such as `mask`)."""

    def call(self, inputs, mask=None, training=None):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


def _keep_or_skip(layer: keras.layers.Layer) -> keras.layers.Layer:
    return _Removed(name=f"{layer.name}_removed") if is_augmentation(layer) else layer


def input_specs(model: keras.Model) -> list[InputSpec]:
    return [InputSpec(t.name, str(t.dtype), list(t.shape)) for t in model.inputs]


def signature_names(model: keras.Model) -> list[str]:
    """The exported files' input names: each model input's name made a valid, unique tensor name
    ("num children" -> "num_children"), in model.inputs order."""
    names, seen = [], set()
    for tensor in model.inputs:
        base = re.sub(r"[^0-9A-Za-z_]+", "_", tensor.name).strip("_") or "input"
        base = base if base[0].isalpha() else f"x_{base}"
        name, suffix = base, 1
        while name.lower() in seen:
            suffix += 1
            name = f"{base}_{suffix}"
        seen.add(name.lower())
        names.append(name)
    return names


def export_signature(model: keras.Model) -> list:
    """`input_signature` for `model.export`: the model's own input structure, with tensor-safe names."""
    import tensorflow as tf

    by_tensor = {id(t): name for t, name in zip(model.inputs, signature_names(model))}

    def spec(tensor) -> tf.TensorSpec:
        return tf.TensorSpec(tensor.shape, tensor.dtype, name=by_tensor[id(tensor)])

    structure = model.input
    if isinstance(structure, dict):
        return [{key: spec(tensor) for key, tensor in structure.items()}]
    if isinstance(structure, (list, tuple)):
        return [[spec(tensor) for tensor in structure]]
    return [spec(structure)]


def preprocessing_layers(model: keras.Model) -> list[dict]:
    """Every layer that turns raw input into features (rescaling, normalization, lookups, fills)."""
    found = []
    for layer in _all_layers(model):
        module = type(layer).__module__
        if "preprocessing" in module or not module.startswith("keras"):
            if is_augmentation(layer) or isinstance(layer, keras.Model):
                continue
            found.append({"layer": layer.name, "type": type(layer).__name__, **_describe(layer)})
    return found


def _describe(layer: keras.layers.Layer) -> dict:
    config = layer.get_config()
    keys = ("scale", "offset", "mean", "variance", "value", "output_mode", "num_bins", "max_tokens")
    described = {k: config[k] for k in keys if k in config and config[k] is not None}
    if hasattr(layer, "vocabulary_size"):
        described["vocabulary_size"] = int(layer.vocabulary_size())
    return described


def _all_layers(model: keras.Model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def inputs_behind_layers(model: keras.Model) -> dict[str, set[str]]:
    """Layer name -> the model inputs that feed it, for naming the column behind a failing op."""
    feeds: dict[str, set[str]] = {}
    for layer in model.layers:
        names: set[str] = set()
        for node in layer._inbound_nodes:
            for tensor in node.input_tensors:
                history = tensor._keras_history
                source = history.operation.name
                names |= feeds.get(source, set())
        if not layer._inbound_nodes or type(layer).__name__ == "InputLayer":
            names = {layer.name}
        feeds[layer.name] = names
    return feeds


def columns_named_in(text: str, model: keras.Model) -> list[str]:
    """The model inputs behind any layer whose name appears in `text` (e.g. a converter's error)."""
    feeds = inputs_behind_layers(model)
    columns: list[str] = []
    for layer_name, inputs in feeds.items():
        if re.search(rf"(^|[/\s'\"]){re.escape(layer_name)}(_\d+)?[/:'\"\s]", text):
            columns += [c for c in sorted(inputs) if c not in columns]
    return columns
