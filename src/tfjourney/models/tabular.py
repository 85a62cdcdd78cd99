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

from tfjourney.blueprints import TabularConfig
from tfjourney.data.columns import to_days, to_number
from tfjourney.models.heads import classifier_output


# Model input kinds: a column's role (tfjourney.data.columns) decides its kind.
NUMERIC_INPUTS = ("numeric", "datetime")  # float32 inputs; the others are strings


@dataclass
class ColumnPlan:
    """How one raw column enters the network, kept in run.json for predict and for the report.

    `kind` is the column's role: numeric, categorical, high_cardinality, datetime or text.
    Statistics come from the training split only.
    """

    name: str
    kind: str
    missing: int = 0
    mean: float = 0.0
    std: float = 1.0
    vocabulary: list[str] = field(default_factory=list)
    buckets: int = 0
    distinct: int = 0
    date_format: str | None = None
    year_mean: float = 0.0
    year_std: float = 1.0

    @property
    def treatment(self) -> str:
        fill = f"missing ({self.missing}) filled with mean, " if self.missing else ""
        if self.kind == "numeric":
            return f"{fill}standardized (mean {self.mean:.4g}, std {self.std:.4g})"
        if self.kind == "high_cardinality":
            return f"{self.distinct} distinct values hashed into {self.buckets} buckets (one-hot)"
        if self.kind == "datetime":
            return f"{fill}year, month, day of week and day of year (sin/cos), elapsed days"
        if self.kind == "text":
            return f"bag of words over the {len(self.vocabulary)} most frequent words (TextVectorization, multi-hot)"
        return f"one-hot over {len(self.vocabulary)} categories (+1 for unseen)"

    def to_dict(self) -> dict:
        return {**asdict(self), "role": self.kind, "used": True, "treatment": self.treatment}

    @classmethod
    def from_dict(cls, record: dict) -> "ColumnPlan":
        """A plan from a run.json entry (older runs have fewer keys)."""
        return cls(**{k: record[k] for k in cls.__dataclass_fields__ if k in record})


def plan_columns(
    features: pd.DataFrame,
    roles: dict[str, str] | None = None,
    *,
    date_formats: dict[str, str | None] | None = None,
    hash_buckets: int | None = None,
    text_tokens: int | None = None,
) -> list[ColumnPlan]:
    """Each column's treatment and statistics, from the training split only.

    Args:
        features: the training split's feature columns.
        roles: column -> role (tfjourney.data.columns); None: numbers are numeric, the rest categorical.
        date_formats: column -> the format its dates parse with (datetime columns).
        hash_buckets: buckets of a high_cardinality column (the blueprint's `hash_buckets`).
        text_tokens: vocabulary size of a text column (the blueprint's `text_tokens`).

    Returns:
        One ColumnPlan per column, in order.
    """
    plans = []
    for name in features.columns:
        column = features[name]
        role = (roles or {}).get(name) or ("numeric" if pd.api.types.is_numeric_dtype(column) else "categorical")
        missing = int(column.isna().sum())
        if role == "numeric":
            plans.append(_numeric_plan(name, pd.to_numeric(column, errors="coerce"), missing))
        elif role == "datetime":
            date_format = (date_formats or {}).get(name)
            plans.append(_date_plan(name, to_days(column, date_format), date_format))
        elif role == "high_cardinality":
            plans.append(ColumnPlan(name, role, missing, buckets=int(hash_buckets), distinct=int(column.nunique())))
        elif role == "text":
            plans.append(ColumnPlan(name, role, missing, vocabulary=text_vocabulary(text_values(column), int(text_tokens))))
        else:
            vocabulary = sorted(categorical_values(column).unique().tolist())
            plans.append(ColumnPlan(name, "categorical", missing, vocabulary=vocabulary))
    return plans


def _mean_std(values: pd.Series) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    mean = float(values.mean()) if len(values) else 0.0
    std = float(values.std(ddof=0)) if len(values) > 1 else 1.0
    return mean, (std if std > 0 else 1.0)


