"""Benchmark: the transfer backbones (Lite0/1/2), the head refit and fine-tuning on a small-data proxy of the course set.

The course's 10-food-class set has 75 training photos per class; holding out 20% for
validation leaves 60 to train the head. The proxy keeps that regime on the food photos
we have: from `food101_3class`, 25 training photos per class chosen by a seeded shuffle
(a different subset per seed) and the whole 50-per-class test/ folder, built in a temp
folder (the data never enters the repo). Each setting trains through the library API,
so a figure is what `tfjourney train transfer` gives; prints one row per run and a
side-by-side table of test accuracy per seed, its mean, wall time and the embedding
seconds per image (embedding time / images embedded, one-off tracing included); then
`--throughput` measures each backbone's forward pass alone on ready batches at its native
size (`bench_backbone.forward_images_per_second`, random weights), the steady figure.

Usage:
    python benchmarks/bench_backbones.py --seeds 0,1,2 --settings lite0,lite0-norefit,lite1,lite2
    python benchmarks/bench_backbones.py --seeds 0 --settings lite0-finetune --json results.json
    python benchmarks/bench_backbones.py --seeds "" --throughput
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

from tfjourney.pipelines.transfer import train_transfer  # noqa: E402

DATA = Path("/work/shared/data/food101_3class")
TRAIN_PER_CLASS = 25
# name -> train_transfer keyword arguments
SETTINGS = {
    "lite0": {"backbone": "efficientnet_lite0", "refit": True},
    "lite0-norefit": {"backbone": "efficientnet_lite0", "refit": False},
    "lite1": {"backbone": "efficientnet_lite1", "refit": True},
    "lite1-norefit": {"backbone": "efficientnet_lite1", "refit": False},
    "lite2": {"backbone": "efficientnet_lite2", "refit": True},
    "lite2-norefit": {"backbone": "efficientnet_lite2", "refit": False},
    "lite0-finetune": {"backbone": "efficientnet_lite0", "fine_tune": True},
    "lite1-finetune": {"backbone": "efficientnet_lite1", "fine_tune": True},
    "lite2-finetune": {"backbone": "efficientnet_lite2", "fine_tune": True},
}


def build_proxy(source: Path, target: Path, seed: int, per_class: int = TRAIN_PER_CLASS) -> Path:
    """train/<class>/ with `per_class` photos chosen by a seeded shuffle, and the whole test/ folder, copied under `target`.

    Args:
        source: a train/ + test/ class-folder tree.
        target: an empty or missing folder to build the proxy in.
        seed: chooses which training photos are kept.
        per_class: training photos kept per class.

    Returns:
        `target`.
    """
    rng = np.random.default_rng(seed)
    for class_dir in sorted((source / "train").iterdir()):
        files = sorted(class_dir.iterdir())
        chosen = [files[i] for i in rng.permutation(len(files))[:per_class]]
        (target / "train" / class_dir.name).mkdir(parents=True)
        for path in chosen:
            shutil.copy2(path, target / "train" / class_dir.name / path.name)
    shutil.copytree(source / "test", target / "test")
    return target


def run_one(proxy: Path, out: Path, seed: int, setting: str, epochs: int | None = None) -> dict:
    """One training on the proxy: accuracy, TTA accuracy, wall seconds and the backbone's seconds per image.

    `epochs`: phase-1 epochs (None: the blueprint's).
    """
    started = time.perf_counter()
    run = train_transfer(proxy, out=out, seed=seed, progress=None, epochs=epochs, **SETTINGS[setting])
    wall = time.perf_counter() - started
    counts = run.record["data"]["counts"]
    embedded = sum(sum(counts[split].values()) if isinstance(counts[split], dict) else counts[split]
                   for split in ("train", "val") if split in counts)
    timings = run.record["timings"]
    return {
        "setting": setting, "seed": seed, "accuracy": run.metrics["accuracy"], "tta_accuracy": run.metrics.get("tta_accuracy"),
        "phase1_accuracy": run.metrics.get("phase1_accuracy"), "wall_seconds": round(wall, 1),
        "seconds_per_image": round(timings["embed_seconds"] / embedded, 4) if "embed_seconds" in timings and embedded else None,
        "epochs": run.record["training"].get("best_epoch"), "refit": run.record["training"].get("refit"),
        "fine_tune_kept": run.record["training"].get("fine_tune_kept"), "image_size": run.record["config"]["image_size"],
    }


def throughput(backbones: list[str]) -> dict[str, float]:
    """Seconds per image of each backbone's forward pass alone, at its native size, batch 32 (median of 5)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from bench_backbone import forward_images_per_second

    from tfjourney.models.backbones import build_backbone, get_backbone_spec

    rates = {}
    for name in backbones:
        size = get_backbone_spec(name).default_image_size
        rates[name] = 1.0 / forward_images_per_second(build_backbone(name, image_size=size, weights=None), size)
    return rates


def table(results: list[dict], seeds: list[int]) -> str:
    """Settings side by side: accuracy per seed, mean, mean wall seconds, mean backbone seconds per image."""
    header = f"{'setting':16}" + "".join(f"  seed {s:<4}" for s in seeds) + "  mean    wall s  s/image"
    lines = [header]
    for setting in dict.fromkeys(r["setting"] for r in results):
        rows = {r["seed"]: r for r in results if r["setting"] == setting}
        cells = "".join(f"  {rows[s]['accuracy']:<9.3f}" if s in rows else f"  {'-':<9}" for s in seeds)
        accuracy = np.mean([r["accuracy"] for r in rows.values()])
        wall = np.mean([r["wall_seconds"] for r in rows.values()])
        per_image = [r["seconds_per_image"] for r in rows.values() if r["seconds_per_image"]]
        lines.append(f"{setting:16}{cells}  {accuracy:.3f}   {wall:6.1f}  {np.mean(per_image) if per_image else float('nan'):.4f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="a train/ + test/ class-folder tree (default: food101_3class)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--settings", default="lite0,lite0-norefit,lite1,lite2")
    parser.add_argument("--epochs", type=int, help="phase-1 epochs (default: the blueprint's)")
    parser.add_argument("--throughput", action="store_true", help="also time each Lite backbone's forward pass alone")
    parser.add_argument("--json", type=Path, help="append each result as one JSON line to this file")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s]
    settings = args.settings.split(",")
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        parser.error(f"unknown settings {sorted(unknown)}; choose from {', '.join(SETTINGS)}")
    if seeds and not (args.data / "train").is_dir():
        print(f"skipped: no train/ folder under {args.data}; pass --data FOLDER (food101_3class)")
        seeds = []
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_backbones_") as tmp:
        for seed in seeds:
            proxy = build_proxy(args.data, Path(tmp) / f"proxy{seed}", seed)
            for setting in settings:
                result = run_one(proxy, Path(tmp) / f"run-{setting}-{seed}", seed, setting, args.epochs)
                result["phase1_epochs_max"] = args.epochs
                results.append(result)
                print(json.dumps(result), flush=True)
                if args.json:
                    with args.json.open("a") as handle:
                        handle.write(json.dumps(result) + "\n")
    if results:
        print(table(results, seeds))
    if args.throughput:
        for name, seconds in throughput(["efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2"]).items():
            print(f"{name} forward pass alone, native size, batch 32: {seconds:.4f} s/image ({1 / seconds:.1f} images/s)")


if __name__ == "__main__":
    main()
