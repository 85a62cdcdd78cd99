"""The run folder: the one output format every command reads and writes.

A run is written to a hidden temporary sibling and renamed into place only when it
is complete, so an interrupted or failed run never leaves a folder that looks
finished; an existing folder is replaced only with `overwrite=True`.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shutil
import sys
import tempfile
import warnings
import dataclasses
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from tfjourney.errors import RunFolderError

RUN_FILE = "run.json"
METRICS_FILE = "metrics.json"
MODEL_FILE = "model.keras"
HISTORY_FILE = "history.csv"  # one row per epoch, every phase
CLASSES_FILE = "classes.json"  # an image run's class names, in label order
TEST_PREDICTIONS_FILE = "test_predictions.csv"  # an image run's per-image test predictions
REPORT_FILE = "report.html"  # the self-contained report (tfjourney.reports writes it)
REQUIRED_FILES = (RUN_FILE, METRICS_FILE)
_PACKAGES = ("tfjourney", "tensorflow-cpu", "tensorflow", "keras", "numpy", "pandas", "scikit-learn")


def default_run_dir(blueprint: str, root: Path | str = "runs") -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = Path(root) / f"{blueprint}-{stamp}"
    suffix = 1
    while candidate.exists():
        suffix += 1
        candidate = Path(root) / f"{blueprint}-{stamp}-{suffix}"
    return candidate


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def is_run_folder(path: Path | str) -> bool:
    return (Path(path) / RUN_FILE).is_file()


def check_can_write(run_dir: Path, overwrite: bool) -> None:
    """Fail before any training if the destination holds something we must not replace.

    `--overwrite` replaces only a previous *run folder* (one with run.json), never a
    folder of the user's own files, and never the folder the user is working in.
    """
    run_dir = Path(run_dir)
    if not run_dir.exists():
        return
    if not run_dir.is_dir():
        raise RunFolderError(f"{run_dir} exists and is not a folder; choose another `out`.")
    if not overwrite:
        raise RunFolderError(f"{run_dir} already exists; pass `overwrite` to replace it, or choose another `out`.")
    here = Path.cwd().resolve()
    if run_dir.resolve() == here or run_dir.resolve() in here.parents:
        raise RunFolderError(f"{run_dir} is the current folder (or holds it), which `overwrite` will not replace; choose another `out`.")
    if any(run_dir.iterdir()) and not is_run_folder(run_dir):
        raise RunFolderError(
            f"{run_dir} exists and is not a tfjourney run folder (no {RUN_FILE}); `overwrite` only replaces runs, "
            f"so choose another `out`."
        )


PARTIAL_SUFFIX = ".partial"
CHECKPOINT_DIR = "checkpoint"  # the epoch checkpoint inside the in-progress folder (training/checkpoint.py)


def partial_dir(run_dir: Path | str) -> Path:
    """The hidden in-progress folder of `run_dir`: `.NAME.partial` beside it, the same for the same --out."""
    target = Path(os.path.abspath(run_dir))
    return target.with_name(f".{target.name}{PARTIAL_SUFFIX}")


def finished_name(folder: Path | str) -> str:
    """The run folder's name, for the folder itself or for its in-progress `.NAME.partial` sibling."""
    name = Path(os.path.abspath(folder)).name
    if name.startswith(".") and name.endswith(PARTIAL_SUFFIX):
        return name[1 : -len(PARTIAL_SUFFIX)]
    return name


def has_checkpoint(folder: Path) -> bool:
    return (folder / CHECKPOINT_DIR).is_dir() or (folder / f"{CHECKPOINT_DIR}.old").is_dir()


def resumable_run_dir(blueprint: str, root: Path | str = "runs") -> Path:
    """Where `--resume` without `--out` continues: the newest unfinished `runs/<blueprint>-*` with a checkpoint."""
    candidates = sorted(
        (p for p in Path(root).glob(f".{blueprint}-*{PARTIAL_SUFFIX}") if has_checkpoint(p)), key=lambda p: p.stat().st_mtime
    )
    if not candidates:
        raise RunFolderError(f"`resume`: there is no unfinished {blueprint} run in {root}/ to resume; run without `resume` to start one.")
    return candidates[-1].with_name(finished_name(candidates[-1]))


