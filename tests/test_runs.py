"""The run folder is written atomically: complete, or not there at all."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tfjourney.errors import RunFolderError
from tfjourney.runs import RunWriter, default_run_dir, load_run, new_run_record, package_versions, write_json


def _siblings(folder):
    return sorted(p.name for p in folder.iterdir())


def _write_minimal(staging, blueprint="regression"):
    write_json(staging / "run.json", {"blueprint": blueprint, "config": {}})
    write_json(staging / "metrics.json", {"mae": 1.0})


def test_success_renames_staging_into_place(tmp_path, no_partials):
    run_dir = tmp_path / "run"
    with RunWriter(run_dir) as staging:
        assert staging.parent == tmp_path and staging.name == ".run.partial"
        assert (staging / "plots").is_dir()
        assert not run_dir.exists()  # nothing visible until the block finishes
        _write_minimal(staging)
    assert _siblings(tmp_path) == ["run"]
    assert load_run(run_dir).metrics == {"mae": 1.0}
    no_partials(tmp_path)


def test_exception_leaves_no_folder_and_no_partial_sibling(tmp_path, no_partials):
    run_dir = tmp_path / "run"
    with pytest.raises(RuntimeError, match="boom"):
        with RunWriter(run_dir) as staging:
            _write_minimal(staging)
            raise RuntimeError("boom")
    assert not run_dir.exists()
    assert _siblings(tmp_path) == []
    no_partials(tmp_path)


def test_keyboard_interrupt_also_cleans_up(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with RunWriter(tmp_path / "run") as staging:
            _write_minimal(staging)
            raise KeyboardInterrupt
    assert _siblings(tmp_path) == []


def test_existing_folder_refused_without_overwrite(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "keep.txt").write_text("mine")
    with pytest.raises(RunFolderError, match="pass `overwrite` to replace it, or choose another `out`"):
        RunWriter(run_dir)
    assert (run_dir / "keep.txt").read_text() == "mine"
    assert _siblings(tmp_path) == ["run"]


def test_overwrite_replaces_the_folder(tmp_path, no_partials):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "run.json").write_text("{}")  # a previous run
    (run_dir / "old.txt").write_text("old")
    with RunWriter(run_dir, overwrite=True) as staging:
        _write_minimal(staging)
    assert not (run_dir / "old.txt").exists() and (run_dir / "run.json").is_file()
    assert _siblings(tmp_path) == ["run"]
    no_partials(tmp_path)


def test_failed_overwrite_keeps_the_old_folder(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "run.json").write_text("{}")
    (run_dir / "old.txt").write_text("old")
    with pytest.raises(ValueError):
        with RunWriter(run_dir, overwrite=True):
            raise ValueError("training diverged")
    assert (run_dir / "old.txt").read_text() == "old"
    assert _siblings(tmp_path) == ["run"]


def test_a_file_in_the_way_is_refused(tmp_path):
    path = tmp_path / "run"
    path.write_text("x")
    with pytest.raises(RunFolderError, match="not a folder"):
        RunWriter(path, overwrite=True)


def test_load_run_errors(tmp_path):
    with pytest.raises(RunFolderError, match="does not exist"):
        load_run(tmp_path / "missing")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "run.json").write_text("{}")
    with pytest.raises(RunFolderError, match="missing metrics.json"):
        load_run(tmp_path / "half")
    (tmp_path / "half" / "metrics.json").write_text("{not json")
    with pytest.raises(RunFolderError, match="damaged JSON"):
        load_run(tmp_path / "half")
    with RunWriter(tmp_path / "cnn") as staging:
        _write_minimal(staging, blueprint="cnn")
    with pytest.raises(RunFolderError, match="cnn run"):
        load_run(tmp_path / "cnn", expect=("regression", "classification"))


def test_write_json_handles_numpy_and_paths(tmp_path):
    write_json(tmp_path / "x.json", {"a": np.float32(1.5), "b": np.arange(3), "c": tmp_path, "d": (1, 2)})
    data = json.loads((tmp_path / "x.json").read_text())
    assert data == {"a": 1.5, "b": [0, 1, 2], "c": str(tmp_path), "d": [1, 2]}


def test_default_run_dir_never_reuses_a_folder(tmp_path):
    first = default_run_dir("regression", tmp_path)
    first.mkdir()
    second = default_run_dir("regression", tmp_path)
    assert second != first and second.name.startswith("regression-")


def test_run_record_has_versions_and_command():
    record = new_run_record("regression", {"loss": "mae"}, 3, {"fingerprint": "sha256:x"}, ["tfjourney", "train"])
    assert record["command"] == ["tfjourney", "train"] and record["seed"] == 3
    versions = package_versions()
    assert {"python", "keras", "numpy", "pandas"} <= set(versions)
    assert record["versions"] == versions


def test_overwrite_never_replaces_a_folder_of_user_files(tmp_path):
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter1.txt").write_text("months of work")
    with pytest.raises(RunFolderError, match="not a tfjourney run folder"):
        RunWriter(folder, overwrite=True)
    assert (folder / "chapter1.txt").read_text() == "months of work"


def test_overwrite_never_replaces_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "run.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RunFolderError, match="current folder"):
        RunWriter(".", overwrite=True)


def test_an_unwritable_destination_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RunFolderError, match="cannot write the run folder"):
        with RunWriter(blocker / "sub" / "run"):
            pass


def test_run_folders_are_readable_by_others(tmp_path):
    with RunWriter(tmp_path / "run") as staging:
        _write_minimal(staging)
    assert (tmp_path / "run").stat().st_mode & 0o055 == 0o055 & ~_umask_for_test()


def _umask_for_test() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_an_interrupted_run_keeps_its_checkpoint_for_resume(tmp_path):
    from tfjourney.runs import resumable_run_dir

    run_dir = tmp_path / "runs" / "cnn-20260101-000000"
    with pytest.raises(KeyboardInterrupt):
        with RunWriter(run_dir) as staging:
            (staging / "checkpoint").mkdir()
            raise KeyboardInterrupt
    assert not run_dir.exists() and (tmp_path / "runs" / ".cnn-20260101-000000.partial" / "checkpoint").is_dir()
    assert resumable_run_dir("cnn", tmp_path / "runs") == run_dir  # `--resume` without --out finds it
    with RunWriter(run_dir, resume=True) as staging:
        assert (staging / "checkpoint").is_dir()
        (staging / "run.json").write_text("{}")
    assert (run_dir / "run.json").is_file() and not (run_dir / "checkpoint").exists()


def test_nothing_to_resume_is_a_clear_error(tmp_path):
    from tfjourney.errors import RunFolderError

    with pytest.raises(RunFolderError, match="nothing to resume"):
        RunWriter(tmp_path / "run", resume=True)


def test_a_worker_that_is_not_the_chief_writes_nothing_beside_the_run(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    writer = RunWriter(tmp_path / "run", chief=False)
    with writer as staging:
        (staging / "run.json").write_text('{"blueprint": "cnn"}')
        (staging / "metrics.json").write_text('{"accuracy": 0.9}')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"] and list((tmp_path / "tmp").iterdir()) == []
    assert writer.finished_run().metrics == {"accuracy": 0.9}


def test_a_second_writer_of_the_same_folder_is_refused_and_leaves_the_first_alone(tmp_path, no_partials):
    """Two trainings into one --out once shared .run.partial and mixed their files; now the second stops at once."""
    run_dir = tmp_path / "run"
    with RunWriter(run_dir) as staging:
        _write_minimal(staging)
        (staging / "history.csv").write_text("epoch\n1\n")
        with pytest.raises(RunFolderError, match=r"another command is writing the run folder .*run now \(it holds \.run\.lock\); wait"):
            with RunWriter(run_dir):
                pass
        assert sorted(p.name for p in staging.iterdir()) == ["history.csv", "metrics.json", "plots", "run.json"]
    assert _siblings(tmp_path) == ["run"]  # the lock file goes with the writer
    no_partials(tmp_path)
    with RunWriter(tmp_path / "run", overwrite=True) as staging:  # and the folder is free again
        _write_minimal(staging)


def test_a_failed_run_releases_its_lock_and_its_new_parent(tmp_path):
    with pytest.raises(RuntimeError):
        with RunWriter(tmp_path / "new" / "run"):
            raise RuntimeError("boom")
    assert _siblings(tmp_path) == []


def test_the_cli_gives_one_line_and_exit_2_while_another_command_writes_the_folder(tmp_path, small_csv, capsys):
    from tfjourney.cli import main

    data = small_csv(n=60)
    with RunWriter(tmp_path / "same"):
        assert main(["train", "regression", str(data), "--target", "charges", "--epochs", "1", "--out", str(tmp_path / "same")]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "another command is writing the run folder" in error[0] and "Traceback" not in error[0]
