"""Image folders -> fast ``tf.data`` pipelines, plus the course's image helpers.

Layouts understood by :func:`load_image_folder`:

* ``DATA_DIR/train/<class>/*`` + ``DATA_DIR/test/<class>/*`` (the course layout; an optional
  ``val/`` or ``validation/`` folder is used as-is, otherwise validation is carved from train);
* ``DATA_DIR/<class>/*`` (one tree; test and validation are carved from it, stratified per
  class, with the seed).

All per-image Python work happens once, at scan time: each file's header is read with PIL
(format, mode, EXIF orientation -- no pixel decode) and its tail is checked for truncation.
Files TensorFlow cannot decode as-is (TIFF, PPM, animated WebP, EXIF-rotated JPEGs, ...) are
converted once to RGB PNG copies under ``<cache>/converted``; unreadable files are skipped with
one warning. The training-time hot path is pure TensorFlow: read -> decode -> resize -> cache
-> shuffle -> batch -> prefetch. Pixels stay in 0..255; rescaling belongs to the model.
"""

from __future__ import annotations

import functools
import hashlib
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image, ImageOps, UnidentifiedImageError

from tfjourney.data.download import cache_root, safe_extract
from tfjourney.errors import ConfigError, DataError, TfjourneyWarning

__all__ = [
    "IMAGE_EXTENSIONS",
    "MAX_IMAGE_SIZE",
    "ImageData",
    "load_image_folder",
    "read_image",
    "load_and_prep_image",
    "walk_through_dir",
    "unzip_data",
    "class_names_from_dir",
]

IMAGE_EXTENSIONS = (
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff",
    ".ppm", ".pgm", ".pbm", ".pnm", ".tga", ".ico",
)  # fmt: skip
MAX_IMAGE_SIZE = 1024
CACHE_LIMIT_BYTES = 2 * 1024**3  # decoded sets smaller than this are cached in memory

_NATIVE_FORMATS = {"JPEG", "MPO", "PNG", "GIF", "BMP", "WEBP"}  # tf.io.decode_image handles these
_ORIENTATION_TAG = 0x0112
_MAX_NAMED = 5


@dataclass
class ImageData:
    """The three splits as batched datasets plus the file lists they were built from."""

    train: tf.data.Dataset
    val: tf.data.Dataset | None
    test: tf.data.Dataset
    class_names: list[str]
    image_size: tuple[int, int]
    files: dict[str, list[tuple[Path, int]]]
    skipped: list[Path] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """Images per class in each split, for reports and sanity checks."""
        out: dict[str, dict[str, int]] = {}
        for split, items in self.files.items():
            tally = dict.fromkeys(self.class_names, 0)
            for _, label in items:
                tally[self.class_names[label]] += 1
            out[split] = tally
        return out


@dataclass(frozen=True)
class _Probe:
    """What a scan found out about one file: use it as-is, use a converted copy, or skip it."""

    path: Path
    source: Path | None  # the file the pipeline reads (original or converted copy); None = skip
    reason: str = ""


# --------------------------------------------------------------------------- validation


def _image_size(image_size: int | Sequence[int]) -> tuple[int, int]:
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
            f"image_size must be an int or an (height, width) pair, got {image_size!r}. "
            "If you wish to use 224x224 images, pass image_size=224."
        )
    if not all(0 < v <= MAX_IMAGE_SIZE for v in size):
        raise ConfigError(
            f"image_size {size[0]}x{size[1]} is out of range; each side must be between 1 and "
            f"{MAX_IMAGE_SIZE}. If you wish to train at the usual size, pass image_size=224."
        )
    return size


def _check_fractions(validation_split: float, test_split: float, batch_size: int) -> None:
    """Reject split fractions and batch sizes that cannot work."""
    if not 0 <= validation_split < 1:
        raise ConfigError(
            f"validation_split must be in [0, 1), got {validation_split}. "
            "If you wish to hold out 20% of train for validation, pass validation_split=0.2."
        )
    if not 0 <= test_split < 1:
        raise ConfigError(
            f"test_split must be in [0, 1), got {test_split}. "
            "If you wish to hold out 20% of the images for testing, pass test_split=0.2."
        )
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}. Pass e.g. 32.")


