"""Every study folder under a root (a folder holding study.json), for the studio's Runs page.

Example:
    >>> [entry.name for entry in find_studies("runs")]
    ['regression-insurance']
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tfjourney.run_index import run_id
from tfjourney.runs import REPORT_FILE

STUDY_FILE = "study.json"


@dataclass(frozen=True)
class StudyEntry:
    """One study folder: what the Runs page shows, addressed by an id (never a path)."""

    id: str
    name: str
    relative: str
    path: Path
    blueprint: str
    metric: str
    best_value: float | None
    default_value: float | None
    best_trial: int | None
    trials: dict
    best_run: str | None  # relative to the root
    has_report: bool

    def to_dict(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if key != "path"}


def find_studies(root: Path | str) -> list[StudyEntry]:
    """Every study folder (study.json) under `root`, by name; hidden folders and symlinks are skipped."""
    root = Path(root).resolve()
    if not root.is_dir():
        return []
    entries = []
    for path in sorted(root.rglob(STUDY_FILE)):
        folder = path.parent
        relative = folder.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or folder.is_symlink():
            continue
        entry = _entry(root, folder, relative.as_posix())
        if entry is not None:
            entries.append(entry)
    return sorted(entries, key=lambda e: e.name)


def _entry(root: Path, folder: Path, relative: str) -> StudyEntry | None:
    try:
        summary = json.loads((folder / STUDY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    best_run = summary.get("best_run")
    best_run_relative = None
    if best_run:
        candidate = (folder / Path(best_run).name).resolve()
        if candidate.is_dir() and root in candidate.parents:
            best_run_relative = candidate.relative_to(root).as_posix()
    return StudyEntry(
        id=run_id("study:" + relative), name=str(summary.get("study", folder.name)), relative=relative, path=folder,
        blueprint=str(summary.get("blueprint", "")), metric=str(summary.get("metric", "")),
        best_value=summary.get("best_value"), default_value=summary.get("default_value"), best_trial=summary.get("best_trial"),
        trials=summary.get("trials", {}), best_run=best_run_relative, has_report=(folder / REPORT_FILE).is_file(),
    )
