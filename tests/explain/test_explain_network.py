"""explain.network and explain.whatif: the Explainer's numbers, checked against the real model and builder."""

from __future__ import annotations

import itertools
import math

import keras
import numpy as np
import pytest

from tfjourney.blueprints import get_blueprint
from tfjourney.errors import ConfigError
from tfjourney.explain.compute import model_anatomy
from tfjourney.explain.network import arithmetic_layers, conv_arithmetic, explain_image, shown_layers, softmax_terms
from tfjourney.explain.whatif import cnn_whatif
from tfjourney.models.cnn import build_cnn, feature_map_sizes


def _image(size: int, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 255, (size, size, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def cnn_anatomy(cnn_run):
    from tfjourney.runs import load_run

    return model_anatomy(load_run(cnn_run).load_model())


def test_every_conv_and_pool_layer_with_its_own_output_shape(cnn_anatomy):
    view = explain_image(cnn_anatomy, _image(32))
    names = [name for name, _, _ in view.layers]
    assert names == ["rescale", "block1_conv1", "block1_conv2", "block1_pool", "block2_conv1", "block2_conv2", "block2_pool"]
    for name, kind, maps in view.layers:
        assert maps.shape == tuple(cnn_anatomy.model.get_layer(name).output.shape[1:])
        assert kind == ("input" if name == "rescale" else "pool" if "pool" in name else "conv")
    np.testing.assert_allclose(view.layers[0][2], _image(32) / 255, rtol=1e-6)
    assert view.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    exps = np.exp(view.logits - view.logits.max())
    np.testing.assert_allclose(exps / exps.sum(), view.probabilities, rtol=1e-5)
    predicted = cnn_anatomy.model.predict(_image(32)[None], verbose=0)[0]
    np.testing.assert_allclose(view.probabilities, predicted, atol=1e-5)


def test_softmax_terms_add_up():
    terms = softmax_terms(np.array([2.0, 1.0, -1.0]))
    assert terms["exponentials"][0] == 1.0 and terms["sum"] == pytest.approx(1 + math.exp(-1) + math.exp(-3))


@pytest.mark.parametrize("layer", ["block1_conv1", "block1_conv2"])
def test_conv_arithmetic_reproduces_the_model(cnn_anatomy, layer):
    image = _image(32)
    filters = cnn_anatomy.model.get_layer(layer).filters
    for row, col, channel in ((0, 0, 0), (7, 11, 4), (27, 27, filters - 1)):
        step = conv_arithmetic(cnn_anatomy, image, layer=layer, channel=channel, row=row, col=col)
        assert step["output"] == pytest.approx(step["model_output"], abs=1e-4)
        assert step["sum"] == pytest.approx(sum(step["channel_sums"]) + step["bias"], abs=1e-5)
        assert np.array(step["patch"]).shape == np.array(step["kernel"]).shape == (3, 3, 3 if layer.endswith("1") else filters)


def test_conv_arithmetic_with_same_padding_and_stride_2_at_the_edges():
    config = get_blueprint("cnn").resolve(image_size=15, conv_blocks=1, kernel_size=5, padding="same", strides=2, filters=4)
    keras.utils.set_random_seed(0)
    anatomy = model_anatomy(build_cnn(config, 3))
    image = _image(15)
    for row, col in ((0, 0), (7, 7), (0, 7)):
        step = conv_arithmetic(anatomy, image, layer="block1_conv1", channel=2, row=row, col=col)
        assert step["output"] == pytest.approx(step["model_output"], abs=1e-4)


def test_arithmetic_only_for_the_first_convolutions(cnn_anatomy):
    assert arithmetic_layers(cnn_anatomy) == ["block1_conv1", "block1_conv2"]
    with pytest.raises(ConfigError, match="first convolutions"):
        conv_arithmetic(cnn_anatomy, _image(32), layer="block2_conv1", channel=0, row=0, col=0)
    with pytest.raises(ConfigError, match="outside"):
        conv_arithmetic(cnn_anatomy, _image(32), layer="block1_conv1", channel=1000, row=0, col=0)


def test_transfer_model_shows_its_stem_then_its_stages(transfer_run):
    from tfjourney.runs import load_run

    anatomy = model_anatomy(load_run(transfer_run).load_model())
    layers = shown_layers(anatomy)
    assert layers[0] == arithmetic_layers(anatomy)[0] and layers[1:] == anatomy.conv_layers
    view = explain_image(anatomy, _image(64))
    for name, _, maps in view.layers:
        assert maps.shape == tuple(anatomy.source.get_layer(name).output.shape[1:])
    step = conv_arithmetic(anatomy, _image(64), layer=layers[0], channel=1, row=5, col=9)
    assert step["output"] == pytest.approx(step["model_output"], abs=1e-3)


# ----------------------------------------------------------------------------- what if
def _expected_shapes(size, blocks, kernel, padding, strides, filters):
    sizes = feature_map_sizes(size, blocks, kernel, strides, padding)
    shapes, params, channels = [], [], 3
    for i, side in enumerate(sizes):
        shapes.append([side, side, filters])
        is_pool = i % 3 == 2
        params.append(0 if is_pool else kernel * kernel * channels * filters + filters)
        channels = filters
    return shapes, params


@pytest.mark.parametrize("kernel, padding, strides, blocks", list(itertools.product((3, 5, 7), ("valid", "same"), (1, 2), (1, 2))))
def test_whatif_matches_the_builder_and_the_arithmetic(kernel, padding, strides, blocks):
    choices = dict(image_size=48, conv_blocks=blocks, kernel_size=kernel, padding=padding, strides=strides, filters=6)
    try:
        expected = build_cnn(get_blueprint("cnn").resolve(**choices), 4)
    except ConfigError as exc:
        with pytest.raises(ConfigError, match=str(exc)[:40].replace("(", r"\(").replace(")", r"\)").replace("'", ".")):
            cnn_whatif(n_classes=4, **choices)
        return
    result = cnn_whatif(n_classes=4, **choices)
    assert [layer["output_shape"] for layer in result["layers"]] == [list(layer.output.shape[1:]) for layer in expected.layers[1:]]
    assert result["params"] == expected.count_params()
    shapes, params = _expected_shapes(48, blocks, kernel, padding, strides, 6)
    convs_and_pools = [layer for layer in result["layers"] if layer["type"] in ("Conv2D", "MaxPooling2D")]
    assert [layer["output_shape"] for layer in convs_and_pools] == shapes
    assert [layer["params"] for layer in convs_and_pools] == params


def test_whatif_refuses_keys_outside_table_3():
    with pytest.raises(ConfigError, match="what-if panel changes"):
        cnn_whatif(learning_rate=0.1)
