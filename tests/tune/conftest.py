"""Tiny tables and a fast search space for the tune tests (seconds per trial, not minutes)."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest

# Every trial trains a few epochs of a small network: the tests check the study's behaviour, not the scores.
FAST_SPACE = ("epochs=4", "patience=2", "hidden=8:16x1:2", "loss=mae", "batch_size=32", "activation=relu,tanh")


@pytest.fixture(scope="session")
def fast_space() -> tuple[str, ...]:
    return FAST_SPACE


@pytest.fixture(scope="session")
def tiny_csv(tmp_path_factory, frame_maker) -> Path:
    """An insurance-like table of 160 rows (charges is the regression target)."""
    path = tmp_path_factory.mktemp("tune-data") / "insurance.csv"
    frame_maker(n=160, seed=3, missing=False).to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def cli_command():
    """`tfjourney ARGS` as a subprocess command line: this interpreter, this checkout's sources."""
    def command(*args: str) -> list[str]:
        return [sys.executable, "-m", "tfjourney.cli", *map(str, args)]

    return command


@pytest.fixture(scope="session")
def cli_env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""), "TF_CPP_MIN_LOG_LEVEL": "2"}


@pytest.fixture(scope="session")
def trial_rows():
    """(number, state, value, datetime_complete) of every trial in a study folder's SQLite file."""
    def rows(folder: Path) -> list[tuple]:
        with sqlite3.connect(Path(folder) / "study.db", timeout=30) as connection:
            return connection.execute("SELECT number, state, value, datetime_complete FROM trials "
                                      "LEFT JOIN trial_values USING (trial_id) ORDER BY number").fetchall()

    return rows
