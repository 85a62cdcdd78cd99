"""Find every run folder under a directory and describe each in one row (the studio's Runs table).

A run is addressed by an id derived from its path *relative to the root*, so a front end can
name runs without ever accepting a path from its client: `resolve_run(root, id)` looks the id
up in a fresh listing and never opens anything outside it.

Example:
    >>> rows = find_runs("runs")                          # doctest: +SKIP
    >>> rows[0].blueprint, rows[0].headline
    ('regression', 'MAE 1,335 — 7.2× better than predicting the mean (9,593), ...')
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from tfjourney.errors import RunFolderError, UnknownRunError
from tfjourney.registry import registration_for
from tfjourney.reports.headline import headline, run_task
from tfjourney.reports.views import dataset_name
from tfjourney.runs import METRICS_FILE, REPORT_FILE, RUN_FILE

MAX_DEPTH = 6  # a journey's runs sit two levels down; a deeper tree is not a runs folder


@dataclass(frozen=True)
class RunEntry:
    """One row of the runs table."""

    id: str
    name: str
    relative: str
    path: Path
    blueprint: str
    kind: dict | None  # the kind of input its runs read: name, what the studio uploads, its Explainer
    task: str | None
    data: str
    created: str
    metric: str | None
    value: float | None
    baseline: float | None
    headline: str
    has_report: bool

    def to_dict(self) -> dict:
        row = asdict(self)
        del row["path"]  # the client never sees or sends a path
        return row


def run_id(relative: str) -> str:
    return hashlib.sha256(relative.encode("utf-8")).hexdigest()[:12]


def _headline_metric(blueprint: str, metrics: dict) -> tuple[str | None, float | None, float | None]:
    """The task's primary metric, its value and its simplest baseline (None when the run has none)."""
    task = run_task(blueprint, metrics)
    if task is None or task.primary_value(metrics) is None:
        return None, None, None
    return task.primary, task.primary_value(metrics), task.first_baseline(metrics)


def _entry(root: Path, folder: Path) -> RunEntry | None:
    try:
        record = json.loads((folder / RUN_FILE).read_text())
        metrics = json.loads((folder / METRICS_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return None  # an unreadable folder is not listed (and so cannot be addressed)
    relative = folder.relative_to(root).as_posix()
    blueprint = str(record.get("blueprint", "?"))
    metric, value, baseline = _headline_metric(blueprint, metrics)
    registration = registration_for(blueprint)
    return RunEntry(
        id=run_id(relative), name=folder.name if relative != "." else root.name, relative=relative, path=folder,
        blueprint=blueprint, kind=registration.input_kind.to_dict() if registration else None,
        task=registration.task if registration else None, data=dataset_name(record), created=str(record.get("created", "")), metric=metric, value=value,
        baseline=baseline, headline=headline(blueprint, metrics), has_report=(folder / REPORT_FILE).is_file(),
    )


def find_runs(root: Path | str) -> list[RunEntry]:
    """Every complete run folder (run.json + metrics.json) under `root`, newest first.

    Hidden folders (a run still being written is a hidden sibling) and symlinks are skipped.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise RunFolderError(f"runs folder {root} does not exist; pass the folder your runs are in (default: runs/).")
    entries = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        depth = len(here.relative_to(root).parts)
        dirs[:] = [] if depth >= MAX_DEPTH else sorted(d for d in dirs if not d.startswith(".") and not (here / d).is_symlink())
        if RUN_FILE in files and METRICS_FILE in files:
            entry = _entry(root, here)
            if entry is not None:
                entries.append(entry)
            dirs[:] = []  # nothing inside a run folder is another run
    return sorted(entries, key=lambda e: e.created, reverse=True)


def resolve_run(root: Path | str, identifier: str) -> RunEntry:
    """The run with this id in a fresh listing of `root`; UnknownRunError when there is none."""
    for entry in find_runs(root):
        if entry.id == identifier:
            return entry
    raise UnknownRunError(f"no run with id {identifier!r} under the studio's runs folder; reload the Runs page to see the current ids.")
