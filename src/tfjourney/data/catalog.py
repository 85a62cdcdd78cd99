"""Every dataset tfjourney knows, in one listing: embedded tables, embedded images, downloads."""

from __future__ import annotations

from pathlib import Path

from tfjourney.data.download import CATALOG, downloads_dir, fetch_dataset
from tfjourney.data.embedded import EMBEDDED_TABLES
from tfjourney.data.embedded_images import EMBEDDED_IMAGE_DATASETS
from tfjourney.errors import DataError


def list_datasets() -> str:
    """The text `tfjourney datasets` prints."""
    lines = ["Embedded tables (no download; use as DATA for train regression/classification):"]
    lines += [f"  {t.name:<28} {t.task:<11} target={t.target:<12} {t.description}" for t in EMBEDDED_TABLES.values()]
    lines += ["", "Embedded images (no download; use as DATA for train cnn/transfer):"]
    lines += [f"  {name:<28} {description}" for name, description in EMBEDDED_IMAGE_DATASETS.items()]
    lines += ["", f"Downloadable (`tfjourney datasets fetch NAME`; cached in {downloads_dir()}):"]
    lines += [f"  {d.name:<28} {d.description}" for d in CATALOG.values()]
    return "\n".join(lines)


def fetch(name: str | None, dest_dir: Path | None = None, file: Path | None = None) -> Path:
    if not name:
        raise DataError(f"name the dataset to fetch: `tfjourney datasets fetch NAME` with NAME one of: {', '.join(CATALOG)}.")
    if name not in CATALOG:
        raise DataError(f"unknown downloadable dataset {name!r}; choose one of: {', '.join(CATALOG)}.")
    if file is not None and not Path(file).is_file():
        raise DataError(f"--file {file} does not exist; pass the path of the zip you downloaded.")
    return fetch_dataset(name, dest_dir, file=file)
