"""scikit-learn baselines fitted on the same split as the network, so every metric has context.

Three of them: the mean / majority class (a metric means little without it), a linear model,
and gradient boosting (`HistGradientBoosting`), the model a tabular practitioner would try
first. Each sees the columns the network sees: numbers, categories (high-cardinality ones
capped to their most frequent values), dates as numbers; free text only reaches the network.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import log_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from tfjourney.data.columns import to_days, to_number
from tfjourney.models.tabular import ColumnPlan, categorical_values

_CATEGORY_KINDS = ("categorical", "high_cardinality")
_GBM_MAX_CATEGORIES = 254  # HistGradientBoosting's native categories must fit its 255 bins


def _one_thread(fit_and_predict):
    """Gradient boosting on one OpenMP thread: beside TensorFlow's threads on a busy 2-core machine,
    its spinning thread pool made a 1k-row fit take minutes instead of a second."""

    @functools.wraps(fit_and_predict)
    def run(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="openmp"):
            return fit_and_predict(*args, **kwargs)

    return run


def _numeric_names(plans: list[ColumnPlan]) -> list[str]:
    names = []
    for plan in plans:
        if plan.kind == "numeric":
            names.append(plan.name)
        elif plan.kind == "datetime":
            names += [plan.name, f"{plan.name} (month)", f"{plan.name} (day of week)", f"{plan.name} (day of year)"]
    return names


def _category_names(plans: list[ColumnPlan]) -> list[str]:
    return [p.name for p in plans if p.kind in _CATEGORY_KINDS]


def _linear_features(plans: list[ColumnPlan], max_categories: int) -> ColumnTransformer:
    return ColumnTransformer(
        [
            ("numeric", make_pipeline(SimpleImputer(keep_empty_features=True), StandardScaler()), _numeric_names(plans)),
            ("categorical", OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=max_categories), _category_names(plans)),
        ]
    )


def _as_sklearn_frame(frame: pd.DataFrame, plans: list[ColumnPlan]) -> pd.DataFrame:
    """Numbers as float (dates as days since 1970), categories as strings; text left out."""
    out = pd.DataFrame(index=frame.index)
    for plan in plans:
        if plan.kind == "numeric":
            out[plan.name] = to_number(frame[plan.name])
        elif plan.kind == "datetime":
            days = to_days(frame[plan.name], plan.date_format)
            stamps = pd.Timestamp("1970-01-01") + pd.to_timedelta(days, unit="D")
            out[plan.name] = days
            out[f"{plan.name} (month)"] = stamps.dt.month
            out[f"{plan.name} (day of week)"] = stamps.dt.dayofweek
            out[f"{plan.name} (day of year)"] = stamps.dt.dayofyear
        elif plan.kind in _CATEGORY_KINDS:
            out[plan.name] = categorical_values(frame[plan.name])
    return out


def _gbm_frames(train: pd.DataFrame, test: pd.DataFrame, plans: list[ColumnPlan]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Categories as pandas categoricals over the training split's most frequent values (the rest missing)."""
    train_x, test_x = _as_sklearn_frame(train, plans), _as_sklearn_frame(test, plans)
    for name in _category_names(plans):
        kept = train_x[name].value_counts().index[:_GBM_MAX_CATEGORIES]
        dtype = pd.CategoricalDtype(sorted(kept))
        train_x[name], test_x[name] = train_x[name].astype(dtype), test_x[name].astype(dtype)
    return train_x, test_x


def _max_categories(plans: list[ColumnPlan]) -> int:
    return max([len(p.vocabulary) + 1 for p in plans if p.kind == "categorical"] + [p.buckets for p in plans if p.kind == "high_cardinality"] + [2])


def _has_columns(plans: list[ColumnPlan]) -> bool:
    """Linear models and boosting see numbers, dates and categories; a table of free text alone has none."""
    return bool(_numeric_names(plans) or _category_names(plans))


