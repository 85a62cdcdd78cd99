"""Image folders on disk: which files are images of which class, and how each one is read.

Layouts understood by :func:`class_trees`:

* ``DATA_DIR/train/<class>/*`` + ``DATA_DIR/test/<class>/*`` (the course layout; an optional
  ``val/`` or ``validation/`` folder is used as-is);
* ``DATA_DIR/<class>/*`` (one tree; the dataset builder carves test and validation from it).

All per-image Python work happens once, at scan time: each file's header is read with PIL
(format, mode, EXIF orientation -- no pixel decode) and its tail is checked for truncation.
Files TensorFlow cannot decode as-is (TIFF, PPM, animated WebP, EXIF-rotated JPEGs, ...) are
converted once to RGB PNG copies under ``<cache>/converted``; unreadable files are skipped with
one warning. The ``tf.data`` pipeline built on these files lives in
:mod:`tfjourney.data.image_datasets`.
"""

from __future__ import annotations

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras / TensorFlow load: their native start-up notices stay muted

import hashlib
import io
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image, ImageOps, UnidentifiedImageError

from tfjourney.blueprints import IMAGE_SIDE, MAX_IMAGE_SIZE  # noqa: F401  (MAX_IMAGE_SIZE: re-exported)
from tfjourney.data.cache import cache_root
from tfjourney.errors import ConfigError, DataError, TfjourneyWarning
from tfjourney.progress import Phase

IMAGE_EXTENSIONS = (
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff",
    ".ppm", ".pgm", ".pbm", ".pnm", ".tga", ".ico",
)  # fmt: skip

_NATIVE_FORMATS = {"JPEG", "MPO", "PNG", "GIF", "BMP", "WEBP"}  # tf.io.decode_image handles these
_ORIENTATION_TAG = 0x0112
_MAX_NAMED = 5


@dataclass(frozen=True)
class _Probe:
    """What a scan found out about one file: use it as-is, use a converted copy, or skip it."""

    path: Path
    source: Path | None  # the file the pipeline reads (original or converted copy); None = skip
    reason: str = ""


# --------------------------------------------------------------------------- validation


def image_size_pair(image_size: int | Sequence[int]) -> tuple[int, int]:
    """Normalise ``224`` / ``(h, w)`` and reject absurd sizes."""
    if isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool):
        size = (int(image_size), int(image_size))
    elif (
        isinstance(image_size, Sequence)
        and len(image_size) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in image_size)
    ):
        size = (int(image_size[0]), int(image_size[1]))
    else:
        raise ConfigError(
            f"`image_size` must be an int or an (height, width) pair, got {image_size!r}; "
            "pass e.g. image_size=128 for 128x128 images."
        )
    if not all(side in IMAGE_SIDE for side in size):
        raise ConfigError(
            f"`image_size` {size[0]}x{size[1]} is out of range; each side must be {IMAGE_SIDE.describe()} pixels."
        )
    return size


def _visible_dirs(path: Path) -> list[Path]:
    """Sub-folders that can be classes (hidden ones and ``__MACOSX`` are not)."""
    return sorted(
        (p for p in path.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))),
        key=lambda p: p.name,
    )


