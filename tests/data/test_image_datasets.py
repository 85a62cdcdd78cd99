"""load_image_folder: layouts, splits, odd formats, bad files, errors."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tfjourney.blueprints import CNN, DEFAULT_SEED, MAX_IMAGE_SIZE
from tfjourney.data import image_datasets
from tfjourney.data.image_files import read_image
from tfjourney.errors import ConfigError, DataError

SIZE = 16


def load_image_folder(data_dir, **overrides):
    """The data layer has no defaults of its own: the CNN blueprint's, unless a test says otherwise."""
    config = CNN.resolve()
    values = {"image_size": config.image_size, "batch_size": config.batch_size, "seed": DEFAULT_SEED,
              "validation_split": config.validation_split, "test_split": config.test_split, **overrides}
    return image_datasets.load_image_folder(data_dir, **values)


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    """Keep converted copies inside the test's tmp folder."""
    monkeypatch.setenv("TFJOURNEY_CACHE", str(tmp_path / "cache"))


def _rgb(seed: int, w: int = 24, h: int = 20, colour: tuple[int, int, int] | None = None) -> Image.Image:
    """A small random (or flat) RGB image."""
    if colour is not None:
        return Image.new("RGB", (w, h), colour)
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), "RGB")


def _write(path: Path, img: Image.Image, fmt: str = "JPEG", **kw) -> Path:
    """Save ``img`` to ``path`` (creating folders)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, fmt, **kw)
    return path


def _tree(root: Path, counts: dict[str, int], seed: int = 0) -> Path:
    """A class-folder tree of JPEGs: ``{class: n}``."""
    for c, (name, n) in enumerate(counts.items()):
        for i in range(n):
            _write(root / name / f"{name}_{i:02d}.jpg", _rgb(seed * 1000 + c * 100 + i))
    return root


def _course(root: Path, train: dict[str, int], test: dict[str, int]) -> Path:
    """The course layout: ``train/<class>`` + ``test/<class>``."""
    _tree(root / "train", train, seed=1)
    _tree(root / "test", test, seed=2)
    return root


def _batches(ds):
    """All (images, labels) of a dataset as two numpy arrays."""
    xs, ys = zip(*ds.as_numpy_iterator())
    return np.concatenate(xs), np.concatenate(ys)


# --------------------------------------------------------------------------- layouts and splits


def test_course_layout_counts_shapes_and_order(tmp_path):
    data = load_image_folder(_course(tmp_path / "d", {"cat": 10, "dog": 10}, {"cat": 3, "dog": 4}), image_size=SIZE, batch_size=4)
    assert data.class_names == ["cat", "dog"]
    assert data.image_size == (SIZE, SIZE)
    assert data.counts() == {
        "train": {"cat": 8, "dog": 8},
        "val": {"cat": 2, "dog": 2},
        "test": {"cat": 3, "dog": 4},
    }
    x, y = next(iter(data.train))
    assert x.dtype.name == "float32" and x.shape == (4, SIZE, SIZE, 3)
    assert y.dtype.name == "int32"
    xs, ys = _batches(data.train)
    assert xs.shape == (16, SIZE, SIZE, 3) and 0 <= xs.min() and xs.max() <= 255 and xs.max() > 1
    assert sorted(ys.tolist()) == sorted(lab for _, lab in data.files["train"])
    xt, yt = _batches(data.test)
    assert yt.tolist() == [lab for _, lab in data.files["test"]]
    for (path, label), image in zip(data.files["test"], xt):
        assert path.parent.name == data.class_names[label]
        assert np.abs(image - read_image(path, SIZE)).mean() < 1.5  # PIL vs TF JPEG decode


def test_train_is_reshuffled_each_epoch_and_seeded(tmp_path):
    root = _tree(tmp_path / "d", {"a": 12, "b": 12})
    first = load_image_folder(root, image_size=8, batch_size=64, seed=3)
    again = load_image_folder(root, image_size=8, batch_size=64, seed=3)
    e1 = _batches(first.train)[0]
    e2 = _batches(first.train)[0]
    assert not np.array_equal(e1, e2)  # reshuffled each epoch
    np.testing.assert_array_equal(e1, _batches(again.train)[0])  # same seed, same order


def test_single_tree_split_is_stratified_and_deterministic(tmp_path):
    root = _tree(tmp_path / "d", {"a": 10, "b": 10, "c": 20})
    data = load_image_folder(root, image_size=SIZE, seed=7, validation_split=0.25, test_split=0.2)
    counts = data.counts()
    assert counts["test"] == {"a": 2, "b": 2, "c": 4}
    assert counts["val"] == {"a": 2, "b": 2, "c": 4}
    assert counts["train"] == {"a": 6, "b": 6, "c": 12}
    all_files = [p for split in data.files.values() for p, _ in split]
    assert len(all_files) == len(set(all_files)) == 40
    same = load_image_folder(root, image_size=SIZE, seed=7, validation_split=0.25, test_split=0.2)
    assert same.files == data.files
    other = load_image_folder(root, image_size=SIZE, seed=8, validation_split=0.25, test_split=0.2)
    assert other.files["test"] != data.files["test"]


def test_no_validation_split_gives_none(tmp_path):
    data = load_image_folder(_course(tmp_path / "d", {"a": 3, "b": 3}, {"a": 1, "b": 1}), image_size=8, validation_split=0)
    assert data.val is None and data.files["val"] == []
    assert data.counts()["train"] == {"a": 3, "b": 3}


def test_explicit_validation_folder_is_used(tmp_path):
    root = _course(tmp_path / "d", {"a": 3, "b": 3}, {"a": 1, "b": 1})
    _tree(root / "validation", {"a": 2, "b": 1}, seed=5)
    data = load_image_folder(root, image_size=8)
    assert data.counts()["val"] == {"a": 2, "b": 1}
    assert data.counts()["train"] == {"a": 3, "b": 3}


# --------------------------------------------------------------------------- formats


def _odd_files(folder: Path) -> dict[str, Path]:
    """One file of every awkward kind, in ``folder``."""
    base = _rgb(1)
    files = {
        "rgba.png": _write(folder / "rgba.png", base.convert("RGBA"), "PNG"),
        "gray.jpg": _write(folder / "gray.jpg", base.convert("L"), "JPEG"),
        "pic.bmp": _write(folder / "pic.bmp", base, "BMP"),
        "cmyk.jpg": _write(folder / "cmyk.jpg", _rgb(0, colour=(200, 40, 30)).convert("CMYK"), "JPEG"),
        "palette.png": _write(folder / "palette.png", base.convert("P"), "PNG"),
        "la.png": _write(folder / "la.png", base.convert("LA"), "PNG"),
        "pic.tiff": _write(folder / "pic.tiff", base, "TIFF"),
        "pic.webp": _write(folder / "pic.webp", base, "WEBP"),
    }
    red, blue = _rgb(0, colour=(255, 0, 0)), _rgb(0, colour=(0, 0, 255))
    gif = folder / "anim.gif"
    red.convert("P").save(gif, "GIF", save_all=True, append_images=[blue.convert("P")], duration=50)
    files["anim.gif"] = gif
    webp = folder / "anim.webp"
    red.save(webp, "WEBP", save_all=True, append_images=[blue], duration=50, lossless=True)
    files["anim.webp"] = webp
    return files


def test_odd_formats_load_with_three_channels(tmp_path):
    root = tmp_path / "d"
    odd = _odd_files(root / "test" / "odd")
    _tree(root / "test", {"plain": 2})
    _tree(root / "train", {"odd": 2, "plain": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = load_image_folder(root, image_size=(SIZE, SIZE + 4), validation_split=0)
    assert data.skipped == []
    names = [p.name for p, _ in data.files["test"]]
    assert set(odd) <= set(names)
    xt, _ = _batches(data.test)
    assert xt.shape == (len(names), SIZE, SIZE + 4, 3)
    by_name = dict(zip(names, xt))
    for name in ("anim.gif", "anim.webp"):  # first frame (red), not the second (blue)
        r, g, b = by_name[name].mean(axis=(0, 1))
        assert r > 200 and b < 50, name
    r, g, b = by_name["cmyk.jpg"].mean(axis=(0, 1))
    assert abs(r - 200) < 20 and abs(g - 40) < 20 and abs(b - 30) < 20
    for name in odd:
        diff = np.abs(by_name[name] - read_image(root / "test" / "odd" / name, (SIZE, SIZE + 4)))
        assert diff.mean() < 2.0, name  # pipeline and read_image agree


def test_exif_orientation_is_respected(tmp_path):
    wide = np.zeros((20, 40, 3), np.uint8)
    wide[:, :20] = (255, 0, 0)  # left half red
    wide[:, 20:] = (0, 0, 255)  # right half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # display = rotate 90 degrees clockwise
    path = _write(tmp_path / "d" / "rot" / "rotated.jpg", Image.fromarray(wide), "JPEG", exif=exif.tobytes(), quality=95)
    out = read_image(path, (40, 20))  # tall output, like the upright image
    assert out.shape == (40, 20, 3)
    assert out[:15, :, 0].mean() > 200 and out[:15, :, 2].mean() < 60  # top red
    assert out[25:, :, 2].mean() > 200 and out[25:, :, 0].mean() < 60  # bottom blue
    # the pipeline sees the same upright image (via a converted copy)
    root = tmp_path / "course"
    rotated = _write(root / "test" / "rot" / "rotated.jpg", Image.fromarray(wide), "JPEG", exif=exif.tobytes(), quality=95)
    _tree(root / "test", {"plain": 1})
    _tree(root / "train", {"rot": 2, "plain": 2})
    data = load_image_folder(root, image_size=(40, 20), validation_split=0)
    xs, _ = _batches(data.test)
    idx = [p for p, _ in data.files["test"]].index(rotated)
    assert np.abs(xs[idx] - out).mean() < 2.0


# --------------------------------------------------------------------------- bad files


def _add_bad_files(folder: Path) -> list[str]:
    """A truncated JPEG, a text file named .jpg, and harmless non-image files."""
    buf = io.BytesIO()
    _rgb(9, 64, 64).save(buf, "JPEG")
    (folder / "truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) * 2 // 3])
    (folder / "notes.jpg").write_text("this is not an image")
    (folder / "README.txt").write_text("ignored")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    return ["truncated.jpg", "notes.jpg"]


def test_corrupt_files_skipped_with_one_warning(tmp_path):
    root = _tree(tmp_path / "d", {"a": 6, "b": 6})
    bad = _add_bad_files(root / "a")
    with pytest.warns(UserWarning) as record:
        data = load_image_folder(root, image_size=8)
    messages = [str(w.message) for w in record if "unreadable" in str(w.message)]
    assert len(messages) == 1
    assert "skipped 2 unreadable" in messages[0] and "`strict`" in messages[0]
    assert all(name in messages[0] for name in bad)
    assert sorted(p.name for p in data.skipped) == sorted(bad)
    assert sum(sum(c.values()) for c in data.counts().values()) == 12
    for ds in (data.train, data.val, data.test):  # the pipeline never hits a bad file
        _batches(ds)


def test_corrupt_files_raise_when_strict(tmp_path):
    root = _tree(tmp_path / "d", {"a": 6, "b": 6})
    _add_bad_files(root / "b")
    with pytest.raises(DataError, match=r"truncated\.jpg.*notes\.jpg|notes\.jpg.*truncated\.jpg"):
        load_image_folder(root, image_size=8, strict=True)


def test_non_image_files_are_ignored_silently(tmp_path):
    root = _tree(tmp_path / "d", {"a": 5, "b": 5})
    (root / "a" / "notes.txt").write_text("hi")
    (root / "b" / ".DS_Store").write_bytes(b"x")
    (root / "SOURCE.txt").write_text("top-level files are not classes")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = load_image_folder(root, image_size=8)
    assert data.class_names == ["a", "b"] and data.skipped == []


# --------------------------------------------------------------------------- bad input


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_image_folder(tmp_path / "nope")


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="is empty"):
        load_image_folder(tmp_path / "empty")


def test_no_class_subfolders(tmp_path):
    _write(tmp_path / "flat" / "x.jpg", _rgb(0))
    with pytest.raises(DataError, match="no class sub-folders"):
        load_image_folder(tmp_path / "flat")


def test_only_one_class(tmp_path):
    with pytest.raises(DataError, match="at least 2 classes; found only 'cats'"):
        load_image_folder(_tree(tmp_path / "d", {"cats": 4}))


def test_empty_class_folder_is_named(tmp_path):
    root = _tree(tmp_path / "d", {"cats": 4, "dogs": 4})
    (root / "birds").mkdir()
    with pytest.raises(DataError, match="'birds'.*no images"):
        load_image_folder(root)


def test_test_classes_differ_from_train(tmp_path):
    root = _course(tmp_path / "d", {"pizza": 3, "steak": 3}, {"pizza": 1, "sushi": 1})
    with pytest.raises(DataError, match="only in train: steak; only in test: sushi"):
        load_image_folder(root)


def test_train_without_test_folder(tmp_path):
    _tree(tmp_path / "d" / "train", {"a": 3, "b": 3})
    with pytest.raises(DataError, match="no 'test' folder"):
        load_image_folder(tmp_path / "d")


def test_no_readable_images(tmp_path):
    for name in ("a", "b"):
        (tmp_path / "d" / name).mkdir(parents=True)
        (tmp_path / "d" / name / "x.jpg").write_text("not an image")
    with pytest.warns(UserWarning), pytest.raises(DataError, match="no readable images"):
        load_image_folder(tmp_path / "d")


def test_class_with_too_few_images_to_split(tmp_path):
    root = _tree(tmp_path / "d", {"a": 10, "tiny": 1})
    with pytest.raises(DataError, match="'tiny'.*only 1 usable image"):
        load_image_folder(root)


@pytest.mark.parametrize("size", [0, -3, MAX_IMAGE_SIZE + 1, (224, 0), "224"])
def test_bad_image_size(tmp_path, size):
    with pytest.raises(ConfigError, match="image_size"):
        load_image_folder(tmp_path, image_size=size)


def test_bad_split_fractions(tmp_path):
    with pytest.raises(ConfigError, match="validation_split"):
        load_image_folder(tmp_path, validation_split=1.5)
    root = _tree(tmp_path / "d", {"a": 4, "b": 4})
    with pytest.raises(ConfigError, match="test_split"):
        load_image_folder(root, test_split=0)


def test_messages_are_one_line(tmp_path):
    with pytest.raises(DataError) as info:
        load_image_folder(_tree(tmp_path / "d", {"cats": 2}))
    assert "\n" not in str(info.value)


def test_large_sets_are_not_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(image_datasets, "CACHE_LIMIT_BYTES", 1)
    data = load_image_folder(_tree(tmp_path / "d", {"a": 5, "b": 5}), image_size=8, batch_size=3)
    (x1, y1), (x2, y2) = _batches(data.train), _batches(data.train)
    assert sorted(y1.tolist()) == sorted(y2.tolist()) and x1.shape == (6, 8, 8, 3)
    assert not np.array_equal(x1, x2)  # file names are shuffled each epoch instead


def test_scanning_reports_one_line_when_asked(tmp_path):
    import io
    import re

    from tfjourney.progress import Progress

    root = _tree(tmp_path / "d", {"a": 4, "b": 4})
    (root / "a" / "broken.jpg").write_bytes(b"not a jpeg")
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_image_folder(root, image_size=8, progress=Progress.for_stream(out))
        load_image_folder(root, image_size=8)  # the library default shows nothing
    assert re.fullmatch(r"scanned 9 images in 00:00 \([\d,]+ images/s\), 1 unreadable\n", out.getvalue())
