"""The Playground's data: its six generated datasets, or two numeric columns of a user's CSV.

The generators follow the Neural Network Playground (tensorflow/playground, dataset.ts):
points on [-6, 6]^2, `noise` in percent, labels 0/1 for the two classes (orange, blue) or a
number in [-1, 1] for the regression sets.

Example:
    >>> data = make_data(dataset="circle", noise=10, train_percent=50, points=500, seed=42)
    >>> data.x_train.shape, data.task
    ((250, 2), 'binary')
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tfjourney.errors import DataError
from tfjourney.models.playground import DATA_EXTENT

REGRESSION_SETS = ("plane", "multigauss")
CLASS_NAMES = ["orange", "blue"]  # the Playground's colours for its -1 / +1 classes


@dataclass(frozen=True)
class PlaygroundData:
    """Train/test points (raw column units), the task, and how the columns map onto the drawing square."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: str  # "binary" or "regression"
    source: str
    columns: tuple[str, str] = ("x1", "x2")
    target: str = "label"
    class_names: list[str] = field(default_factory=list)
    center: tuple[float, float] = (0.0, 0.0)
    half_range: tuple[float, float] = (DATA_EXTENT, DATA_EXTENT)
    target_center: float = 0.0
    target_half_range: float = 1.0


def _circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    radius = 5.0
    half = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, half), rng.uniform(radius * 0.7, radius, n - half)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    x_noisy = x + rng.uniform(-radius, radius, x.shape) * noise
    y = (np.hypot(x_noisy[:, 0], x_noisy[:, 1]) < radius * 0.5).astype("float32")
    return x, y  # labelled by where noise would have put them, drawn where they are (as the Playground)


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-5, 5, (n, 2))
    x += np.where(x > 0, 0.3, -0.3)
    x_noisy = x + rng.uniform(-5, 5, x.shape) * noise
    return x, (x_noisy[:, 0] * x_noisy[:, 1] >= 0).astype("float32")


def _gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    variance = 0.5 + (4 - 0.5) * noise
    half = n // 2
    centers = np.concatenate([np.full((half, 2), 2.0), np.full((n - half, 2), -2.0)])
    x = centers + rng.normal(0, np.sqrt(variance), (n, 2))
    return x, np.concatenate([np.ones(half), np.zeros(n - half)]).astype("float32")


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    half = n // 2
    arms, labels = [], []
    for delta, label in ((0.0, 1.0), (np.pi, 0.0)):
        i = np.arange(half)
        r = i / half * 5
        t = 1.75 * i / half * 2 * np.pi + delta
        arm = np.stack([r * np.sin(t), r * np.cos(t)], axis=1) + rng.uniform(-1, 1, (half, 2)) * noise
        arms.append(arm)
        labels.append(np.full(half, label))
    return np.concatenate(arms), np.concatenate(labels).astype("float32")


def _plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-6, 6, (n, 2))
    x_noisy = x + rng.uniform(-6, 6, x.shape) * noise
    return x, np.clip((x_noisy[:, 0] + x_noisy[:, 1]) / 10, -1, 1).astype("float32")


_GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def _multigauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-6, 6, (n, 2))
    x_noisy = x + rng.uniform(-6, 6, x.shape) * noise
    bumps = np.stack([sign * np.clip(1 - np.hypot(x_noisy[:, 0] - cx, x_noisy[:, 1] - cy) / 2, 0, 1) for cx, cy, sign in _GAUSSIANS])
    strongest = np.abs(bumps).argmax(axis=0)
    return x, bumps[strongest, np.arange(n)].astype("float32")


_GENERATORS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "plane": _plane, "multigauss": _multigauss}


def _split(x: np.ndarray, y: np.ndarray, train_percent: float, rng: np.random.Generator):
    order = rng.permutation(len(x))
    n_train = max(1, min(len(x) - 1, round(len(x) * train_percent / 100)))
    train, test = order[:n_train], order[n_train:]
    return x[train].astype("float32"), y[train].astype("float32"), x[test].astype("float32"), y[test].astype("float32")


