"""Whole train commands across processes: two workers vs one device, and a killed run resumed.

Multi-process on purpose (a worker pair, a process killed mid-run), kept tiny: a
150-row table, a 4-neuron layer, a few epochs.
"""

from __future__ import annotations

import csv
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tfjourney.cli import main

TINY = ["--hidden", "4", "--batch-size", "16", "--seed", "0"]


def _losses(run: Path, key: str = "loss") -> list[float]:
    with (run / "history.csv").open() as handle:
        return [float(row[key]) for row in csv.DictReader(handle)]


def test_two_workers_match_one_device_and_only_the_chief_writes(small_csv, tmp_path, monkeypatch, capsys):
    data = small_csv(n=150, missing=False)  # 96 training rows: every batch of 16 splits evenly over 2 workers
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    train = ["train", "classification", str(data), "--target", "claim", "--epochs", "4", *TINY]
    assert main(["launch", "--workers", "2", "--timeout", "240", "--", *train, "--out", str(tmp_path / "two")]) == 0
    assert main([*train, "--distribute", "mirrored", "--devices", "1", "--out", str(tmp_path / "one")]) == 0

    two, one = tmp_path / "two", tmp_path / "one"
    record = json.loads((two / "run.json").read_text())
    assert record["distribution"] | {"devices": None} == {
        "strategy": "multiworker", "replicas": 2, "workers": 2, "global_batch_size": 16, "per_replica_batch_size": 8,
        "weights_identical": True, "devices": None}
    for key in ("loss", "val_loss", "accuracy"):
        np.testing.assert_allclose(_losses(two, key), _losses(one, key), atol=1e-4, err_msg=key)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no .partial left
    assert list(scratch.iterdir()) == []  # the worker's own folder and the launcher's logs are gone


def _wait_for_checkpoint(partial: Path, epochs: int, process, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        state = partial / "checkpoint" / "state.json"
        try:
            if json.loads(state.read_text())["epoch"] >= epochs:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"no checkpoint of epoch {epochs} appeared (exit code {process.poll()})")


def test_a_killed_run_resumes_and_finishes_the_same_run_folder(small_csv, tmp_path, capsys):
    data = small_csv(n=2000, missing=False)  # epochs long enough that the kill lands mid-training, not after it
    run = tmp_path / "run"
    train = ["train", "classification", str(data), "--target", "claim", "--epochs", "25", *TINY, "--out", str(run)]

    assert main([*train, "--resume"]) == 2  # nothing to resume yet
    assert "nothing to resume" in capsys.readouterr().err

    process = subprocess.Popen([sys.executable, "-m", "tfjourney.cli", *train], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_checkpoint(tmp_path / ".run.partial", 3, process)
        process.send_signal(signal.SIGTERM)  # a kill in the middle of training
        _, killed_err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert not run.exists() and (tmp_path / ".run.partial" / "checkpoint").is_dir()
    done = json.loads((tmp_path / ".run.partial" / "checkpoint" / "state.json").read_text())["epoch"]
    # the exact command that continues it, on one line
    assert f"tfjourney: interrupted after epoch {done}; to continue from there, run: {shlex.join(['tfjourney', *train, '--resume'])}\n" in killed_err

    changed = [*train[:5], "--epochs", "30", *train[7:], "--resume"]  # patience 30 > epochs: no early stop
    assert main(changed) == 2
    assert "epochs 25 -> 30" in capsys.readouterr().err

    assert main([*train, "--resume"]) == 0
    assert f"resuming after epoch {done} (its checkpoint is in .run.partial)" in capsys.readouterr().out
    with (run / "history.csv").open() as handle:
        epochs = [int(row["epoch"]) for row in csv.DictReader(handle)]
    assert epochs == list(range(25))  # every epoch once, in order
    record = json.loads((run / "run.json").read_text())
    assert record["training"]["resumed_from_epoch"] == done >= 3
    assert not (run / "checkpoint").exists() and not (tmp_path / ".run.partial").exists()
