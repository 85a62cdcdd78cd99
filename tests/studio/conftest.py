"""A small runs folder for the studio (copies of the shared tiny runs), and a live server for the browser tests."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def studio_runs(tmp_path_factory, cnn_run, circles_run) -> Path:
    """runs/ with a journey-like nesting: journey/cnn-run and circles-run (copies; the studio must not touch them)."""
    root = tmp_path_factory.mktemp("studio") / "runs"
    shutil.copytree(cnn_run, root / "journey" / "cnn-run")
    shutil.copytree(circles_run, root / "circles-run")
    return root


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def live_studio(studio_runs):
    """The studio on a free loopback port in a background thread, stopped after the module."""
    import uvicorn

    from tfjourney.studio.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runs_dir=studio_runs), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the studio did not start within 30 s"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
