"""The forecasting blueprint on the course's Bitcoin set-up, beside the naive forecast and the course's figures.

Usage: python benchmarks/bench_forecast.py [CSV] [--bodies dense,conv1d,...] [--seeds 0,1,2] [--dense-seeds 0,1,2]
(default CSV: ../shared/data/btc_coindesk/BTC_USD_2013-10-01_2021-05-18-CoinDesk.csv, close price, window 7,
horizon 1, the first 80% of the 2,780 windows for training: 2,224 / 556).

Every body trains through `tfjourney.pipelines.forecast.train_forecast` with the blueprint's defaults
(its last 10% of training windows validate for early stopping; the course validated on the test part).
Printed side by side: test MAE and MASE (Hyndman: scaled by the training part's in-sample one-step
naive MAE) of naive and of each body, training seconds, the 95% interval's coverage; then the
course's checks: naive MAE vs 567.98 (±0.5%), the dense body's mean MAE vs 568.95 (within 3%).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tfjourney  # noqa: E402,F401  (first: it imports TensorFlow without the start-up noise)

from tfjourney.pipelines.forecast import train_forecast  # noqa: E402

DEFAULT_CSV = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "btc_coindesk" / "BTC_USD_2013-10-01_2021-05-18-CoinDesk.csv"
COURSE_NAIVE_MAE = 567.98  # the course's naive forecast, test part of the same split
COURSE_DENSE_MAE = 568.95  # the course's model_1 (dense, window 7, horizon 1)


def _train(csv: Path, body: str, seed: int, root: Path) -> dict:
    run = train_forecast(csv, time="Date", target="Closing Price (USD)", body=body, seed=seed,
                         out=root / f"{body}-{seed}", command=["bench_forecast.py", body, str(seed)])
    metrics, record = run.metrics, run.record
    return {"body": body, "seed": seed, "mae": metrics["mae"], "mase": metrics["mase"], "naive_mae": metrics["naive_mae"],
            "naive_mase": metrics["naive_mase"], "coverage_95": metrics["coverage_95"], "seconds": record["timings"]["train_seconds"],
            "rows": record["data"]["rows"], "epochs": (record.get("training") or {}).get("epochs_run")}


def _row(name: str, results: list[dict]) -> str:
    mae = [r["mae"] for r in results]
    spread = f" ± {statistics.stdev(mae):6.2f}" if len(mae) > 1 else " " * 9
    return (f"{name:<22} {statistics.mean(mae):9.2f}{spread} {statistics.mean(r['mase'] for r in results):7.3f} "
            f"{statistics.mean(r['coverage_95'] for r in results):8.1%} {statistics.mean(r['seconds'] for r in results):9.1f}  "
            f"seeds {','.join(str(r['seed']) for r in results)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--bodies", default="conv1d,lstm,nbeats,ensemble", help="bodies trained once each (seed 0) besides dense")
    parser.add_argument("--dense-seeds", default="0,1,2", help="seeds of the dense body (the course's model_1)")
    args = parser.parse_args(argv)
    if not args.csv.is_file():
        print(f"{args.csv} not found; pass the course's BTC CSV", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        dense = [_train(args.csv, "dense", int(s), Path(tmp)) for s in args.dense_seeds.split(",")]
        others = {b: [_train(args.csv, b, 0, Path(tmp))] for b in args.bodies.split(",") if b}
    naive_mae, naive_mase, rows = dense[0]["naive_mae"], dense[0]["naive_mase"], dense[0]["rows"]
    print(f"windows: training {rows['train'] + rows['validation']} ({rows['train']} fit + {rows['validation']} validation), test {rows['test']}")
    print(f"{'forecast':<22} {'test MAE':>9} {'':9} {'MASE':>7} {'95% cov':>8} {'train s':>9}")
    print(f"{'naive (last value)':<22} {naive_mae:9.2f} {'':9} {naive_mase:7.3f}")
    print(_row("dense", dense))
    for body, results in others.items():
        print(_row(body, results))
    dense_mae = statistics.mean(r["mae"] for r in dense)
    print(f"naive MAE {naive_mae:.2f} vs the course's {COURSE_NAIVE_MAE}: {100 * (naive_mae / COURSE_NAIVE_MAE - 1):+.2f}% (goal ±0.5%)")
    print(f"dense MAE {dense_mae:.2f} (mean of {len(dense)} seeds) vs the course's {COURSE_DENSE_MAE}: "
          f"{100 * (dense_mae / COURSE_DENSE_MAE - 1):+.2f}% (goal within 3%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