def is_image_name(path: Path) -> bool:
    """Whether a file name looks like an image (others, e.g. .txt / .DS_Store, are ignored)."""
    return path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def _image_files(folder: Path) -> list[Path]:
    """Image-named files under a class folder (recursively, sorted, hidden entries ignored)."""
    found = []
    for root, dirs, names in os.walk(folder, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        found.extend(Path(root) / n for n in sorted(names) if is_image_name(Path(n)))
    return found


def _class_tree(folder: Path, what: str, min_classes: int = 2) -> dict[str, list[Path]]:
    """``{class name: image files}`` for a folder of class sub-folders, validated."""
    classes = _visible_dirs(folder)
    if not classes:
        raise DataError(
            f"{what} {folder} has no class sub-folders. Put the images in one folder per class, "
            f"e.g. {folder}/cats/*.jpg and {folder}/dogs/*.jpg."
        )
    tree = {c.name: _image_files(c) for c in classes}
    empty = [name for name, files in tree.items() if not files]
    if empty:
        raise DataError(
            f"class folder(s) {', '.join(repr(e) for e in empty)} in {folder} contain no images. "
            "Add images to them or delete the empty folder(s)."
        )
    if len(tree) < min_classes:
        only = next(iter(tree))
        raise DataError(
            f"an image classifier needs at least 2 classes; found only {only!r} in {folder}. "
            "Add a sub-folder of images for each other class."
        )
    return tree


def _same_classes(train: dict, other: dict, other_name: str, folder: Path) -> None:
    """Train and test/val must have identical class folders; name the differences."""
    if set(train) == set(other):
        return
    only_train = sorted(set(train) - set(other))
    only_other = sorted(set(other) - set(train))
    parts = []
    if only_train:
        parts.append(f"only in train: {', '.join(only_train)}")
    if only_other:
        parts.append(f"only in {other_name}: {', '.join(only_other)}")
    raise DataError(
        f"the class folders of {folder}/train and {folder}/{other_name} differ ({'; '.join(parts)}). "
        "Make both contain the same class sub-folders."
    )


# --------------------------------------------------------------------------- scanning


def _converted_dir() -> Path:
    """Where RGB PNG copies of non-native or rotated images are kept."""
    return cache_root() / "converted"


def _tail_ok(path: Path, fmt: str) -> bool:
    """Cheap truncation check: does the file end the way a complete file of ``fmt`` does?"""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(12)
        fh.seek(max(0, size - 64))
        tail = fh.read()
    if fmt in ("JPEG", "MPO"):
        return tail.rstrip(b"\x00\r\n\t ").endswith(b"\xff\xd9")
    if fmt == "PNG":
        return tail.endswith(b"IEND\xaeB`\x82")
    if fmt == "GIF":
        return tail.rstrip(b"\x00").endswith(b";")
    if fmt == "WEBP":
        return head[:4] == b"RIFF" and int.from_bytes(head[4:8], "little") + 8 <= size
    return False  # BMP and anything unusual: take the careful path


def _tf_decodes(path: Path) -> bool:
    """Whether tf.io.decode_image accepts the file (used only for the odd suspicious file)."""
    try:
        tf.io.decode_image(tf.io.read_file(str(path)), channels=3, expand_animations=False)
        return True
    except (tf.errors.OpError, ValueError):
        return False


def _tf_reads_as_is(img: Image.Image) -> bool:
    """Whether the pipeline hands this (opened, not decoded) file to tf.io.decode_image as it is: a native format,
    not an animated WebP, not an EXIF-rotated JPEG. Every other image is decoded by PIL (`_pil_rgb`)."""
    fmt = img.format or ""
    animated_webp = fmt == "WEBP" and getattr(img, "is_animated", False)
    rotated = fmt in ("JPEG", "MPO") and img.getexif().get(_ORIENTATION_TAG, 1) not in (0, 1)
    return fmt in _NATIVE_FORMATS and not (animated_webp or rotated)


def _pil_rgb(img: Image.Image) -> Image.Image:
    """Any PIL image -> upright 8-bit RGB (EXIF rotation applied, alpha dropped, 16-bit scaled)."""
    img = ImageOps.exif_transpose(img) or img
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(img, dtype=np.float64)
        scale = 257.0 if arr.max(initial=0) > 255 else 1.0
        img = Image.fromarray(np.clip(arr / scale, 0, 255).astype(np.uint8), "L")
    elif img.mode == "F":
        arr = np.asarray(img, dtype=np.float64)
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    return img.convert("RGB")


def _convert_copy(path: Path, img: Image.Image) -> Path:
    """Write (once) an RGB PNG copy of ``img`` to the cache and return its path."""
    stat = path.stat()
    key = hashlib.sha1(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()
    out = _converted_dir() / f"{key[:20]}.png"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.stem}.{os.getpid()}.tmp.png")
    _pil_rgb(img).save(tmp, "PNG")
    os.replace(tmp, out)
    return out


def _probe(path: Path) -> _Probe:
    """Classify one file from its header and tail; decode only files that look odd."""
    try:
        with Image.open(path) as img:
            fmt, (w, h) = img.format or "", img.size
            as_is = _tf_reads_as_is(img)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        return _Probe(path, None, f"not an image ({type(exc).__name__})")
    if w < 1 or h < 1:
        return _Probe(path, None, "empty image")
    if as_is and _tail_ok(path, fmt):
        return _Probe(path, path)
    return _probe_carefully(path, fmt, force_convert=fmt in _NATIVE_FORMATS and not as_is)


def _probe_carefully(path: Path, fmt: str, force_convert: bool) -> _Probe:
    """Fully decode a suspicious or non-native file; keep, convert or skip it."""
    try:
        with Image.open(path) as img:
            img.load()
            if not force_convert and fmt in _NATIVE_FORMATS and _tf_decodes(path):
                return _Probe(path, path)
            return _Probe(path, _convert_copy(path, img), "converted")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, EOFError) as exc:
        return _Probe(path, None, f"unreadable ({exc})")


