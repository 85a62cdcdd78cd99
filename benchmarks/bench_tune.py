"""Does pruning pay? The same search with Hyperband pruning and without, side by side.

Usage: python benchmarks/bench_tune.py [CSV] [--target charges] [--trials N] [--seed S] [--space KEY=...]
(default CSV: ../shared/data/insurance/insurance.csv, target `charges`, 20 trials, seed 42).

Both searches run the regression blueprint's default space with the TPE sampler and the same
seed, in fresh studies in a temporary folder, with `retrain=False` so only the search is timed.
Goal (issue 22): Hyperband's wall time <= 0.6x no pruning's, best validation score within 2%.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tfjourney  # noqa: E402,F401  (first: it imports TensorFlow without the start-up noise)
from tfjourney.tune import tune  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT / ".." / "shared" / "data" / "insurance" / "insurance.csv"


def search(csv: Path, target: str, trials: int, seed: int, pruner: str, space: list[str], folder: Path) -> tuple[float, float, int]:
    """(wall seconds, best validation score, pruned trials) of one search."""
    started = time.perf_counter()
    result = tune("regression", csv, target=target, trials=trials, pruner=pruner, seed=seed, space=space,
                  out=folder / pruner, retrain=False)
    return time.perf_counter() - started, result.best_value, result.pruned


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--target", default="charges")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--space", action="append", default=[])
    args = parser.parse_args()
    if not args.csv.is_file():
        print(f"bench_tune: {args.csv} not found; pass a CSV (and --target)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-tune-") as tmp:
        rows = {pruner: search(args.csv, args.target, args.trials, args.seed, pruner, args.space, Path(tmp)) for pruner in ("none", "hyperband")}
    (plain_s, plain_best, plain_pruned), (hb_s, hb_best, hb_pruned) = rows["none"], rows["hyperband"]
    print(f"{'pruner':<10} {'wall s':>8} {'best val':>10} {'pruned':>7}")
    print(f"{'none':<10} {plain_s:>8.0f} {plain_best:>10.5g} {plain_pruned:>7}  (without a pruner only diverged trials are)")
    print(f"{'hyperband':<10} {hb_s:>8.0f} {hb_best:>10.5g} {hb_pruned:>7}")
    ratio, gap = hb_s / plain_s, (hb_best - plain_best) / abs(plain_best)
    print(f"wall-time ratio {ratio:.2f} (goal <= 0.6); best score {gap:+.1%} vs no pruning (goal within 2%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
