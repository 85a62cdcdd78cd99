"""explain.compute: feature maps, first-layer filters and Grad-CAM of tiny CNN and transfer models."""

from __future__ import annotations

import re

import numpy as np
import pytest


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

    from tfjourney.explain.compute import _class_score, _logits_and_probabilities

    dense = keras.layers.Dense(1, activation="sigmoid")
    h = np.ones((1, 4), dtype="float32")
    dense.build((None, 4))
    z, probabilities = _logits_and_probabilities(dense, h)
    assert probabilities.shape == (2,) and probabilities.sum() == pytest.approx(1.0)
    assert float(_class_score(z, 0)[0]) == pytest.approx(-float(_class_score(z, 1)[0]))


def test_normalise_guards_all_zero():
    from tfjourney.explain.compute import _normalise_cam

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
