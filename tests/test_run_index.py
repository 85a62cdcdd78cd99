"""run_index: every run under a folder, addressed by ids, never by client paths."""

from __future__ import annotations

import json
import shutil

import pytest

from tfjourney.errors import RunFolderError
from tfjourney.run_index import find_runs, resolve_run, run_id


def _fake_run(folder, blueprint="classification", created="2026-01-01T10:00:00", metrics=None):
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"blueprint": blueprint, "created": created, "data": {"source": "circles"}}))
    (folder / "metrics.json").write_text(json.dumps(metrics or {"accuracy": 0.9, "baseline_accuracy": 0.5}))
    return folder


def test_finds_runs_recursively_newest_first_and_skips_partial_and_nested(tmp_path):
    _fake_run(tmp_path / "a", created="2026-01-01T10:00:00")
    _fake_run(tmp_path / "journey" / "2026" / "b", blueprint="regression", created="2026-02-01T10:00:00",
              metrics={"mae": 12.5, "baseline_mae": 30.0})
    _fake_run(tmp_path / ".c.partial-xyz")  # a run still being written
    _fake_run(tmp_path / "a" / "explain" / "inner")  # nothing inside a run is another run
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "run.json").write_text("{")
    (tmp_path / "broken" / "metrics.json").write_text("{}")
    rows = find_runs(tmp_path)
    assert [r.relative for r in rows] == ["journey/2026/b", "a"]
    assert rows[0].metric == "mae" and rows[0].value == 12.5 and rows[0].baseline == 30.0
    assert rows[1].metric == "accuracy" and rows[1].data == "circles"
    assert "path" not in rows[0].to_dict()
    assert rows[1].id == run_id("a") and resolve_run(tmp_path, rows[1].id).path == (tmp_path / "a").resolve()


def test_ids_survive_moving_the_whole_folder(tmp_path):
    _fake_run(tmp_path / "one" / "x")
    first = find_runs(tmp_path / "one")[0].id
    shutil.move(tmp_path / "one", tmp_path / "two")
    assert find_runs(tmp_path / "two")[0].id == first


def test_unknown_id_and_missing_folder_are_one_line_errors(tmp_path):
    with pytest.raises(RunFolderError, match="no run with id"):
        resolve_run(tmp_path, "../../etc")
    with pytest.raises(RunFolderError, match="does not exist"):
        find_runs(tmp_path / "nope")
