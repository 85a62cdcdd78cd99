"""`tfjourney explain`: one image's figures and page in a run folder, and the errors a user meets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tfjourney.errors import ConfigError, DataError, RunFolderError


@pytest.fixture(scope="module")
def image_path(probe_image) -> Path:
    return probe_image


# ----------------------------------------------------------------------------- the page
def _check_page(page: Path, layers: list[str]):
    assert page.name == "index.html" and page.is_file()
    folder = page.parent
    for name in ["gradcam.png", "filters.png", *(f"feature_maps_{n}.png" for n in layers)]:
        assert (folder / name).is_file(), name
    html = page.read_text()
    assert not re.search(r"https?://", html)
    assert html.count("data:image/png;base64,") >= 3 + len(layers)
    return html


def test_explain_run_cnn(cnn_run, image_path):
    from tfjourney.explain import explain_run

    page = explain_run(cnn_run, image_path)
    assert page.parent == cnn_run / "explain" / "probe_image"
    html = _check_page(page, ["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2"])
    headings = re.findall(r'<h3 id="layer-\d+"><code>(\w+)</code>', html)
    assert headings == ["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2"]
    page = explain_run(cnn_run, image_path, layer="block1_conv2", class_name="square")
    assert "square" in page.read_text()


def test_explain_run_transfer_via_cli(transfer_run, image_path, capsys):
    from tfjourney.cli import main

    assert main(["explain", str(transfer_run), str(image_path), "--class", "triangle"]) == 0
    page = Path(capsys.readouterr().out.strip().split(": ", 1)[1])
    _check_page(page, ["stem_activation", "top_activation"])


# ----------------------------------------------------------------------------- errors
def test_tabular_run_is_refused(tmp_path, image_path):
    from tfjourney.explain import explain_run

    (tmp_path / "run.json").write_text(json.dumps({"blueprint": "regression", "data": {}}))
    (tmp_path / "metrics.json").write_text("{}")
    with pytest.raises(RunFolderError, match="image models"):
        explain_run(tmp_path, image_path)


def test_missing_model_is_refused(tmp_path, cnn_run, image_path):
    from tfjourney.explain import explain_run

    for name in ("run.json", "metrics.json"):
        (tmp_path / name).write_bytes((cnn_run / name).read_bytes())
    with pytest.raises(RunFolderError, match="model.keras"):
        explain_run(tmp_path, image_path)


def test_bad_images_are_refused(cnn_run, tmp_path):
    from tfjourney.explain import explain_run

    with pytest.raises(DataError, match="does not exist"):
        explain_run(cnn_run, tmp_path / "nope.jpg")
    fake = tmp_path / "notes.jpg"
    fake.write_text("not an image")
    with pytest.raises(DataError, match="not a readable image"):
        explain_run(cnn_run, fake)


def test_unknown_layer_and_class(cnn_run, image_path):
    from tfjourney.explain import explain_run

    with pytest.raises(ConfigError, match="block1_conv1, block1_conv2"):
        explain_run(cnn_run, image_path, layer="nope")
    with pytest.raises(ConfigError, match="circle, square, triangle"):
        explain_run(cnn_run, image_path, class_name="hexagon")


def test_cli_error_is_one_line(cnn_run, tmp_path, capsys):
    from tfjourney.cli import main

    assert main(["explain", str(cnn_run), str(tmp_path / "missing.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert "does not exist" in err and "\n" not in err
