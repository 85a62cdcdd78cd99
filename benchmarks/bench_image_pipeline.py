"""Benchmark: tfjourney's image pipeline vs the raw tf.io decode+resize limit vs a naive PIL loop.

Usage: ``python benchmarks/bench_image_pipeline.py [DATA_DIR] [--repeats N] [--size S]``
(default DATA_DIR: ``../shared/data/food101_3class`` relative to the repo root).

The comparable work is the *first* (uncached, decoding) epoch of ``load_image_folder(...).train``;
the cached-epoch figure is printed for information only. The "limit" is the best of several raw
TensorFlow variants over the very same files (eager tight loop, tf.data map with AUTOTUNE
parallelism, batched and unbatched), so the ratio is honest. The contenders run interleaved
(``--repeats`` rounds, rotating the order) after one untimed pass that warms the OS file cache;
best and median rounds are printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from tfjourney._tensorflow import import_tensorflow_quietly  # noqa: E402

import_tensorflow_quietly()  # first: TensorFlow without its start-up noise
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from PIL import Image  # noqa: E402

from tfjourney.blueprints import DEFAULT_SEED, get_blueprint  # noqa: E402
from tfjourney.data.image_datasets import load_image_folder  # noqa: E402

_CNN = get_blueprint("cnn").resolve()
SPLIT = {"seed": DEFAULT_SEED, "validation_split": _CNN.validation_split, "test_split": _CNN.test_split}  # as `train cnn` splits


def _best(fn: Callable[[], int], repeats: int) -> float:
    """Best images/s over ``repeats`` runs of ``fn`` (which returns how many images it made)."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        n = fn()
        rates.append(n / (time.perf_counter() - start))
    return max(rates)


def _decode_resize(size: tuple[int, int]) -> Callable[[tf.Tensor], tf.Tensor]:
    """The bare per-image work: read, decode to 3 channels, bilinear resize to float32."""

    def fn(path: tf.Tensor) -> tf.Tensor:
        img = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        img.set_shape([None, None, 3])
        return tf.image.resize(img, size)

    return fn


def raw_eager(paths: list[str], size: tuple[int, int]) -> int:
    """Limit variant 1: a tight eager loop, one image at a time."""
    fn = _decode_resize(size)
    for p in paths:
        fn(tf.constant(p))
    return len(paths)


def raw_tfdata(paths: list[str], size: tuple[int, int], batch: int | None) -> int:
    """Limit variant 2: tf.data map with AUTOTUNE parallelism (optionally batched)."""
    ds = tf.data.Dataset.from_tensor_slices(paths).map(_decode_resize(size), num_parallel_calls=tf.data.AUTOTUNE)
    if batch:
        ds = ds.batch(batch)
    ds = ds.prefetch(tf.data.AUTOTUNE)
    for _ in ds:
        pass
    return len(paths)


def naive_pil(paths: list[str], size: tuple[int, int]) -> int:
    """The common hand-written loader: PIL open, convert RGB, resize, np.asarray, one at a time."""
    for p in paths:
        with Image.open(p) as img:
            np.asarray(img.convert("RGB").resize((size[1], size[0]), Image.BILINEAR), dtype=np.float32)
    return len(paths)


def tfjourney_epochs(data_dir: Path, size: int, batch: int) -> tuple[int, float, float, float]:
    """Scan time, first-epoch (decoding) and second-epoch (cached) throughput of the train split."""
    start = time.perf_counter()
    data = load_image_folder(data_dir, image_size=size, batch_size=batch, **SPLIT)
    scan = time.perf_counter() - start
    rates = []
    for _ in range(2):
        start = time.perf_counter()
        n = sum(int(y.shape[0]) for _, y in data.train)
        rates.append(n / (time.perf_counter() - start))
    return n, scan, rates[0], rates[1]


def main(argv: list[str] | None = None) -> int:
    """Run all loaders on the same files and print images/s and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", default=str(REPO / ".." / "shared" / "data" / "food101_3class"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir).resolve()
    if not data_dir.is_dir():
        print(f"data folder {data_dir} not found; pass one as the first argument", file=sys.stderr)
        return 0
    size = (args.size, args.size)
    probe = load_image_folder(data_dir, image_size=args.size, batch_size=args.batch, **SPLIT)
    paths = [str(p) for p, _ in probe.files["train"]]
    for p in paths:  # warm the OS page cache once, for everybody
        Path(p).read_bytes()
    raw_tfdata(paths, size, args.batch)  # warm TF kernels / thread pools

    # Interleave the contenders in every round (rotating who goes first) so background load on a
    # shared machine hits them all alike; report the best round of each.
    contenders: dict[str, Callable[[], int]] = {
        "eager tight loop": lambda: raw_eager(paths, size),
        "tf.data map AUTOTUNE": lambda: raw_tfdata(paths, size, None),
        f"tf.data map AUTOTUNE + batch({args.batch})": lambda: raw_tfdata(paths, size, args.batch),
        "naive PIL": lambda: naive_pil(paths, size),
    }
    rates: dict[str, list[float]] = {name: [] for name in [*contenders, "ours", "cached"]}
    scans = []
    names = [*contenders, "ours"]
    for r in range(args.repeats):
        for name in names[r % len(names):] + names[: r % len(names)]:
            if name == "ours":
                n, scan, first, second = tfjourney_epochs(data_dir, args.size, args.batch)
                scans.append(scan)
                rates["ours"].append(first)
                rates["cached"].append(second)
            else:
                rates[name].append(_best(contenders[name], 1))
    best = {name: max(v) for name, v in rates.items()}
    median = {name: float(np.median(v)) for name, v in rates.items()}
    limits = {name: best[name] for name in contenders if name != "naive PIL"}
    pil = best["naive PIL"]
    limit_name, limit = max(limits.items(), key=lambda kv: kv[1])
    ours = best["ours"]
    med_limit = max(median[name] for name in limits)

    print(f"data: {data_dir} | {n} train images | {args.size}x{args.size} | batch {args.batch} | "
          f"{os.cpu_count()} CPUs | TF {tf.__version__} | {args.repeats} interleaved rounds")
    print(f"tfjourney scan (header + tail check, once per load): {min(scans):.3f} s")
    print(f"{'':45s} {'best':>8s} {'median':>8s}  (img/s)")
    for name in limits:
        print(f"  raw limit, {name:<32s} {best[name]:8.1f} {median[name]:8.1f}")
    print(f"  {'naive PIL loop':<43s} {pil:8.1f} {median['naive PIL']:8.1f}")
    print(f"  {'tfjourney train, epoch 1 (decoding)':<43s} {ours:8.1f} {median['ours']:8.1f}")
    print(f"  {'tfjourney train, epoch 2 (cached)':<43s} {best['cached']:8.1f} {median['cached']:8.1f}")
    print(f"ratio tfjourney/limit ({limit_name}): best {ours / limit:.2f}, "
          f"median {median['ours'] / med_limit:.2f}  (goal >= 0.90)")
    print(f"ratio tfjourney/PIL: best {ours / pil:.2f}, median {median['ours'] / median['naive PIL']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
