"""Time tfjourney's tabular training against a hand-written Keras model of the same shape.

Usage: python benchmarks/bench_tabular.py [CSV] [--epochs N] [--repeats R]
(default CSV: ../shared/data/insurance/insurance.csv, target `charges`, 50 epochs, 3 repeats).

Both sides train on the same fit/validation rows, for the same fixed number of epochs, with
batch 32, Adam and MAE, and a Dense 100-100-1 network:

* tfjourney: the pipeline's own pieces (split, column plans, tf.data dataset, the blueprint's
  model with preprocessing inside it, its callbacks with patience = epochs so early stopping
  never ends a run early, history CSV included), timed around `tfjourney.training.fit.fit`.
* hand-written: the same preprocessing done in pandas/NumPy beforehand (standardize numbers,
  one-hot strings), a plain Sequential model, `model.fit(x, y, batch_size=32, validation_data=...)`.

Repeats are interleaved (t, h, t, h, ...) and the medians compared; goal: ratio <= 1.05.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tfjourney  # noqa: E402,F401  (first: it imports TensorFlow without the start-up noise)
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from tfjourney.blueprints import get_blueprint  # noqa: E402
from tfjourney.data.tabular import load_table, split_frame  # noqa: E402
from tfjourney.models.tabular import build_tabular_model, plan_columns  # noqa: E402
from tfjourney.pipelines import tabular as pipeline  # noqa: E402
from tfjourney.training.fit import compile_regressor, default_callbacks, fit, set_seed  # noqa: E402
from tfjourney.training.table_data import table_dataset  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT / ".." / "shared" / "data" / "insurance" / "insurance.csv"


def prepare(csv: Path, target: str, seed: int):
    table = load_table(csv, target, kind="regression")
    config = get_blueprint("regression").resolve()
    train_df, _ = split_frame(table.frame, config.test_size, seed)
    fit_df, val_df = split_frame(train_df, config.validation_split, seed)
    return table, config, fit_df, val_df


def time_tfjourney(table, config, fit_df, val_df, epochs: int, seed: int) -> float:
    """The pipeline's own pieces, as train_tabular runs them; only `fit` is timed."""
    config = replace(config, epochs=epochs, patience=epochs)
    plans = plan_columns(fit_df[table.features])
    y_fit = pipeline._targets(fit_df, table, [])
    y_val = pipeline._targets(val_df, table, [])
    set_seed(seed)
    fit_ds = table_dataset(fit_df, y_fit, plans, config.batch_size, seed, shuffle=True)
    val_ds = table_dataset(val_df, y_val, plans, config.batch_size, seed, shuffle=False)
    model = build_tabular_model(plans, config, task="regression", targets=y_fit, n_classes=0)
    compile_regressor(model, config.loss, config.learning_rate, config.optimizer)
    with tempfile.TemporaryDirectory() as tmp:
        callbacks = default_callbacks(Path(tmp) / "history.csv", config.patience)
        result = fit(model, fit_ds, val_ds, epochs, callbacks)
    assert result.epochs_run == epochs, result.epochs_run
    return result.seconds


def _pandas_features(fit_df: pd.DataFrame, other: pd.DataFrame, features: list[str]) -> tuple[np.ndarray, np.ndarray]:
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(fit_df[c])]
    categorical = [c for c in features if c not in numeric]
    mean, std = fit_df[numeric].mean(), fit_df[numeric].std(ddof=0).replace(0, 1)

    def encode(frame):
        nums = ((frame[numeric].fillna(mean) - mean) / std).to_numpy("float32")
        cats = pd.get_dummies(frame[categorical].astype(str)).reindex(columns=cat_columns, fill_value=0).to_numpy("float32")
        return np.hstack([nums, cats])

    cat_columns = pd.get_dummies(fit_df[categorical].astype(str)).columns
    return encode(fit_df), encode(other)


def time_hand_written(table, config, fit_df, val_df, epochs: int, seed: int) -> float:
    x_fit, x_val = _pandas_features(fit_df, val_df, table.features)
    y_fit = fit_df[table.target].to_numpy("float32")
    y_val = val_df[table.target].to_numpy("float32")
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((x_fit.shape[1],)),
            keras.layers.Dense(100, activation="relu"),
            keras.layers.Dense(100, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate), loss="mae", metrics=["mae"])
    start = time.perf_counter()
    history = model.fit(x_fit, y_fit, batch_size=32, epochs=epochs, validation_data=(x_val, y_val), verbose=0)
    seconds = time.perf_counter() - start
    assert len(history.history["loss"]) == epochs
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--target", default="charges")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    if not args.csv.is_file():
        print(f"bench_tabular: {args.csv} not found; pass the insurance CSV path as the first argument.", file=sys.stderr)
        return 2
    table, config, fit_df, val_df = prepare(args.csv, args.target, args.seed)
    print(f"data: {args.csv.resolve()} ({len(fit_df)} fit rows, {len(val_df)} validation rows, {len(table.features)} features)")
    print(f"each run: {args.epochs} epochs, batch 32, Dense 100-100-1, Adam lr {config.learning_rate}, MAE; {args.repeats} interleaved repeats")
    ours, theirs = [], []
    for i in range(args.repeats):
        ours.append(time_tfjourney(table, config, fit_df, val_df, args.epochs, args.seed))
        theirs.append(time_hand_written(table, config, fit_df, val_df, args.epochs, args.seed))
        print(f"  repeat {i + 1}: tfjourney {ours[-1]:.2f} s, hand-written {theirs[-1]:.2f} s")
    t, h = statistics.median(ours), statistics.median(theirs)
    ratio = t / h
    print(f"median fit seconds: tfjourney {t:.2f}, hand-written {h:.2f}; ratio tfjourney/hand-written = {ratio:.3f} (goal <= 1.05)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
