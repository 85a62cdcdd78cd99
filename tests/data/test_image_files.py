"""data.image_files: reading one image, and naming the classes of a folder."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tfjourney.data.image_files import class_names_from_dir, read_image
from tfjourney.errors import DataError


def _jpeg(path, colour=(200, 30, 30), size=(24, 20)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, "JPEG")
    return path


def test_read_image_rejects_non_images(tmp_path):
    (tmp_path / "fake.jpg").write_text("hello")
    with pytest.raises(DataError, match="fake.jpg is not a readable image"):
        read_image(tmp_path / "fake.jpg", 8)
    with pytest.raises(DataError, match="does not exist"):
        read_image(tmp_path / "missing.jpg", 8)


def test_read_image_resizes_and_crops_the_centre(tmp_path):
    path = tmp_path / "wide.png"
    pixels = np.zeros((10, 30, 3), dtype=np.uint8)
    pixels[:, 10:20] = 255  # a white centre square between black sides
    Image.fromarray(pixels).save(path)
    squashed = read_image(path, 8)
    cropped = read_image(path, 8, center_crop=True)
    assert squashed.shape == cropped.shape == (8, 8, 3) and squashed.dtype == np.float32
    assert cropped.min() > 250 and squashed.min() < 5


def test_class_names_look_inside_train(tmp_path):
    for split in ("train", "test"):
        for name in ("b", "a"):
            _jpeg(tmp_path / "d" / split / name / "1.jpg")
    assert class_names_from_dir(tmp_path / "d") == ["a", "b"]
    assert class_names_from_dir(tmp_path / "d" / "test") == ["a", "b"]


def test_read_image_decodes_a_jpeg_as_the_training_pipeline_does(tmp_path):
    """Same pixels as the tf.data pipeline's decode and resize, bit for bit, for a noisy JPEG (where decoders differ)."""
    import tensorflow as tf

    from tfjourney.data.image_datasets import _decode_resize
    from tfjourney.data.image_files import rgb_pixels

    rng = np.random.default_rng(3)
    path = tmp_path / "noise.jpg"
    Image.fromarray(rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)).save(path, "JPEG", quality=70)
    pipeline, _ = _decode_resize(tf.constant(str(path)), tf.constant(0), size=(24, 24))
    np.testing.assert_array_equal(read_image(path, 24), pipeline.numpy())
    assert np.array_equal(rgb_pixels(path.read_bytes()), tf.io.decode_image(path.read_bytes(), channels=3).numpy())
