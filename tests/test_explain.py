"""`tfjourney explain`: feature maps, filters and Grad-CAM for tiny CNN and transfer runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from tfjourney.errors import ConfigError, DataError, RunFolderError

@pytest.fixture(scope="module")
def image_path(probe_image) -> Path:
    return probe_image


@pytest.fixture(scope="module")
def cnn_model(cnn_run):
    from tfjourney.runs import load_run

    return load_run(cnn_run).load_model()


@pytest.fixture(scope="module")
def transfer_model(transfer_run):
    from tfjourney.runs import load_run

    return load_run(transfer_run).load_model()


def _image(size: int) -> np.ndarray:
    return np.random.default_rng(2).uniform(0, 255, (size, size, 3)).astype(np.float32)


# ----------------------------------------------------------------------------- CNN
def test_cnn_layers_and_feature_maps(cnn_model):
    from tfjourney.explain import conv_layer_names, feature_maps

    names = conv_layer_names(cnn_model)
    assert names == ["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2"]
    maps = feature_maps(cnn_model, _image(32))
    assert list(maps) == names
    assert maps["block1_conv1"].shape == (30, 30, 10)
    assert maps["block1_conv2"].shape == (28, 28, 10)
    assert maps["block2_conv2"].shape == (10, 10, 10)
    assert feature_maps(cnn_model, _image(32), ["block1_pool"])["block1_pool"].shape == (14, 14, 10)


def test_cnn_filters(cnn_model):
    from tfjourney.explain import first_layer_filters

    filters = first_layer_filters(cnn_model)
    np.testing.assert_allclose(filters, cnn_model.get_layer("block1_conv1").kernel.numpy())
    assert filters.shape == (3, 3, 3, 10)


def _check_cam(heatmap, index, probabilities, n_classes):
    assert heatmap.ndim == 2
    assert heatmap.min() >= 0 and heatmap.max() <= 1
    assert heatmap.max() == pytest.approx(1.0) or not heatmap.any()
    assert 0 <= index < n_classes
    assert probabilities.shape == (n_classes,)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-4)


def test_cnn_grad_cam(cnn_model):
    from tfjourney.explain import grad_cam

    heatmap, index, probabilities = grad_cam(cnn_model, _image(32))
    _check_cam(heatmap, index, probabilities, 3)
    assert heatmap.shape == (10, 10)  # the last conv layer by default
    assert index == int(np.argmax(probabilities))
    heatmap, index, _ = grad_cam(cnn_model, _image(32), class_index=2, layer="block1_conv2")
    assert heatmap.shape == (28, 28) and index == 2


def test_grad_cam_matches_the_recipe(cnn_model):
    """Selvaraju et al.: weights = spatial mean of d(logit)/dA; cam = ReLU(sum w_c A_c) / max."""
    import keras
    import tensorflow as tf

    from tfjourney.explain import grad_cam

    dense = cnn_model.get_layer("output")
    probe = keras.Model(cnn_model.input, [cnn_model.get_layer("block2_conv2").output, dense.input])
    with tf.GradientTape() as tape:
        activations, h = probe(_image(32)[None], training=False)
        logit = (tf.matmul(h, dense.kernel) + dense.bias)[:, 1]
    grads = tape.gradient(logit, activations)[0].numpy()
    cam = np.maximum((activations[0].numpy() * grads.mean(axis=(0, 1))).sum(-1), 0)
    expected = cam / cam.max() if cam.max() > 0 else cam
    heatmap, _, _ = grad_cam(cnn_model, _image(32), class_index=1)
    np.testing.assert_allclose(heatmap, expected, atol=1e-5)


def test_sigmoid_scores_are_opposite():
    """One sigmoid unit: class 0's score is minus class 1's, and probabilities are [1-p, p]."""
    import keras

    from tfjourney.explain import _class_score, _logits_and_probabilities

    dense = keras.layers.Dense(1, activation="sigmoid")
    h = np.ones((1, 4), dtype="float32")
    dense.build((None, 4))
    z, probabilities = _logits_and_probabilities(dense, h)
    assert probabilities.shape == (2,) and probabilities.sum() == pytest.approx(1.0)
    assert float(_class_score(z, 0)[0]) == pytest.approx(-float(_class_score(z, 1)[0]))


def test_gradcam_title_reads_plainly():
    from tfjourney.explain import gradcam_title

    assert gradcam_title("steak", 0.916, "steak", 0.916, False, "top_activation") == (
        "Grad-CAM for 'steak' (predicted, 91.6%) — layer top_activation")
    asked = gradcam_title("omelette", 0.051, "steak", 0.916, True, "top_activation")
    assert asked == "Grad-CAM for 'omelette' (asked for; predicted: steak 91.6%) — p(omelette) = 5.1%, layer top_activation"
    assert "asked for (" not in asked and asked.count("(") == 2
    assert "also predicted, 91.6%" in gradcam_title("steak", 0.916, "steak", 0.916, True, "conv")


def test_normalise_guards_all_zero():
    from tfjourney.explain import _normalise_cam

    cam = _normalise_cam(np.ones((3, 3, 2)), -np.ones((3, 3, 2)))
    assert cam.shape == (3, 3) and not cam.any()


# ----------------------------------------------------------------------------- transfer
def test_transfer_layers_and_feature_maps(transfer_model):
    from tfjourney.explain import conv_layer_names, feature_maps

    names = conv_layer_names(transfer_model)
    assert names[0] == "stem_activation" and names[-1] == "top_activation"
    assert all(re.match(r"block\d[a-z]_", n) for n in names[1:-1])
    assert [n[5] for n in names[1:-1]] == [str(i) for i in range(1, 8)]  # one per stage
    maps = feature_maps(transfer_model, _image(64))
    assert maps["stem_activation"].shape == (32, 32, 32)
    assert maps["top_activation"].shape == (2, 2, 1280)


def test_transfer_filters(transfer_model):
    from tfjourney.explain import first_layer_filters

    assert first_layer_filters(transfer_model).shape == (3, 3, 3, 32)


def test_transfer_grad_cam(transfer_model):
    from tfjourney.explain import grad_cam

    heatmap, index, probabilities = grad_cam(transfer_model, _image(64))
    _check_cam(heatmap, index, probabilities, 3)
    assert heatmap.shape == (2, 2)
    heatmap, index, _ = grad_cam(transfer_model, _image(64), class_index=0, layer="block4c_add")
    _check_cam(heatmap, index, probabilities, 3)
    assert heatmap.shape == (4, 4) and index == 0


def test_transfer_grad_cam_layer_equals_head(transfer_model):
    """Probabilities from the staged pass match the whole model's prediction."""
    from tfjourney.explain import grad_cam

    _, _, probabilities = grad_cam(transfer_model, _image(64))
    np.testing.assert_allclose(probabilities, transfer_model.predict(_image(64)[None], verbose=0)[0], atol=1e-4)


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
