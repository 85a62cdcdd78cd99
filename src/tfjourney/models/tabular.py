"""Build the regression and classification blueprints as Keras models that take raw columns.

Preprocessing lives inside the model (missing-value fill, normalization, one-hot
lookup), so `model.keras` accepts the same raw CSV columns the user trained on.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import asdict, dataclass, field

import keras
import numpy as np
from keras import ops
import pandas as pd

from tfjourney.models.heads import classifier_output


@dataclass
class ColumnPlan:
    """How one raw column enters the network, kept for predict and for the report."""

    name: str
    kind: str  # "numeric" or "categorical"
    missing: int = 0
    mean: float = 0.0
    std: float = 1.0
    vocabulary: list[str] = field(default_factory=list)

    @property
    def treatment(self) -> str:
        if self.kind == "numeric":
            fill = f"missing ({self.missing}) filled with mean, " if self.missing else ""
            return f"{fill}standardized (mean {self.mean:.4g}, std {self.std:.4g})"
        return f"one-hot over {len(self.vocabulary)} categories (+1 for unseen)"

    def to_dict(self) -> dict:
        return {**asdict(self), "treatment": self.treatment}


def plan_columns(features: pd.DataFrame) -> list[ColumnPlan]:
    """Decide numeric vs categorical per column, from the training split only."""
    plans = []
    for name in features.columns:
        column = features[name]
        missing = int(column.isna().sum())
        if pd.api.types.is_numeric_dtype(column):
            values = column.astype("float64").dropna()
            mean = float(values.mean()) if len(values) else 0.0
            std = float(values.std(ddof=0)) if len(values) > 1 else 1.0
            plans.append(ColumnPlan(name, "numeric", missing, mean, std if std > 0 else 1.0))
        else:
            vocabulary = sorted(categorical_values(column).unique().tolist())
            plans.append(ColumnPlan(name, "categorical", missing, vocabulary=vocabulary))
    return plans


def categorical_values(column: pd.Series) -> pd.Series:
    """Categories as strings, with a missing value as its own category ""."""
    return column.astype("object").where(column.notna(), "").astype(str)


def model_inputs(frame: pd.DataFrame, plans: list[ColumnPlan]) -> dict[str, np.ndarray]:
    """Raw DataFrame columns -> the dict of (n, 1) arrays the model's inputs expect."""
    inputs = {}
    for plan in plans:
        column = frame[plan.name]
        if plan.kind == "numeric":
            values = pd.to_numeric(column, errors="coerce").to_numpy(dtype="float32")
        else:
            values = categorical_values(column).to_numpy(dtype=str)
        inputs[plan.name] = values.reshape(-1, 1)
    return inputs


def _layer_name(column: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]+", "_", column).strip("_") or "column"


def _unique_layer_names(plans: list[ColumnPlan]) -> list[str]:
    """Layer-safe names, made unique: columns "a b" and "a_b" must not both become "a_b"."""
    names, seen = [], set()
    for plan in plans:
        base = name = _layer_name(plan.name)
        suffix = 1
        while name in seen:
            suffix += 1
            name = f"{base}_{suffix}"
        seen.add(name)
        names.append(name)
    return names


def _input_name(column: str, safe: str) -> str:
    """The raw column name (so the input dict's keys match the Input names) unless Keras forbids it."""
    reserved = column in ("features", "output", "to_target_units") or re.fullmatch(r"hidden_\d+", column)
    if reserved:
        return f"{safe}_input"
    return column if column and "/" not in column else safe


def fill_missing(values: keras.KerasTensor, value: float) -> keras.KerasTensor:
    """NaN -> `value`, written with `keras.ops` so the saved model needs no custom layer.

    Ops called on symbolic tensors become nodes of the functional graph and are saved with
    it, so `model.keras` loads with plain `keras.saving.load_model` in any process.
    """
    return ops.where(ops.isnan(values), ops.full_like(values, value), values)


def _encode_column(plan: ColumnPlan, raw: keras.KerasTensor, safe: str):
    if plan.kind == "numeric":
        filled = fill_missing(raw, plan.mean)
        return keras.layers.Normalization(mean=plan.mean, variance=plan.std**2, name=f"{safe}_norm")(filled)
    lookup = keras.layers.StringLookup(
        vocabulary=plan.vocabulary, num_oov_indices=1, output_mode="one_hot", name=f"{safe}_onehot"
    )
    return keras.layers.Reshape((len(plan.vocabulary) + 1,), name=f"{safe}_flat")(lookup(raw))


def build_preprocessing(plans: list[ColumnPlan]) -> tuple[dict[str, keras.KerasTensor], keras.KerasTensor]:
    safe_names = _unique_layer_names(plans)
    inputs = {
        plan.name: keras.Input(shape=(1,), name=_input_name(plan.name, safe), dtype="float32" if plan.kind == "numeric" else "string")
        for plan, safe in zip(plans, safe_names)
    }
    encoded = [_encode_column(plan, inputs[plan.name], safe) for plan, safe in zip(plans, safe_names)]
    features = encoded[0] if len(encoded) == 1 else keras.layers.Concatenate(name="features")(encoded)
    return inputs, features


def _hidden_stack(features, hidden: tuple[int, ...], activation: str):
    x = features
    for i, units in enumerate(hidden, start=1):
        x = keras.layers.Dense(units, activation=activation, name=f"hidden_{i}")(x)
    return x


DICT_INPUT_WARNING = "When providing `inputs` as a dict"


def _dict_input_model(inputs: dict, output, name: str) -> keras.Model:
    """Inputs keyed by the raw column name; a name Keras cannot use as a layer name ("a/b") differs
    on purpose, so Keras's warning about it is noise here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=DICT_INPUT_WARNING)
        return keras.Model(inputs, output, name=name)


def build_regression_model(
    plans: list[ColumnPlan], config: dict, target_mean: float = 0.0, target_std: float = 1.0
) -> keras.Model:
    """Hidden ReLU stack -> 1 unit; a linear output is rescaled to the target's units.

    Learning a standardized target and scaling back inside the model is what makes
    the default learning rate work for targets in the thousands (insurance charges).
    """
    inputs, features = build_preprocessing(plans)
    x = _hidden_stack(features, tuple(config["hidden"]), config["activation"])
    activation = None if config["output_activation"] == "none" else config["output_activation"]
    output = keras.layers.Dense(1, activation=activation, name="output")(x)
    if activation is None:
        output = keras.layers.Rescaling(scale=target_std, offset=target_mean, name="to_target_units")(output)
    return _dict_input_model(inputs, output, "regression")


def build_classification_model(plans: list[ColumnPlan], config: dict, n_classes: int) -> keras.Model:
    """Hidden stack -> the course's classifier output (1 sigmoid unit, or 1 softmax unit per class)."""
    inputs, features = build_preprocessing(plans)
    x = _hidden_stack(features, tuple(config["hidden"]), config["activation"])
    head = classifier_output(n_classes)
    output = keras.layers.Dense(head.units, activation=head.activation, name="output")(x)
    return _dict_input_model(inputs, output, "binary_classification" if n_classes == 2 else "multiclass_classification")