def _numeric_plan(name: str, values: pd.Series, missing: int) -> ColumnPlan:
    mean, std = _mean_std(values.astype("float64"))
    return ColumnPlan(name, "numeric", int(missing), mean, std)


def _date_plan(name: str, days: pd.Series, date_format: str | None) -> ColumnPlan:
    mean, std = _mean_std(days)
    year_mean, year_std = _mean_std(1970 + days / 365.2425)
    return ColumnPlan(name, "datetime", int(days.isna().sum()), mean, std, date_format=date_format, year_mean=year_mean, year_std=year_std)


def text_values(column: pd.Series) -> pd.Series:
    """Free text as strings, a missing value as ""."""
    return column.astype("object").where(column.notna(), "").astype(str)


def text_vocabulary(texts: pd.Series, max_tokens: int) -> list[str]:
    """The `max_tokens` most frequent words, as TextVectorization's own adapt() finds them."""
    layer = keras.layers.TextVectorization(max_tokens=max_tokens + 1, output_mode="multi_hot")
    layer.adapt(texts.to_numpy(dtype=object), batch_size=4096)
    return [token for token in layer.get_vocabulary() if token not in ("", "[UNK]")]


def categorical_values(column: pd.Series) -> pd.Series:
    """Categories as strings, with a missing value as its own category ""."""
    return column.astype("object").where(column.notna(), "").astype(str)


def model_inputs(frame: pd.DataFrame, plans: list[ColumnPlan]) -> dict[str, np.ndarray]:
    """Raw DataFrame columns -> the dict of (n, 1) arrays the model's inputs expect.

    Numbers are parsed (placeholders such as "?" become NaN, which the model fills) and dates
    become days since 1970-01-01: the one preprocessing step outside the model, recorded in
    run.json (`date_format`) so predict repeats it.
    """
    inputs = {}
    for plan in plans:
        column = frame[plan.name]
        if plan.kind == "numeric":
            values = to_number(column).to_numpy(dtype="float32")
        elif plan.kind == "datetime":
            values = to_days(column, plan.date_format).to_numpy(dtype="float32")
        elif plan.kind == "text":
            values = text_values(column).to_numpy(dtype=object)
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
    """NaN and +-inf -> `value`, written with `keras.ops` so the saved model needs no custom layer.

    Ops called on symbolic tensors become nodes of the functional graph and are saved with
    it, so `model.keras` loads with plain `keras.saving.load_model` in any process.
    """
    return ops.where(ops.isfinite(values), values, ops.full_like(values, value))


def _encode_column(plan: ColumnPlan, raw: keras.KerasTensor, safe: str):
    if plan.kind == "numeric":
        filled = fill_missing(raw, plan.mean)
        return keras.layers.Normalization(mean=plan.mean, variance=plan.std**2, name=f"{safe}_norm")(filled)
    if plan.kind == "datetime":
        return date_parts(raw, plan)
    if plan.kind == "high_cardinality":
        return keras.layers.Hashing(num_bins=plan.buckets, output_mode="one_hot", name=f"{safe}_hashed")(raw)
    if plan.kind == "text":
        words = keras.layers.TextVectorization(vocabulary=plan.vocabulary, output_mode="multi_hot", name=f"{safe}_words")
        return words(keras.layers.Reshape((), name=f"{safe}_text")(raw))
    lookup = keras.layers.StringLookup(
        vocabulary=plan.vocabulary, num_oov_indices=1, output_mode="one_hot", name=f"{safe}_onehot"
    )
    return keras.layers.Reshape((len(plan.vocabulary) + 1,), name=f"{safe}_flat")(lookup(raw))


