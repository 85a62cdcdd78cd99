"""report.html: self-contained, opens with the headline, survives missing pieces."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tfjourney.errors import RunFolderError
from tfjourney.reports import write_report
from tfjourney.reports.headline import headline
from tfjourney.reports.formatting import format_number


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """One tiny run per task: regression, binary and multiclass classification (3 epochs each)."""
    from tfjourney.pipelines.tabular import train_tabular

    root = tmp_path_factory.mktemp("report-runs")
    jobs = {"regression": ("regression", "diabetes"), "binary": ("classification", "circles"), "multiclass": ("classification", "wine")}
    return {name: train_tabular(kind, data, out=root / name, epochs=3, seed=0).path for name, (kind, data) in jobs.items()}


def _html(run_dir: Path) -> str:
    return write_report(run_dir).read_text(encoding="utf-8")


def _assert_self_contained(html: str) -> None:
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    sources = re.findall(r'<img[^>]*\ssrc="([^"]*)"', html)
    assert sources, "expected embedded figures"
    assert all(src.startswith("data:image/png;base64,") for src in sources)
    assert "<link" not in html and "<script" not in html


@pytest.mark.parametrize("name", ["regression", "binary", "multiclass"])
def test_report_opens_with_headline_and_is_self_contained(runs, name):
    run_dir = runs[name]
    html = _html(run_dir)
    record = json.loads((run_dir / "run.json").read_text())
    metrics = json.loads((run_dir / "metrics.json").read_text())
    _assert_self_contained(html)
    sentence = headline(record["blueprint"], metrics)
    assert sentence in html
    assert html.index(sentence) < html.index('id="blueprint"')
    assert "Missing:" not in html
    assert not re.search(r">\s*None\s*<", html)  # a value shown as None, e.g. "Resumed from epoch: None" on a run never resumed
    for section in ("blueprint", "model", "data", "curves", "results", "reproduce"):
        assert f'id="{section}"' in html


def test_report_written_by_the_pipeline_names_the_run_folder_not_its_staging_folder(tmp_path):
    """The pipeline renders report.html inside the hidden `.NAME.partial` folder, before it is renamed into place."""
    from tfjourney.pipelines.tabular import train_tabular

    run_dir = train_tabular("classification", "circles", out=tmp_path / "named", epochs=1, seed=0).path
    html = (run_dir / "report.html").read_text(encoding="utf-8")  # as the pipeline wrote it; no test re-renders this one
    assert "partial" not in html
    assert "run named</span>" in html and "· named · tfjourney</title>" in html


def test_regression_report_shows_mae_baselines_and_scatter(runs):
    html = _html(runs["regression"])
    metrics = json.loads((runs["regression"] / "metrics.json").read_text())
    assert format_number(metrics["mae"]) in html
    assert format_number(metrics["baseline_mae"]) in html
    assert "Predicted vs actual" in html


def test_classification_report_shows_accuracy_per_class_and_balance(runs):
    html = _html(runs["binary"])
    metrics = json.loads((runs["binary"] / "metrics.json").read_text())
    assert f"{metrics['accuracy']:.1%}" in html
    assert "Per class" in html and "Class balance" in html
    assert "Roc curve" in html and "Decision boundary" in html
    multi = _html(runs["multiclass"])
    assert "Confusion matrix" in multi and "Roc curve" not in multi
    for name in json.loads((runs["multiclass"] / "run.json").read_text())["data"]["class_names"]:
        assert name in multi


def test_blueprint_table_highlights_changed_values(runs):
    html = _html(runs["regression"])
    assert 'class="changed"' in html  # epochs=3 differs from the default 300
    assert "Typical value (course)" in html


def test_reproduce_section_quotes_command_and_timings(tmp_path, runs):
    run_dir = tmp_path / "quoted"
    shutil.copytree(runs["regression"], run_dir)
    record = json.loads((run_dir / "run.json").read_text())
    record["command"] = ["tfjourney", "train", "regression", "my data.csv"]
    record["timings"] = {"train_seconds": 8.123, "fine_tune_seconds": 75.0}
    (run_dir / "run.json").write_text(json.dumps(record))
    html = _html(run_dir)
    assert "tfjourney train regression &#39;my data.csv&#39;" in html
    assert "8.1 s" in html and "1 min 15 s" in html
    assert "--overwrite" not in html  # no --out in the command: re-running it as written works
    record["command"] += ["--out", "runs/x"]
    (run_dir / "run.json").write_text(json.dumps(record))
    assert "add <code>--overwrite</code> to replace this run" in _html(run_dir)


def test_long_metric_values_get_smaller_tiles(tmp_path, runs):
    run_dir = tmp_path / "big-numbers"
    shutil.copytree(runs["regression"], run_dir)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    metrics.update(mse=19227180.4, rmse=4384.9, mae=2530.2)
    (run_dir / "metrics.json").write_text(json.dumps(metrics))
    html = _html(run_dir)
    assert '<meta name="generator" content="tfjourney">' in html
    assert re.search(r'<div class="value long">19,227,180</div>', html)
    assert re.search(r'<div class="value ">4,385</div>', html)


def test_transfer_training_keys_have_clear_labels(tmp_path, runs):
    run_dir = tmp_path / "fine-tuned"
    shutil.copytree(runs["binary"], run_dir)
    record = json.loads((run_dir / "run.json").read_text())
    record["training"] = {"epochs_run": 10, "best_epoch": 9, "phase1_epochs": 5, "fine_tune_start_epoch": 6,
                          "fine_tune_trainable_layers": 13, "fine_tune_layers_requested": 20}
    (run_dir / "run.json").write_text(json.dumps(record))
    html = _html(run_dir)
    assert "Fine-tuning from epoch" in html and "Feature-extraction epochs" in html
    assert "13 of 20" in html and "13 of the top 20 layers" in html and "BatchNormalization" in html
    assert "Fine tune trainable layers" not in html
    record["training"] = {"epochs_run": 6, "fine_tune_trainable_layers": 13}  # older run.json: no requested count
    (run_dir / "run.json").write_text(json.dumps(record))
    html = _html(run_dir)
    assert "Unfrozen for fine-tuning" in html and "BatchNormalization" in html


def test_missing_model_and_plot_still_render_with_notice(tmp_path, runs):
    run_dir = tmp_path / "damaged"
    shutil.copytree(runs["binary"], run_dir)
    (run_dir / "model.keras").unlink()
    (run_dir / "plots" / "roc_curve.png").unlink()
    (run_dir / "history.csv").unlink()
    html = _html(run_dir)
    assert "model.keras is missing" in html and "predict and explain will not work" in html
    assert "plots/roc_curve.png is missing" in html
    assert "history.csv is missing" in html
    assert "Confusion matrix" in html


def test_unknown_plot_goes_to_other_figures(tmp_path, runs):
    run_dir = tmp_path / "extra"
    shutil.copytree(runs["regression"], run_dir)
    shutil.copy(run_dir / "plots" / "loss.png", run_dir / "plots" / "feature_maps.png")
    html = _html(run_dir)
    assert 'id="other"' in html and "Feature maps" in html


def test_unknown_blueprint_and_image_keys_render(tmp_path, runs):
    run_dir = tmp_path / "image-like"
    shutil.copytree(runs["binary"], run_dir)
    record = json.loads((run_dir / "run.json").read_text())
    record["blueprint"] = "not-a-blueprint"
    record["data"] = {"source": "https://example.org/pizza_steak.zip", "fingerprint": "sha256:abc",
                      "counts": {"train": {"pizza": 750, "steak": 750}, "test": {"pizza": 250, "steak": 250}},
                      "class_names": ["pizza", "steak"], "skipped": ["broken.jpg"]}
    record["timings"] = {"embed_seconds": 3.0, "head_seconds": 2.0, "fine_tune_seconds": 4.0}
    (run_dir / "run.json").write_text(json.dumps(record))
    metrics = {"accuracy": 0.9, "phase1_accuracy": 0.85, "fine_tune_accuracy": 0.9}
    (run_dir / "metrics.json").write_text(json.dumps(metrics))
    html = _html(run_dir)
    _assert_self_contained(html)
    assert "Configuration" in html and "broken.jpg" in html and "pizza" in html
    assert "plots/predictions.png is missing" in html
    assert "1,500" in html  # train images


def test_not_a_run_folder_names_missing_file(tmp_path):
    (tmp_path / "run.json").write_text("{}")
    with pytest.raises(RunFolderError, match="metrics.json"):
        write_report(tmp_path)