def _scan(paths: list[Path], phase: Phase | None) -> list[_Probe]:
    """Probe every file (sequential: ~0.1 ms a file; threads only add GIL contention here)."""
    probes = []
    for path in paths:
        probes.append(_probe(path))
        if phase is not None:
            phase.update()
    return probes


def scan_tree(
    tree: dict[str, list[Path]], phase: Phase | None = None
) -> tuple[dict[str, list[tuple[Path, Path]]], list[Path]]:
    """``{class: [(original, source)]}`` with unreadable files removed, plus those files.

    ``phase`` advances by one for each file probed.
    """
    flat = [(name, p) for name, files in tree.items() for p in files]
    probes = _scan([p for _, p in flat], phase)
    good: dict[str, list[tuple[Path, Path]]] = {name: [] for name in tree}
    bad: list[Path] = []
    for (name, _), probe in zip(flat, probes):
        if probe.source is None:
            bad.append(probe.path)
        else:
            good[name].append((probe.path, probe.source))
    return good, bad


def report_skipped(skipped: list[Path], folder: Path, strict: bool) -> None:
    """One warning (or, with strict, one DataError) naming every unreadable file."""
    if not skipped:
        return
    names = [_rel(p, folder) for p in skipped]
    shown = ", ".join(names[:_MAX_NAMED]) + (f" and {len(names) - _MAX_NAMED} more" if len(names) > _MAX_NAMED else "")
    if strict:
        raise DataError(
            f"{len(names)} unreadable image(s) in {folder}: {shown}. Delete or replace them, or "
            "drop `strict` to skip them with a warning."
        )
    warnings.warn(
        f"skipped {len(names)} unreadable image(s): {shown} (pass `strict` to make this an error)",
        TfjourneyWarning,
        stacklevel=3,
    )


def _rel(path: Path, folder: Path) -> str:
    """``path`` relative to the data folder when possible, for short messages."""
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return str(path)


def class_trees(folder: Path, min_classes: int = 2) -> dict[str, dict[str, list[Path]]]:
    """Discover the class trees: ``{"train": ..., "test": ..., ["val": ...]}`` or ``{"all": ...}``."""
    subdirs = {p.name.lower(): p for p in _visible_dirs(folder)}
    if "train" in subdirs or "test" in subdirs:
        if not ("train" in subdirs and "test" in subdirs):
            have, missing = ("train", "test") if "train" in subdirs else ("test", "train")
            raise DataError(
                f"{folder} has a '{have}' folder but no '{missing}' folder. Add {folder}/{missing}/"
                f"<class>/ images, or point at {folder}/{have} to split one class tree automatically."
            )
        trees = {"train": _class_tree(subdirs["train"], "train folder", min_classes)}
        trees["test"] = _class_tree(subdirs["test"], "test folder", min_classes)
        _same_classes(trees["train"], trees["test"], subdirs["test"].name, folder)
        val_dir = subdirs.get("val") or subdirs.get("validation")
        if val_dir is not None:
            trees["val"] = _class_tree(val_dir, "validation folder", min_classes)
            _same_classes(trees["train"], trees["val"], val_dir.name, folder)
        return trees
    return {"all": _class_tree(folder, "folder", min_classes)}


def existing_dir(data_dir: str | os.PathLike) -> Path:
    """The data folder as a Path, or a DataError saying it is missing."""
    folder = Path(data_dir).expanduser()
    if not folder.exists():
        raise DataError(
            f"image folder {folder} does not exist. Check the path, or fetch a dataset first "
            "(e.g. `tfjourney datasets fetch pizza_steak`)."
        )
    if not folder.is_dir():
        raise DataError(f"{folder} is a file, not a folder. Pass the folder that holds one sub-folder per class.")
    if not any(folder.iterdir()):
        raise DataError(f"image folder {folder} is empty. Put one sub-folder of images per class in it.")
    return folder


