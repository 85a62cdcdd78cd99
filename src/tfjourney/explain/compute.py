"""The maths behind `tfjourney explain`: feature maps, first-layer filters and Grad-CAM, as arrays.

Both image blueprints take raw 0-255 pixels. The CNN is one flat functional model, so one
sub-model reaches every layer. A transfer model nests its backbone as a single layer, and
Keras 3 cannot route an inner layer's output through it from the outer input, so the work
runs in stages: the layers before the backbone, a sub-model of the backbone, then the head.

Nothing here draws or writes files, so the studio can serve the same arrays to a browser.

Example:
    >>> cam, class_index, probabilities = grad_cam(model, read_image("steak.jpeg", 224))  # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from tfjourney.errors import ConfigError, DataError
from tfjourney.metrics import class_probabilities

_STAGE = re.compile(r"^block(\d+)[a-z]+_")


# ----------------------------------------------------------------------------- model structure
def _backbone(model: keras.Model) -> keras.Model | None:
    """The nested backbone of a transfer model (a functional model with conv layers), else None."""
    for layer in model.layers:
        if isinstance(layer, keras.Model) and not isinstance(layer, keras.Sequential) and _convs(layer):
            return layer
    return None


def _convs(model: keras.Model) -> list[keras.layers.Layer]:
    """The plain 2-D convolutions of a (flat) model, in network order."""
    skip = (keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D, keras.layers.Conv2DTranspose)
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D) and not isinstance(layer, skip)]


def _is_spatial(layer: keras.layers.Layer) -> bool:
    """True when a layer outputs a [batch, h, w, c] feature map (something explain can draw)."""
    try:
        return len(layer.output.shape) == 4 and not isinstance(layer, keras.layers.InputLayer)
    except (AttributeError, ValueError):
        return False


def _stage_outputs(backbone: keras.Model) -> list[str]:
    """Stem, the last layer of each `block<N>` stage, and the feature map: one name per stage."""
    names = [layer.name for layer in backbone.layers]
    last_of_stage: dict[int, str] = {}
    for name in names:
        match = _STAGE.match(name)
        if match:
            last_of_stage[int(match.group(1))] = name
    if not last_of_stage:  # a backbone without EfficientNet-style names: every plain conv
        chosen = [layer.name for layer in _convs(backbone)]
    else:
        stem = [n for n in names if n.startswith("stem_")]
        chosen = stem[-1:] + [last_of_stage[k] for k in sorted(last_of_stage)]
    top = backbone.layers[-1].name
    return [n for n in chosen if n != top] + [top]


def _split_transfer(model: keras.Model, backbone: keras.Model) -> tuple[list, list]:
    """The outer layers before the backbone (augmentation) and after it (pool, classifier)."""
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    at = layers.index(backbone)
    return layers[:at], layers[at + 1 :]


@dataclass(frozen=True)
class Anatomy:
    """What explain needs to know about a model's structure, worked out once per model.

    `source` is the flat model whose layers are probed: the model itself for a CNN, the nested
    backbone for a transfer model (then `before`/`head` are the outer layers around it).
    """

    model: keras.Model
    backbone: keras.Model | None
    before: list
    head: list
    explainable: dict[str, keras.layers.Layer]
    conv_layers: list[str]

    @property
    def source(self) -> keras.Model:
        return self.backbone if self.backbone is not None else self.model

    @property
    def dense(self) -> keras.layers.Dense:
        """The Dense classifier at the model's end (ConfigError when there is none)."""
        return _output_dense(self.head[-1] if self.backbone is not None else self.model.layers[-1])

    def check_layers(self, layers: list[str]) -> None:
        """Fail with the list of valid names when a layer is unknown or not a feature map."""
        unknown = [name for name in layers if name not in self.explainable]
        if unknown:
            raise ConfigError(f"unknown `layer` {unknown[0]!r}; choose one of: {', '.join(self.conv_layers)} "
                              "(or any other convolutional layer name from the model summary).")


    def first_layer_filters(self) -> np.ndarray:
        """The learned first conv kernels [kh, kw, in, F] of `source`."""
        convs = _convs(self.source)
        if not convs:
            raise ConfigError(f"model {self.model.name} has no Conv2D layer; explain needs a CNN or transfer run.")
        return keras.ops.convert_to_numpy(convs[0].kernel)

