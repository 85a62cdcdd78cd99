"""Tabular datasets that ship with tfjourney's dependencies, so nothing needs a network.

`circles` is the course's `make_circles` (1000 points, noise 0.03); the others come
from scikit-learn's bundled data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas and scikit-learn load when a table does: `tfjourney datasets` lists names fast
    import pandas as pd


def _sk():
    from sklearn import datasets

    return datasets


@dataclass(frozen=True)
class EmbeddedTable:
    name: str
    task: str  # "regression", "binary" or "multiclass"
    target: str
    description: str
    loader: Callable[[], pd.DataFrame]


def _toy_2d(maker: Callable, **kwargs) -> pd.DataFrame:
    import pandas as pd

    X, y = maker(n_samples=1000, random_state=42, **kwargs)
    return pd.DataFrame({"X0": X[:, 0], "X1": X[:, 1], "label": y})


def _circles() -> pd.DataFrame:
    return _toy_2d(_sk().make_circles, noise=0.03)


def _moons() -> pd.DataFrame:
    return _toy_2d(_sk().make_moons, noise=0.1)


def _diabetes() -> pd.DataFrame:
    bunch = _sk().load_diabetes(as_frame=True, scaled=False)
    return bunch.frame.rename(columns={"target": "progression"})


def _named_target(bunch, target: str) -> pd.DataFrame:
    frame = bunch.data.copy()
    frame[target] = [str(bunch.target_names[i]) for i in bunch.target]
    return frame


def _breast_cancer() -> pd.DataFrame:
    return _named_target(_sk().load_breast_cancer(as_frame=True), "diagnosis")


def _wine() -> pd.DataFrame:
    return _named_target(_sk().load_wine(as_frame=True), "cultivar")


EMBEDDED_TABLES: dict[str, EmbeddedTable] = {
    t.name: t
    for t in (
        EmbeddedTable("circles", "binary", "label", "the course's make_circles: 1000 points, noise 0.03, 2 features", _circles),
        EmbeddedTable("moons", "binary", "label", "make_moons: 1000 points, noise 0.1, 2 features", _moons),
        EmbeddedTable("diabetes", "regression", "progression", "scikit-learn diabetes: 442 patients, 10 features", _diabetes),
        EmbeddedTable("breast_cancer", "binary", "diagnosis", "scikit-learn breast cancer Wisconsin: 569 rows, 30 features", _breast_cancer),
        EmbeddedTable("wine", "multiclass", "cultivar", "scikit-learn wine: 178 rows, 13 features, 3 cultivars", _wine),
    )
}
