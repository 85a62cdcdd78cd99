"""Benchmark: what the training progress line costs, side by side with silent training.

Usage: ``python benchmarks/bench_progress.py [--rows N] [--epochs E] [--repeats R]``

Fits the same small Dense model on the same rows with no reporting, with one line per epoch
(a log), and with the live bar (a terminal, faked with a StringIO that says it is a tty, so the
bar's per-batch updates really run). The modes run interleaved, ``--repeats`` rounds in rotating
order; the best round of each is compared with silent training as a ratio.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import tfjourney  # noqa: E402,F401  (first: it imports TensorFlow without the start-up noise)
import keras  # noqa: E402
import numpy as np  # noqa: E402

from tfjourney.progress import Progress  # noqa: E402
from tfjourney.training.progress import epoch_callbacks  # noqa: E402


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _fit_seconds(mode: str, x: np.ndarray, y: np.ndarray, epochs: int) -> float:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((x.shape[1],)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
    model.compile("adam", "mae", metrics=["mae"])
    progress = {"silent": Progress.silent(), "lines": Progress(io.StringIO(), "lines"), "live": Progress(_Terminal(), "live")}[mode]
    start = time.perf_counter()
    model.fit(x, y, validation_split=0.2, epochs=epochs, batch_size=32, verbose=0, callbacks=epoch_callbacks(progress))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.rows, 10)).astype("float32")
    y = (x @ rng.normal(size=10)).astype("float32")
    modes = ["silent", "lines", "live"]
    _fit_seconds("silent", x, y, 1)  # warm-up: tracing and thread pools
    seconds: dict[str, list[float]] = {mode: [] for mode in modes}
    for round_ in range(args.repeats):
        for mode in modes[round_ % 3:] + modes[: round_ % 3]:
            seconds[mode].append(_fit_seconds(mode, x, y, args.epochs))
    steps = args.epochs * int(np.ceil(args.rows * 0.8 / 32))
    base = min(seconds["silent"])
    print(f"{args.rows:,} rows, {args.epochs} epochs, {steps:,} batches; best of {args.repeats} rounds")
    for mode in modes:
        best = min(seconds[mode])
        print(f"  {mode:<7} {best:6.2f} s   {best / base:5.2f}x silent")


if __name__ == "__main__":
    main()
