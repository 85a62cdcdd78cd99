"""`tfjourney explain RUN_DIR IMAGE`: every figure for one image, and the self-contained page that shows them.

Example:
    >>> from tfjourney.explain import explain_run
    >>> explain_run("runs/food", "steak.jpeg")          # doctest: +SKIP
    PosixPath('runs/food/explain/steak/index.html')
"""

from __future__ import annotations

import re
from pathlib import Path

import keras
import numpy as np

from tfjourney.errors import ConfigError, DataError, RunFolderError
from tfjourney.explain.compute import Anatomy, maps_and_cam, model_anatomy
from tfjourney.explain.plots import gradcam_title, plot_feature_maps, plot_filters, plot_grad_cam
from tfjourney.reports.embedding import embed_png
from tfjourney.reports.report import render
from tfjourney.registry import registration_for
from tfjourney.runs import load_run

DISPLAY_SIZE = 384
TOP_CLASSES = 5


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
        raise ConfigError(f"unknown `class_name` {class_name!r}; this run's classes are: {', '.join(names)}.")
    return names.index(class_name)


def _display_image(path: Path) -> np.ndarray:
    """The image upright at its own aspect ratio (longest side DISPLAY_SIZE), for the figures."""
    from PIL import Image, ImageOps

    from tfjourney.data.image_files import read_image

    with Image.open(path) as img:
        width, height = ImageOps.exif_transpose(img).size
    scale = DISPLAY_SIZE / max(width, height)
    return read_image(path, (max(1, round(height * scale)), max(1, round(width * scale))))


def _read_input(path: Path, size: tuple[int, int]) -> np.ndarray:
    from tfjourney.data.image_files import read_image

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


def _write_figures(anatomy: Anatomy, image, display, out: Path, layers: list[str], cam_layer: str, class_index, names):
    """Every PNG for the page; returns the page's view of them."""
    maps, heatmap, explained, probabilities = maps_and_cam(anatomy, image, layers, cam_layer, class_index)
    predicted = int(np.argmax(probabilities))
    title = gradcam_title(names[explained], float(probabilities[explained]), names[predicted], float(probabilities[predicted]),
                          class_index is not None, cam_layer)
    plot_grad_cam(display, heatmap, title, out / "gradcam.png")
    plot_filters(anatomy.first_layer_filters(), out / "filters.png")
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
    registration = registration_for(run.blueprint)
    if registration is None or registration.input_kind.explainer != "images":
        raise RunFolderError(f"{run.path} is a {run.blueprint} run; explain is for image models, "
                             "so pass a folder from `tfjourney train cnn` or `tfjourney train transfer`.")
    names = _class_names(run.record)
    class_index = _resolve_class(class_name, names)
    image_path = Path(image_path)
    if not image_path.exists():
        raise DataError(f"image file {image_path} does not exist. Check the path you passed.")
    model = run.load_model()
    image = _read_input(image_path, _image_size(run.record, model))
    anatomy = model_anatomy(model)
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
