"""Reports for image runs (CNN, transfer with fine-tuning) carry their headline numbers and images."""

from __future__ import annotations

import json
import re

import pytest

from tfjourney.reports import write_report


@pytest.mark.parametrize("run_fixture", ["cnn_run", "transfer_run"])
def test_image_report_has_headline_grid_and_no_external_urls(run_fixture, request):
    run_dir = request.getfixturevalue(run_fixture)
    html = write_report(run_dir).read_text()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert f"Accuracy {metrics['accuracy']:.1%}" in html
    assert f"{metrics['baseline_accuracy']:.1%}" in html
    assert "Test predictions" in html or "predictions" in html.lower()
    assert not re.search(r"https?://", html)
    assert all(src.startswith("data:image/png;base64,") for src in re.findall(r'<img[^>]*src="([^"]+)"', html))
    for class_name in json.loads((run_dir / "classes.json").read_text()):
        assert class_name in html
    assert "is missing" not in html  # a complete image run has every expected figure


def test_fine_tuned_backbone_shows_as_partly_frozen(transfer_run):
    """After fine-tuning the saved backbone is partly trainable: the model card says how much, not just "frozen"."""
    html = write_report(transfer_run).read_text()
    record = json.loads((transfer_run / "run.json").read_text())
    backbone = next(layer for layer in record["model"]["layers"] if layer["name"] == record["model"]["backbone"]["name"])
    assert 0 < backbone["trainable_params"] < backbone["params"]
    assert f"partly frozen ({backbone['trainable_params']:,} of {backbone['params']:,} trainable)" in html
