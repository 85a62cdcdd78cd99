"""Benchmark: training images/s of `train cnn digits` on one process, mirrored over 2 devices, and 2 workers.

Each configuration runs the real command into a temporary folder and reads `run.json`:
images/s = training images x epochs / train_seconds (model building, data loading and the
report are not counted). The three run side by side in one invocation, so the ratios are
comparable even on a busy machine. On a 2-core CPU expect no speed-up: two workers share the
same two cores and add the cost of an all-reduce per step; the point of multi-worker training
is more machines (or GPUs), not more processes on one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

EPOCHS = 3
TRAIN = ["train", "cnn", "digits", "--epochs", str(EPOCHS), "--seed", "0"]
CONFIGS = {
    "1 process (--distribute none)": TRAIN,
    "1 process, mirrored over 2 CPU devices": [*TRAIN, "--distribute", "mirrored", "--devices", "2"],
    "2 workers (tfjourney launch --workers 2)": ["launch", "--workers", "2", "--timeout", "900", "--", *TRAIN],
}


def images_per_second(argv: list[str], out: Path) -> float:
    subprocess.run([sys.executable, "-m", "tfjourney.cli", *argv, "--out", str(out)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    record = json.loads((out / "run.json").read_text())
    images = sum(record["data"]["counts"]["train"].values()) * record["training"]["epochs_run"]
    return images / record["timings"]["train_seconds"]


def main() -> None:
    """Print one grep-friendly line per configuration, with its ratio to one process."""
    with tempfile.TemporaryDirectory() as folder:
        rates = {name: images_per_second(argv, Path(folder) / f"run{i}") for i, (name, argv) in enumerate(CONFIGS.items())}
    base = next(iter(rates.values()))
    for name, rate in rates.items():
        print(f"train cnn digits, {EPOCHS} epochs, CPU ({os.cpu_count()} cores), {name}: {rate:.0f} images/s ({rate / base:.2f}x)")


if __name__ == "__main__":
    main()
