"""Check an exported file against `model.keras`, in a fresh process that never imports tfjourney.

The worker (`worker.py`, run with ``python -I``) loads the file with the format's own runtime
and predicts on a sample of the run's test data; here the predictions are compared with the
Keras model's on the same sample.

Pass rules: a float export matches within 1e-4 (relative to the output's size once outputs
exceed 1, as a regression in dollars does: float32 itself carries ~7 digits); a quantized
classifier agrees on >= 99% of predicted classes; a quantized regression stays within 5% of
the predictions' spread on average.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from tfjourney.export.samples import Sample

FLOAT_TOLERANCE = 1e-4
QUANTIZED_AGREEMENT = 0.99
QUANTIZED_REGRESSION_SPREAD = 0.05
WORKER = Path(__file__).with_name("worker.py")
WORKER_TIMEOUT_SECONDS = 300


class VerificationError(Exception):
    """The runtime could not load or run the exported file."""


@dataclass
class Verification:
    """How an export compares with model.keras on the same test examples."""

    examples: int
    max_abs_diff: float
    max_rel_diff: float
    class_agreement: float | None
    metric: str
    keras_metric: float
    export_metric: float
    rule: str
    passed: bool
    latency_ms_per_example: dict[str, float] = field(default_factory=dict)
    runtime: dict[str, str] = field(default_factory=dict)
    input_names: list[str] = field(default_factory=list)
    imported_tfjourney: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def run_in_fresh_process(fmt: str, path: Path, inputs: dict[str, np.ndarray]) -> tuple[np.ndarray, dict]:
    """Predictions and the worker's report (latency, runtime versions) for one exported file."""
    with tempfile.TemporaryDirectory(prefix="tfjourney-verify-") as scratch:
        arrays, outputs = Path(scratch) / "inputs.npz", Path(scratch) / "outputs.npy"
        np.savez(arrays, **inputs)
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        done = subprocess.run(
            [sys.executable, "-I", str(WORKER), fmt, str(path), str(arrays), str(outputs)],
            capture_output=True, text=True, timeout=WORKER_TIMEOUT_SECONDS, env=env,
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise VerificationError(f"{fmt} file did not run in its runtime: {last[:200]}")
        report = json.loads(done.stdout.strip().splitlines()[-1])
        return np.load(outputs), report


def compare(expected: np.ndarray, actual: np.ndarray, sample: Sample, *, classification: bool, quantized: bool) -> dict:
    """Differences, class agreement and the task metric for Keras vs the export."""
    expected = np.asarray(expected, "float64").reshape(len(sample), -1)
    actual = np.asarray(actual, "float64").reshape(len(sample), -1)
    diff = np.abs(expected - actual)
    scale = np.maximum(1.0, np.abs(expected))
    result = {"examples": len(sample), "max_abs_diff": float(diff.max()), "max_rel_diff": float((diff / scale).max())}
    if classification:
        keras_classes, export_classes = _classes(expected), _classes(actual)
        agreement = float(np.mean(keras_classes == export_classes))
        metric = ("accuracy", float(np.mean(keras_classes == sample.labels)), float(np.mean(export_classes == sample.labels)))
    else:
        agreement = None
        labels = sample.labels.reshape(-1, 1)
        metric = ("mae", float(np.mean(np.abs(expected - labels))), float(np.mean(np.abs(actual - labels))))
    if not quantized:
        rule, passed = f"max difference <= {FLOAT_TOLERANCE:g} (relative above 1)", result["max_rel_diff"] <= FLOAT_TOLERANCE
    elif classification:
        rule, passed = f"class agreement >= {QUANTIZED_AGREEMENT:.0%}", agreement >= QUANTIZED_AGREEMENT
    else:
        spread = float(np.std(expected)) or 1.0
        rule = f"mean difference <= {QUANTIZED_REGRESSION_SPREAD:.0%} of the predictions' spread ({spread:.4g})"
        passed = float(diff.mean()) <= QUANTIZED_REGRESSION_SPREAD * spread
    return {**result, "class_agreement": agreement, "metric": metric[0], "keras_metric": metric[1], "export_metric": metric[2],
            "rule": rule, "passed": bool(passed)}


def _classes(outputs: np.ndarray) -> np.ndarray:
    return (outputs[:, 0] > 0.5).astype(int) if outputs.shape[1] == 1 else outputs.argmax(axis=1)


def verify_export(fmt: str, path: Path, sample: Sample, expected: np.ndarray, *, classification: bool, quantized: bool) -> Verification:
    """Run `path` in a fresh process on `sample` and compare with the Keras predictions `expected`.

    Args:
        fmt: "saved_model", "tflite" or "onnx".
        path: the exported file (or SavedModel folder).
        sample: test examples from the run's data.
        expected: model.keras's outputs on `sample`.
        classification: compare predicted classes too.
        quantized: judge by class agreement (or spread) instead of the float tolerance.

    Returns:
        The comparison, with the worker's latency and runtime versions.
    """
    actual, report = run_in_fresh_process(fmt, path, sample.inputs)
    result = compare(expected, actual, sample, classification=classification, quantized=quantized)
    return Verification(**result, latency_ms_per_example=report["latency_ms_per_example"], runtime=report["runtime"],
                        input_names=report["input_names"], imported_tfjourney=report["imported_tfjourney"])
