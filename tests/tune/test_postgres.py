"""Two workers on one study in a real PostgreSQL server, which the test starts in a temporary folder and stops.

Uses Debian's `postgresql` binaries (initdb, pg_ctl under /usr/lib/postgresql/*/bin). Skipped when they are
missing, unless TFJOURNEY_REQUIRE_POSTGRES=1 (CI sets it: `.ci/run` installs the package).
"""

from __future__ import annotations

import glob
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tfjourney.launcher import launch

pytestmark = pytest.mark.postgres
PASSWORD = "tune-s3cret-pw"


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    """initdb refuses root: run the server as the `postgres` user when the test runs as root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@pytest.fixture(scope="module")
def postgres_url():
    bin_dir = _postgres_bin()
    if bin_dir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        if os.environ.get("TFJOURNEY_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin; apt-get install postgresql")
        pytest.skip("no PostgreSQL binaries (apt-get install postgresql); set TFJOURNEY_REQUIRE_POSTGRES=1 to require them")
    root = Path(tempfile.mkdtemp(prefix="tfjourney-pg-"))  # not under pytest's root-only folder: the server user must reach it
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    try:
        _run(_as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", "tuner", "--auth=trust", "-E", "UTF8"]))
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "-t", "60", "start"]))
        try:
            _run(_as_owner([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "tuner", "studies"]))
            yield f"postgresql://tuner:{PASSWORD}@127.0.0.1:{port}/studies"  # trust auth: the password is only there to be hidden
        finally:
            subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]), capture_output=True, timeout=120)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{command[-3:]} failed: {done.stdout[-500:]} {done.stderr[-500:]}"


def test_two_workers_share_one_postgres_study_and_no_password_is_written(postgres_url, tmp_path, tiny_csv, fast_space, cli_env, monkeypatch):
    import optuna

    monkeypatch.setenv("PYTHONPATH", cli_env["PYTHONPATH"])
    folder = tmp_path / "pg-study"
    stream = io.StringIO()
    code = launch(["tune", "regression", str(tiny_csv), "--target", "charges", "--trials", "4", "--sampler", "random",
                   "--pruner", "none", "--study", "pg-insurance", "--storage", postgres_url, "--out", str(folder),
                   *[f"--space={s}" for s in fast_space]],
                  workers=2, stream=stream, err=stream, program=[sys.executable, "-m", "tfjourney.cli"], timeout=400)
    assert code == 0, stream.getvalue()
    study = optuna.load_study(study_name="pg-insurance", storage=postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    numbers = [t.number for t in study.trials]
    assert numbers == list(range(len(numbers)))
    finished = [t for t in study.trials if t.state.is_finished() and t.state.name != "FAIL"]
    assert 4 <= len(finished) <= 5
    assert not (folder / "study.db").exists()  # the study lives in the server
    summary = json.loads((folder / "study.json").read_text())
    assert summary["storage"].startswith("postgresql") and "127.0.0.1" in summary["storage"]
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".html", ".csv", ".txt", ".log"):
            assert PASSWORD not in path.read_text(errors="replace"), path
    assert PASSWORD not in stream.getvalue()
    run = json.loads(next(folder.glob("best-trial-*/run.json")).read_text())
    assert run["study"]["name"] == "pg-insurance" and PASSWORD not in json.dumps(run)
