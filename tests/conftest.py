"""Shared fixtures: small, real-looking tabular data, and a few trained runs reused across files.

Kept generic on purpose: image tests add their own fixtures in their own folders.
Everything trained here is tiny (hundreds of rows, a handful of epochs) and
session-scoped, so the whole tabular part of the suite trains each model once.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

REGIONS = ("northeast", "northwest", "southeast", "southwest")


def make_frame(n: int = 300, seed: int = 0, missing: bool = True) -> pd.DataFrame:
    """An insurance-like table: numeric and string features, a linear-ish target, some gaps.

    Columns: age (int), bmi (float, some NaN), "num children" (int, a name with a space),
    smoker (yes/no), region (4 strings, some "NA"), charges (regression target),
    claim (binary yes/no target), tier (3-class target).
    """
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 65, n)
    bmi = rng.normal(30, 5, n).round(2)
    children = rng.integers(0, 4, n)
    smoker = rng.choice(["yes", "no"], n, p=[0.3, 0.7])
    region = rng.choice(REGIONS, n).astype(object)
    charges = 250.0 * age + 300.0 * (bmi - 30) + 500.0 * children + 20000.0 * (smoker == "yes") + rng.normal(0, 1000, n)
    frame = pd.DataFrame(
        {
            "age": age,
            "bmi": bmi,
            "num children": children,
            "smoker": smoker,
            "region": region,
            "charges": charges.round(2),
        }
    )
    frame["claim"] = np.where(charges > np.median(charges), "yes", "no")
    frame["tier"] = pd.qcut(charges, 3, labels=["low", "mid", "high"]).astype(str)
    if missing:
        frame.loc[rng.choice(n, max(n // 20, 1), replace=False), "bmi"] = np.nan
        frame.loc[rng.choice(n, max(n // 25, 1), replace=False), "region"] = "NA"
    return frame


def write_frame(frame: pd.DataFrame, path: Path, sep: str = ",", encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(frame.to_csv(index=False, sep=sep).encode(encoding))
    return path


@pytest.fixture
def small_csv(tmp_path):
    """Factory: `small_csv(name="data.csv", n=300, seed=0, sep=",", encoding="utf-8", missing=True,
    columns=None, frame=None)` writes a CSV under tmp_path and returns its path."""

    def make(name="data.csv", n=300, seed=0, sep=",", encoding="utf-8", missing=True, columns=None, frame=None):
        frame = make_frame(n, seed, missing) if frame is None else frame
        if columns is not None:
            frame = frame[list(columns)]
        return write_frame(frame, tmp_path / name, sep=sep, encoding=encoding)

    return make


@pytest.fixture
def frame_maker():
    """The make_frame function: `frame_maker(n=300, seed=0, missing=True)` -> DataFrame to tweak."""
    return make_frame


@pytest.fixture
def no_partials():
    """Assert helper: `no_partials(folder)` fails if a hidden `.NAME.partial-*` staging dir is left."""

    def check(folder: Path) -> None:
        leftovers = [p.name for p in Path(folder).iterdir() if ".partial-" in p.name or ".replaced-" in p.name]
        assert not leftovers, f"staging folders left behind: {leftovers}"

    return check


# ------------------------------------------------------------------ trained runs, shared by several files
@pytest.fixture(scope="session")
def tabular_workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tabular")


@pytest.fixture(scope="session")
def mixed_csv(tabular_workspace) -> Path:
    """400 rows of make_frame, numeric + string columns with gaps, for regression and round trips."""
    return write_frame(make_frame(400, seed=1), tabular_workspace / "insurance_like.csv")


REGRESSION_ARGS = ("--epochs", "30", "--seed", "7", "--drop", "claim,tier")


@pytest.fixture(scope="session")
def regression_args() -> tuple[str, ...]:
    """The options regression_run was trained with (besides DATA, --target charges and --out)."""
    return REGRESSION_ARGS


@pytest.fixture(scope="session")
def regression_run(mixed_csv, tabular_workspace) -> Path:
    """`tfjourney train regression` on mixed_csv (target charges), via the in-process CLI."""
    from tfjourney.cli import main

    out = tabular_workspace / "regression-run"
    assert main(["train", "regression", str(mixed_csv), "--target", "charges", "--out", str(out), *REGRESSION_ARGS]) == 0
    return out


@pytest.fixture(scope="session")
def circles_run(tabular_workspace) -> Path:
    """`tfjourney train classification circles`: 2 numeric features, binary."""
    from tfjourney.cli import main

    out = tabular_workspace / "circles-run"
    assert main(["train", "classification", "circles", "--epochs", "60", "--seed", "42", "--out", str(out)]) == 0
    return out
