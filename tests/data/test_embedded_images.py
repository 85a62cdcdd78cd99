"""Tests for tfjourney.data.embedded_images: offline digits/shapes trees."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tfjourney.data import embedded_images as emb
from tfjourney.data.embedded_images import EMBEDDED_IMAGE_DATASETS, materialize_image_dataset
from tfjourney.data.image_datasets import load_image_folder
from tfjourney.errors import DataError


@pytest.fixture(scope="module")
def shapes_dir(tmp_path_factory) -> Path:
    return materialize_image_dataset("shapes", tmp_path_factory.mktemp("emb"))


@pytest.fixture(scope="module")
def digits_dir(tmp_path_factory) -> Path:
    return materialize_image_dataset("digits", tmp_path_factory.mktemp("emb"))


def _count(folder: Path) -> dict[str, int]:
    """PNG files per class folder."""
    return {d.name: len(list(d.glob("*.png"))) for d in sorted(folder.iterdir())}


def test_unknown_name_lists_datasets(tmp_path):
    with pytest.raises(DataError, match="unknown embedded image dataset 'mnist'; available: digits, shapes"):
        materialize_image_dataset("mnist", tmp_path)
    assert set(EMBEDDED_IMAGE_DATASETS) == {"digits", "shapes"}


def test_digits_tree(digits_dir):
    train, test = _count(digits_dir / "train"), _count(digits_dir / "test")
    assert sorted(train) == sorted(test) == [str(d) for d in range(10)]
    assert sum(train.values()) + sum(test.values()) == 1797
    assert sum(test.values()) == 360
    for digit in train:  # stratified 80/20
        total = train[digit] + test[digit]
        assert abs(test[digit] - 0.2 * total) <= 1
    img = Image.open(next((digits_dir / "train" / "3").glob("*.png")))
    assert img.size == (32, 32) and img.mode == "L"
    arr = np.asarray(img)
    assert arr.max() > 200 and arr.min() == 0


def test_shapes_tree_and_determinism(shapes_dir, tmp_path):
    assert _count(shapes_dir / "train") == {"circle": 100, "square": 100, "triangle": 100}
    assert _count(shapes_dir / "test") == {"circle": 30, "square": 30, "triangle": 30}
    img = Image.open(shapes_dir / "train" / "square" / "square_000.png")
    assert img.size == (64, 64) and img.mode == "RGB"
    again = materialize_image_dataset("shapes", tmp_path)
    for rel in ("train/circle/circle_005.png", "test/triangle/triangle_029.png"):
        a = hashlib.sha256((shapes_dir / rel).read_bytes()).hexdigest()
        b = hashlib.sha256((again / rel).read_bytes()).hexdigest()
        assert a == b


def test_shapes_are_not_separable_by_colour(shapes_dir):
    from sklearn.linear_model import LogisticRegression

    def features(split):
        xs, ys = [], []
        for label, cls in enumerate(("circle", "square", "triangle")):
            for path in sorted((shapes_dir / split / cls).glob("*.png")):
                arr = np.asarray(Image.open(path), dtype=np.float32)
                bright = arr[arr.max(axis=2) > 150]  # the shape's pixels
                xs.append(np.concatenate([arr.mean((0, 1)), bright.mean(0) if len(bright) else np.zeros(3)]))
                ys.append(label)
        return np.array(xs), np.array(ys)

    x_train, y_train = features("train")
    x_test, y_test = features("test")
    accuracy = LogisticRegression(max_iter=2000).fit(x_train / 255, y_train).score(x_test / 255, y_test)
    assert accuracy < 0.6  # colour alone is near chance (1/3); shape is what must be learnt


def test_cached_and_loadable(shapes_dir):
    before = (shapes_dir / "train" / "circle" / "circle_000.png").stat().st_mtime_ns
    assert materialize_image_dataset("shapes", shapes_dir.parent) == shapes_dir
    assert (shapes_dir / "train" / "circle" / "circle_000.png").stat().st_mtime_ns == before
    data = load_image_folder(shapes_dir, image_size=64, batch_size=32, seed=42, validation_split=0.2, test_split=0.2)
    assert data.class_names == ["circle", "square", "triangle"]
    assert data.counts()["test"] == {"circle": 30, "square": 30, "triangle": 30}


def test_default_root_is_tfjourney_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TFJOURNEY_CACHE", str(tmp_path / "c"))
    monkeypatch.setitem(emb._WRITERS, "shapes", lambda dest: (dest / "train").mkdir())
    assert materialize_image_dataset("shapes") == tmp_path / "c" / "datasets" / "shapes"


def test_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    def boom(dest: Path) -> None:
        (dest / "train" / "circle").mkdir(parents=True)
        raise RuntimeError("disk full")

    monkeypatch.setitem(emb._WRITERS, "shapes", boom)
    with pytest.raises(RuntimeError):
        materialize_image_dataset("shapes", tmp_path)
    assert list(tmp_path.iterdir()) == []  # neither a half tree nor the temp folder
