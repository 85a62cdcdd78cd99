"""The CNN Explainer view of one image through a run's model, as arrays a page can draw.

Every number comes from the real Keras model: the feature maps of each convolution and
pooling layer (a sub-model per layer group, `keras.Model(inputs, [layer outputs])`), the
logits and probabilities of the Dense classifier, Grad-CAM for any class, and, for the
first convolutions, the arithmetic of one output value (input patch x kernel + bias, then
the activation), checked against the model's own output.

Example:
    >>> anatomy = model_anatomy(run.load_model())                        # doctest: +SKIP
    >>> view = explain_image(anatomy, read_image("steak.jpeg", 224))
    >>> view.probabilities.sum()
    1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from tfjourney.errors import ConfigError
from tfjourney.explain.compute import Anatomy, explain_pass, layer_io

ARITHMETIC_LAYERS = 2  # the first convolutions whose arithmetic the Explainer can show


@dataclass(frozen=True)
class ExplainedImage:
    """Layer maps in network order, the prediction (logits, probabilities) and Grad-CAM."""

    layers: list[tuple[str, str, np.ndarray]]  # (name, kind, [h, w, c])
    logits: np.ndarray
    probabilities: np.ndarray
    output_activation: str  # "softmax" or "sigmoid"
    cam: np.ndarray
    cam_layer: str
    class_index: int


def _kind(layer: keras.layers.Layer) -> str:
    if isinstance(layer, keras.layers.Rescaling):
        return "input"
    if isinstance(layer, keras.layers.Conv2D):
        return "conv"
    if "Pooling2D" in type(layer).__name__:
        return "pool"
    return "stage"


def arithmetic_layers(anatomy: Anatomy) -> list[str]:
    """The first plain Conv2D layers of the model (the backbone's stem for a transfer model)."""
    skip = (keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D, keras.layers.Conv2DTranspose)
    convs = [layer.name for layer in anatomy.source.layers if isinstance(layer, keras.layers.Conv2D) and not isinstance(layer, skip)]
    return convs[:ARITHMETIC_LAYERS] if anatomy.backbone is None else convs[:1]


def shown_layers(anatomy: Anatomy) -> list[str]:
    """CNN: the rescaled input's R, G, B, then every convolution and pooling layer; transfer: the stem convolution,
    then one map per backbone stage."""
    if anatomy.backbone is None:
        return [layer.name for layer in anatomy.model.layers
                if layer.name in anatomy.explainable and _kind(layer) in ("input", "conv", "pool")]
    return [name for name in arithmetic_layers(anatomy) if name not in anatomy.conv_layers] + list(anatomy.conv_layers)


def explain_image(anatomy: Anatomy, image: np.ndarray, class_index: int | None = None) -> ExplainedImage:
    """Feature maps of every shown layer, logits, probabilities and Grad-CAM (at the last conv map) in one pass.

    Args:
        anatomy: from `model_anatomy(model)`.
        image: [H, W, 3] 0..255 at the model's input size.
        class_index: the class Grad-CAM explains (default: the predicted one).
    """
    layers = shown_layers(anatomy)
    cam_layer = anatomy.conv_layers[-1]
    result = explain_pass(anatomy, image, layers, cam_layer, class_index)
    kinds = {name: _kind(anatomy.source.get_layer(name)) for name in layers}
    activation = "sigmoid" if result.logits.shape[-1] == 1 else "softmax"
    return ExplainedImage([(name, kinds[name], result.maps[name]) for name in layers], result.logits, result.probabilities,
                          activation, result.cam, cam_layer, result.class_index)


def _pads(size: int, out: int, kernel: int, stride: int, padding: str) -> int:
    """Leading zero padding as TensorFlow applies it ('same': the smaller half before)."""
    if padding != "same":
        return 0
    return max((out - 1) * stride + kernel - size, 0) // 2


def conv_arithmetic(anatomy: Anatomy, image: np.ndarray, *, layer: str, channel: int, row: int, col: int) -> dict:
    """How one output value of a first convolution is computed: patch x kernel, summed, plus bias, then the activation.

    Returns:
        A dict with the input patch [k, k, c_in], the kernel [k, k, c_in], per-input-channel sums, the bias,
        the pre-activation sum, the activation's name and result, and the model's own value at that position.
    """
    if layer not in arithmetic_layers(anatomy):
        raise ConfigError(f"the arithmetic is shown for the first convolutions only: {', '.join(arithmetic_layers(anatomy))}.")
    conv = anatomy.source.get_layer(layer)
    received, returned = layer_io(anatomy, image, layer)
    out_h, out_w, channels = returned.shape
    if not (0 <= channel < channels and 0 <= row < out_h and 0 <= col < out_w):
        raise ConfigError(f"position ({row}, {col}) channel {channel} is outside {layer}'s {out_h}x{out_w}x{channels} output.")
    kh, kw = conv.kernel_size
    sh, sw = conv.strides
    top = row * sh - _pads(received.shape[0], out_h, kh, sh, conv.padding)
    left = col * sw - _pads(received.shape[1], out_w, kw, sw, conv.padding)
    padded = np.pad(received, ((kh, kh), (kw, kw), (0, 0)))
    patch = padded[top + kh : top + 2 * kh, left + kw : left + 2 * kw, :]
    kernel = keras.ops.convert_to_numpy(conv.kernel)[:, :, :, channel]
    bias = float(keras.ops.convert_to_numpy(conv.bias)[channel]) if conv.use_bias else 0.0
    per_channel = (patch * kernel).sum(axis=(0, 1))
    total = float(per_channel.sum() + bias)
    activated = float(keras.ops.convert_to_numpy(conv.activation(np.array([total], dtype="float32")))[0])
    return {
        "layer": layer, "channel": channel, "row": row, "col": col, "patch": patch.tolist(), "kernel": kernel.tolist(),
        "channel_sums": per_channel.tolist(), "bias": bias, "sum": total, "activation": getattr(conv.activation, "__name__", "linear"),
        "output": activated, "model_output": float(returned[row, col, channel]),
        "input_range": "pixels / 255" if anatomy.backbone is None and layer == arithmetic_layers(anatomy)[0] else "the layer's input",
    }


def softmax_terms(logits: np.ndarray) -> dict:
    """The softmax as a learner would compute it: e^(z - max) per class, their sum, each share."""
    shifted = np.exp(logits - logits.max())
    return {"exponentials": shifted.tolist(), "sum": float(shifted.sum()), "shift": float(logits.max())}
