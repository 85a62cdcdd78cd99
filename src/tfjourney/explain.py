"""`tfjourney explain`: what CNN Explainer shows, for the user's own CNN or transfer model.

For one image it writes the learned first-layer filters, every convolution block's feature
maps (in network order) and a Grad-CAM heatmap of the class the model predicts (or the one
asked for), then one self-contained HTML page that shows them all.

Both image blueprints take raw 0-255 pixels. The CNN is one flat functional model, so one
sub-model reaches every layer. A transfer model nests its backbone as a single layer, and
Keras 3 cannot route an inner layer's output through it from the outer input, so the work
runs in stages: the layers before the backbone, a sub-model of the backbone, then the head.

Example:
    >>> from tfjourney.explain import explain_run
    >>> explain_run("runs/food", "steak.jpeg")          # doctest: +SKIP
    PosixPath('runs/food/explain/steak/index.html')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfjourney.errors import ConfigError, DataError, RunFolderError
from tfjourney.metrics import class_probabilities
from tfjourney.plots import plt, save_figure
from tfjourney.reports.report import embed_png, render
from tfjourney.runs import IMAGE_BLUEPRINTS, load_run

MAX_CHANNELS = 32
MAX_FILTERS = 64
GRID_COLUMNS = 8
OVERLAY_ALPHA = 0.45
DISPLAY_SIZE = 384
TOP_CLASSES = 5
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
class _Anatomy:
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
            raise ConfigError(f"unknown --layer {unknown[0]!r}; choose one of: {', '.join(self.conv_layers)} "
                              "(or any other convolutional layer name from the model summary).")


def _anatomy(model: keras.Model) -> _Anatomy:
    """Find the backbone, the layers around it and the layers `--layer` may name, once."""
    backbone = _backbone(model)
    before, head = _split_transfer(model, backbone) if backbone is not None else ([], [])
    source = backbone if backbone is not None else model
    explainable = {layer.name: layer for layer in source.layers if _is_spatial(layer)}
    return _Anatomy(model, backbone, before, head, explainable, _conv_layer_names(model, backbone))


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


def _probe(anatomy: _Anatomy, layers: list[str], classifier_input: bool = False) -> keras.Model:
    """One sub-model of `anatomy.source` giving each named layer's output (and, on request, what feeds the head)."""
    source = anatomy.source
    outputs = [source.get_layer(name).output for name in layers]
    if classifier_input:
        outputs.append(source.output if anatomy.backbone is not None else anatomy.dense.input)
    return keras.Model(source.input, outputs)


def _run_probe(anatomy: _Anatomy, probe: keras.Model, image: np.ndarray) -> list[tf.Tensor]:
    """The probe's outputs for one 0..255 image (through the layers before a transfer backbone first)."""
    x = _apply(anatomy.before, _batch(image))
    outputs = probe(x, training=False)
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def _to_maps(layers: list[str], outputs: list[tf.Tensor]) -> dict[str, np.ndarray]:
    return {name: keras.ops.convert_to_numpy(out)[0] for name, out in zip(layers, outputs)}


def feature_maps(model: keras.Model, image: np.ndarray, layers: list[str] | None = None) -> dict[str, np.ndarray]:
    """Activations [h, w, c] of each named layer (default: conv_layer_names) for one 0..255 image."""
    anatomy = _anatomy(model)
    layers = list(layers) if layers is not None else anatomy.conv_layers
    anatomy.check_layers(layers)
    return _to_maps(layers, _run_probe(anatomy, _probe(anatomy, layers), image))


def _first_layer_filters(anatomy: _Anatomy) -> np.ndarray:
    convs = _convs(anatomy.source)
    if not convs:
        raise ConfigError(f"model {anatomy.model.name} has no Conv2D layer; explain needs a CNN or transfer run.")
    return keras.ops.convert_to_numpy(convs[0].kernel)


def first_layer_filters(model: keras.Model) -> np.ndarray:
    """The learned first conv kernels [kh, kw, in, F] (the transfer backbone's stem conv)."""
    return _first_layer_filters(_anatomy(model))


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


