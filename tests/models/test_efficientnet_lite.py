"""Tests for EfficientNet-Lite0: conversion, cache, layer names, numerics and real ImageNet predictions."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_sample_images

from tfjourney.errors import ConfigError, WeightsError
from tfjourney.models import efficientnet_lite as lite
from tfjourney.models.torch_checkpoint import load_legacy_state_dict


@pytest.fixture(scope="module")
def cache_root(tmp_path_factory):
    """Point TFJOURNEY_CACHE at a fresh folder for this module."""
    root = tmp_path_factory.mktemp("tfjourney_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TFJOURNEY_CACHE", str(root))
        yield root


@pytest.fixture(scope="module")
def model(cache_root):
    """The ImageNet classifier, built (and converted into the tmp cache) once per module."""
    return lite.build_efficientnet_lite0()


@pytest.fixture(scope="module")
def state_dict():
    """The bundled PyTorch checkpoint, read once."""
    return load_legacy_state_dict(lite.bundled_checkpoint_path())


def sample_batch() -> tuple[list[str], np.ndarray]:
    """scikit-learn's two sample photos, center-cropped to a square and resized to 224x224 (0-255)."""
    data = load_sample_images()
    images = []
    for image in data.images:
        h, w, _ = image.shape
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        crop = Image.fromarray(image[top:top + side, left:left + side]).resize((224, 224), Image.BILINEAR)
        images.append(np.asarray(crop, dtype=np.float32))
    names = [path.rsplit("/", 1)[-1] for path in data.filenames]
    return names, np.stack(images)


def test_conversion_is_cached_under_tfjourney_cache(model, cache_root):
    assert lite.cached_weights_path() == cache_root / "weights" / "efficientnet_lite0.weights.h5"
    assert lite.cached_weights_path().is_file()
    assert not [p for p in (cache_root / "weights").iterdir() if p.name != "efficientnet_lite0.weights.h5"]


def test_second_build_uses_cache_without_reconverting(model, monkeypatch):
    def refuse(*_):
        raise AssertionError("checkpoint converted twice")

    monkeypatch.setattr(lite, "load_legacy_state_dict", refuse)
    again = lite.build_efficientnet_lite0(include_top=False, input_shape=(96, 96, 3))
    np.testing.assert_array_equal(again.get_layer("top_conv").get_weights()[0],
                                  model.get_layer("top_conv").get_weights()[0])
    assert again.output.shape == (None, 3, 3, 1280)
    assert again.layers[-1].name == "top_activation"


def test_architecture_names_and_sizes(model):
    assert model.name == "efficientnet_lite0"
    assert model.count_params() == 4_694_024
    names = [layer.name for layer in model.layers]
    assert names[:5] == ["image", "rescaling", "stem_conv", "stem_bn", "stem_activation"]
    assert names[-6:] == ["top_conv", "top_bn", "top_activation", "avg_pool", "top_dropout", "predictions"]
    assert "block1a_expand_conv" not in names and "block3b_expand_conv" in names and "block7a_project_bn" in names
    assert sum(n.endswith("_dwconv") for n in names) == 16
    assert model.output.shape == (None, 1000)


def test_keras_same_padding_matches_numpy_tf_reference_for_stem(model, state_dict):
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 255, size=(1, 224, 224, 3)).astype(np.float32)
    import keras

    stem = keras.Model(model.input, model.get_layer("stem_activation").output)
    got = stem.predict(image, verbose=0)[0]
    want = numpy_stem_reference(image[0], state_dict)
    assert got.shape == want.shape == (112, 112, 32)
    np.testing.assert_allclose(got, want, atol=1e-4)


