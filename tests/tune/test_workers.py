"""`tfjourney launch --workers 2 -- tune ...`: two local processes share one SQLite study (write-ahead log)."""

from __future__ import annotations

import io
import json
import sys

import pandas as pd

from tfjourney.launcher import launch


def test_two_local_workers_finish_n_trials_with_unique_numbers(tmp_path, tiny_csv, fast_space, cli_env, monkeypatch, trial_rows):
    monkeypatch.setenv("PYTHONPATH", cli_env["PYTHONPATH"])
    folder = tmp_path / "shared"
    stream = io.StringIO()
    code = launch(["tune", "regression", str(tiny_csv), "--target", "charges", "--trials", "6", "--sampler", "random",
                   "--pruner", "none", "--out", str(folder), *[f"--space={s}" for s in fast_space]],
                  workers=2, stream=stream, err=stream, program=[sys.executable, "-m", "tfjourney.cli"], timeout=400)
    assert code == 0, stream.getvalue()
    rows = trial_rows(folder)
    numbers = [row[0] for row in rows]
    assert len(numbers) == len(set(numbers)) and numbers == list(range(len(numbers)))
    finished = [row for row in rows if row[1] in ("COMPLETE", "PRUNED")]
    assert 6 <= len(finished) <= 7  # each worker checks the count after its own trial: at most one extra
    assert not [row for row in rows if row[1] in ("RUNNING", "FAIL")]
    defaults = pd.read_csv(folder / "trials.csv")["default"]
    assert int(defaults.sum()) == 1  # trial 0 queued once, not once per worker
    summary = json.loads((folder / "study.json").read_text())
    assert summary["best_run"] and "best run folder" in stream.getvalue()