def _maps_and_cam(
    anatomy: _Anatomy, image: np.ndarray, layers: list[str], cam_layer: str, class_index: int | None
) -> tuple[dict[str, np.ndarray], np.ndarray, int, np.ndarray]:
    """One forward pass for the feature maps of `layers` and Grad-CAM at `cam_layer` (one of them).

    Returns (feature maps, heatmap [h, w] in [0, 1], class explained, class probabilities).
    """
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
    return _to_maps(layers, outputs), cam, class_index, probabilities


def grad_cam(
    model: keras.Model, image: np.ndarray, class_index: int | None = None, layer: str | None = None
) -> tuple[np.ndarray, int, np.ndarray]:
    """(heatmap [h, w] in [0, 1], class explained, class probabilities): where the evidence for a class sits."""
    anatomy = _anatomy(model)
    layer = layer or anatomy.conv_layers[-1]
    _, cam, class_index, probabilities = _maps_and_cam(anatomy, image, [layer], layer, class_index)
    return cam, class_index, probabilities


def upsample(heatmap: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of a [h, w] map to `size` (height, width), row 0 staying the image's top."""
    resized = tf.image.resize(heatmap[..., None].astype(np.float32), size, method="bilinear").numpy()[..., 0]
    return np.clip(resized, 0.0, 1.0)


# ----------------------------------------------------------------------------- plots
def _no_ticks(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _strongest_channels(maps: np.ndarray, limit: int) -> np.ndarray:
    """All channels when few, else the `limit` most active ones (mean activation), in index order."""
    n = maps.shape[-1]
    if n <= limit:
        return np.arange(n)
    return np.sort(np.argsort(maps.mean(axis=(0, 1)))[::-1][:limit])


def plot_feature_maps(name: str, maps: np.ndarray, path: Path | str | None = None) -> plt.Figure:
    """A grid of one layer's channels (viridis, no ticks), layer name and shape in the title."""
    channels = _strongest_channels(maps, MAX_CHANNELS)
    cols = min(GRID_COLUMNS, len(channels))
    rows = int(np.ceil(len(channels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.5 * cols, 1.6 * rows + 0.6), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, channel in zip(axes.ravel(), channels):
        ax.axis("on")
        ax.imshow(maps[..., channel], cmap="viridis", interpolation="nearest")
        ax.set_title(f"#{channel}", fontsize=8)
        _no_ticks(ax)
    shown = "" if len(channels) == maps.shape[-1] else f", {len(channels)} most active of {maps.shape[-1]} channels"
    fig.suptitle(f"{name}: {maps.shape[0]}×{maps.shape[1]}×{maps.shape[2]}{shown}", fontsize=11)
    fig.tight_layout()
    return save_figure(fig, path)


def _tile(kernel: np.ndarray) -> np.ndarray:
    """One filter [kh, kw, in] as an RGB tile, min-max normalised on its own."""
    rgb = kernel[..., :3] if kernel.shape[-1] >= 3 else np.repeat(kernel.mean(axis=-1, keepdims=True), 3, axis=-1)
    low, high = rgb.min(), rgb.max()
    return (rgb - low) / (high - low) if high > low else np.zeros_like(rgb)


def plot_filters(kernels: np.ndarray, path: Path | str | None = None, title: str = "") -> plt.Figure:
    """The first layer's filters as small RGB tiles: what colour/edge pattern each one looks for."""
    n = min(kernels.shape[-1], MAX_FILTERS)
    cols = min(GRID_COLUMNS * 2, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(0.75 * cols, 0.85 * rows + 0.6), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i, ax in enumerate(axes.ravel()[:n]):
        ax.imshow(_tile(kernels[..., i]), interpolation="nearest")
        ax.set_title(f"#{i}", fontsize=7)
    kh, kw, channels_in, count = kernels.shape
    fig.suptitle(title or f"First-layer filters: {count} × {kh}×{kw}×{channels_in}", fontsize=11)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_grad_cam(display: np.ndarray, heatmap: np.ndarray, title: str, path: Path | str | None = None) -> plt.Figure:
    """Original | heatmap | overlay, side by side, the heatmap upsampled onto the image."""
    big = upsample(heatmap, display.shape[:2])
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.6))
    image = np.clip(display / 255.0, 0, 1)
    axes[0].imshow(image)
    axes[0].set_title("image")
    shown = axes[1].imshow(big, cmap="jet", vmin=0, vmax=1)
    axes[1].set_title(f"Grad-CAM ({heatmap.shape[0]}×{heatmap.shape[1]}, upsampled)")
    fig.colorbar(shown, ax=axes[1], fraction=0.046, pad=0.04)
    axes[2].imshow(image)
    axes[2].imshow(big, cmap="jet", alpha=OVERLAY_ALPHA, vmin=0, vmax=1)
    axes[2].set_title("overlay")
    for ax in axes:
        _no_ticks(ax)
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


# ----------------------------------------------------------------------------- the run
def _image_size(run_record: dict, model: keras.Model) -> tuple[int, int]:
    size = run_record.get("data", {}).get("image_size") or model.input_shape[1:3]
    size = [size, size] if isinstance(size, int) else size
    return int(size[0]), int(size[1])


def _class_names(run_record: dict) -> list[str]:
    names = run_record.get("data", {}).get("class_names")
    if not names:
        raise RunFolderError("run.json has no data.class_names; re-run training to recreate the run folder.")
    return list(names)


def _resolve_class(class_name: str | None, names: list[str]) -> int | None:
    if class_name is None:
        return None
    if class_name not in names:
        raise ConfigError(f"unknown --class {class_name!r}; this run's classes are: {', '.join(names)}.")
    return names.index(class_name)


def _display_image(path: Path) -> np.ndarray:
    """The image upright at its own aspect ratio (longest side DISPLAY_SIZE), for the figures."""
    from PIL import Image, ImageOps

    from tfjourney.data.images import read_image

    with Image.open(path) as img:
        width, height = ImageOps.exif_transpose(img).size
    scale = DISPLAY_SIZE / max(width, height)
    return read_image(path, (max(1, round(height * scale)), max(1, round(width * scale))))


def _read_input(path: Path, size: tuple[int, int]) -> np.ndarray:
    from tfjourney.data.images import read_image

    if path.is_dir():
        raise DataError(f"{path} is a folder; pass one image file (JPEG, PNG, BMP, GIF or WebP).")
    return read_image(path, size)


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "image"


def _layer_note(index: int, total: int) -> str:
    """One line for the reader: what a layer at this depth tends to respond to."""
    depth = index / max(total - 1, 1)
    if index == 0:
        return "The first convolution: each map lights up where its filter's colour or edge direction appears."
    if depth < 0.4:
        return "Early layer: combinations of edges and colours (corners, stripes, blobs), still tied to pixel positions."
    if depth < 0.8:
        return "Middle layer: textures and repeated patterns; the maps get smaller and more abstract."
    if index == total - 1:
        return "Last feature map, the one the classifier reads (and Grad-CAM uses): parts of objects that vote for a class."
    return "Late layer: larger parts of objects; each map answers 'is this kind of part here?'."


# Embedded figures: at most this wide (the page's content column is ~1050 px) and reduced to a 256-colour
# palette, which keeps a transfer model's page (nine feature-map grids) near 1 MB instead of 4 MB.
EMBED_MAX_WIDTH = 1400
EMBED_COLORS = 256


def _data_uri(path: Path, photo: bool = False) -> str:
    """A figure for the page, lightened; the PNG file next to the page keeps full quality."""
    return embed_png(path, max_width=EMBED_MAX_WIDTH, colors=EMBED_COLORS, dither=photo)


def gradcam_title(explained: str, p_explained: float, predicted: str, p_predicted: float, asked: bool, layer: str) -> str:
    """The Grad-CAM figure's title: which class is explained, why, how likely it is, and at which layer.

    >>> gradcam_title("steak", 0.916, "steak", 0.916, False, "top_activation")
    "Grad-CAM for 'steak' (predicted, 91.6%) — layer top_activation"
    >>> gradcam_title("omelette", 0.051, "steak", 0.916, True, "top_activation")
    "Grad-CAM for 'omelette' (asked for; predicted: steak 91.6%) — p(omelette) = 5.1%, layer top_activation"
    """
    if not asked:
        return f"Grad-CAM for {explained!r} (predicted, {p_predicted:.1%}) — layer {layer}"
    if explained == predicted:
        return f"Grad-CAM for {explained!r} (asked for, also predicted, {p_predicted:.1%}) — layer {layer}"
    return (f"Grad-CAM for {explained!r} (asked for; predicted: {predicted} {p_predicted:.1%}) — "
            f"p({explained}) = {p_explained:.1%}, layer {layer}")


def _write_figures(anatomy: _Anatomy, image, display, out: Path, layers: list[str], cam_layer: str, class_index, names):
    """Every PNG for the page; returns the page's view of them."""
    maps, heatmap, explained, probabilities = _maps_and_cam(anatomy, image, layers, cam_layer, class_index)
    predicted = int(np.argmax(probabilities))
    title = gradcam_title(names[explained], float(probabilities[explained]), names[predicted], float(probabilities[predicted]),
                          class_index is not None, cam_layer)
    plot_grad_cam(display, heatmap, title, out / "gradcam.png")
    plot_filters(_first_layer_filters(anatomy), out / "filters.png")
    layer_views = []
    for i, name in enumerate(layers):
        path = out / f"feature_maps_{_safe_name(name)}.png"
        plot_feature_maps(name, maps[name], path)
        layer_views.append({"name": name, "shape": "×".join(map(str, maps[name].shape)), "note": _layer_note(i, len(layers)),
                            "src": _data_uri(path), "file": path.name})
    order = np.argsort(probabilities)[::-1][:TOP_CLASSES]
    top = [{"name": names[i], "p": float(probabilities[i]), "pct": f"{probabilities[i]:.1%}", "predicted": i == predicted}
           for i in order]
    return {"layers": layer_views, "top": top, "predicted": names[predicted], "p_predicted": f"{probabilities[predicted]:.1%}",
            "explained": names[explained], "p_explained": f"{probabilities[explained]:.1%}", "asked": class_index is not None,
            "gradcam": _data_uri(out / "gradcam.png", photo=True), "filters": _data_uri(out / "filters.png")}


def _input_uri(display: np.ndarray, out: Path) -> str:
    from PIL import Image

    path = out / "image.png"
    Image.fromarray(np.clip(display, 0, 255).astype(np.uint8)).save(path)
    return _data_uri(path, photo=True)


def explain_run(run_dir: Path | str, image_path: Path | str, layer: str | None = None, class_name: str | None = None) -> Path:
    """Write RUN_DIR/explain/<image stem>/ (PNGs + index.html) for one image; returns the page's path."""
    run = load_run(run_dir)
    if run.blueprint not in IMAGE_BLUEPRINTS:
        raise RunFolderError(f"{run.path} is a {run.blueprint} run; explain is for image models (cnn or transfer runs), "
                             "so pass a folder from `tfjourney train cnn` or `tfjourney train transfer`.")
    names = _class_names(run.record)
    class_index = _resolve_class(class_name, names)
    image_path = Path(image_path)
    if not image_path.exists():
        raise DataError(f"image file {image_path} does not exist. Check the path you passed.")
    model = run.load_model()
    image = _read_input(image_path, _image_size(run.record, model))
    anatomy = _anatomy(model)
    layers = list(anatomy.conv_layers)
    cam_layer = layer or layers[-1]
    anatomy.check_layers([cam_layer])
    if cam_layer not in layers:
        layers = layers + [cam_layer]
    out = run.path / "explain" / _safe_name(image_path.stem)
    out.mkdir(parents=True, exist_ok=True)
    display = _display_image(image_path)
    view = _write_figures(anatomy, image, display, out, layers, cam_layer, class_index, names)
    backbone = anatomy.backbone
    page = out / "index.html"
    page.write_text(render(
        "explain.html.j2",
        v={**view, "run": run.path.name, "blueprint": run.blueprint, "image_name": image_path.name,
           "image": _input_uri(display, out), "cam_layer": cam_layer, "classes": names,
           "model_name": backbone.name if backbone is not None else model.name,
           "input_size": "×".join(map(str, image.shape[:2]))}
    ))
    return page
