"""Fetch a catalog dataset: downloaded with pooch (retried, with progress), checksummed, safely unzipped.

Downloads go to ``$TFJOURNEY_CACHE/downloads`` (or ``platformdirs.user_cache_dir("tfjourney")/downloads``
when the variable is unset) and are extracted next to the zip.

pooch does the transfer: it streams into a temporary file in the cache folder, renames it only
when complete and retries failed attempts. It does not resume a half-finished transfer (a retry
starts the file again), and its Unzip processor drops unsafe member paths silently instead of
refusing the archive, so extraction stays here: every member is checked before anything is written.

Checksums -- trust on first use (TOFU)
--------------------------------------
The course's zips live on a public bucket we could not reach when the catalog was written, so
their SHA-256 digests are *not* pinned (``sha256=None``). For such entries the first successful
download records its digest in a ``<file>.sha256`` sidecar next to the zip; every later use
re-verifies the zip against that sidecar, so a file that is swapped or corrupted afterwards is
caught. A catalog entry (or ``download_file`` call) that does carry a ``sha256`` is verified
strictly, on the first download too.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import zipfile
from pathlib import Path, PurePosixPath

import pooch

from tfjourney.data.cache import downloads_dir
from tfjourney.data.catalog import CATALOG, RemoteDataset
from tfjourney.errors import DataError, DownloadError
from tfjourney.progress import Phase, Progress, format_duration, per_second

__all__ = ["ChecksumError", "TransferError", "fetch_dataset", "download_file", "safe_extract"]

_CHUNK = 1 << 16


class ChecksumError(DownloadError):
    """A file's SHA-256 differs from its pinned or recorded digest (the bad file was deleted)."""


class TransferError(DownloadError):
    """A transfer failed for good (retries used up); ``reason`` is the bare cause, to rephrase it."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _sidecar(path: Path) -> Path:
    """The ``<file>.sha256`` file that remembers a trusted-on-first-use digest."""
    return path.with_name(path.name + ".sha256")


def _read_sidecar(path: Path) -> str | None:
    """The digest recorded for ``path`` on its first download, if any."""
    side = _sidecar(path)
    if not side.is_file():
        return None
    text = side.read_text(encoding="utf-8").split()
    return text[0].lower() if text else None


def _write_sidecar(path: Path, digest: str) -> None:
    """Record ``digest`` next to ``path`` (``sha256sum`` format) for later verification."""
    tmp = _sidecar(path).with_suffix(".sha256.tmp")
    tmp.write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    os.replace(tmp, _sidecar(path))


def _verify(path: Path, expected: str | None, url: str) -> None:
    """Check ``path`` against the pinned digest or its TOFU sidecar; delete it on mismatch."""
    expected = (expected or _read_sidecar(path) or "").lower() or None
    got = pooch.file_hash(str(path), alg="sha256")
    if expected is None:
        _write_sidecar(path, got)
        return
    if got != expected:
        path.unlink(missing_ok=True)
        _sidecar(path).unlink(missing_ok=True)
        raise ChecksumError(
            f"checksum mismatch for {path.name} from {url}: expected sha256 {expected}, got {got}; "
            "the bad file was deleted. Run the command again to re-download it, or if the file "
            "changed upstream on purpose, update the sha256 in the catalog."
        )


def _failure_reason(exc: Exception) -> str:
    """The bare cause of a failed transfer, short enough for a one-line message."""
    import requests

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code} {exc.response.reason}"
    if isinstance(exc, requests.Timeout):
        return "the connection timed out"
    errno = re.search(r"\[Errno -?\d+\] ([^'\")]+)", str(exc))
    if errno:
        return errno.group(1).strip()
    return type(exc).__name__


def _transfer(url: str, dest: Path, retries: int, timeout: float, phase: Phase | None) -> None:
    """pooch's fetch into ``dest`` (temporary file, then renamed); its errors as one-line TransferErrors."""
    import requests

    fetcher = pooch.create(path=dest.parent, base_url="", registry={dest.name: None}, urls={dest.name: url},
                           retry_if_failed=max(0, retries - 1))
    downloader = pooch.HTTPDownloader(progressbar=phase or False, chunk_size=_CHUNK, timeout=timeout,
                                      headers={"User-Agent": "tfjourney"})
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)  # our own one-line messages say what happens
    try:
        fetcher.fetch(dest.name, downloader=downloader)
    except requests.RequestException as exc:
        reason = _failure_reason(exc)
        raise TransferError(
            f"could not download {dest.name} from {url}: {reason}. Check your internet "
            f"connection, or download the file yourself and place it at {dest}.",
            reason=reason,
        ) from None
    finally:
        logger.setLevel(level)


