"""scikit-learn baselines fitted on the same split as the network, so every metric has context."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from tfjourney.models.tabular import ColumnPlan, categorical_values


def _linear_features(plans: list[ColumnPlan]) -> ColumnTransformer:
    numeric = [p.name for p in plans if p.kind == "numeric"]
    categorical = [p.name for p in plans if p.kind == "categorical"]
    return ColumnTransformer(
        [
            ("numeric", make_pipeline(SimpleImputer(), StandardScaler()), numeric),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
        ]
    )


def _as_sklearn_frame(frame: pd.DataFrame, plans: list[ColumnPlan]) -> pd.DataFrame:
    out = frame[[p.name for p in plans]].copy()
    for plan in plans:
        if plan.kind == "categorical":
            out[plan.name] = categorical_values(out[plan.name])
    return out


def regression_baselines(train: pd.DataFrame, y_train, test: pd.DataFrame, plans: list[ColumnPlan]) -> dict[str, np.ndarray]:
    """Mean predictor and linear regression predictions on the test rows."""
    mean = DummyRegressor(strategy="mean").fit(np.zeros((len(y_train), 1)), y_train)
    linear = make_pipeline(_linear_features(plans), LinearRegression())
    linear.fit(_as_sklearn_frame(train, plans), y_train)
    return {
        "baseline": mean.predict(np.zeros((len(test), 1))),
        "linear": linear.predict(_as_sklearn_frame(test, plans)),
    }


def classification_baselines(train: pd.DataFrame, y_train, test: pd.DataFrame, plans: list[ColumnPlan]) -> dict[str, np.ndarray]:
    """Majority-class and logistic-regression predictions on the test rows."""
    majority = DummyClassifier(strategy="most_frequent").fit(np.zeros((len(y_train), 1)), y_train)
    logistic = make_pipeline(_linear_features(plans), LogisticRegression(max_iter=2000))
    logistic.fit(_as_sklearn_frame(train, plans), y_train)
    return {
        "baseline": majority.predict(np.zeros((len(test), 1))),
        "linear": logistic.predict(_as_sklearn_frame(test, plans)),
    }
