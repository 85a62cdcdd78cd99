"""Column plans and the builders: preprocessing lives in the model, which takes raw columns."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pandas as pd
import pytest

from tfjourney.blueprints import get_blueprint
from tfjourney.models.layers import FillMissing
from tfjourney.models.tabular import (
    build_classification_model,
    build_preprocessing,
    build_regression_model,
    model_inputs,
    plan_columns,
)

RAW = pd.DataFrame(
    {
        "age": [20, 30, np.nan, 50],
        "smoker": ["yes", "no", "no", np.nan],
        "Monthly Income ($)": [1000.0, 2000.0, 3000.0, 4000.0],
    }
)


def _small_config(name: str, **overrides) -> dict:
    return get_blueprint(name).resolve(hidden=(8,), **overrides)


def test_plan_columns_numeric_and_categorical():
    plans = {p.name: p for p in plan_columns(RAW)}
    age = plans["age"]
    assert age.kind == "numeric" and age.missing == 1
    assert age.mean == pytest.approx(100 / 3)
    assert age.std == pytest.approx(np.std([20, 30, 50]))
    smoker = plans["smoker"]
    assert smoker.kind == "categorical" and smoker.missing == 1
    assert smoker.vocabulary == ["", "no", "yes"]  # missing is its own category
    assert "one-hot over 3 categories (+1 for unseen)" == smoker.treatment
    assert "filled with mean" in age.treatment


def test_constant_column_gets_unit_std():
    plans = plan_columns(pd.DataFrame({"c": [5.0, 5.0, 5.0]}))
    assert plans[0].std == 1.0


def test_preprocessing_standardizes_fills_and_one_hots_with_oov():
    plans = plan_columns(RAW)
    inputs, features = build_preprocessing(plans)
    pre = keras.Model(inputs, features)
    rows = pd.DataFrame({"age": [np.nan, 50.0], "smoker": ["yes", "martian"], "Monthly Income ($)": [2500.0, 1000.0]})
    out = np.asarray(pre({k: v for k, v in model_inputs(rows, plans).items()}))
    assert out.shape == (2, 1 + 4 + 1)
    age_plan, income_plan = plans[0], plans[2]
    # NaN age -> training mean -> 0 after standardizing
    assert out[0, 0] == pytest.approx(0.0, abs=1e-6)
    assert out[1, 0] == pytest.approx((50 - age_plan.mean) / age_plan.std, rel=1e-5)
    # one-hot: index 0 is the OOV slot, then "", "no", "yes"
    np.testing.assert_array_equal(out[0, 1:5], [0, 0, 0, 1])
    np.testing.assert_array_equal(out[1, 1:5], [1, 0, 0, 0])  # unseen category -> OOV, no crash
    assert out[0, 5] == pytest.approx((2500 - income_plan.mean) / income_plan.std, rel=1e-5)


def test_fill_missing_layer_still_loads_old_models():
    out = np.asarray(FillMissing(2.0)(np.array([[1.0], [np.nan]], dtype="float32")))
    np.testing.assert_array_equal(out, [[1.0], [2.0]])
    assert FillMissing.from_config(FillMissing(3.5).get_config()).value == 3.5


def test_regression_model_shape_and_target_units():
    plans = plan_columns(RAW)
    model = build_regression_model(plans, _small_config("regression"), target_mean=10000.0, target_std=5000.0)
    out = np.asarray(model(model_inputs(RAW, plans)))
    assert out.shape == (4, 1)
    assert model.get_layer("to_target_units").scale == 5000.0
    assert [l.units for l in model.layers if l.name.startswith("hidden_")] == [8]
    assert model.get_layer("hidden_1").activation.__name__ == "relu"
    # untrained outputs are rescaled into the target's units, centred on its mean
    assert np.all(np.abs(out - 10000.0) < 5000.0 * 20)


def test_regression_with_output_activation_has_no_rescaling():
    plans = plan_columns(RAW)
    model = build_regression_model(plans, _small_config("regression", output_activation="relu"))
    assert model.get_layer("output").activation.__name__ == "relu"
    assert "to_target_units" not in [l.name for l in model.layers]


@pytest.mark.parametrize("n_classes,units,activation", [(2, 1, "sigmoid"), (3, 3, "softmax"), (5, 5, "softmax")])
def test_classification_output_shape(n_classes, units, activation):
    plans = plan_columns(RAW)
    model = build_classification_model(plans, _small_config("classification"), n_classes)
    out = np.asarray(model(model_inputs(RAW, plans)))
    assert out.shape == (4, units)
    assert model.get_layer("output").activation.__name__ == activation
    if units > 1:
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)
    else:
        assert np.all((out > 0) & (out < 1))


def test_default_hidden_stack_is_two_layers_of_100():
    plans = plan_columns(RAW)
    model = build_classification_model(plans, get_blueprint("classification").resolve(), 2)
    assert [l.units for l in model.layers if l.name.startswith("hidden_")] == [100, 100]


def test_model_inputs_are_raw_columns():
    plans = plan_columns(RAW)
    inputs = model_inputs(RAW, plans)
    assert set(inputs) == set(RAW.columns)
    assert inputs["smoker"].dtype.kind == "U" and inputs["smoker"].shape == (4, 1)
    assert inputs["smoker"][3, 0] == ""  # NaN category -> ""
    assert inputs["age"].dtype == np.float32 and np.isnan(inputs["age"][2, 0])


def test_awkward_column_names_build_and_match_their_inputs(recwarn):
    frame = pd.DataFrame(
        {"a b": [1.0, 2.0, 3.0], "a_b": [3.0, 2.0, 1.0], "x/y": ["p", "q", "p"], "output": [0.5, 0.1, 0.2], "hidden_1": ["u", "v", "u"]}
    )
    plans = plan_columns(frame)
    model = build_classification_model(plans, _small_config("classification"), 3)
    out = np.asarray(model(model_inputs(frame, plans)))
    assert out.shape == (3, 3)
    # input names equal the column names wherever Keras allows it, so feeding a dict does not warn
    names = {t.name for t in model.inputs}
    assert {"a b", "a_b"} <= names
    mismatched = [str(w.message) for w in recwarn if "must match the names" in str(w.message)]
    assert not [m for m in mismatched if "'a b'" in m or "'a_b'" in m]


_CLEAN_LOAD = """
import json, sys
import keras, numpy as np
assert not any(m.startswith("tfjourney") for m in sys.modules)
model = keras.saving.load_model(sys.argv[1])
rows = dict(np.load(sys.argv[2]))
print(json.dumps(np.asarray(model(rows)).ravel().tolist()))  # predict() rejects string arrays; a call takes them
assert not any(m.startswith("tfjourney") for m in sys.modules)
"""


def test_saved_model_loads_and_predicts_without_tfjourney(tmp_path):
    """A run's model.keras is plain Keras: stock layers and keras.ops, no custom classes."""
    plans = plan_columns(RAW)
    model = build_regression_model(plans, _small_config("regression"), target_mean=100.0, target_std=10.0)
    model.save(tmp_path / "model.keras")
    rows = model_inputs(RAW, plans)
    np.savez(tmp_path / "rows.npz", **rows)
    result = subprocess.run(
        [sys.executable, "-c", _CLEAN_LOAD, str(tmp_path / "model.keras"), str(tmp_path / "rows.npz")],
        capture_output=True, text=True, timeout=120, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    clean = np.array(json.loads(result.stdout.strip().splitlines()[-1]))
    np.testing.assert_allclose(clean, np.asarray(model(rows)).ravel(), rtol=1e-6)
    assert not np.isnan(clean).any()  # the NaN age was filled inside the saved graph


def test_models_saved_with_the_old_fill_layer_still_load(tmp_path):
    """Runs saved before the fill became keras.ops name tfjourney>FillMissing; importing tfjourney loads them."""
    raw = keras.Input(shape=(1,), name="age")
    old = keras.Model(raw, keras.layers.Dense(1, name="out")(FillMissing(2.0, name="age_fill")(raw)))
    old.save(tmp_path / "old.keras")
    loaded = keras.saving.load_model(tmp_path / "old.keras")
    x = np.array([[1.0], [np.nan]], dtype="float32")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(old(x)))