def model_anatomy(model: keras.Model) -> Anatomy:
    """Find the backbone, the layers around it and the layers `--layer` may name, once."""
    backbone = _backbone(model)
    before, head = _split_transfer(model, backbone) if backbone is not None else ([], [])
    source = backbone if backbone is not None else model
    explainable = {layer.name: layer for layer in source.layers if _is_spatial(layer)}
    return Anatomy(model, backbone, before, head, explainable, _conv_layer_names(model, backbone))


def _conv_layer_names(model: keras.Model, backbone: keras.Model | None) -> list[str]:
    if backbone is not None:
        return _stage_outputs(backbone)
    return [layer.name for layer in _convs(model)]


def conv_layer_names(model: keras.Model) -> list[str]:
    """The convolution-block layers explain shows, in network order (CNN: every conv; transfer: stages)."""
    return _conv_layer_names(model, _backbone(model))


# ----------------------------------------------------------------------------- forward passes
def _batch(image: np.ndarray) -> tf.Tensor:
    """[H, W, 3] 0..255 -> a float32 batch of one."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise DataError(f"expected an RGB image array [height, width, 3], got shape {image.shape}; read it with read_image().")
    return tf.convert_to_tensor(image[None])


def _apply(layers: list, x: tf.Tensor) -> tf.Tensor:
    """Run a chain of layers in inference mode (augmentation is then the identity)."""
    for layer in layers:
        x = layer(x, training=False)
    return x


def _probe(anatomy: Anatomy, layers: list[str], classifier_input: bool = False) -> keras.Model:
    """One sub-model of `anatomy.source` giving each named layer's output (and, on request, what feeds the head)."""
    source = anatomy.source
    outputs = [source.get_layer(name).output for name in layers]
    if classifier_input:
        outputs.append(source.output if anatomy.backbone is not None else anatomy.dense.input)
    return keras.Model(source.input, outputs)


def _run_probe(anatomy: Anatomy, probe: keras.Model, image: np.ndarray) -> list[tf.Tensor]:
    """The probe's outputs for one 0..255 image (through the layers before a transfer backbone first)."""
    x = _apply(anatomy.before, _batch(image))
    outputs = probe(x, training=False)
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def _to_maps(layers: list[str], outputs: list[tf.Tensor]) -> dict[str, np.ndarray]:
    return {name: keras.ops.convert_to_numpy(out)[0] for name, out in zip(layers, outputs)}


def feature_maps(model: keras.Model, image: np.ndarray, layers: list[str] | None = None) -> dict[str, np.ndarray]:
    """Activations [h, w, c] of each named layer (default: conv_layer_names) for one 0..255 image."""
    anatomy = model_anatomy(model)
    layers = list(layers) if layers is not None else anatomy.conv_layers
    anatomy.check_layers(layers)
    return _to_maps(layers, _run_probe(anatomy, _probe(anatomy, layers), image))


def first_layer_filters(model: keras.Model) -> np.ndarray:
    """The learned first conv kernels [kh, kw, in, F] (the transfer backbone's stem conv)."""
    return model_anatomy(model).first_layer_filters()


# ----------------------------------------------------------------------------- Grad-CAM
def _output_dense(layer: keras.layers.Layer) -> keras.layers.Dense:
    if not isinstance(layer, keras.layers.Dense):
        raise ConfigError(f"the model's last layer {layer.name!r} is not a Dense classifier; explain needs a CNN or transfer run.")
    return layer


def _logits_and_probabilities(dense: keras.layers.Dense, h: tf.Tensor) -> tuple[tf.Tensor, np.ndarray]:
    """The output layer's pre-activation scores (Grad-CAM uses these) and class probabilities."""
    z = keras.ops.matmul(h, dense.kernel)
    if dense.use_bias:
        z = z + dense.bias
    probabilities = class_probabilities(keras.ops.convert_to_numpy(dense.activation(z)))[0]  # one sigmoid unit: [1 - p, p]
    return z, probabilities


def _class_score(z: tf.Tensor, class_index: int) -> tf.Tensor:
    """The score whose gradient Grad-CAM follows: the logit, or +-logit for one sigmoid unit."""
    if z.shape[-1] == 1:
        return z[:, 0] if class_index == 1 else -z[:, 0]
    return z[:, class_index]


