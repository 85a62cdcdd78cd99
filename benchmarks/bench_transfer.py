"""Benchmark: feature extraction on cached embeddings vs end-to-end through the frozen backbone.

Same data (food101_3class), same head initialisation, same epochs, side by side in one run:
- embedding speed: images/s of `embed` (decode -> resize -> backbone, batched, prefetched, traced
  once, over the train and validation images from disk) against the same backbone's own forward
  pass on a ready batch (as bench_backbone.py measures it); ratio printed (goal >= 0.8x), for
  the whole call (one-off tracing included) and at its steady pace (batches 5 onward, what a
  100,000-photo folder sees). Beside them, the input pipeline alone (read -> decode -> resize),
  and the pace both can reach when they share the same cores: 1 / (1/forward + 1/decode);
- per-epoch time of the head on cached embeddings (tfjourney's fast path) vs one epoch of
  the whole model with the frozen EfficientNet-Lite0 in the loop; ratio printed (goal >= 20x);
- test accuracy after the same number of epochs both ways (goal: within 1 point);
- the one-off cost of computing the embeddings, and forward-pass images/s of the backbone.

Usage: python benchmarks/bench_transfer.py [DATA_DIR] [--embed-only]   (default ../shared/data/food101_3class)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import keras
import numpy as np

from bench_backbone import BATCH, forward_images_per_second  # the same figure bench_backbone.py prints
from tfjourney.blueprints import get_blueprint
from tfjourney.data.image_datasets import load_image_folder
from tfjourney.models.backbones import build_backbone
from tfjourney.models.transfer import HEAD_LAYER, build_transfer_model, feature_model, head_model
from tfjourney.pipelines.images import labels_of
from tfjourney.training.embeddings import embed, embedding_dataset
from tfjourney.training.fit import compile_classifier, set_seed

EPOCHS, SEED = 5, 42
_TRANSFER = get_blueprint("transfer").resolve()
SPLITS = {"validation_split": _TRANSFER.validation_split, "test_split": _TRANSFER.test_split}  # as `train transfer` splits


class _BatchClock:
    """A stand-in progress phase for `embed`: the time at which each batch was done."""

    def __init__(self) -> None:
        self.started, self.marks = time.perf_counter(), []

    def update(self, n: int) -> None:
        self.marks.append((time.perf_counter(), n))

    def steady_rate(self, skip: int = 4) -> float:
        """Images/s after the first `skip` batches (tracing, and batches tf.data decoded meanwhile)."""
        (t0, _), rest = self.marks[skip - 1], self.marks[skip:]
        return sum(n for _, n in rest) / (rest[-1][0] - t0)


def decode_images_per_second(data_dir: Path) -> float:
    """The input pipeline alone: read -> decode -> resize -> batch, over fresh (uncached) datasets."""
    data = load_image_folder(data_dir, image_size=224, batch_size=BATCH, seed=SEED, **SPLITS)
    started, count = time.perf_counter(), 0
    for dataset in (data.train, data.val):
        for images, _ in dataset:
            count += int(images.shape[0])
    return count / (time.perf_counter() - started)


def _timed_fit(model: keras.Model, train, val) -> list[float]:
    """Fit epoch by epoch so each epoch is timed on its own (the first includes tracing)."""
    seconds = []
    for epoch in range(EPOCHS):
        started = time.perf_counter()
        model.fit(train, validation_data=val, epochs=epoch + 1, initial_epoch=epoch, verbose=0, shuffle=False)
        seconds.append(time.perf_counter() - started)
    return seconds


def _accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.asarray(probabilities).argmax(axis=1) == labels))


def main(data_dir: Path, embed_only: bool = False) -> None:
    data = load_image_folder(data_dir, image_size=224, batch_size=BATCH, seed=SEED, **SPLITS)
    n_classes, test_labels = len(data.class_names), labels_of(data, "test")

    set_seed(SEED)
    model = build_transfer_model(build_backbone("efficientnet_lite0", 224), n_classes, augment=False, seed=SEED)
    initial_head = model.get_layer(HEAD_LAYER).get_weights()
    features = feature_model(model)

    forward_rate = forward_images_per_second(features, 224)
    decode_rate = decode_images_per_second(data_dir)
    clock = _BatchClock()
    (train_x, train_y), (val_x, val_y) = embed(features, data.train, data.val, phase=clock)
    embed_seconds = time.perf_counter() - clock.started
    images_embedded = len(train_x) + len(val_x)
    embed_rate = images_embedded / embed_seconds
    steady_rate = clock.steady_rate()
    shared_bound = 1 / (1 / forward_rate + 1 / decode_rate)
    # the same images again, now decoded and cached by tf.data: what the backbone side costs alone
    started = time.perf_counter()
    embed(features, data.train, data.val)
    cached_rate = images_embedded / (time.perf_counter() - started)
    started = time.perf_counter()
    for images, _ in data.train.concatenate(data.val):  # the old way: one eager call per batch
        features(images, training=False)
    eager_rate = images_embedded / (time.perf_counter() - started)
    print(f"data: {data_dir} ({len(train_x)} train / {len(val_x)} val / {len(data.files['test'])} test images)")
    print(f"backbone forward pass on a ready batch of {BATCH}: {forward_rate:.1f} images/s")
    print(f"embedding from disk (decode -> resize -> backbone, traced once): {embed_rate:.1f} images/s "
          f"({images_embedded} images in {embed_seconds:.1f} s, tracing included); ratio {embed_rate / forward_rate:.2f}x")
    print(f"  at its steady pace (batches 5 onward): {steady_rate:.1f} images/s; ratio {steady_rate / forward_rate:.2f}x  (goal >= 0.8x)")
    print(f"input pipeline alone (read -> decode -> resize, no model): {decode_rate:.1f} images/s")
    print(f"  decode and forward pass sharing the same {os.cpu_count()} cores can reach at most 1/(1/forward + 1/decode) = "
          f"{shared_bound:.1f} images/s; ratio {shared_bound / forward_rate:.2f}x")
    print(f"embedding decoded images (tf.data cache; tracing included): {cached_rate:.1f} images/s; ratio {cached_rate / forward_rate:.2f}x")
    print(f"the old eager call per batch on the same decoded images: {eager_rate:.1f} images/s; ratio {eager_rate / forward_rate:.2f}x")
    if embed_only:
        return
    (test_x, _), = embed(features, data.test)

    head = head_model(model, train_x.shape[1])
    compile_classifier(head, n_classes, 1e-3)
    cached = _timed_fit(head, embedding_dataset(train_x, train_y, 32, SEED, True), embedding_dataset(val_x, val_y, 32, SEED, False))
    cached_accuracy = _accuracy(head.predict(test_x, verbose=0), test_labels)

    model.get_layer(HEAD_LAYER).set_weights(initial_head)
    compile_classifier(model, n_classes, 1e-3)
    end_to_end = _timed_fit(model, data.train, data.val)
    end_to_end_accuracy = _accuracy(model.predict(data.test, verbose=0), test_labels)

    cached_epoch, e2e_epoch = float(np.median(cached[1:])), float(np.median(end_to_end[1:]))
    print(f"{EPOCHS} epochs each way:")
    print(f"cached-embedding epoch (median of epochs 2-{EPOCHS}): {cached_epoch * 1000:.0f} ms")
    print(f"end-to-end epoch through the frozen backbone:   {e2e_epoch:.2f} s")
    print(f"ratio end-to-end / cached per epoch: {e2e_epoch / cached_epoch:.0f}x  (goal >= 20x)")
    print(f"test accuracy after {EPOCHS} epochs: cached {cached_accuracy:.3f}, end-to-end {end_to_end_accuracy:.3f} "
          f"(difference {abs(cached_accuracy - end_to_end_accuracy) * 100:.1f} points; goal <= 1)")
    total_cached = embed_seconds + sum(cached)
    print(f"whole feature-extraction phase: cached {total_cached:.1f} s vs end-to-end {sum(end_to_end):.1f} s "
          f"({sum(end_to_end) / total_cached:.1f}x)")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(Path(arguments[0] if arguments else "../shared/data/food101_3class"), embed_only="--embed-only" in sys.argv)
