"""Each bad input, through the CLI: exit code 2, one line on stderr naming the problem, no run folder.

Mostly in-process (`tfjourney.cli.main`), which is fast; one true subprocess checks the real
exit code and stderr of the installed `tfjourney` command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tfjourney.cli import main

FAST = ("--epochs", "1", "--hidden", "8")


@pytest.fixture
def work(tmp_path, monkeypatch):
    """Run in an empty folder, so a default `runs/` folder would show up too."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def _expect_failure(capsys, argv, *needles, folder=None):
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("tfjourney: error:")]
    assert code == 2, err
    assert len(lines) == 1 and err.strip() == lines[0], err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def _no_run_left(folder: Path, *allowed: str):
    left = sorted(p.name for p in folder.iterdir() if p.name not in allowed)
    assert left == [], f"left behind: {left}"  # no run folder, no runs/, no .NAME.partial-*


def test_missing_file(capsys, work):
    _expect_failure(capsys, ["train", "regression", "nope.csv", "--target", "y", "--out", "run"], "file not found", "nope.csv")
    _no_run_left(work)


def test_empty_csv(capsys, work):
    (work / "empty.csv").write_text("")
    _expect_failure(capsys, ["train", "regression", "empty.csv", "--target", "y", "--out", "run"], "empty.csv is empty")
    _no_run_left(work, "empty.csv")


def test_target_not_a_column_lists_the_columns(capsys, work, small_csv):
    path = small_csv(n=30)
    _expect_failure(capsys, ["train", "regression", path, "--target", "price", "--out", "run"], "'price'", "age, bmi, num children, smoker, region, charges, claim, tier")
    _no_run_left(work)


def test_regression_target_not_numeric(capsys, work, small_csv):
    _expect_failure(capsys, ["train", "regression", small_csv(n=30), "--target", "smoker", "--out", "run"], "not numeric", "train classification")
    _no_run_left(work)


def test_classification_target_with_one_class(capsys, work, small_csv, frame_maker):
    frame = frame_maker(30)
    frame["claim"] = "yes"
    _expect_failure(capsys, ["train", "classification", small_csv(frame=frame), "--target", "claim", "--out", "run"], "only one class", "'yes'")
    _no_run_left(work)


def test_class_with_a_single_example(capsys, work, small_csv, frame_maker):
    frame = frame_maker(30)
    frame["claim"] = ["yes"] * 15 + ["no"] * 14 + ["rare"]
    _expect_failure(capsys, ["train", "classification", small_csv(frame=frame), "--target", "claim", "--out", "run"], "'rare'", "single example")
    _no_run_left(work)


def test_unknown_embedded_dataset_lists_names(capsys, work):
    _expect_failure(capsys, ["train", "classification", "circels", "--out", "run"], "circels", "circles, moons, diabetes, breast_cancer, wine")
    _no_run_left(work)


def test_existing_out_without_overwrite(capsys, work):
    (work / "run").mkdir()
    (work / "run" / "mine.txt").write_text("keep")
    _expect_failure(capsys, ["train", "classification", "circles", "--out", "run", *FAST], "already exists", "--overwrite")
    assert (work / "run" / "mine.txt").read_text() == "keep"
    _no_run_left(work, "run")


# The library names keyword arguments (`out`, `column_types`); the CLI says the flag the user typed.
def test_library_keys_come_back_as_the_flags_of_the_command(capsys, work, small_csv):
    path = small_csv(n=30)
    (work / "run").mkdir()
    (work / "run" / "mine.txt").write_text("keep")
    line = _expect_failure(capsys, ["train", "regression", path, "--target", "charges", "--out", "run", *FAST],
                           "run already exists; pass --overwrite to replace it, or choose another --out.")
    assert "`" not in line
    line = _expect_failure(capsys, ["train", "regression", path, "--target", "charges", "--column-types", "bad", "--out", "new"],
                           "--column-types entry 'bad' is not COLUMN=ROLE")
    assert "`" not in line
    _expect_failure(capsys, ["train", "regression", path, "--target", "charges", "--keep", "nope", "--out", "new"], "--keep names 'nope'")
    _no_run_left(work, "run")


