"""Benchmark: forward-pass images/s of the EfficientNet-Lite0 backbone (224x224, batch 32) on CPU.

Uses random weights so it needs no cache and measures only compute; prints one figure.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

from tfjourney.models.backbones import build_backbone  # noqa: E402

BATCH, SIZE, WARMUP, REPEATS = 32, 224, 2, 5


def images_per_second() -> float:
    """The EfficientNet-Lite0 backbone (random weights) through `forward_images_per_second`."""
    return forward_images_per_second(build_backbone("efficientnet_lite0", image_size=SIZE, weights=None), SIZE)


def forward_images_per_second(model, size: int) -> float:
    """Median throughput of Keras's compiled inference step (predict_on_batch) on one ready batch."""
    batch = np.random.default_rng(0).uniform(0, 255, (BATCH, size, size, 3)).astype(np.float32)
    for _ in range(WARMUP):
        model.predict_on_batch(batch)
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        model.predict_on_batch(batch)
        timings.append(time.perf_counter() - start)
    return BATCH / float(np.median(timings))


def main() -> None:
    """Print the figure in a grep-friendly line."""
    rate = images_per_second()
    print(f"efficientnet_lite0 backbone forward, {SIZE}x{SIZE}, batch {BATCH}, CPU "
          f"({os.cpu_count()} cores): {rate:.1f} images/s")


if __name__ == "__main__":
    main()