def download_file(
    url: str,
    dest: Path,
    *,
    sha256: str | None = None,
    progress: Progress | None = None,
    retries: int = 3,
    timeout: float = 30,
) -> Path:
    """Download ``url`` to ``dest`` and verify it; reuse an existing file that still verifies.

    Args:
        url: where the file lives (http or https).
        dest: the file to write; its folder is created.
        sha256: the pinned digest, or None to trust the first download and record its digest.
        progress: where to show the transfer (default: nowhere); ``Progress.for_stream()`` on a terminal.
        retries: attempts in all (pooch waits 1 s, 2 s, ... between them).
        timeout: seconds to wait for the server before an attempt fails.

    Returns:
        ``dest``.
    """
    dest = Path(dest)
    if not dest.is_file():
        progress = progress or Progress.silent()
        with progress.phase(f"downloading {dest.name}", unit="B") as phase:
            _transfer(url, dest, retries, timeout, phase if progress.enabled else None)
            size = dest.stat().st_size
            phase.done(f"downloaded {dest.name} ({size / 1024**2:,.1f} MB) in {format_duration(phase.elapsed)}")
    _verify(dest, sha256, url)
    return dest


def _member_target(dest: Path, name: str) -> Path | None:
    """Where a zip member may be written, or None to skip it; refuse paths escaping ``dest``."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.parts and pure.parts[0] == "__MACOSX" or any(p == ".DS_Store" for p in pure.parts):
        return None
    if pure.is_absolute() or (pure.parts and ":" in pure.parts[0]) or ".." in pure.parts:
        raise DownloadError(
            f"refusing to extract zip member {name!r}: its path escapes the destination folder "
            "(zip-slip). The archive is unsafe; download it again from a trusted source."
        )
    target = (dest / Path(*pure.parts)).resolve() if pure.parts else dest
    if target != dest and dest not in target.parents:
        raise DownloadError(
            f"refusing to extract zip member {name!r}: it resolves outside {dest} (zip-slip). "
            "The archive is unsafe; download it again from a trusted source."
        )
    return target


def _extracted_root(dest: Path, names: list[str]) -> Path:
    """The zip's single top-level folder when it has one, else ``dest``."""
    tops = {PurePosixPath(n.replace("\\", "/")).parts[0] for n in names if n.strip("/")}
    tops.discard("__MACOSX")
    if len(tops) == 1:
        top = dest / tops.pop()
        if top.is_dir():
            return top
    return dest


def safe_extract(zip_path: str | os.PathLike, dest_dir: str | os.PathLike, progress: Progress | None = None) -> Path:
    """Unzip without zip-slip (every member checked before anything is written); returns the root.

    ``progress`` shows the extraction (default: nothing is shown).
    """
    zip_path, dest = Path(zip_path), Path(dest_dir).resolve()
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DownloadError(
            f"{zip_path} is not a readable zip file ({exc}). Delete it and download it again."
        ) from exc
    with archive:
        infos = archive.infolist()
        plan = [(info, _member_target(dest, info.filename)) for info in infos]
        dest.mkdir(parents=True, exist_ok=True)
        files = sum(1 for info, target in plan if target is not None and not info.is_dir())
        with (progress or Progress.silent()).phase(f"extracting {zip_path.name}", total=files, unit="files") as phase:
            for info, target in plan:
                _extract_member(archive, info, target, phase)
            phase.done(per_second("extracted", files, "files", phase.elapsed))
        return _extracted_root(dest, [i.filename for i in infos])


def _extract_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path | None, phase: Phase) -> None:
    """Write one checked member (folders too); skipped members have no target."""
    if target is None:
        return
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(info) as src, open(target, "wb") as out:
        shutil.copyfileobj(src, out, _CHUNK)
    phase.update()


