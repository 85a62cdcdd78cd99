"""Offline image datasets (no download): ``digits`` and ``shapes``, written as class-folder trees.

Both are materialised once as ``<root>/<name>/{train,test}/<class>/*.png`` -- the same layout as
the course's Food-101 zips -- so every image pipeline can be exercised without the internet.
``<root>`` defaults to ``$TFJOURNEY_CACHE/datasets`` (or ``platformdirs.user_cache_dir("tfjourney")
/datasets``). Trees are written to a temporary folder and renamed into place, so a half-written
tree is never picked up; generation is seeded, so the files are identical on every machine.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from tfjourney.data.cache import cache_root
from tfjourney.errors import DataError

__all__ = ["EMBEDDED_IMAGE_DATASETS", "EMBEDDED_IMAGE_SIZES", "materialize_image_dataset"]

EMBEDDED_IMAGE_DATASETS: dict[str, str] = {
    "digits": (
        "scikit-learn's bundled 8x8 handwritten digits (1797 images, classes '0'..'9'), upscaled "
        "to 32x32 grayscale PNGs; stratified 80/20 train/test split (seed 0)."
    ),
    "shapes": (
        "Procedurally drawn 64x64 RGB images of circles, squares and upward triangles in random bright "
        "colours, sizes, positions and small tilts on a dark noisy background; 100 train + 30 test "
        "per class (seeded)."
    ),
}

_DIGITS_SIZE = 32
_SHAPES_SIZE = 64
_SHAPES_CLASSES = ("circle", "square", "triangle")
EMBEDDED_IMAGE_SIZES: dict[str, int] = {"digits": _DIGITS_SIZE, "shapes": _SHAPES_SIZE}
_SHAPES_PER_CLASS = {"train": 100, "test": 30}
_SHAPES_SEED = 1234


def _datasets_root(root: str | os.PathLike | None) -> Path:
    """Parent folder of the materialised trees (``root`` or the shared cache)."""
    return Path(root).expanduser() if root is not None else cache_root() / "datasets"


def materialize_image_dataset(name: str, root: str | os.PathLike | None = None) -> Path:
    """Write the named dataset's train/test class-folder tree once and return its folder."""
    if name not in EMBEDDED_IMAGE_DATASETS:
        raise DataError(
            f"unknown embedded image dataset {name!r}; available: {', '.join(sorted(EMBEDDED_IMAGE_DATASETS))}. "
            "Pass one of those names, or a path to your own image folder."
        )
    final = _datasets_root(root) / name
    if final.is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=final.parent))
    try:
        _WRITERS[name](tmp)
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.is_dir():  # not a lost race with another writer: a real failure
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def _write_digits(dest: Path) -> None:
    """sklearn digits -> 32x32 grayscale PNGs in ``train|test/<digit>/``, stratified 80/20."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = np.clip(digits.images * (255.0 / 16.0), 0, 255).round().astype(np.uint8)
    index = np.arange(len(images))
    train_idx, test_idx = train_test_split(index, test_size=0.2, stratify=digits.target, random_state=0)
    for split, idx in (("train", train_idx), ("test", test_idx)):
        for i in sorted(idx):
            folder = dest / split / str(int(digits.target[i]))
            folder.mkdir(parents=True, exist_ok=True)
            img = Image.fromarray(images[i], "L").resize((_DIGITS_SIZE, _DIGITS_SIZE), Image.BILINEAR)
            img.save(folder / f"{i:04d}.png")


def _background_colour(rng: np.random.Generator) -> np.ndarray:
    """A dark, slightly tinted background (same distribution for every class)."""
    return rng.integers(0, 60) + rng.integers(0, 40, size=3)


def _shape_colour(rng: np.random.Generator) -> tuple[int, int, int]:
    """A random bright colour (same distribution for every class, so colour carries no label)."""
    colour = rng.integers(0, 256, size=3)
    colour[rng.integers(0, 3)] = rng.integers(190, 256)  # at least one bright channel: visible
    return tuple(int(c) for c in colour)


def _polygon(cx: float, cy: float, radius: float, sides: int, angle: float) -> list[tuple[float, float]]:
    """Vertices of a regular polygon (square = 4, triangle = 3) around a centre."""
    return [
        (cx + radius * math.cos(angle + 2 * math.pi * k / sides), cy + radius * math.sin(angle + 2 * math.pi * k / sides))
        for k in range(sides)
    ]


def _draw_shape(rng: np.random.Generator, shape: str) -> Image.Image:
    """One 64x64 image: noisy background plus one randomly placed, sized, coloured shape."""
    size = _SHAPES_SIZE
    background = _background_colour(rng)
    noise = rng.normal(0, 12, size=(size, size, 3))
    canvas = np.clip(background[None, None, :] + noise, 0, 255).astype(np.uint8)
    img = Image.fromarray(canvas, "RGB")
    draw = ImageDraw.Draw(img)
    radius = rng.uniform(16, 26)
    cx, cy = rng.uniform(radius + 2, size - radius - 2, size=2)
    colour = _shape_colour(rng)
    if shape == "circle":
        r = radius * 0.85
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
    elif shape == "square":
        draw.polygon(_polygon(cx, cy, radius, 4, math.pi / 4 + rng.uniform(-0.15, 0.15)), fill=colour)
    else:
        draw.polygon(_polygon(cx, cy, radius, 3, -math.pi / 2 + rng.uniform(-0.15, 0.15)), fill=colour)
    return img


def _write_shapes(dest: Path) -> None:
    """Seeded circles/squares/triangles in ``train|test/<shape>/``."""
    rng = np.random.default_rng(_SHAPES_SEED)
    for split, per_class in _SHAPES_PER_CLASS.items():
        for shape in _SHAPES_CLASSES:
            folder = dest / split / shape
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(per_class):
                _draw_shape(rng, shape).save(folder / f"{shape}_{i:03d}.png")


_WRITERS = {"digits": _write_digits, "shapes": _write_shapes}