class _FolderLock:
    """An exclusive advisory lock (flock) on `.NAME.lock` beside a run folder, held while one command writes it.

    The lock file is removed on release; an acquirer that locked a file someone had just removed
    (another inode than the path now names) tries again, so two commands never both hold it.
    Where `fcntl` does not exist (Windows) there is no lock.
    """

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """True once held; False when another process holds it."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return True
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return False
            try:
                if os.fstat(fd).st_ino == os.stat(self.path).st_ino:
                    self._fd = fd
                    os.write(fd, f"{os.getpid()}\n".encode())
                    return True
            except FileNotFoundError:
                pass
            os.close(fd)  # the holder removed this file as we locked it: lock the new one

    def release(self) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)  # closing drops the flock
            self._fd = None


class RunWriter:
    """Context manager: `with RunWriter(dir) as staging:` write into `staging`, renamed on success.

    `staging` is the hidden `.NAME.partial` beside the run folder. If training fails or is
    interrupted after an epoch checkpoint was saved there, the folder is kept so that
    `resume=True` (`--resume`) continues it; otherwise it is removed.

    Who writes is decided here, once: a process that is not the chief of a multi-worker
    cluster (`chief=False`) writes into a private temporary folder that is always removed,
    and never touches the run folder. The chief holds an exclusive lock on the run folder while it
    writes, so a second command with the same `out` stops with one line instead of mixing files.
    """

    def __init__(self, run_dir: Path | str, overwrite: bool = False, *, resume: bool = False, chief: bool = True):
        self.run_dir = Path(run_dir)
        self.target = Path(os.path.abspath(self.run_dir))  # "." has no name; its absolute form does
        self.overwrite = overwrite
        self.resume = resume
        self.chief = chief
        self.partial = partial_dir(self.run_dir)
        if chief:
            check_can_write(self.run_dir, overwrite)
        if resume and not has_checkpoint(self.partial):
            raise RunFolderError(
                f"`resume`: there is nothing to resume for {self.run_dir} (no checkpoint in {self.partial}); "
                "run without `resume` to start it."
            )
        self.staging: Path | None = None
        self.created_parent = False
        self._worker_run: Run | None = None
        self._lock = _FolderLock(self.target.with_name(f".{self.target.name}.lock"))

    def finished_run(self) -> "Run":
        """The run just written: the run folder, or (on a worker that is not the chief) its results in memory."""
        return self._worker_run if self._worker_run is not None else load_run(self.run_dir)

    def __enter__(self) -> Path:
        if not self.chief:
            self.staging = Path(tempfile.mkdtemp(prefix="tfjourney-worker-"))
            (self.staging / "plots").mkdir()
            return self.staging
        parent = self.target.parent
        try:
            self.created_parent = not parent.exists()
            parent.mkdir(parents=True, exist_ok=True)
            if not self._lock.acquire():
                raise RunFolderError(f"another command is writing the run folder {self.run_dir} now (it holds {self._lock.path.name}); "
                                     "wait for it to finish, or choose another `out`.")
            if self.partial.exists() and not self.resume:
                shutil.rmtree(self.partial)  # an earlier attempt that was not resumed: start over
            self.partial.mkdir(exist_ok=self.resume)
        except OSError as exc:
            self._lock.release()
            raise RunFolderError(f"cannot write the run folder {self.run_dir} ({exc.strerror or exc}); choose another `out`.") from None
        self.staging = self.partial
        (self.staging / "plots").mkdir(exist_ok=True)
        return self.staging

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self._finish(exc_type, exc)
        finally:
            self._lock.release()

    def _finish(self, exc_type, exc=None) -> None:
        assert self.staging is not None
        if not self.chief:
            if exc_type is None and is_run_folder(self.staging):
                self._worker_run = load_run(self.staging)
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        if exc_type is not None:
            if has_checkpoint(self.staging) and exc is not None:
                exc.tfjourney_resumable = self.target  # the CLI prints the command that continues it
            if not has_checkpoint(self.staging):
                shutil.rmtree(self.staging, ignore_errors=True)
                self._lock.release()
                if self.created_parent and not any(self.target.parent.iterdir()):
                    self.target.parent.rmdir()
            return
        check_can_write(self.run_dir, self.overwrite)
        for leftover in (CHECKPOINT_DIR, f"{CHECKPOINT_DIR}.old", f"{CHECKPOINT_DIR}.tmp"):
            shutil.rmtree(self.staging / leftover, ignore_errors=True)  # a finished run needs no checkpoint
        if self.target.exists():
            trash = self.target.with_name(f".{self.target.name}.replaced-{os.getpid()}")
            self.target.rename(trash)
            self.staging.rename(self.target)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            self.staging.rename(self.target)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, default=_json_default) + "\n")


def _json_default(value: Any):
    if hasattr(value, "tolist"):  # NumPy arrays and scalars (an array's .item() fails for size > 1)
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (Path, tuple, set)):
        return str(value) if isinstance(value, Path) else list(value)
    raise TypeError(f"cannot store {type(value).__name__} in JSON")


def new_run_record(blueprint: str, config: Any, seed: int, data: dict, command: list[str] | None) -> dict:
    """run.json's content; `config` (a blueprint config, or a dict) is stored as a plain dict."""
    if dataclasses.is_dataclass(config):
        config = dataclasses.asdict(config)
    return {
        "blueprint": blueprint,
        "command": command if command is not None else [Path(sys.argv[0]).name, *sys.argv[1:]],
        "created": _dt.datetime.now().isoformat(timespec="seconds"),
        "seed": seed,
        "config": config,
        "data": data,
        "versions": package_versions(),
        "timings": {},
    }


@dataclass
class Run:
    """A finished run folder, read back."""

    path: Path
    record: dict
    metrics: dict

    @property
    def blueprint(self) -> str:
        return self.record["blueprint"]

    @property
    def model_path(self) -> Path:
        return self.path / MODEL_FILE

    def load_model(self):
        import keras

        import tfjourney.models  # noqa: F401  (registers tfjourney's layers)

        if not self.model_path.is_file():
            raise RunFolderError(f"{self.model_path} is missing; re-run training to recreate the model.")
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="When providing `inputs` as a dict")  # see models/tabular.py
            return keras.saving.load_model(self.model_path)


def load_run(path: Path | str, expect: tuple[str, ...] | None = None) -> Run:
    """Read a run folder; `expect` names the blueprints the caller can handle."""
    path = Path(path)
    if not path.is_dir():
        raise RunFolderError(f"run folder {path} does not exist; pass the folder a `tfjourney train ...` command wrote.")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise RunFolderError(f"{path} is not a tfjourney run folder (missing {', '.join(missing)}); pass a folder written by `tfjourney train`.")
    try:
        record = json.loads((path / RUN_FILE).read_text())
        metrics = json.loads((path / METRICS_FILE).read_text())
    except json.JSONDecodeError as exc:
        raise RunFolderError(f"{path} has a damaged JSON file ({exc}); re-run training to recreate it.") from None
    run = Run(path, record, metrics)
    if expect and run.blueprint not in expect:
        raise RunFolderError(f"{path} is a {run.blueprint} run; this command needs a {' or '.join(expect)} run.")
    return run