def make_data(*, dataset: str, noise: float, train_percent: float, points: int, seed: int) -> PlaygroundData:
    """One of the generated datasets, shuffled and split into train and test.

    Args:
        dataset: circle, xor, gauss, spiral, plane or multigauss.
        noise: 0-50 (percent), as the Playground's slider.
        train_percent: the share of points used for training.
        points: how many points in all.
        seed: the same seed gives the same points.

    Returns:
        PlaygroundData in the Playground's own units.
    """
    if dataset not in _GENERATORS:
        raise DataError(f"unknown Playground dataset {dataset!r}; choose one of: {', '.join(_GENERATORS)} (or upload a CSV).")
    rng = np.random.default_rng(seed)
    x, y = _GENERATORS[dataset](points, noise / 100, rng)
    task = "regression" if dataset in REGRESSION_SETS else "binary"
    return PlaygroundData(*_split(x, y, train_percent, rng), task=task, source=f"playground:{dataset}",
                          class_names=list(CLASS_NAMES) if task == "binary" else [])


# ----------------------------------------------------------------------------- a user's CSV
@dataclass(frozen=True)
class UploadedTable:
    """A CSV the user gave the Playground, checked once: two numeric feature columns and a target."""

    frame: pd.DataFrame
    columns: tuple[str, str]
    target: str
    name: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(pd.util.hash_pandas_object(self.frame, index=False).values.tobytes()).hexdigest()[:16]


def read_playground_csv(*, content: bytes, name: str, target: str | None = None) -> UploadedTable:
    """Parse an uploaded CSV: the target (default: the last column) and exactly two numeric features.

    Raises:
        DataError naming what is wrong and what the file needs instead.
    """
    try:
        frame = pd.read_csv(io.BytesIO(content))
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{name} is not a readable CSV ({str(exc).splitlines()[0]}); upload a comma-separated text file with a header row.") from None
    target = target or (frame.columns[-1] if len(frame.columns) else None)
    if target not in frame.columns:
        raise DataError(f"{name} has no column {target!r}; its columns are: {', '.join(map(str, frame.columns))}.")
    features = [c for c in frame.columns if c != target]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(frame[c])]
    if len(features) != 2 or len(numeric) != 2:
        raise DataError(f"{name} needs exactly two numeric feature columns besides the target {target!r} "
                        f"(it has: {', '.join(map(str, features)) or 'none'}); keep two numeric columns and the target.")
    for column in features:
        if "/" in str(column) or not str(column):
            raise DataError(f"column name {column!r} cannot name a model input; rename it without '/' in {name}.")
    frame = frame[features + [target]].dropna()
    if len(frame) < 10:
        raise DataError(f"{name} has {len(frame)} complete rows; the Playground needs at least 10.")
    return UploadedTable(frame.reset_index(drop=True), (str(features[0]), str(features[1])), str(target), name)


def _midpoint_and_half(values: np.ndarray) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    return (low + high) / 2, ((high - low) / 2) or 1.0


def table_data(table: UploadedTable, *, train_percent: float, seed: int) -> PlaygroundData:
    """An uploaded table as Playground data: two classes -> binary, a numeric target -> regression."""
    x = table.frame[list(table.columns)].to_numpy(dtype="float64")
    raw = table.frame[table.target]
    labels = sorted(raw.astype(str).unique())
    if len(labels) == 2:
        task, class_names = "binary", labels
        y = (raw.astype(str) == labels[1]).to_numpy(dtype="float32")
        target_center, target_half = 0.0, 1.0
    elif pd.api.types.is_numeric_dtype(raw):
        task, class_names = "regression", []
        y = raw.to_numpy(dtype="float32")
        target_center, target_half = _midpoint_and_half(y)
    else:
        raise DataError(f"target {table.target!r} has {len(labels)} classes; the Playground draws two classes or a number. "
                        "Use `tfjourney train classification` for more classes.")
    centers, halves = zip(*(_midpoint_and_half(x[:, i]) for i in range(2)))
    rng = np.random.default_rng(seed)
    return PlaygroundData(*_split(x, y, train_percent, rng), task=task, source=f"csv:{table.name}", columns=table.columns,
                          target=table.target, class_names=class_names, center=tuple(centers), half_range=tuple(halves),
                          target_center=target_center, target_half_range=target_half)