def require_readable(scanned: dict[str, dict[str, list]], folder: Path) -> None:
    """After skipping bad files, every class of every split still needs an image."""
    if not any(files for tree in scanned.values() for files in tree.values()):
        raise DataError(
            f"no readable images in {folder}: every file failed to decode. "
            "Check that the files are real JPEG/PNG/BMP/GIF images."
        )
    for split, tree in scanned.items():
        empty = [name for name, files in tree.items() if not files]
        if empty:
            where = folder if split == "all" else folder / split
            raise DataError(
                f"class(es) {', '.join(repr(e) for e in empty)} in {where} have no readable images. "
                "Replace the broken files with real images, or remove the class folder(s)."
            )


# --------------------------------------------------------------------------- single images


def _reason(exc: BaseException) -> str:
    """A short, one-line reason for a PIL failure (without repeating the path)."""
    if isinstance(exc, UnidentifiedImageError):
        return "unknown or corrupt file format"
    first = (str(exc).splitlines() or [""])[0][:100]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def rgb_pixels(data: bytes, *, name: str = "the image") -> np.ndarray:
    """Encoded image bytes -> uint8 ``[H, W, 3]``, decoded exactly as the training pipeline decodes the file.

    One decoder for every path (train, evaluate, predict, serve, the studio, export's check): JPEG
    decoders differ by a few levels per pixel, enough to move a probability, so the files the
    pipeline reads as they are go through `tf.io.decode_image` here too, and the ones it converts
    first (EXIF-rotated JPEGs, TIFF, 16-bit, animated WebP, ...) through the same PIL conversion.

    Args:
        data: the file's bytes.
        name: how an error message names the image.

    Returns:
        The RGB pixels, at the file's own size.
    """
    try:
        with Image.open(io.BytesIO(data)) as img:
            if not _tf_reads_as_is(img):
                img.load()
                return np.asarray(_pil_rgb(img), dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        raise DataError(f"{name} is not a readable image ({_reason(exc)}). Pass a JPEG, PNG, BMP, GIF or WebP file.") from exc
    try:
        return tf.io.decode_image(data, channels=3, expand_animations=False).numpy()
    except (tf.errors.OpError, ValueError):  # what the pipeline's careful probe does: PIL's pixels, or no image
        try:
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                return np.asarray(_pil_rgb(img), dtype=np.uint8)
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
            raise DataError(f"{name} is not a readable image ({_reason(exc)}). Pass a JPEG, PNG, BMP, GIF or WebP file.") from exc


def read_image(path: str | os.PathLike, image_size: int | tuple[int, int], center_crop: bool = False) -> np.ndarray:
    """One image file -> float32 ``[H, W, 3]`` in 0..255, upright, resized like the pipeline does.

    ``center_crop`` first cuts the largest centred square, as ImageNet evaluation does, so a tall
    phone photo is not squashed.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"image file {path} does not exist. Check the path you passed.")
    return _decoded(path.read_bytes(), str(path), image_size, center_crop)


def decode_image(data: bytes, image_size: int | tuple[int, int], *, name: str = "the image", center_crop: bool = False) -> np.ndarray:
    """Encoded image bytes (JPEG, PNG, ...) -> float32 ``[H, W, 3]`` in 0..255, exactly as `read_image` does a file.

    Args:
        data: the file's bytes.
        image_size: the size to resize to.
        name: how an error message names the image.
        center_crop: cut the largest centred square first.

    Returns:
        The resized RGB pixels.
    """
    return _decoded(data, name, image_size, center_crop)


def _decoded(data: bytes, name: str, image_size: int | tuple[int, int], center_crop: bool) -> np.ndarray:
    size = image_size_pair(image_size)
    arr = rgb_pixels(data, name=name)
    if center_crop:
        height, width = arr.shape[:2]
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        arr = arr[top : top + side, left : left + side]
    return tf.image.resize(arr, size).numpy().astype(np.float32)


def class_names_from_dir(path: str | os.PathLike) -> list[str]:
    """Sorted class names (sub-folder names) of an image folder; looks inside ``train/`` if present."""
    folder = existing_dir(path)
    subdirs = {p.name.lower(): p for p in _visible_dirs(folder)}
    if "train" in subdirs:
        folder = subdirs["train"]
    names = [p.name for p in _visible_dirs(folder)]
    if not names:
        raise DataError(f"{folder} has no class sub-folders. Put the images in one folder per class.")
    return names
