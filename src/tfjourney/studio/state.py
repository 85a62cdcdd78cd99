"""What the studio keeps between requests, handed to routes through a FastAPI dependency.

The runs folder (every run is looked up by id in a fresh listing of it), live Playground
sessions, uploaded Playground tables, loaded models and explained images, each bounded:
the oldest entry goes when a store is full, so a long session cannot grow without limit.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from fastapi import Request

from tfjourney.errors import RunFolderError
from tfjourney.run_index import RunEntry, resolve_run
from tfjourney.studio.errors import ApiError, plain

T = TypeVar("T")
UPLOAD_LIMIT = 10 * 1024 * 1024  # bytes per uploaded file


class Store(Generic[T]):
    """A small thread-safe LRU mapping: `put` evicts the least recently used entry beyond `size`."""

    def __init__(self, size: int, what: str):
        self.size, self.what = size, what
        self._items: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: str, value: T) -> T:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def get(self, key: str) -> T:
        with self._lock:
            if key not in self._items:
                raise ApiError(404, f"unknown {self.what} {key!r} (the studio keeps the {self.size} most recent); start again from the page.")
            self._items.move_to_end(key)
            return self._items[key]

    def find(self, key: str) -> T | None:
        with self._lock:
            return self._items.get(key)


@dataclass
class StudioState:
    """Shared state of one studio app."""

    runs_dir: Path
    upload_limit: int = UPLOAD_LIMIT
    sessions: Store[Any] = field(default_factory=lambda: Store(8, "Playground session"))
    tables: Store[Any] = field(default_factory=lambda: Store(16, "uploaded CSV"))
    models: Store[Any] = field(default_factory=lambda: Store(3, "loaded model"))
    explanations: Store[Any] = field(default_factory=lambda: Store(8, "explained image"))
    scratch: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tfjourney-studio-")))

    def run(self, run_id: str) -> RunEntry:
        """The run with this id in the runs folder's current listing (404 when there is none)."""
        try:
            return resolve_run(self.runs_dir, run_id)
        except RunFolderError as exc:
            raise ApiError(404, plain(str(exc))) from None

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


def get_state(request: Request) -> StudioState:
    """FastAPI dependency: the app's StudioState."""
    return request.app.state.studio
