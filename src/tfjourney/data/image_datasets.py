"""Scanned image files -> batched ``tf.data`` pipelines for train, validation and test.

When the folder has no ``test/`` (or ``val/``) tree, test and validation are carved from it,
stratified per class, with the seed. The training-time hot path is pure TensorFlow:
read -> decode -> resize -> cache -> shuffle -> batch -> prefetch. Pixels stay in 0..255;
rescaling belongs to the model.

Example:
    >>> data = load_image_folder("data/pizza_steak", image_size=224, batch_size=32, seed=42,    # doctest: +SKIP
    ...                          validation_split=0.2, test_split=0.2)
    >>> data.class_names
    ['pizza', 'steak']
"""

from __future__ import annotations

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras / TensorFlow load: their native start-up notices stay muted

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfjourney.blueprints import COUNT, HOLDOUT
from tfjourney.data.image_files import (
    class_trees,
    existing_dir,
    image_size_pair,
    report_skipped,
    require_readable,
    scan_tree,
)
from tfjourney.errors import ConfigError, DataError
from tfjourney.progress import Progress, per_second

__all__ = ["ImageData", "load_image_folder", "load_labelled_images"]

CACHE_LIMIT_BYTES = 2 * 1024**3  # decoded sets smaller than this are cached in memory


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


def _check_fractions(validation_split: float, test_split: float, batch_size: int) -> None:
    """Reject split fractions and batch sizes that cannot work (0 holds nothing out)."""
    HOLDOUT.check("validation_split", validation_split, " (0 holds no validation images out)")
    HOLDOUT.check("test_split", test_split, " (0 needs the train/ + test/ layout)")
    if not isinstance(batch_size, (int, np.integer)):
        raise ConfigError(f"`batch_size` must be a whole number, got {batch_size!r}.")
    COUNT.check("batch_size", batch_size)


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
        if not test_split:
            raise ConfigError(
                f"{folder} is a single class tree, so a test set must be carved from it, but "
                "`test_split` is 0; pass a fraction such as 0.2, or use the train/ + test/ layout."
            )
        rest, test = _carve(scanned["all"], test_split, rng, "test", folder)
    else:
        rest, test = scanned["train"], scanned["test"]
    if "val" in scanned:
        return {"train": rest, "val": scanned["val"], "test": test}
    train, val = _carve(rest, validation_split, rng, "validation", folder)
    return {"train": train, "val": val, "test": test}


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


def _scan_all(
    trees: dict[str, dict[str, list[Path]]], progress: Progress
) -> tuple[dict[str, dict[str, list[tuple[Path, Path]]]], list[Path]]:
    """Probe every file of every split as one phase; returns the usable files per split and the skipped ones."""
    count = sum(len(files) for tree in trees.values() for files in tree.values())
    scanned: dict[str, dict[str, list[tuple[Path, Path]]]] = {}
    skipped: list[Path] = []
    with progress.phase("scanning images", total=count, unit="images") as phase:
        for split, tree in trees.items():
            scanned[split], bad = scan_tree(tree, phase)
            skipped.extend(bad)
        summary = per_second("scanned", count, "images", phase.elapsed)
        phase.done(summary + (f", {len(skipped)} unreadable" if skipped else ""))
    return scanned, skipped


def load_image_folder(
    data_dir: str | os.PathLike,
    *,
    image_size: int | tuple[int, int],
    batch_size: int,
    seed: int,
    validation_split: float,
    test_split: float,
    strict: bool = False,
    progress: Progress | None = None,
) -> ImageData:
    """Scan, validate and split an image folder into batched train/val/test ``tf.data`` pipelines.

    Args:
        data_dir: a train/ + test/ (+ val/) folder of class folders, or one class-folder tree.
        image_size: side (or (height, width)) every image is resized to.
        batch_size: images per batch.
        seed: decides the shuffles and the carved splits.
        validation_split: fraction of the training images held out for validation (0: none).
        test_split: fraction held out for testing in the single-tree layout.
        strict: raise on unreadable images instead of skipping them with a warning.
        progress: shows the scan (default: nothing is shown).

    Returns:
        ImageData: the batched splits, the class names and the files behind each split.

    The blueprint's config supplies every value (`tfjourney.blueprints`); there are no defaults here.
    """
    size = image_size_pair(image_size)
    _check_fractions(validation_split, test_split, batch_size)
    folder = existing_dir(data_dir)
    trees = class_trees(folder)
    class_names = sorted(next(iter(trees.values())))
    scanned, skipped = _scan_all(trees, progress or Progress.silent())
    report_skipped(skipped, folder, strict)
    require_readable(scanned, folder)
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
    *,
    image_size: int | tuple[int, int],
    batch_size: int,
    strict: bool = False,
    progress: Progress | None = None,
) -> tuple[tf.data.Dataset, list[tuple[Path, int]]]:
    """Every image of a folder (its test/ tree in the course layout), labelled in `class_names` order.

    For evaluating a trained model: nothing is held out, and the folder may hold a subset of
    the model's classes, but no class the model does not know.
    """
    size = image_size_pair(image_size)
    folder = existing_dir(data_dir)
    trees = class_trees(folder, min_classes=1)  # evaluating on one class's images is fine
    tree = trees.get("test", trees.get("all"))
    unknown = sorted(set(tree) - set(class_names))
    if unknown:
        raise DataError(
            f"{folder} has class folder(s) the model never learned: {', '.join(unknown)}; the model knows "
            f"{', '.join(class_names)}. Remove those folders, or train a model with them."
        )
    scanned_splits, skipped = _scan_all({"test": tree}, progress or Progress.silent())
    scanned = scanned_splits["test"]
    report_skipped(skipped, folder, strict)
    require_readable({"test": scanned}, folder)
    items = _labelled(scanned, class_names)
    dataset = _make_dataset(items, size, batch_size, shuffle=False, seed=0, cache=False)
    return dataset, [(original, label) for original, _, label in items]