def numpy_stem_reference(image: np.ndarray, state: dict[str, np.ndarray]) -> np.ndarray:
    """(x-127)/128, 3x3 stride-2 conv with TF 'same' padding (extra pixel bottom/right), BN eps 1e-3, ReLU6."""
    x = (image.astype(np.float64) - 127.0) / 128.0
    kernel, stride = 3, 2
    out = -(-x.shape[0] // stride)
    pad_total = max((out - 1) * stride + kernel - x.shape[0], 0)
    before = pad_total // 2
    x = np.pad(x, ((before, pad_total - before), (before, pad_total - before), (0, 0)))
    patches = np.lib.stride_tricks.sliding_window_view(x, (kernel, kernel), axis=(0, 1))[::stride, ::stride]
    y = np.einsum("hwcij,ocij->hwo", patches, state["_conv_stem.weight"].astype(np.float64))
    gamma, beta, mean, var = (state[f"_bn0.{n}"] for n in ("weight", "bias", "running_mean", "running_var"))
    y = gamma * (y - mean) / np.sqrt(var + 1e-3) + beta
    return np.clip(y, 0.0, 6.0)


def test_imagenet_predictions_on_sklearn_sample_photos(model):
    names, batch = sample_batch()
    probs = model.predict(batch, verbose=0)
    top1 = dict(zip(names, probs.argmax(axis=1)))
    assert top1 == {"china.jpg": 698, "flower.jpg": 985}  # palace, daisy
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)


def test_pth_path_gives_same_weights_as_cache(model):
    direct = lite.build_efficientnet_lite0(weights=lite.bundled_checkpoint_path())
    for name in ("stem_conv", "block2a_dwconv", "predictions"):
        for a, b in zip(direct.get_layer(name).get_weights(), model.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)


def test_pth_of_wrong_architecture_is_refused(state_dict):
    wrong = dict(state_dict)
    wrong["_blocks.3._depthwise_conv.weight"] = np.zeros((144, 1, 3, 3), np.float32)
    with pytest.raises(WeightsError, match=r"block3a_dwconv.*\(5, 5, 144, 1\)"):
        lite.assign_weights(lite._build_architecture(True, (224, 224, 3), None),
                            lite.convert_state_dict(wrong, "wrong.pth"), "wrong.pth")
    with pytest.raises(WeightsError, match="not an EfficientNet-Lite0 checkpoint.*_conv_stem.weight"):
        lite.convert_state_dict({"conv1.weight": np.zeros((64, 3, 7, 7), np.float32)}, "resnet.pth")


def test_h5_of_another_model_is_refused(tmp_path, cache_root):
    import keras

    other = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(96, 96, 3))
    path = tmp_path / "mobilenet.weights.h5"
    other.save_weights(path)
    with pytest.raises(WeightsError, match="does not fit efficientnet_lite0"):
        lite.build_efficientnet_lite0(include_top=False, input_shape=(96, 96, 3), weights=path)


def test_bad_arguments_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="include_top=False"):
        lite.build_efficientnet_lite0(include_top=True, input_shape=(96, 96, 3), weights=None)
    with pytest.raises(ConfigError, match="pooling"):
        lite.build_efficientnet_lite0(include_top=False, weights=None, pooling="max")
    with pytest.raises(WeightsError, match="does not exist"):
        lite.build_efficientnet_lite0(weights=tmp_path / "missing.pth")


def test_random_weights_and_avg_pooling():
    model = lite.build_efficientnet_lite0(include_top=False, input_shape=(64, 64, 3), weights=None, pooling="avg")
    assert model.output.shape == (None, 1280)


