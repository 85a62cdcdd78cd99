"""Where a study lives: an SQLAlchemy URL (SQLite in the study folder by default, PostgreSQL for a cluster).

SQLite is switched to write-ahead logging, with a long busy timeout, so several local workers
(`tfjourney launch --workers N -- tune ...`) write to one file without "database is locked".
Every storage gets Optuna's heartbeat: a trial whose process died (SIGKILL, a lost machine)
stops beating, is marked failed when the next trial starts, and is queued again.

A URL is only ever shown or recorded through `redact`, which drops the password.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tfjourney.errors import ConfigError

HEARTBEAT_SECONDS = 2  # a running trial writes a heartbeat this often ...
GRACE_SECONDS = 10  # ... and counts as dead once it has been silent this long
SQLITE_BUSY_SECONDS = 60
_CREATE_ATTEMPTS = 5


def redact(url: str) -> str:
    """`url` with its password removed: postgresql://tuner:secret@db:5432/s -> postgresql://tuner@db:5432/s."""
    from sqlalchemy.engine import URL, make_url

    try:
        parsed = make_url(url)
    except Exception:  # not a URL at all: show nothing that could be a secret
        return "<unparsable storage URL>"
    if parsed.password is None:
        return parsed.render_as_string(hide_password=False)
    return URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database,
                      parsed.query).render_as_string(hide_password=False)


def sqlite_url(folder: Path) -> str:
    """The default storage: study.db in the study folder."""
    return f"sqlite:///{(Path(folder) / 'study.db').resolve()}"


def open_storage(url: str):
    """An Optuna RDBStorage on `url` with the heartbeat on; ConfigError naming host:port when it cannot be reached.

    Args:
        url: an SQLAlchemy URL (sqlite:///path, postgresql://user:password@host:port/db, ...).

    Returns:
        The `optuna.storages.RDBStorage`.
    """
    import sqlalchemy.exc
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        raise ConfigError(f"`storage` {redact(url)} is not a database URL; use sqlite:///path/study.db or postgresql://user@host:5432/db.") from None
    url, parsed = _with_installed_driver(url, parsed)
    engine_kwargs = {}
    if parsed.get_backend_name() == "sqlite":
        _sqlite_wal(parsed.database)
        engine_kwargs = {"connect_args": {"timeout": SQLITE_BUSY_SECONDS}}
    else:
        engine_kwargs = {"pool_pre_ping": True, "connect_args": _connect_timeout(parsed.get_backend_name())}
    for attempt in range(_CREATE_ATTEMPTS):
        try:
            return _rdb_storage(url, engine_kwargs)
        except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, sqlalchemy.exc.ProgrammingError,
                sqlalchemy.exc.IntegrityError) as exc:
            if _created_by_another_worker(exc) and attempt + 1 < _CREATE_ATTEMPTS:
                time.sleep(0.5 * (attempt + 1))  # two workers created the tables at once: the next try finds them
                continue
            raise ConfigError(f"cannot reach the study storage at {_where(parsed)} ({_reason(exc, parsed)}); "
                              "check that the database server runs and the URL is right, or drop `storage` to use a local SQLite file.") from None
        except (ImportError, ModuleNotFoundError, sqlalchemy.exc.NoSuchModuleError):
            raise ConfigError(f"no database driver for `storage` {redact(url)}; install it (PostgreSQL: pip install 'psycopg[binary]').") from None


def _rdb_storage(url: str, engine_kwargs: dict):
    import warnings

    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the heartbeat arguments are marked experimental
        return optuna.storages.RDBStorage(
            url, engine_kwargs=engine_kwargs, heartbeat_interval=HEARTBEAT_SECONDS, grace_period=GRACE_SECONDS,
            heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=1),
        )


def _created_by_another_worker(exc: Exception) -> bool:
    text = str(exc).lower()
    return "already exists" in text or "duplicate key" in text or "unique constraint" in text or "database is locked" in text


def _with_installed_driver(url: str, parsed):
    """postgresql:// means psycopg2 to SQLAlchemy; use psycopg (3), the driver tfjourney installs, when psycopg2 is absent."""
    import importlib.util

    if parsed.drivername == "postgresql" and importlib.util.find_spec("psycopg2") is None and importlib.util.find_spec("psycopg"):
        parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed.render_as_string(hide_password=False), parsed
    return url, parsed


def fail_stale_trials(study) -> None:
    """Optuna's check of RUNNING trials whose heartbeat stopped: failed, and queued again (quietly: it is marked experimental)."""
    import warnings

    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optuna.storages.fail_stale_trials(study)


def _connect_timeout(backend: str) -> dict:
    return {"connect_timeout": 10} if backend in ("postgresql", "mysql") else {}


def _sqlite_wal(database: str | None) -> None:
    """Write-ahead logging lets readers and one writer work at once; the setting stays with the file."""
    if not database or database == ":memory:":
        return
    path = Path(database)
    if not path.parent.is_dir():
        raise ConfigError(f"`storage` folder {path.parent} does not exist; create it or choose another sqlite:/// path.")
    with sqlite3.connect(path, timeout=SQLITE_BUSY_SECONDS) as connection:
        connection.execute("PRAGMA journal_mode=WAL")


def _where(parsed) -> str:
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return f"sqlite file {parsed.database}"
    port = parsed.port or {"postgresql": 5432, "mysql": 3306}.get(backend, "default port")
    return f"{backend} {parsed.host or 'localhost'}:{port}"


def _reason(exc: Exception, parsed) -> str:
    """The driver's first line, with the password cut out in case a driver echoes it."""
    text = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(getattr(exc, "orig", exc)).strip() else type(exc).__name__
    if parsed.password:
        text = text.replace(str(parsed.password), "***")
    return text.rstrip(".")
