"""Where the packaged HTML, CSS and JavaScript live (installed with tfjourney via package-data)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

STATIC = Path(str(files("tfjourney.studio") / "static"))
