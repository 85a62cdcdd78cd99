"""The course's helper functions keep the course's signatures, so notebook code runs unchanged."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tfjourney.errors import DownloadError
from tfjourney.helpers import load_and_prep_image, unzip_data, walk_through_dir


def _rgb(seed: int, w: int = 24, h: int = 20, colour: tuple[int, int, int] | None = None) -> Image.Image:
    if colour is not None:
        return Image.new("RGB", (w, h), colour)
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), "RGB")


def _write(path: Path, img: Image.Image, fmt: str = "JPEG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, fmt)
    return path


def _course(root: Path, train: dict[str, int], test: dict[str, int]) -> Path:
    """The course layout: ``train/<class>`` + ``test/<class>`` of small JPEGs."""
    for split, counts in (("train", train), ("test", test)):
        for name, n in counts.items():
            for i in range(n):
                _write(root / split / name / f"{name}_{i:02d}.jpg", _rgb(i))
    return root


def test_load_and_prep_image_scales(tmp_path):
    path = _write(tmp_path / "x.png", _rgb(0, colour=(255, 128, 0)), "PNG")
    scaled = load_and_prep_image(path, img_shape=8)
    raw = load_and_prep_image(path, img_shape=8, scale=False)
    assert tuple(scaled.shape) == (8, 8, 3)
    np.testing.assert_allclose(scaled.numpy() * 255.0, raw.numpy(), atol=1e-3)
    assert float(scaled.numpy().max()) <= 1.0


def test_walk_through_dir(tmp_path, capsys):
    root = _course(tmp_path / "d", {"b": 2, "a": 3}, {"a": 1, "b": 1})
    (root / "train" / "a" / "notes.txt").write_text("x")
    rows = walk_through_dir(root)
    out = capsys.readouterr().out
    assert f"There are 2 directories and 0 images in '{root}'." in out
    assert (str(root / "train" / "a"), 0, 3) in rows


def test_unzip_data_is_safe(tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("pizza_steak/train/pizza/1.jpg", b"x")
    out = unzip_data(good, tmp_path / "out")
    assert out == (tmp_path / "out" / "pizza_steak").resolve() and (out / "train" / "pizza" / "1.jpg").is_file()
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../escaped.txt", b"x")
    with pytest.raises(DownloadError, match="zip-slip"):
        unzip_data(evil, tmp_path / "out2")
    assert not (tmp_path / "escaped.txt").exists()
