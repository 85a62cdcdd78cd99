"""The course's helper functions keep the course's signatures, so notebook code runs unchanged."""

from __future__ import annotations

import datetime
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tfjourney.errors import DownloadError
from tfjourney.helpers import compare_historys, create_tensorboard_callback, load_and_prep_image, unzip_data, walk_through_dir


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


def test_compare_historys_defaults_to_five_initial_epochs(tmp_path):
    """The course calls compare_historys(original, new) and expects the line after epoch 5."""
    original = {"loss": [1.0, 0.8, 0.7, 0.6, 0.5], "val_loss": [1.1, 0.9, 0.8, 0.7, 0.65],
                "accuracy": [0.5, 0.6, 0.7, 0.75, 0.8], "val_accuracy": [0.45, 0.55, 0.65, 0.7, 0.72]}
    new = {"loss": [0.4, 0.35], "val_loss": [0.6, 0.58], "accuracy": [0.85, 0.88], "val_accuracy": [0.75, 0.77]}
    fig = compare_historys(original, new)
    for ax in fig.axes:
        start = [line for line in ax.get_lines() if line.get_label() == "start fine-tuning"]
        assert len(start) == 1 and list(start[0].get_xdata()) == [5.5, 5.5]
        curves = [line for line in ax.get_lines() if line.get_label() != "start fine-tuning"]
        assert all(len(line.get_xdata()) == 7 for line in curves)  # both phases as one curve
    compare_historys(original, new, initial_epochs=5, path=tmp_path / "c.png")
    assert (tmp_path / "c.png").stat().st_size > 0


def test_create_tensorboard_callback_logs_to_a_timestamped_folder(tmp_path, capsys):
    before = datetime.datetime.now().replace(microsecond=0)
    callback = create_tensorboard_callback(str(tmp_path / "tensorboard"), "efficientnetb0")
    after = datetime.datetime.now()
    log_dir = Path(callback.log_dir)
    assert log_dir.parent == tmp_path / "tensorboard" / "efficientnetb0"
    assert re.fullmatch(r"\d{8}-\d{6}", log_dir.name)
    assert before <= datetime.datetime.strptime(log_dir.name, "%Y%m%d-%H%M%S") <= after
    assert capsys.readouterr().out == f"Saving TensorBoard log files to: {log_dir}\n"
