"""`tfjourney train cnn` end to end on generated images: it learns, writes a full run, predicts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tfjourney.cli import main
from tfjourney.errors import ConfigError, RunFolderError
from tfjourney.pipelines.cnn import train_cnn
from tfjourney.predict import predict


@pytest.fixture(scope="module")
def stripes_run(stripes_folder, tmp_path_factory):
    """A short CNN training on horizontal vs vertical stripes, through the CLI."""
    out = tmp_path_factory.mktemp("cnn") / "stripes"
    argv = ["train", "cnn", str(stripes_folder), "--image-size", "32", "--filters", "8", "--epochs", "8", "--seed", "0", "--out", str(out)]
    assert main(argv) == 0
    return out


def test_a_short_training_beats_the_majority_baseline(stripes_run):
    metrics = json.loads((stripes_run / "metrics.json").read_text())
    assert metrics["baseline_accuracy"] == pytest.approx(0.5)
    assert metrics["accuracy"] >= 0.85
    assert set(metrics["per_class"]) == {"horizontal", "vertical"}
    assert metrics["per_class"]["vertical"]["support"] == 20


def test_run_folder_has_every_image_output(stripes_run):
    for name in ("model.keras", "run.json", "metrics.json", "history.csv", "classes.json", "report.html", "test_predictions.csv",
                 "plots/loss.png", "plots/confusion_matrix.png", "plots/predictions.png"):
        assert (stripes_run / name).is_file(), name
    assert json.loads((stripes_run / "classes.json").read_text()) == ["horizontal", "vertical"]
    record = json.loads((stripes_run / "run.json").read_text())
    assert record["blueprint"] == "cnn"
    assert record["data"]["counts"]["test"] == {"horizontal": 20, "vertical": 20}
    assert record["config"]["filters"] == 8 and record["config"]["padding"] == "valid"
    assert not (stripes_run / "plots" / "augmentation.png").exists()


def test_predict_round_trip_in_a_fresh_process(stripes_run, stripes_folder, tmp_path):
    images = sorted((stripes_folder / "test" / "vertical").glob("*.jpg"))[:3]
    in_process = predict([str(stripes_run), *map(str, images)]).table
    output = tmp_path / "preds.csv"
    subprocess.run(
        [sys.executable, "-m", "tfjourney.cli", "predict", str(stripes_run), *map(str, images), "--output", str(output)],
        check=True, capture_output=True,
    )
    fresh = pd.read_csv(output)
    assert list(fresh["class"]) == list(in_process["class"])
    np.testing.assert_allclose(fresh["probability"], in_process["probability"], rtol=1e-5)
    assert (in_process["class"] == "vertical").mean() >= 2 / 3


def test_predict_top_k_lists_every_class_for_each_image(stripes_run, probe_image, capsys):
    assert main(["predict", str(stripes_run), str(probe_image), "--top-k", "2"]) == 0
    printed = capsys.readouterr().out
    assert "horizontal" in printed and "vertical" in printed
    table = predict([str(stripes_run), str(probe_image)], top_k=2).table
    assert list(table["rank"]) == [1, 2]
    assert table["probability"].sum() == pytest.approx(1.0, abs=1e-5)


def test_augmentation_writes_its_plot(shapes_folder, tmp_path):
    run = train_cnn(shapes_folder, out=tmp_path / "aug", image_size=32, epochs=1, augment=True, seed=0)
    assert (run.path / "plots" / "augmentation.png").is_file()
    assert any(layer["name"] == "augmentation" for layer in run.record["model"]["layers"])


@pytest.mark.parametrize("argv, message", [
    (["--image-size", "0"], "--image-size 0 must be between 1 and"),
    (["--image-size", "100000"], "--image-size 100000 must be between 1 and"),
    (["--filters", "0"], "--filters 0"),
    (["--image-size", "8"], "is too small"),
])
def test_bad_settings_are_one_line_errors(shapes_folder, tmp_path, capsys, argv, message):
    out = tmp_path / "never"
    assert main(["train", "cnn", str(shapes_folder), "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_predict_a_text_file_as_an_image_fails_clearly(stripes_run, tmp_path, capsys):
    fake = tmp_path / "notes.jpg"
    fake.write_text("not an image")
    assert main(["predict", str(stripes_run), str(fake)]) == 2
    assert "not a readable image" in capsys.readouterr().err


def test_image_prediction_on_a_tabular_run_says_which_run_it_needs(circles_run, probe_image, capsys):
    assert main(["predict", str(circles_run), str(probe_image)]) == 2
    assert "cnn or transfer run" in capsys.readouterr().err


def test_explain_needs_an_image_run(circles_run, probe_image):
    from tfjourney.explain import explain_run

    with pytest.raises(RunFolderError, match="image models"):
        explain_run(circles_run, probe_image)


def test_unknown_conv_settings_are_rejected_by_the_blueprint():
    from tfjourney.blueprints import CNN

    with pytest.raises(ConfigError, match="choose one of: 3, 5, 7"):
        CNN.resolve(kernel_size=4)


def test_evaluate_scores_every_test_image_and_accepts_a_subset_of_classes(stripes_run, stripes_folder, tmp_path):
    import shutil

    from tfjourney.errors import DataError
    from tfjourney.predict import evaluate

    whole, test_only = evaluate(stripes_run, stripes_folder), evaluate(stripes_run, stripes_folder / "test")
    assert whole["images"] == test_only["images"] == 40
    assert whole["accuracy"] == test_only["accuracy"] == json.loads((stripes_run / "metrics.json").read_text())["accuracy"]
    subset = tmp_path / "only_vertical"
    shutil.copytree(stripes_folder / "test" / "vertical", subset / "vertical")
    assert evaluate(stripes_run, subset)["images"] == 20
    shutil.copytree(stripes_folder / "test" / "vertical", subset / "diagonal")
    with pytest.raises(DataError, match="never learned: diagonal"):
        evaluate(stripes_run, subset)


def test_a_run_folder_named_like_an_embedded_dataset_does_not_shadow_it(tmp_path, monkeypatch):
    """`train cnn digits --out digits` twice: the second run trains on the embedded digits again, not on the first run."""
    from tfjourney.pipelines.images import resolve_image_source

    monkeypatch.chdir(tmp_path)
    (tmp_path / "digits").mkdir()
    (tmp_path / "digits" / "run.json").write_text("{}")
    folder, source, size = resolve_image_source("digits")
    assert source == "embedded:digits" and folder != tmp_path / "digits" and size
    (tmp_path / "shapes" / "circle").mkdir(parents=True)  # a user's own image folder of that name still wins
    assert resolve_image_source("shapes") == (Path("shapes"), "shapes", None)


def test_predict_reproduces_the_runs_test_predictions(stripes_run, stripes_folder):
    """One decoder for every path: `predict` on the test JPEGs gives test_predictions.csv's classes and confidences
    (PIL's JPEG decoder once moved pixels by up to 7 levels, and probabilities with them)."""
    expected = pd.read_csv(stripes_run / "test_predictions.csv")
    table = predict([str(stripes_run), *expected["path"]]).table
    assert list(table["image"]) == list(expected["path"])
    assert list(table["class"]) == list(expected["predicted"])
    np.testing.assert_allclose(table["probability"], expected["confidence"], rtol=0, atol=1e-6)


def test_predict_takes_a_folder_and_writes_into_new_folders(stripes_run, stripes_folder, tmp_path, capsys):
    folder = stripes_folder / "test"
    output = tmp_path / "new" / "deeper" / "p.csv"
    assert main(["predict", str(stripes_run), str(folder), "--output", str(output)]) == 0
    written = pd.read_csv(output)
    expected = sorted(str(p) for p in folder.rglob("*.jpg"))
    assert list(written["image"]) == expected and len(expected) == 40  # every image, each row named by its file
    (tmp_path / "empty").mkdir()
    assert main(["predict", str(stripes_run), str(tmp_path / "empty")]) == 2
    assert "holds no image files" in capsys.readouterr().err
