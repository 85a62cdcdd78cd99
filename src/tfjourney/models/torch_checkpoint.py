"""Read PyTorch's legacy (non-zip) ``.pth`` checkpoints into NumPy without importing torch.

Layout: pickles (magic number, protocol version, sys info, the state dict, the storage keys),
then per storage key, in that order, a little-endian int64 element count and the raw bytes.
The unpickler resolves only tensor-rebuilding names, so loading never executes code.
"""

from __future__ import annotations

import collections
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from tfjourney.errors import WeightsError

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
STORAGE_DTYPES = {
    "FloatStorage": "<f4", "DoubleStorage": "<f8", "HalfStorage": "<f2", "LongStorage": "<i8",
    "IntStorage": "<i4", "ShortStorage": "<i2", "CharStorage": "i1", "ByteStorage": "u1", "BoolStorage": "?",
}
_CORRUPT = "the file is corrupt or truncated; download it again"


@dataclass
class _Storage:
    """Placeholder for a storage whose bytes follow the pickles."""

    dtype: np.dtype
    data: np.ndarray | None = None


@dataclass
class _TensorSpec:
    """A strided view of a storage, recorded while unpickling and materialized afterwards."""

    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor_v2(storage: _Storage, offset: int, size: tuple, stride: tuple, *_: Any) -> _TensorSpec:
    """Stand-in for ``torch._utils._rebuild_tensor_v2``: record the view, ignore grad flags and hooks."""
    return _TensorSpec(storage, int(offset), tuple(size), tuple(stride))


class _SafeUnpickler(pickle.Unpickler):
    """Unpickler that knows only tensors, ordered dicts and storage types, so no checkpoint can run code."""

    def __init__(self, file: BinaryIO, storages: dict[str, _Storage]) -> None:
        super().__init__(file)
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch" and name in STORAGE_DTYPES:
            return np.dtype(STORAGE_DTYPES[name])
        raise WeightsError(f"tfjourney refuses to load {module}.{name} from a checkpoint, only tensors allowed; "
                           "use a plain state_dict file from a source you trust")

    def persistent_load(self, pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] in ("storage", b"storage")
                and isinstance(pid[1], np.dtype) and pid[5] is None):
            raise WeightsError(f"unsupported storage reference {pid!r:.80} in checkpoint; re-save it as a plain state_dict")
        return self.storages.setdefault(str(pid[2]), _Storage(pid[1]))


def _read_storage(f: BinaryIO, storage: _Storage) -> None:
    """Read one storage record: int64 element count, then the raw little-endian elements."""
    head = f.read(8)
    nbytes = int(np.frombuffer(head, "<i8")[0]) * storage.dtype.itemsize if len(head) == 8 else -1
    raw = f.read(max(nbytes, 0))
    if nbytes < 0 or len(raw) != nbytes:
        raise WeightsError(f"checkpoint storage data is short: {_CORRUPT}")
    storage.data = np.frombuffer(raw, storage.dtype).astype(storage.dtype.newbyteorder("="))


def _materialize(spec: _TensorSpec) -> np.ndarray:
    """Turn a recorded view into an owned array, respecting storage offset and strides."""
    flat = spec.storage.data
    last = spec.offset + sum((n - 1) * s for n, s in zip(spec.size, spec.stride)) if all(spec.size) else -1
    if flat is None or spec.offset < 0 or min(spec.stride, default=0) < 0 or last >= flat.size:
        raise WeightsError(f"a checkpoint tensor points outside its storage: {_CORRUPT}")
    strides = tuple(s * flat.itemsize for s in spec.stride)
    return np.lib.stride_tricks.as_strided(flat[spec.offset:], spec.size, strides, writeable=False).copy()


def load_legacy_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Load a legacy-format torch state dict as ``{name: array}`` without torch and without running code."""
    storages: dict[str, _Storage] = {}
    with open(path, "rb") as f:
        if f.read(4) == b"PK\x03\x04":
            raise WeightsError(f"{path} is a zip-format torch checkpoint; re-save it with "
                               "torch.save(sd, path, _use_new_zipfile_serialization=False)")
        f.seek(0)
        try:
            header = [_SafeUnpickler(f, storages).load() for _ in range(3)]
            if header[0] != LEGACY_MAGIC:
                raise WeightsError(f"{path} is not a legacy torch checkpoint (bad magic number); pass a .pth state_dict file")
            state, keys = _SafeUnpickler(f, storages).load(), _SafeUnpickler(f, storages).load()
            for key in keys:
                _read_storage(f, storages[str(key)])
        except (pickle.UnpicklingError, EOFError, KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
            raise WeightsError(f"{path} is not a readable legacy torch checkpoint ({exc!s:.80}); pass a valid .pth file") from exc
    if not isinstance(state, dict) or not all(isinstance(v, _TensorSpec) for v in state.values()):
        raise WeightsError(f"{path} does not hold a plain state dict of tensors; save model.state_dict() instead")
    return {str(name): _materialize(spec) for name, spec in state.items()}