def _normalise_cam(activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    """cam = ReLU(sum_c mean(grad_c) * A_c), scaled to [0, 1] (all zeros when nothing is positive)."""
    weights = gradients.mean(axis=(0, 1))
    cam = np.maximum((activations * weights).sum(axis=-1), 0.0)
    peak = cam.max()
    return (cam / peak if peak > 0 else np.zeros_like(cam)).astype(np.float32)


def _check_class(class_index: int, n_classes: int) -> None:
    if not 0 <= class_index < n_classes:
        raise ConfigError(f"class index {class_index} is out of range; the model has {n_classes} classes (0..{n_classes - 1}).")


def maps_and_cam(
    anatomy: Anatomy, image: np.ndarray, layers: list[str], cam_layer: str, class_index: int | None
) -> tuple[dict[str, np.ndarray], np.ndarray, int, np.ndarray]:
    """One forward pass for the feature maps of `layers` and Grad-CAM at `cam_layer` (one of them).

    Returns (feature maps, heatmap [h, w] in [0, 1], class explained, class probabilities).
    """
    result = explain_pass(anatomy, image, layers, cam_layer, class_index)
    return result.maps, result.cam, result.class_index, result.probabilities


@dataclass(frozen=True)
class ExplainPass:
    """One forward (and backward) pass: feature maps, Grad-CAM, and the classifier's logits and probabilities."""

    maps: dict[str, np.ndarray]
    cam: np.ndarray
    class_index: int
    probabilities: np.ndarray
    logits: np.ndarray  # the output layer's pre-activation scores, [n_units]


def explain_pass(anatomy: Anatomy, image: np.ndarray, layers: list[str], cam_layer: str, class_index: int | None) -> ExplainPass:
    """Feature maps of `layers`, Grad-CAM at `cam_layer` (one of them) and the logits, from one pass."""
    anatomy.check_layers(layers)
    probe = _probe(anatomy, layers, classifier_input=True)
    dense = anatomy.dense
    with tf.GradientTape() as tape:
        *outputs, h = _run_probe(anatomy, probe, image)
        if anatomy.backbone is not None:
            h = _apply(anatomy.head[:-1], h)
        z, probabilities = _logits_and_probabilities(dense, h)
        class_index = int(np.argmax(probabilities)) if class_index is None else int(class_index)
        _check_class(class_index, len(probabilities))
        score = _class_score(z, class_index)
    activations = outputs[layers.index(cam_layer)]
    gradients = tape.gradient(score, activations)
    cam = _normalise_cam(keras.ops.convert_to_numpy(activations)[0], keras.ops.convert_to_numpy(gradients)[0])
    return ExplainPass(_to_maps(layers, outputs), cam, class_index, probabilities, keras.ops.convert_to_numpy(z)[0])


def layer_io(anatomy: Anatomy, image: np.ndarray, layer: str) -> tuple[np.ndarray, np.ndarray]:
    """What one layer of `anatomy.source` receives and returns for one 0..255 image, each [h, w, c]."""
    anatomy.check_layers([layer])
    target = anatomy.source.get_layer(layer)
    probe = keras.Model(anatomy.source.input, [target.input, target.output])
    received, returned = _run_probe(anatomy, probe, image)
    return keras.ops.convert_to_numpy(received)[0], keras.ops.convert_to_numpy(returned)[0]


def grad_cam(
    model: keras.Model, image: np.ndarray, class_index: int | None = None, layer: str | None = None
) -> tuple[np.ndarray, int, np.ndarray]:
    """(heatmap [h, w] in [0, 1], class explained, class probabilities): where the evidence for a class sits."""
    anatomy = model_anatomy(model)
    layer = layer or anatomy.conv_layers[-1]
    _, cam, class_index, probabilities = maps_and_cam(anatomy, image, [layer], layer, class_index)
    return cam, class_index, probabilities


def upsample(heatmap: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of a [h, w] map to `size` (height, width), row 0 staying the image's top."""
    resized = tf.image.resize(heatmap[..., None].astype(np.float32), size, method="bilinear").numpy()[..., 0]
    return np.clip(resized, 0.0, 1.0)
