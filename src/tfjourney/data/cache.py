"""Where tfjourney keeps what it downloads or converts, so every module agrees on one place."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def cache_root() -> Path:
    """Root of tfjourney's cache, so every module agrees on one place (``$TFJOURNEY_CACHE`` wins)."""
    env = os.environ.get("TFJOURNEY_CACHE")
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("tfjourney"))


def downloads_dir() -> Path:
    """Where downloaded zips are kept, so a second fetch needs no network."""
    return cache_root() / "downloads"