def date_parts(days: keras.KerasTensor, plan: ColumnPlan) -> keras.KerasTensor:
    """Days since 1970-01-01 -> [elapsed, year, month, sin/cos day of year, sin/cos day of week].

    The calendar arithmetic is Howard Hinnant's `civil_from_days`, in `keras.ops` so it is part
    of the saved graph. Elapsed days and the year are standardized with the training statistics.
    """
    filled = fill_missing(days, plan.mean)
    day = ops.floor(filled)
    z = day + 719468.0
    era = ops.floor(z / 146097.0)
    day_of_era = z - era * 146097.0
    year_of_era = ops.floor(
        (day_of_era - ops.floor(day_of_era / 1460.0) + ops.floor(day_of_era / 36524.0) - ops.floor(day_of_era / 146096.0)) / 365.0
    )
    day_from_march = day_of_era - (365.0 * year_of_era + ops.floor(year_of_era / 4.0) - ops.floor(year_of_era / 100.0))
    month_from_march = ops.floor((5.0 * day_from_march + 2.0) / 153.0)
    month = month_from_march + 3.0 - 12.0 * ops.cast(ops.greater_equal(month_from_march, 10.0), "float32")
    year = year_of_era + era * 400.0 + ops.cast(ops.less_equal(month, 2.0), "float32")
    year_angle = day_from_march * (2.0 * np.pi / 365.25)
    week_angle = ops.mod(day + 3.0, 7.0) * (2.0 * np.pi / 7.0)  # 1970-01-01 was a Thursday; Monday = 0
    parts = [
        (filled - plan.mean) / plan.std,
        (year - plan.year_mean) / plan.year_std,
        (month - 6.5) / 3.5,
        ops.sin(year_angle),
        ops.cos(year_angle),
        ops.sin(week_angle),
        ops.cos(week_angle),
    ]
    return ops.concatenate(parts, axis=-1)


def build_preprocessing(plans: list[ColumnPlan]) -> tuple[dict[str, keras.KerasTensor], keras.KerasTensor]:
    safe_names = _unique_layer_names(plans)
    inputs = {
        plan.name: keras.Input(shape=(1,), name=_input_name(plan.name, safe), dtype="float32" if plan.kind in NUMERIC_INPUTS else "string")
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
    plans: list[ColumnPlan], config: TabularConfig, target_mean: float = 0.0, target_std: float = 1.0
) -> keras.Model:
    """Hidden ReLU stack -> 1 unit; a linear output is rescaled to the target's units.

    Learning a standardized target and scaling back inside the model is what makes
    the default learning rate work for targets in the thousands (insurance charges).
    """
    inputs, features = build_preprocessing(plans)
    x = _hidden_stack(features, config.hidden, config.activation)
    activation = None if config.output_activation == "none" else config.output_activation
    output = keras.layers.Dense(1, activation=activation, name="output")(x)
    if activation is None:
        output = keras.layers.Rescaling(scale=target_std, offset=target_mean, name="to_target_units")(output)
    return _dict_input_model(inputs, output, "regression")


def build_classification_model(plans: list[ColumnPlan], config: TabularConfig, n_classes: int) -> keras.Model:
    """Hidden stack -> the course's classifier output (1 sigmoid unit, or 1 softmax unit per class)."""
    inputs, features = build_preprocessing(plans)
    x = _hidden_stack(features, config.hidden, config.activation)
    head = classifier_output(n_classes)
    output = keras.layers.Dense(head.units, activation=head.activation, name="output")(x)
    return _dict_input_model(inputs, output, "binary_classification" if n_classes == 2 else "multiclass_classification")


def build_tabular_model(plans: list[ColumnPlan], config: TabularConfig, *, task: str, targets: np.ndarray, n_classes: int) -> keras.Model:
    """The regression or classification network for `task` ("regression", "binary", "multiclass").

    Args:
        plans: each used column's treatment.
        config: the tabular blueprint config (hidden layers, activations).
        task: "regression", or a classification task.
        targets: the training targets; a regression model learns them standardized (their mean and spread).
        n_classes: how many classes a classifier predicts (unused for regression).

    Returns:
        The uncompiled model: a dict of raw columns in, predictions out.
    """
    if task == "regression":
        return build_regression_model(plans, config, float(np.mean(targets)), float(np.std(targets)) or 1.0)
    return build_classification_model(plans, config, n_classes)