# ------------------------------------------------------------------ Lite1 and Lite2: the same reader, scaled architectures
def _same_conv(x: np.ndarray, weight: np.ndarray, stride: int, depthwise: bool = False) -> np.ndarray:
    """A TF-'same' convolution in NumPy: x [H, W, C]; weight OIHW (depthwise: (C, 1, k, k))."""
    k = weight.shape[-1]
    out = -(-x.shape[0] // stride)
    pad = max((out - 1) * stride + k - x.shape[0], 0)
    x = np.pad(x, ((pad // 2, pad - pad // 2), (pad // 2, pad - pad // 2), (0, 0)))
    patches = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(0, 1))[::stride, ::stride]
    if depthwise:
        return np.einsum("hwcij,cij->hwc", patches, weight[:, 0].astype(np.float64))
    return np.einsum("hwcij,ocij->hwo", patches, weight.astype(np.float64))


def _bn(y: np.ndarray, state: dict, prefix: str) -> np.ndarray:
    gamma, beta, mean, var = (state[f"{prefix}.{n}"] for n in ("weight", "bias", "running_mean", "running_var"))
    return gamma * (y - mean) / np.sqrt(var + 1e-3) + beta


def numpy_block_reference(x: np.ndarray, state: dict, index: int, stride: int, residual: bool) -> np.ndarray:
    """One MBConv block from the PyTorch tensors: expand 1x1, BN, ReLU6, depthwise, BN, ReLU6, project 1x1, BN (+ input)."""
    t = f"_blocks.{index}."
    y = np.clip(_bn(_same_conv(x, state[f"{t}_expand_conv.weight"], 1), state, f"{t}_bn0"), 0, 6)
    y = np.clip(_bn(_same_conv(y, state[f"{t}_depthwise_conv.weight"], stride, depthwise=True), state, f"{t}_bn1"), 0, 6)
    y = _bn(_same_conv(y, state[f"{t}_project_conv.weight"], 1), state, f"{t}_bn2")
    return y + x if residual else y


@pytest.mark.parametrize("variant, blocks, widths, params", [
    ("efficientnet_lite1", 21, (16, 24, 40, 80, 112, 192, 320), 5_470_344),
    ("efficientnet_lite2", 21, (16, 24, 48, 88, 120, 208, 352), 6_150_168),
])
def test_lite1_and_lite2_match_their_checkpoints_stem_and_blocks_against_numpy(variant, blocks, widths, params):
    import keras

    spec = lite.VARIANTS[variant]
    configs = lite.block_configs(variant)
    assert len(configs) == blocks and sorted({c.filters_out for c in configs}) == sorted(widths)
    assert [c.prefix for c in configs][:4] == ["block1a_", "block2a_", "block2b_", "block2c_"]  # depth 1.1/1.2: 3 blocks in stage 2
    full = lite._build_architecture(True, (spec.resolution, spec.resolution, 3), None, variant)
    assert full.count_params() == params and full.name == variant
    with pytest.raises(ConfigError, match=f"needs input_shape \\({spec.resolution}, {spec.resolution}, 3\\)"):
        lite.build_efficientnet_lite(variant, input_shape=(224, 224, 3), weights=None)

    checkpoint = lite.bundled_checkpoint_path(variant)
    state = load_legacy_state_dict(checkpoint)
    model = lite.build_efficientnet_lite(variant, include_top=False, input_shape=(48, 48, 3), weights=checkpoint)
    image = np.random.default_rng(1).uniform(0, 255, size=(1, 48, 48, 3)).astype(np.float32)
    x = (image[0].astype(np.float64) - 127.0) / 128.0
    stem = np.clip(_bn(_same_conv(x, state["_conv_stem.weight"], 2), state, "_bn0"), 0, 6)
    # block3a: a 5x5 stride-2 block that widens; block3b: its residual successor (stride 1, same width)
    names = ["stem_activation", "block2c_add", "block3a_project_bn", "block3b_add"]
    got = dict(zip(names, keras.Model(model.input, [model.get_layer(n).output for n in names]).predict(image, verbose=0)))
    np.testing.assert_allclose(got["stem_activation"][0], stem, atol=1e-4)
    first = next(c for c in configs if c.prefix == "block3a_")
    block3a = numpy_block_reference(got["block2c_add"][0].astype(np.float64), state, first.index, first.stride, residual=False)
    np.testing.assert_allclose(got["block3a_project_bn"][0], block3a, atol=1e-3)
    block3b = numpy_block_reference(got["block3a_project_bn"][0].astype(np.float64), state, first.index + 1, 1, residual=True)
    np.testing.assert_allclose(got["block3b_add"][0], block3b, atol=1e-3)
    assert first.kernel == 5 and first.stride == 2 and state[f"_blocks.{first.index}._depthwise_conv.weight"].shape[-1] == 5