def test_keys_translate_with_the_chosen_commands_own_flags(capsys):
    """A key two commands spell differently means what the command the user ran calls it; notes are translated too."""
    import argparse

    from tfjourney.cli import _warning_printer, _with_flags, flag_names
    from tfjourney.errors import TfjourneyNotice

    parser = argparse.ArgumentParser(prog="demo")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("export").add_argument("--out", dest="out")
    sub.add_parser("journey").add_argument("--folder", dest="out")
    sub.add_parser("other").add_argument("--augment", action=argparse.BooleanOptionalAction)
    message = "choose another `out`; `augment` helps; `nothing` stays"
    assert _with_flags(message, flag_names(parser)) == "choose another `out`; --augment helps; `nothing` stays"
    assert _with_flags(message, flag_names(parser, parser.parse_args(["export"]))).startswith("choose another --out;")
    assert _with_flags(message, flag_names(parser, parser.parse_args(["journey"]))).startswith("choose another --folder;")
    _warning_printer(flag_names(parser, parser.parse_args(["export"])))("left out (name it in `out` to use it)", TfjourneyNotice, "x.py", 1)
    assert capsys.readouterr().err == "tfjourney: note: left out (name it in --out to use it)\n"


def test_bad_config_value_is_a_one_line_error(capsys, work):
    _expect_failure(capsys, ["train", "classification", "circles", "--out", "run", "--test-size", "1.5"], "--test-size 1.5 must be in (0, 1)")
    _expect_failure(capsys, ["train", "classification", "circles", "--out", "run", "--epochs", "0"], "--epochs")
    _no_run_left(work)


def test_bad_hidden_is_an_argparse_error(capsys, work):
    with pytest.raises(SystemExit) as info:
        main(["train", "regression", "diabetes", "--hidden", "100,abc"])
    assert info.value.code == 2
    assert "--hidden" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["train", "regression", "diabetes", "--hidden", "0"])
    assert info.value.code == 2
    _no_run_left(work)


def test_bad_choice_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "regression", "diabetes", "--loss", "hinge"])
    assert info.value.code == 2
    assert "mae" in capsys.readouterr().err


# ------------------------------------------------------------------ inputs that must work
def test_target_with_missing_rows_works_and_warns_with_count(capsys, work, small_csv, frame_maker):
    frame = frame_maker(60)
    frame.loc[[1, 5, 9, 20], "charges"] = np.nan
    code = main(["train", "regression", str(small_csv(frame=frame)), "--target", "charges", "--drop", "claim,tier", "--out", "run", *FAST])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "tfjourney: warning: dropped 4 row(s)" in err
    record = json.loads((work / "run" / "run.json").read_text())
    assert sum(record["data"]["rows"].values()) == 56
    assert any("dropped 4" in note for note in record["data"]["notes"])


def test_non_utf8_csv_suggests_encoding_then_latin1_works(capsys, work, small_csv, frame_maker):
    frame = frame_maker(60)
    frame["region"] = frame["region"].replace({"northeast": "nordést", "southwest": "sudoéste"})
    path = small_csv(frame=frame, encoding="latin-1")
    _expect_failure(capsys, ["train", "regression", path, "--target", "charges", "--out", "run"], "--encoding latin-1", "utf-8")
    _no_run_left(work)
    assert main(["train", "regression", str(path), "--target", "charges", "--encoding", "latin-1", "--out", "run", *FAST]) == 0
    record = json.loads((work / "run" / "run.json").read_text())
    region = next(c for c in record["data"]["columns"] if c["name"] == "region")
    assert "nordést" in region["vocabulary"]


