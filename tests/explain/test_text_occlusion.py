"""Occlusion for text models: a word's contribution is the class probability it takes away when left out."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tfjourney.errors import DataError
from tfjourney.explain.text import occlusion


def _word_counting_model() -> keras.Model:
    """p(class 1) = sigmoid(2 * (#"fire" - #"tea")): every contribution is known in closed form."""
    vectorizer = keras.layers.TextVectorization(vocabulary=["fire", "tea"], output_mode="count")
    inputs = keras.Input(shape=(), dtype="string")
    counts = vectorizer(inputs)  # columns: [UNK], fire, tea
    logit = keras.layers.Dense(1, use_bias=False, activation="sigmoid")
    outputs = logit(counts)
    logit.set_weights([np.array([[0.0], [2.0], [-2.0]], dtype="float32")])
    return keras.Model(inputs, outputs)


def _sigmoid(x: float) -> float:
    return float(1 / (1 + np.exp(-x)))


def test_contributions_match_leaving_each_word_out():
    model = _word_counting_model()
    explanation = occlusion(model, "fire fire near tea", class_names=["calm", "storm"])
    assert explanation["predicted"] == explanation["class"] == "storm"
    assert explanation["probability"] == pytest.approx(_sigmoid(2.0), abs=1e-6)
    contributions = [w["contribution"] for w in explanation["words"]]
    assert [w["word"] for w in explanation["words"]] == ["fire", "fire", "near", "tea"]
    np.testing.assert_allclose(contributions, [_sigmoid(2) - _sigmoid(0)] * 2 + [0.0, _sigmoid(2) - _sigmoid(4)], atol=1e-6)


def test_explaining_the_other_class_flips_the_signs():
    model = _word_counting_model()
    storm = occlusion(model, "fire tea tea", class_names=["calm", "storm"], target_class="storm")
    calm = occlusion(model, "fire tea tea", class_names=["calm", "storm"], target_class=0)
    np.testing.assert_allclose([w["contribution"] for w in storm["words"]], [-w["contribution"] for w in calm["words"]], atol=1e-6)
    with pytest.raises(DataError, match="unknown class 'rain'; choose one of: calm, storm"):
        occlusion(model, "fire", class_names=["calm", "storm"], target_class="rain")
    with pytest.raises(DataError, match="empty"):
        occlusion(model, "   ", class_names=["calm", "storm"])
