"""Benchmark: per-format latency of a run's exports on the same inputs, side by side.

Exports a run (default: a CNN trained on the embedded `digits`, 3 epochs) to SavedModel,
LiteRT float32 and int8, and ONNX; each file runs in a fresh process with its own runtime
(TensorFlow, ai-edge-litert, ONNX Runtime) on the same test images. Prints ms per example at
batch 1 and 32 beside in-process Keras `predict_on_batch`, plus size and agreement.

    python benchmarks/bench_export.py [RUN_DIR]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def keras_ms_per_example(run_dir: Path, batch: int) -> float:
    import numpy as np

    from tfjourney.runs import load_run

    run = load_run(run_dir)
    model = run.load_model()
    size = run.record["data"]["image_size"]
    x = np.random.default_rng(0).uniform(0, 255, (batch, size[0], size[1], 3)).astype("float32")
    for _ in range(3):
        model.predict_on_batch(x)
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < 1 and calls < 500:
        model.predict_on_batch(x)
        calls += 1
    return (time.perf_counter() - started) / calls / batch * 1000


def main() -> None:
    from tfjourney.export import export_run
    from tfjourney.pipelines.cnn import train_cnn

    with tempfile.TemporaryDirectory(prefix="bench-export-") as scratch:
        run_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else train_cnn("digits", epochs=3, out=Path(scratch) / "digits", seed=0).path
        out = Path(scratch) / "export"
        manifest = export_run(run_dir, out=out, quantize="int8").manifest
        print(f"run: {run_dir}; {os.cpu_count()} CPU cores; each runtime in its own fresh process")
        print(f"{'format':<22}{'size MB':>9}{'ms/ex b1':>10}{'ms/ex b32':>11}{'max diff':>10}{'agreement':>11}")
        print(f"{'keras (in-process)':<22}{'':>9}{keras_ms_per_example(run_dir, 1):>10.3f}{keras_ms_per_example(run_dir, 32):>11.3f}")
        for entry in manifest["exports"]:
            name = entry["format"] + ("" if entry["quantize"] == "none" else f" {entry['quantize']}")
            lat, check = entry["latency_ms_per_example"], entry["verification"]
            agreement = "" if check["class_agreement"] is None else f"{check['class_agreement']:.1%}"
            print(f"{name:<22}{entry['size_bytes'] / 1e6:>9.3f}{lat['batch_1']:>10.3f}{lat['batch_32']:>11.3f}{check['max_abs_diff']:>10.2g}{agreement:>11}")
        for skipped in manifest["not_exported"]:
            print(f"not exported: {skipped['format']} {skipped['quantize']}: {skipped['reason']}")


if __name__ == "__main__":
    main()