def test_semicolon_csv_is_detected_and_works(capsys, work, small_csv):
    path = small_csv(n=60, sep=";")
    assert main(["train", "classification", str(path), "--target", "claim", "--drop", "charges,tier", "--out", "run", *FAST]) == 0
    record = json.loads((work / "run" / "run.json").read_text())
    assert [c["name"] for c in record["data"]["columns"]] == ["age", "bmi", "num children", "smoker", "region"]
    assert any("semicolon" in note for note in record["data"]["notes"])
    assert record["data"]["class_names"] == ["no", "yes"]


def test_overwrite_replaces_an_existing_run(capsys, work, no_partials):
    (work / "run").mkdir()
    (work / "run" / "run.json").write_text("{}")  # a previous run
    (work / "run" / "old.txt").write_text("old")
    assert main(["train", "classification", "moons", "--out", "run", "--overwrite", *FAST]) == 0
    assert not (work / "run" / "old.txt").exists() and (work / "run" / "model.keras").is_file()
    no_partials(work)


# ------------------------------------------------------------------ predict / evaluate
def test_predict_input_missing_a_column_names_it(capsys, regression_run, mixed_csv, tmp_path):
    rows = pd.read_csv(mixed_csv).head(5).drop(columns=["smoker"])
    path = tmp_path / "in.csv"
    rows.to_csv(path, index=False)
    _expect_failure(capsys, ["predict", regression_run, path], "missing column(s)", "smoker")


def test_predict_unseen_category_is_handled(capsys, regression_run, mixed_csv, tmp_path):
    rows = pd.read_csv(mixed_csv).head(4)
    rows["region"] = ["mars", "venus", "northeast", np.nan]
    rows["smoker"] = ["maybe", "yes", "no", "no"]
    path = tmp_path / "in.csv"
    rows.to_csv(path, index=False)
    out = tmp_path / "preds.csv"
    assert main(["predict", str(regression_run), str(path), "--output", str(out)]) == 0
    preds = pd.read_csv(out)
    assert list(preds.columns) == ["row", "predicted_charges"] and list(preds["row"]) == [1, 2, 3, 4]
    assert np.isfinite(preds["predicted_charges"]).all()
    captured = capsys.readouterr()
    assert "predicted_charges" in captured.out
    assert "column 'region' has 2 value(s) never seen in training ('mars', 'venus')" in captured.err
    assert "column 'smoker' has 1 value(s) never seen" in captured.err
    # refuses to clobber an existing output
    _expect_failure(capsys, ["predict", regression_run, path, "--output", out], "already exists")


def test_predict_errors(capsys, regression_run, tmp_path):
    _expect_failure(capsys, ["predict", tmp_path / "norun", "x.csv"], "does not exist")
    _expect_failure(capsys, ["predict", regression_run, tmp_path / "x.csv"], "file not found")
    _expect_failure(capsys, ["predict", regression_run], "predict needs a run folder")


