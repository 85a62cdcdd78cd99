"""The tabular blueprints beside gradient boosting, and how their cost grows with rows.

Usage: python benchmarks/bench_tables.py [--part compare|scaling|million|all] [--data ../shared/data]

* compare: `tfjourney train regression|classification` (defaults, --seed 42) on insurance,
  diabetes, penguins, wine and scikit-learn's breast cancer; the network's test metric beside
  scikit-learn's HistGradientBoosting on the same split (both from the run's metrics.json).
* scaling: `tfjourney train regression` on the insurance rows resampled (with replacement) to
  1.3k, 13k and 134k rows: wall time of the whole command, epochs run, batch size, MAE.
  Resampled rows repeat, so test rows also appear in training at 13k and 134k: compare the
  MAEs with each other, not with the 1.3k run's.
* million: the same resampling to 1,000,000 rows (a 41 MB CSV), with the command's peak
  resident memory (the issue's bound: a few GB at most). Not part of `all`: it takes minutes.

Every run goes through the real CLI in a subprocess, one after the other, so the ratios are
measured side by side on the same (possibly shared) machine.
"""

from __future__ import annotations

import argparse
import resource
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"
TFJOURNEY = [str(Path(sys.executable).with_name("tfjourney"))]  # the installed command, as a user runs it

# (name, blueprint, data (embedded name or path under --data), extra arguments)
COMPARE = (
    ("insurance", "regression", "insurance/insurance.csv", ["--target", "charges"]),
    ("diabetes", "regression", "diabetes", []),
    ("penguins", "classification", "penguins/penguins.csv", ["--target", "species"]),
    ("wine", "classification", "wine", []),
    ("breast cancer (scikit-learn)", "classification", "breast_cancer", []),
)
SCALING_ROWS = (1_338, 13_380, 133_800)
MILLION_ROWS = 1_000_000


def train(blueprint: str, data: str, extra: list[str], out: Path) -> tuple[float, dict, dict]:
    """One `tfjourney train` command: (wall seconds, metrics.json, run.json)."""
    command = [*TFJOURNEY, "train", blueprint, str(data), *extra, "--seed", "42", "--out", str(out), "--quiet"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode == 2 and "--quiet" in done.stderr:  # an older CLI without --quiet
        command.remove("--quiet")
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bench_tables: {' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return seconds, json.loads((out / "metrics.json").read_text()), json.loads((out / "run.json").read_text())


def _data_path(data: str, root: Path) -> str:
    return str(root / data) if data.endswith(".csv") else data


def compare(root: Path, work: Path) -> None:
    print("network vs gradient boosting (test split, --seed 42, blueprint defaults)")
    print(f"{'dataset':30} {'metric':9} {'network':>10} {'gradient boosting':>18} {'ratio':>7}")
    for name, blueprint, data, extra in COMPARE:
        _, metrics, _ = train(blueprint, _data_path(data, root), extra, work / name.split()[0])
        key = "mae" if blueprint == "regression" else "accuracy"
        ours, theirs = metrics[key], metrics[f"gbm_{key}"]
        shown = (lambda v: f"{v:,.1f}") if key == "mae" else (lambda v: f"{v:.3f}")
        print(f"{name:30} {key:9} {shown(ours):>10} {shown(theirs):>18} {ours / theirs:>7.3f}")
    print("ratio = network / gradient boosting (MAE: lower is better; accuracy: higher is better)")


def scaling(root: Path, work: Path) -> None:
    original = pd.read_csv(root / "insurance" / "insurance.csv")
    print("`tfjourney train regression` on insurance rows resampled with replacement (--target charges --seed 42)")
    print(f"{'rows':>8} {'wall s':>8} {'epochs':>7} {'batch':>6} {'MAE':>9} {'GBM MAE':>9}")
    for rows in SCALING_ROWS:
        frame = original if rows == len(original) else original.sample(rows, replace=True, random_state=0)
        csv = work / f"insurance_{rows}.csv"
        frame.to_csv(csv, index=False)
        seconds, metrics, record = train("regression", csv, ["--target", "charges"], work / f"scale_{rows}")
        budget = record["data"].get("budget", {})
        print(f"{rows:>8,} {seconds:>8.1f} {record['training']['epochs_run']:>7} {budget.get('batch_size', record['config']['batch_size']):>6} "
              f"{metrics['mae']:>9,.0f} {metrics['gbm_mae']:>9,.0f}")


def million(root: Path, work: Path) -> None:
    original = pd.read_csv(root / "insurance" / "insurance.csv")
    csv = work / "insurance_1m.csv"
    original.sample(MILLION_ROWS, replace=True, random_state=0).to_csv(csv, index=False)
    seconds, metrics, record = train("regression", csv, ["--target", "charges"], work / "scale_1m")
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2  # kB on Linux; the largest child so far
    budget = record["data"].get("budget", {})
    print(f"{MILLION_ROWS:,} rows ({csv.stat().st_size / 1e6:.0f} MB CSV): {seconds:.0f} s wall, {record['training']['epochs_run']} epochs "
          f"of batch {budget.get('batch_size')}, MAE {metrics['mae']:,.0f} (GBM {metrics['gbm_mae']:,.0f}), "
          f"peak resident memory {peak_gb:.2f} GB  (bound: a few GB)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("compare", "scaling", "million", "all"), default="all")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    if not (args.data / "insurance" / "insurance.csv").is_file():
        print(f"bench_tables: {args.data}/insurance/insurance.csv not found; pass --data with the shared data folder.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        if args.part in ("compare", "all"):
            compare(args.data, Path(tmp))
        if args.part in ("scaling", "all"):
            scaling(args.data, Path(tmp))
        if args.part == "million":
            million(args.data, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
