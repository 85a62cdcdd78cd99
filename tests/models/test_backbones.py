"""Tests for the backbone registry, the offline-download error path and ImageNet class names."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras.src.utils import file_utils

from tfjourney.errors import ConfigError, WeightsError
from tfjourney.models import backbones
from tfjourney.models.imagenet import decode_top_k, imagenet_class_names

KERAS_APPS = ["efficientnet_b0", "resnet50_v2", "mobilenet_v2"]


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path_factory, monkeypatch):
    """Keep converted weights out of the user's real cache (one shared tmp cache for this module)."""
    monkeypatch.setenv("TFJOURNEY_CACHE", str(tmp_path_factory.getbasetemp() / "backbones_cache"))


@pytest.fixture
def offline(monkeypatch):
    """Make Keras's downloader fail the way it does without a network, instantly."""
    def fail(fname=None, origin=None, **_):
        raise Exception(f"URL fetch failure on {origin}: None -- [Errno -2] Name or service not known")

    monkeypatch.setattr(file_utils, "get_file", fail)


def test_the_default_backbone_works_offline_at_its_native_size():
    from tfjourney.blueprints import get_blueprint

    config = get_blueprint("transfer").resolve()
    spec = backbones.get_backbone_spec(config.backbone)
    assert spec.offline and config.image_size == spec.default_image_size
    assert backbones.DEFAULT_BACKBONE == config.backbone


def test_registry_lists_the_backbones_offline_first():
    assert backbones.backbone_names() == ["efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2", "efficientnet_b0",
                                          "resnet50_v2", "mobilenet_v2"]
    offline = {s.name: s.default_image_size for s in backbones.BACKBONES.values() if s.offline}
    assert offline == {"efficientnet_lite0": 224, "efficientnet_lite1": 240, "efficientnet_lite2": 260}
    spec = backbones.get_backbone_spec("efficientnet_lite0")
    assert (spec.default_image_size, spec.feature_layer) == (224, "top_activation")


def test_a_named_lite_backbone_trains_at_its_native_size_unless_told():
    from tfjourney.pipelines.transfer import native_image_size

    assert native_image_size("efficientnet_lite2", None) == 260 and native_image_size("efficientnet_lite1", None) == 240
    assert native_image_size("efficientnet_lite2", 128) == 128 and native_image_size(None, None) is None


def test_lite2_backbone_builds_offline_at_any_size():
    model = backbones.build_backbone("efficientnet_lite2", image_size=64)
    assert model.name == "efficientnet_lite2" and model.output.shape == (None, 2, 2, 1280)
    assert model.layers[-1].name == "top_activation"


def test_unknown_backbone_lists_the_names():
    with pytest.raises(ConfigError, match="unknown backbone 'vgg16'.*efficientnet_lite0, efficientnet_lite1, efficientnet_lite2, efficientnet_b0"):
        backbones.get_backbone_spec("vgg16")


@pytest.mark.parametrize("name", KERAS_APPS)
def test_keras_app_backbone_without_weights_is_flat_feature_extractor(name):
    model = backbones.build_backbone(name, image_size=64, weights=None)
    spec = backbones.get_backbone_spec(name)
    assert model.name == name
    assert len(model.output.shape) == 4 and model.output.shape[1:3] == (2, 2)
    assert model.get_layer(spec.feature_layer).output is model.output
    assert model.layers[0].name == "image" and isinstance(model.layers[1], keras.layers.Rescaling)
    assert not any(isinstance(layer, keras.Model) for layer in model.layers)  # "top N layers" means real layers


def test_rescaling_maps_pixels_to_minus_one_one():
    model = backbones.build_backbone("mobilenet_v2", image_size=32, weights=None)
    rescale = keras.Model(model.input, model.layers[1].output)
    out = rescale.predict(np.array([[[[0.0, 127.5, 255.0]] * 32] * 32]), verbose=0)
    np.testing.assert_allclose(out[0, 0, 0], [-1.0, 0.0, 1.0], atol=1e-6)


@pytest.mark.parametrize("name", KERAS_APPS)
def test_offline_imagenet_download_names_both_fixes(name, offline):
    with pytest.raises(WeightsError) as info:
        backbones.build_backbone(name, image_size=64)
    message = str(info.value)
    assert f"could not download imagenet weights for {name} (offline?)" in message
    assert "`weights` PATH" in message and "efficientnet_lite0" in message and "\n" not in message


def test_offline_classifier_download_fails_cleanly(offline):
    with pytest.raises(WeightsError, match="could not download imagenet weights for mobilenet_v2"):
        backbones.build_imagenet_classifier("mobilenet_v2")


def test_local_weights_file_of_wrong_architecture_is_refused(tmp_path):
    lite = backbones.build_backbone("efficientnet_lite0", image_size=64, weights=None)
    path = tmp_path / "lite0.weights.h5"
    lite.save_weights(path)
    with pytest.raises(WeightsError, match="does not fit mobilenet_v2"):
        backbones.build_backbone("mobilenet_v2", image_size=64, weights=path)
    ok = backbones.build_backbone("efficientnet_lite0", image_size=64, weights=path)
    np.testing.assert_array_equal(ok.get_layer("top_conv").get_weights()[0], lite.get_layer("top_conv").get_weights()[0])


def test_missing_weights_file_is_refused(tmp_path):
    with pytest.raises(WeightsError, match="does not exist"):
        backbones.build_backbone("resnet50_v2", image_size=64, weights=tmp_path / "nope.h5")


def test_offline_backbone_works_with_imagenet_weights():
    model = backbones.build_backbone("efficientnet_lite0", image_size=96)
    assert model.output.shape == (None, 3, 3, 1280)
    assert model.layers[-1].name == "top_activation"
    classifier = backbones.build_imagenet_classifier("efficientnet_lite0")
    assert classifier.output.shape == (None, 1000)
    np.testing.assert_array_equal(model.get_layer("stem_conv").get_weights()[0],
                                  classifier.get_layer("stem_conv").get_weights()[0])


def test_imagenet_class_names_come_from_package():
    names = imagenet_class_names()
    assert len(names) == 1000
    assert names[963] == "pizza" and names[698] == "palace" and names[985] == "daisy"


def test_decode_top_k_per_image():
    probs = np.zeros((2, 1000), np.float32)
    probs[0, 963], probs[0, 698] = 0.7, 0.2
    probs[1, 985] = 0.9
    decoded = decode_top_k(probs, k=2)
    assert decoded[0] == [("pizza", pytest.approx(0.7)), ("palace", pytest.approx(0.2))]
    assert decoded[1][0] == ("daisy", pytest.approx(0.9))
    assert len(decode_top_k(probs[0])) == 1 and len(decode_top_k(probs[0])[0]) == 5
    with pytest.raises(Exception, match="shape"):
        decode_top_k(np.zeros((1, 10)))