def _visible_dirs(path: Path) -> list[Path]:
    """Sub-folders that can be classes (hidden ones and ``__MACOSX`` are not)."""
    return sorted(
        (p for p in path.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))),
        key=lambda p: p.name,
    )


def _is_image_name(path: Path) -> bool:
    """Whether a file name looks like an image (others, e.g. .txt / .DS_Store, are ignored)."""
    return path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def _image_files(folder: Path) -> list[Path]:
    """Image-named files under a class folder (recursively, sorted, hidden entries ignored)."""
    found = []
    for root, dirs, names in os.walk(folder, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        found.extend(Path(root) / n for n in sorted(names) if _is_image_name(Path(n)))
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
            animated_webp = fmt == "WEBP" and getattr(img, "is_animated", False)
            rotated = fmt in ("JPEG", "MPO") and img.getexif().get(_ORIENTATION_TAG, 1) not in (0, 1)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        return _Probe(path, None, f"not an image ({type(exc).__name__})")
    if w < 1 or h < 1:
        return _Probe(path, None, "empty image")
    if fmt in _NATIVE_FORMATS and not (animated_webp or rotated) and _tail_ok(path, fmt):
        return _Probe(path, path)
    return _probe_carefully(path, fmt, force_convert=animated_webp or rotated)


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


def _scan(paths: list[Path]) -> list[_Probe]:
    """Probe every file (sequential: ~0.1 ms a file; threads only add GIL contention here)."""
    return [_probe(p) for p in paths]


def _scan_tree(tree: dict[str, list[Path]]) -> tuple[dict[str, list[tuple[Path, Path]]], list[Path]]:
    """``{class: [(original, source)]}`` with unreadable files removed, plus those files."""
    flat = [(name, p) for name, files in tree.items() for p in files]
    probes = _scan([p for _, p in flat])
    good: dict[str, list[tuple[Path, Path]]] = {name: [] for name in tree}
    bad: list[Path] = []
    for (name, _), probe in zip(flat, probes):
        if probe.source is None:
            bad.append(probe.path)
        else:
            good[name].append((probe.path, probe.source))
    return good, bad


# --------------------------------------------------------------------------- splitting


def _carve(
    items: dict[str, list], fraction: float, rng: np.random.Generator, what: str, folder: Path
) -> tuple[dict[str, list], dict[str, list]]:
    """Split each class's list into (kept, carved) with ``fraction`` carved, stratified."""
    kept: dict[str, list] = {}
    carved: dict[str, list] = {}
    for name, files in items.items():
        n = len(files)
        k = max(1, round(n * fraction)) if fraction > 0 else 0
        if fraction > 0 and n - k < 1:
            raise DataError(
                f"class {name!r} in {folder} has only {n} usable image(s), too few to carve a "
                f"{what} split of {fraction:g}. Add more images to it, or pass a smaller "
                f"{what}_split (or 0)."
            )
        order = rng.permutation(n)
        carved[name] = sorted((files[i] for i in order[:k]), key=lambda t: str(t[0]))
        kept[name] = sorted((files[i] for i in order[k:]), key=lambda t: str(t[0]))
    return kept, carved


def _labelled(items: dict[str, list[tuple[Path, Path]]], class_names: list[str]) -> list[tuple[Path, Path, int]]:
    """Flatten ``{class: [(orig, source)]}`` to ``[(orig, source, label)]`` in class order."""
    return [(o, s, class_names.index(c)) for c in class_names for o, s in items.get(c, [])]


def _skip_report(skipped: list[Path], folder: Path, strict: bool) -> None:
    """One warning (or, with strict, one DataError) naming every unreadable file."""
    if not skipped:
        return
    names = [_rel(p, folder) for p in skipped]
    shown = ", ".join(names[:_MAX_NAMED]) + (f" and {len(names) - _MAX_NAMED} more" if len(names) > _MAX_NAMED else "")
    if strict:
        raise DataError(
            f"{len(names)} unreadable image(s) in {folder}: {shown}. Delete or replace them, or "
            "drop --strict to skip them with a warning."
        )
    warnings.warn(
        f"skipped {len(names)} unreadable image(s): {shown} (pass --strict to make this an error)",
        TfjourneyWarning,
        stacklevel=3,
    )


def _rel(path: Path, folder: Path) -> str:
    """``path`` relative to the data folder when possible, for short messages."""
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- the pipeline


def _decode_resize(path: tf.Tensor, label: tf.Tensor, *, size: tuple[int, int]) -> tuple[tf.Tensor, tf.Tensor]:
    """The per-image graph function: read, decode (3 channels, first frame), resize to float32."""
    raw = tf.io.read_file(path)
    img = tf.io.decode_image(raw, channels=3, expand_animations=False)
    img.set_shape([None, None, 3])
    return tf.image.resize(img, size), label


def _make_dataset(
    items: list[tuple[Path, Path, int]],
    size: tuple[int, int],
    batch_size: int,
    *,
    shuffle: bool,
    seed: int,
    cache: bool,
) -> tf.data.Dataset:
    """Build the tf.data pipeline for one split (no Python in the per-image path)."""
    paths = tf.constant([str(s) for _, s, _ in items], dtype=tf.string)
    labels = tf.constant([lab for _, _, lab in items], dtype=tf.int32)
    ds = tf.data.Dataset.from_tensor_slices((paths, labels))
    if shuffle and not cache:  # shuffle cheap file names, not decoded images
        ds = ds.shuffle(len(items), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(functools.partial(_decode_resize, size=size), num_parallel_calls=tf.data.AUTOTUNE)
    # No ignore_errors(): it would make the cardinality unknown (Keras then warns and shows no
    # step count). Instead every file reaching here passed a completeness check or a full decode.
    if cache:
        ds = ds.cache()
        if shuffle:
            ds = ds.shuffle(len(items), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _layout(folder: Path, min_classes: int = 2) -> dict[str, dict[str, list[Path]]]:
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


def _existing_dir(data_dir: str | os.PathLike) -> Path:
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


def load_image_folder(
    data_dir: str | os.PathLike,
    image_size: int | tuple[int, int] = 224,
    batch_size: int = 32,
    seed: int = 42,
    validation_split: float = 0.2,
    test_split: float = 0.2,
    strict: bool = False,
) -> ImageData:
    """Scan, validate and split an image folder into batched train/val/test ``tf.data`` pipelines."""
    size = _image_size(image_size)
    _check_fractions(validation_split, test_split, batch_size)
    folder = _existing_dir(data_dir)
    trees = _layout(folder)
    class_names = sorted(next(iter(trees.values())))
    scanned: dict[str, dict[str, list[tuple[Path, Path]]]] = {}
    skipped: list[Path] = []
    for split, tree in trees.items():
        scanned[split], bad = _scan_tree(tree)
        skipped.extend(bad)
    _skip_report(skipped, folder, strict)
    _require_readable(scanned, folder)
    splits = _split(scanned, validation_split, test_split, seed, folder)
    labelled = {k: _labelled(v, class_names) for k, v in splits.items()}
    total = sum(len(v) for v in labelled.values())
    cache = total * size[0] * size[1] * 3 * 4 < CACHE_LIMIT_BYTES
    make = functools.partial(_make_dataset, size=size, batch_size=batch_size, seed=seed, cache=cache)
    return ImageData(
        train=make(labelled["train"], shuffle=True),
        val=make(labelled["val"], shuffle=False) if labelled.get("val") else None,
        test=make(labelled["test"], shuffle=False),
        class_names=class_names,
        image_size=size,
        files={k: [(o, lab) for o, _, lab in v] for k, v in labelled.items()},
        skipped=skipped,
    )


def load_labelled_images(
    data_dir: str | os.PathLike,
    class_names: list[str],
    image_size: int | tuple[int, int] = 224,
    batch_size: int = 32,
    strict: bool = False,
) -> tuple[tf.data.Dataset, list[tuple[Path, int]]]:
    """Every image of a folder (its test/ tree in the course layout), labelled in `class_names` order.

    For evaluating a trained model: nothing is held out, and the folder may hold a subset of
    the model's classes, but no class the model does not know.
    """
    size = _image_size(image_size)
    folder = _existing_dir(data_dir)
    trees = _layout(folder, min_classes=1)  # evaluating on one class's images is fine
    tree = trees.get("test", trees.get("all"))
    unknown = sorted(set(tree) - set(class_names))
    if unknown:
        raise DataError(
            f"{folder} has class folder(s) the model never learned: {', '.join(unknown)}; the model knows "
            f"{', '.join(class_names)}. Remove those folders, or train a model with them."
        )
    scanned, skipped = _scan_tree(tree)
    _skip_report(skipped, folder, strict)
    _require_readable({"test": scanned}, folder)
    items = _labelled(scanned, class_names)
    dataset = _make_dataset(items, size, batch_size, shuffle=False, seed=0, cache=False)
    return dataset, [(original, label) for original, _, label in items]


def _require_readable(scanned: dict[str, dict[str, list]], folder: Path) -> None:
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


def _split(
    scanned: dict[str, dict[str, list[tuple[Path, Path]]]],
    validation_split: float,
    test_split: float,
    seed: int,
    folder: Path,
) -> dict[str, dict[str, list[tuple[Path, Path]]]]:
    """Carve test (single tree) and val (when no val folder) with the seed, stratified."""
    rng = np.random.default_rng(seed)
    if "all" in scanned:
        if test_split <= 0:
            raise ConfigError(
                f"{folder} is a single class tree, so a test set must be carved from it, but "
                "test_split is 0. Pass test_split=0.2, or use the train/ + test/ layout."
            )
        rest, test = _carve(scanned["all"], test_split, rng, "test", folder)
    else:
        rest, test = scanned["train"], scanned["test"]
    if "val" in scanned:
        return {"train": rest, "val": scanned["val"], "test": test}
    train, val = _carve(rest, validation_split, rng, "validation", folder)
    return {"train": train, "val": val, "test": test}


# --------------------------------------------------------------------------- single images


def _reason(exc: BaseException) -> str:
    """A short, one-line reason for a PIL failure (without repeating the path)."""
    if isinstance(exc, UnidentifiedImageError):
        return "unknown or corrupt file format"
    first = (str(exc).splitlines() or [""])[0][:100]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def read_image(path: str | os.PathLike, image_size: int | tuple[int, int] = 224, center_crop: bool = False) -> np.ndarray:
    """One image file -> float32 ``[H, W, 3]`` in 0..255, upright, resized like the pipeline does.

    ``center_crop`` first cuts the largest centred square, as ImageNet evaluation does, so a tall
    phone photo is not squashed.
    """
    size = _image_size(image_size)
    path = Path(path)
    if not path.is_file():
        raise DataError(f"image file {path} does not exist. Check the path you passed.")
    try:
        with Image.open(path) as img:
            img.load()
            rgb = _pil_rgb(img)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        raise DataError(
            f"{path} is not a readable image ({_reason(exc)}). Pass a JPEG, PNG, BMP, GIF or WebP file."
        ) from exc
    arr = np.asarray(rgb, dtype=np.uint8)
    if center_crop:
        height, width = arr.shape[:2]
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        arr = arr[top : top + side, left : left + side]
    return tf.image.resize(arr, size).numpy().astype(np.float32)


def load_and_prep_image(
    filename: str | os.PathLike, img_shape: int | tuple[int, int] = 224, scale: bool = True
) -> tf.Tensor:
    """The course helper: read an image, resize it, and (when ``scale``) divide by 255."""
    img = tf.constant(read_image(filename, img_shape))
    return img / 255.0 if scale else img


def walk_through_dir(dir_path: str | os.PathLike) -> list[tuple[str, int, int]]:
    """The course helper: print (and return) how many folders and images each folder holds."""
    folder = Path(dir_path)
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder. Pass the folder you wish to summarise.")
    rows = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        n_images = sum(_is_image_name(Path(n)) for n in names)
        print(f"There are {len(dirs)} directories and {n_images} images in '{root}'.")
        rows.append((root, len(dirs), n_images))
    return rows


def unzip_data(filename: str | os.PathLike, dest: str | os.PathLike = ".") -> Path:
    """The course helper, made safe: extract a zip without zip-slip; returns the extracted folder."""
    return safe_extract(filename, dest)


def class_names_from_dir(path: str | os.PathLike) -> list[str]:
    """Sorted class names (sub-folder names) of an image folder; looks inside ``train/`` if present."""
    folder = _existing_dir(path)
    subdirs = {p.name.lower(): p for p in _visible_dirs(folder)}
    if "train" in subdirs:
        folder = subdirs["train"]
    names = [p.name for p in _visible_dirs(folder)]
    if not names:
        raise DataError(f"{folder} has no class sub-folders. Put the images in one folder per class.")
    return names