def _resolve(name: str | None, catalog: dict[str, RemoteDataset]) -> RemoteDataset:
    """Catalog entry for ``name`` or a DataError listing what exists."""
    if not name:
        raise DataError(f"name the dataset to fetch: `tfjourney datasets fetch NAME` with NAME one of: {', '.join(catalog)}.")
    if name not in catalog:
        raise DataError(
            f"unknown dataset {name!r}; available: {', '.join(sorted(catalog))}. "
            "Pass one of those names, or point the command at your own image folder."
        )
    return catalog[name]


def fetch_dataset(
    name: str | None,
    dest_dir: str | os.PathLike | None = None,
    *,
    catalog: dict[str, RemoteDataset] = CATALOG,
    progress: Progress | None = None,
    retries: int = 3,
    timeout: float = 30,
    file: str | os.PathLike | None = None,
) -> Path:
    """Download (cached), verify and safely extract a catalog dataset.

    Args:
        name: a catalog name, e.g. "pizza_steak" (`tfjourney datasets` lists them).
        dest_dir: where the zip and the extracted folder go (default: the download cache).
        catalog: the datasets to choose from (tests pass their own).
        progress: where to show the download (default: nowhere).
        retries: download attempts in all.
        timeout: seconds to wait for the server per attempt.
        file: a zip you downloaded yourself; it replaces any cached copy and needs no network.

    Returns:
        The extracted dataset folder, ``dest_dir/name``.
    """
    entry = _resolve(name, catalog)
    if file is not None and not Path(file).is_file():
        raise DataError(f"`file` {file} does not exist; pass the path of the zip you downloaded.")
    root = Path(dest_dir) if dest_dir is not None else downloads_dir()
    zip_path = root / f"{entry.name}.zip"
    extract_to = root / entry.name
    done_marker = extract_to / ".tfjourney-extracted"
    if file is not None:  # the user vouches for this zip: it replaces any cached copy and its recorded digest
        _copy_in(Path(file), zip_path)
        _sidecar(zip_path).unlink(missing_ok=True)
        done_marker.unlink(missing_ok=True)
    try:
        download_file(
            entry.url,
            zip_path,
            sha256=entry.sha256,
            progress=progress,
            retries=retries,
            timeout=timeout,
        )
    except ChecksumError:
        raise
    except DownloadError as exc:
        raise DownloadError(
            f"could not download {entry.name} from {entry.url}: {_reason(exc)}. Check your internet "
            f"connection, or download the zip yourself and pass its path as `file` (or place it at {zip_path})."
        ) from exc
    if done_marker.is_file():
        return extract_to
    try:
        return _extract_once(zip_path, extract_to, trusted_digest=entry.sha256 is not None, progress=progress)
    except DownloadError:
        if file is None:
            raise
        raise DownloadError(f"`file` {file} is not a readable zip file; pass the zip of {entry.name} as downloaded from {entry.url}.") from None


def _extract_once(zip_path: Path, extract_to: Path, trusted_digest: bool, progress: Progress | None) -> Path:
    """Unzip to a hidden sibling, then move the dataset's own folder to `extract_to`.

    Course zips hold one top-level folder (``pizza_steak/train/...``); moving that folder
    up means ``fetch pizza_steak --dir data`` gives ``data/pizza_steak``, not a folder twice.
    """
    staging = extract_to.with_name(f".{extract_to.name}.extracting")
    for leftover in (staging, extract_to):
        if leftover.exists():
            shutil.rmtree(leftover)  # a half-finished earlier extraction
    try:
        root = safe_extract(zip_path, staging, progress)
    except DownloadError:
        if not trusted_digest:  # never keep trusting the digest of a zip that does not even open
            zip_path.unlink(missing_ok=True)
            _sidecar(zip_path).unlink(missing_ok=True)
        raise
    os.replace(root, extract_to)
    shutil.rmtree(staging, ignore_errors=True)
    (extract_to / ".tfjourney-extracted").write_text("complete\n", encoding="utf-8")
    return extract_to


def _copy_in(src: Path, zip_path: Path) -> None:
    """Copy a user-supplied zip into the cache atomically."""
    if not src.is_file():
        raise DownloadError(f"`file` {src} does not exist; pass the path of the downloaded zip.")
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = zip_path.with_name(zip_path.name + ".copy")
    shutil.copyfile(src, tmp)
    os.replace(tmp, zip_path)


def _reason(exc: DownloadError) -> str:
    """The bare reason inside a download_file error, to rephrase it for a named dataset."""
    return exc.reason if isinstance(exc, TransferError) else str(exc).rstrip(".")