def test_evaluate_prints_metric_keys(capsys, circles_run, tmp_path):
    from tfjourney.data.embedded import EMBEDDED_TABLES

    frame = EMBEDDED_TABLES["circles"].loader().head(200)
    path = tmp_path / "circles.csv"
    frame.to_csv(path, index=False)
    assert main(["evaluate", str(circles_run), str(path)]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert {"accuracy", "precision", "recall", "f1", "roc_auc"} <= set(metrics)
    assert metrics["accuracy"] >= 0.9


def test_evaluate_unknown_class_is_a_one_line_error(capsys, circles_run, tmp_path):
    from tfjourney.data.embedded import EMBEDDED_TABLES

    frame = EMBEDDED_TABLES["circles"].loader().head(20)
    frame.loc[0, "label"] = 7  # a class the model never saw
    path = tmp_path / "circles7.csv"
    frame.to_csv(path, index=False)
    _expect_failure(capsys, ["evaluate", circles_run, path], "never saw", "7")


def test_evaluate_without_target_column(capsys, circles_run, tmp_path):
    path = tmp_path / "nolabel.csv"
    pd.DataFrame({"X0": [0.1, 0.2], "X1": [0.3, 0.4]}).to_csv(path, index=False)
    _expect_failure(capsys, ["evaluate", circles_run, path], "no target column", "'label'")


# ------------------------------------------------------------------ the real command, in a subprocess
def test_real_command_exit_code_and_stderr(tmp_path):
    exe = Path(sys.executable).with_name("tfjourney")
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "tfjourney.cli"]
    done = subprocess.run(
        [*argv, "train", "regression", str(tmp_path / "missing.csv"), "--target", "y", "--out", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # no TensorFlow start-up notices either
    assert lines[0].startswith("tfjourney: error: file not found")
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("flags, needle", [
    (["--output-activation", "softmax"], "--output-activation softmax does not fit a binary target"),
    (["--loss", "sparse_categorical_crossentropy"], "does not fit a binary target"),
    (["--task", "multiclass"], "--task multiclass does not fit"),
])
def test_classification_output_that_does_not_fit_the_target_is_refused(capsys, tmp_path, flags, needle):
    _expect_failure(capsys, ["train", "classification", "circles", "--out", tmp_path / "never", *flags], needle)
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("argv", [
    ["predict", "{run}", "{csv}", "--output", "/proc/nope/preds.csv"],
    ["report", "{run}", "{run}", "--out", "/proc/nope.html"],
])
def test_unwritable_output_paths_are_one_line_errors(capsys, regression_run, mixed_csv, argv):
    argv = [a.format(run=regression_run, csv=mixed_csv) for a in argv]
    _expect_failure(capsys, argv, "/proc/nope")


def test_tensorboard_logs_are_written(tmp_path):
    out = tmp_path / "tb"
    assert main(["train", "classification", "circles", "--epochs", "2", "--tensorboard", "--out", str(out)]) == 0
    assert any((out / "logs" / "fit").rglob("events.out.tfevents.*"))


def test_report_out_needs_several_runs(capsys, regression_run, tmp_path):
    _expect_failure(capsys, ["report", regression_run, "--out", tmp_path / "x.html"], "needs two or more runs")


def test_train_in_a_log_prints_one_line_per_epoch_and_quiet_only_the_result(capsys, work):
    """stdout is not a terminal under pytest: no bar redraws, one line per epoch and per phase."""
    import re

    assert main(["train", "classification", "circles", "--epochs", "3", "--hidden", "8", "--out", "run"]) == 0
    out = capsys.readouterr().out
    assert "\r" not in out
    lines = out.splitlines()
    epochs = [line for line in lines if line.startswith("epoch ")]
    assert [line.split("  ")[0] for line in epochs] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert all(re.search(r"loss \S+  val_accuracy \S+  best \S+  ETA \d\d:\d\d$", line) for line in epochs)
    assert re.fullmatch(r"training: 3 epochs in \d\d:\d\d, best val_accuracy \S+ \(epoch \d\)", lines[3])
    assert lines[4].startswith("evaluated 200 rows in ")
    assert lines[5].startswith("Accuracy ") and lines[6] == "run folder: run" and len(lines) == 7

    assert main(["train", "classification", "circles", "--epochs", "3", "--hidden", "8", "--out", "quiet", "--quiet"]) == 0
    quiet = capsys.readouterr().out.splitlines()
    assert len(quiet) == 2 and quiet[0].startswith("Accuracy ") and quiet[1] == "run folder: quiet"


# Every `train` flag of tfjourney 0.1 before the flags were generated from the rows: scripts use them.
_FLAGS_BEFORE_ROWS = {
    "regression": "--activation --batch-size --column-types --devices --distribute --drop --encoding --epochs --find-lr "
                  "--global-batch-size --hidden --keep --loss --lr --optimizer --out --output-activation --overwrite --quiet "
                  "--resume --seed --target --tensorboard --test-size --verbose",
    "cnn": "--augment --batch-size --conv-blocks --devices --distribute --epochs --filters --global-batch-size --image-size "
           "--kernel-size --lr --out --overwrite --padding --pool --quiet --resume --seed --strict --strides --tensorboard --verbose",
    "transfer": "--augment --backbone --batch-size --devices --distribute --epochs --find-lr --fine-tune --fine-tune-epochs "
                "--fine-tune-layers --fine-tune-lr-factor --global-batch-size --image-size --lr --lr-decay --no-fine-tune-augment "
                "--out --overwrite --quiet --resume --seed --strict --tensorboard --verbose --weights",
}


def _train_flags(name: str) -> tuple[set[str], dict[str, str]]:
    import argparse

    from tfjourney.cli import build_parser

    train = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["train"]
    parser = next(a for a in train._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
    flags = {option for action in parser._actions for option in action.option_strings}
    return flags, {action.dest: action.option_strings[0] for action in parser._actions if action.option_strings}


@pytest.mark.parametrize("name", ["regression", "classification", "cnn", "transfer"])
def test_every_train_flag_keeps_its_name_and_every_row_has_one(name):
    from tfjourney.blueprints import get_blueprint

    flags, by_key = _train_flags(name)
    assert set(_FLAGS_BEFORE_ROWS.get(name, _FLAGS_BEFORE_ROWS["regression"]).split()) <= flags
    assert set(get_blueprint(name).defaults()) <= set(by_key)


def test_regression_help_lists_every_table_key(capsys):
    from tfjourney.blueprints import get_blueprint

    with pytest.raises(SystemExit):
        main(["train", "regression", "--help"])
    text = capsys.readouterr().out
    keys = get_blueprint("regression").defaults()
    assert len(keys) >= 19  # the 19 of tfjourney 0.1, and any row added since
    _, by_key = _train_flags("regression")
    assert all(by_key[key] in text for key in keys)
    assert "Early stopping patience (epochs) (default: 30; at least 0)" in " ".join(text.split())


def test_a_row_flag_is_checked_by_the_row(tmp_path, capsys):
    assert main(["train", "regression", "diabetes", "--validation-split", "1.5", "--out", str(tmp_path / "r")]) == 2
    assert "--validation-split 1.5 must be in (0, 1)" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_a_closed_pipe_ends_quietly_with_exit_0():
    """`tfjourney blueprint | head -1`: the reader is gone before the output is written, as git and ls take it."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write now fails with EPIPE
    try:
        result = subprocess.run([sys.executable, "-m", "tfjourney.cli", "blueprint"], stdout=write_end, stderr=subprocess.PIPE,
                                text=True, timeout=120)
    finally:
        os.close(write_end)
    assert result.returncode == 0 and result.stderr == ""


def test_predict_rows_carry_their_row_number_and_id_into_a_new_folder(tmp_path, frame_maker, capsys):
    """`predict --output dir/p.csv` once failed when dir was missing, and its rows had nothing to join them back by."""
    frame = frame_maker(120, seed=5).drop(columns=["claim", "tier"])
    frame.insert(0, "customer_ref", [f"C{1000 + i}" for i in range(len(frame))])
    frame.to_csv(tmp_path / "train.csv", index=False)
    run = tmp_path / "run"
    assert main(["train", "regression", str(tmp_path / "train.csv"), "--target", "charges", "--epochs", "2", "--out", str(run)]) == 0
    rows = frame.drop(columns="charges").sample(5, random_state=0)
    rows.to_csv(tmp_path / "in.csv", index=False)
    out = tmp_path / "new" / "folder" / "p.csv"
    assert main(["predict", str(run), str(tmp_path / "in.csv"), "--output", str(out)]) == 0
    preds = pd.read_csv(out)
    assert list(preds.columns) == ["row", "customer_ref", "predicted_charges"]
    assert list(preds["row"]) == [1, 2, 3, 4, 5] and list(preds["customer_ref"]) == list(rows["customer_ref"])