@_one_thread
def regression_baselines(train: pd.DataFrame, y_train, test: pd.DataFrame, plans: list[ColumnPlan], seed: int = 0) -> dict[str, np.ndarray]:
    """Mean predictor, linear regression and gradient boosting (MAE loss) predictions on the test rows.

    Args:
        train, y_train: the training rows (raw columns) and their targets.
        test: the test rows.
        plans: the network's column plans (which columns, and how each is read).
        seed: gradient boosting's random_state.

    Returns:
        {"baseline": ..., "linear": ..., "gbm": ...}, one prediction per test row each.
    """
    mean = DummyRegressor(strategy="mean").fit(np.zeros((len(y_train), 1)), y_train)
    if not _has_columns(plans):
        constant = mean.predict(np.zeros((len(test), 1)))
        return {"baseline": constant, "linear": constant, "gbm": constant}
    linear = make_pipeline(_linear_features(plans, _max_categories(plans)), LinearRegression())
    linear.fit(_as_sklearn_frame(train, plans), y_train)
    gbm_train, gbm_test = _gbm_frames(train, test, plans)
    gbm = HistGradientBoostingRegressor(loss="absolute_error", categorical_features="from_dtype", random_state=seed)
    gbm.fit(gbm_train, y_train)
    return {
        "baseline": mean.predict(np.zeros((len(test), 1))),
        "linear": linear.predict(_as_sklearn_frame(test, plans)),
        "gbm": gbm.predict(gbm_test),
    }


@_one_thread
def classification_baselines(train: pd.DataFrame, y_train, test: pd.DataFrame, plans: list[ColumnPlan], seed: int = 0) -> dict[str, np.ndarray]:
    """Majority class, logistic regression and gradient boosting predictions (class indices) on the test rows.

    Args:
        train, y_train: the training rows (raw columns) and their class indices.
        test: the test rows.
        plans: the network's column plans.
        seed: gradient boosting's random_state.

    Returns:
        {"baseline": ..., "linear": ..., "gbm": ...}, one predicted class index per test row each.
    """
    majority = DummyClassifier(strategy="most_frequent").fit(np.zeros((len(y_train), 1)), y_train)
    if not _has_columns(plans):
        constant = majority.predict(np.zeros((len(test), 1)))
        return {"baseline": constant, "linear": constant, "gbm": constant}
    logistic = make_pipeline(_linear_features(plans, _max_categories(plans)), LogisticRegression(max_iter=2000))
    logistic.fit(_as_sklearn_frame(train, plans), y_train)
    gbm_train, gbm_test = _gbm_frames(train, test, plans)
    gbm = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    gbm.fit(gbm_train, y_train)
    return {
        "baseline": majority.predict(np.zeros((len(test), 1))),
        "linear": logistic.predict(_as_sklearn_frame(test, plans)),
        "gbm": gbm.predict(gbm_test),
    }


@_one_thread
def _gbm_validation_score(fit, y_fit, val, y_val, plans: list[ColumnPlan], task: str, seed: int) -> float:
    """Gradient boosting's validation error (MAE, or log loss for classes): lower is better."""
    if not _has_columns(plans):
        return float(np.mean(np.abs(y_val - np.mean(y_fit)))) if task == "regression" else float("inf")
    fit_x, val_x = _gbm_frames(fit, val, plans)
    if task == "regression":
        model = HistGradientBoostingRegressor(loss="absolute_error", categorical_features="from_dtype", random_state=seed)
        return float(np.mean(np.abs(model.fit(fit_x, y_fit).predict(val_x) - y_val)))
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed).fit(fit_x, y_fit)
    return float(log_loss(y_val, model.predict_proba(val_x), labels=model.classes_))


def dates_that_do_not_help(
    fit: pd.DataFrame, y_fit, val: pd.DataFrame, y_val, plans: list[ColumnPlan], *, task: str, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """Date columns gradient boosting predicts the validation rows no better with than without.

    A date splits into seven numeric parts; when the dates carry no signal (a random sign-up
    date), those parts are noise the network fits. Checked on the validation rows only, never
    on the test split.

    Args:
        fit, y_fit: the rows the network trains on, and their targets.
        val, y_val: the validation rows.
        plans: the column plans, dates among them.
        task: "regression" (scored by MAE) or "binary"/"multiclass" (scored by log loss).
        seed: gradient boosting's random_state.

    Returns:
        {date column: (validation error with it, without it)} for each date that does not help.
    """
    useless = {}
    for plan in (p for p in plans if p.kind == "datetime"):
        others = [p for p in plans if p.name != plan.name]
        with_date = _gbm_validation_score(fit, y_fit, val, y_val, plans, task, seed)
        without = _gbm_validation_score(fit, y_fit, val, y_val, others, task, seed)
        if with_date >= without:
            useless[plan.name] = (with_date, without)
    return useless
