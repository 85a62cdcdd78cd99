"""Study: gradual fine-tuning schedules against feature extraction, over many seeds.

150 test photos make one photo 0.7 points, so three seeds cannot tell two schedules apart.
This study runs each schedule on many seeds (each seed its own validation split and
initialisation) and prints, side by side, the mean gain of fine-tuning over the same seed's
feature extraction and how many seeds ended below it.

It mirrors `train transfer` in plain Keras 3, so that it runs on any backend, also on an
accelerator machine where TensorFlow is not installed (`KERAS_BACKEND=torch` or `jax`): the
backbone frozen in inference mode, the head trained on cached embeddings (phase 1), then each
stage unfreezing the top N layers (BatchNormalization stays frozen), one Adam per block through
`keras.optimizers.MultiOptimizer`, early stopping on validation loss, and a stage kept only if
it beats the best validation loss so far. For each run it also evaluates, at no training cost,
WiSE-FT (the average of the phase-1 and the final weights) and a greedy soup of the kept
stages' end points.

Two steps:
    # where tfjourney is installed: the backbone as a .keras file, the photos resized as tfjourney does
    python benchmarks/study_fine_tune.py prepare ../shared/data/food101_3class --to /tmp/bundle
    # anywhere Keras 3 runs (the bundle is about 30 MB)
    KERAS_BACKEND=torch python benchmarks/study_fine_tune.py run /tmp/bundle --seeds 0-9 --budget 480
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

import keras
import numpy as np
from PIL import Image

PATIENCE, BATCH, PHASE1_EPOCHS, LEARNING_RATE, VALIDATION_SPLIT = 3, 32, 5, 1e-3, 0.2
SCHEDULES = {  # name -> stage layers, epochs per stage, phase-2 rate factor, lr_decay
    "one20": dict(layers=[20], epochs=5, factor=0.1, decay=1.0),  # the course's one stage
    "gradual": dict(layers=[10, 20, 40], epochs=5, factor=0.1, decay=1.0),
    "gradual_decay0.5": dict(layers=[10, 20, 40], epochs=5, factor=0.1, decay=0.5),
    "gradual_f0.3_decay0.5": dict(layers=[10, 20, 40], epochs=5, factor=0.3, decay=0.5),
    "l20_40": dict(layers=[20, 40], epochs=5, factor=0.1, decay=0.5),
    "l20_40_80": dict(layers=[20, 40, 80], epochs=5, factor=0.1, decay=0.5),
}


# ----------------------------------------------------------------------------- prepare (needs tfjourney)
def prepare(data_dir: Path, bundle: Path) -> None:
    """Write the backbone, and the photos decoded and resized with the ops of tfjourney's image loader.

    The photos are saved as JPEG (quality 95) to keep the bundle small enough to carry, so their
    pixels differ slightly from what `train transfer` sees.
    """
    import tensorflow as tf

    from tfjourney.blueprints import get_blueprint
    from tfjourney.models.backbones import build_backbone

    config = get_blueprint("transfer").resolve()
    build_backbone(config.backbone, config.image_size, weights="imagenet").save(bundle / "backbone.keras")
    for split in ("train", "test"):
        for class_dir in sorted(p for p in (data_dir / split).iterdir() if p.is_dir()):
            (bundle / "data" / split / class_dir.name).mkdir(parents=True, exist_ok=True)
            for path in sorted(class_dir.iterdir()):
                image = tf.image.resize(tf.io.decode_image(tf.io.read_file(str(path)), channels=3, expand_animations=False),
                                        (config.image_size, config.image_size)).numpy()
                Image.fromarray(np.clip(np.round(image), 0, 255).astype(np.uint8)).save(
                    bundle / "data" / split / class_dir.name / f"{path.stem}.jpg", quality=95)
    print(f"wrote {bundle}")


# ----------------------------------------------------------------------------- run (Keras only)
def load_split(bundle: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    classes = sorted(p.name for p in (bundle / "data" / split).iterdir())
    images, labels = [], []
    for label, name in enumerate(classes):
        for path in sorted((bundle / "data" / split / name).iterdir()):
            images.append(np.asarray(Image.open(path).convert("RGB"), dtype=np.float32))
            labels.append(label)
    return np.stack(images), np.array(labels)


def validation_split(labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified: VALIDATION_SPLIT of each class, drawn by `seed`."""
    rng = np.random.default_rng(seed)
    val = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[: round(VALIDATION_SPLIT * np.sum(labels == c))]
                          for c in np.unique(labels)])
    return np.setdiff1d(np.arange(len(labels)), val), val


def fine_tunable(backbone: keras.Model) -> list:
    return [layer for layer in backbone.layers if not isinstance(layer, (keras.layers.InputLayer, keras.layers.Rescaling))]


def unfreeze_top(backbone: keras.Model, n: int) -> None:
    layers = fine_tunable(backbone)
    backbone.trainable = True
    for layer in backbone.layers:
        layer.trainable = False
    for layer in layers[len(layers) - n:]:
        layer.trainable = not isinstance(layer, keras.layers.BatchNormalization)


def stage_blocks(backbone: keras.Model, stage_layers: list[int]) -> list[list]:
    layers, blocks, previous = fine_tunable(backbone), [], 0
    for n in stage_layers:
        blocks.append(layers[len(layers) - n: len(layers) - previous])
        previous = n
    return blocks


def block_optimizer(blocks: list[list], rate: float, decay: float) -> keras.optimizers.Optimizer:
    if len(blocks) == 1 or decay == 1.0:
        return keras.optimizers.Adam(rate)
    optimizer_map = keras.optimizers.OptimizerMap(default_optimizer=keras.optimizers.Adam(rate, name="adam_block0"))
    for k, block in enumerate(blocks[1:], start=1):
        optimizer = keras.optimizers.Adam(rate * decay**k, name=f"adam_block{k}")
        for variable in (w for layer in block for w in layer.weights):
            optimizer_map[variable.path] = optimizer
    return keras.optimizers.MultiOptimizer(optimizer_map)


def build(bundle: Path, seed: int, n_classes: int) -> tuple[keras.Model, keras.Model, keras.Model]:
    keras.utils.set_random_seed(seed)
    backbone = keras.saving.load_model(bundle / "backbone.keras", compile=False)
    backbone.trainable = False
    inputs = keras.Input(backbone.input_shape[1:])
    augmentation = keras.Sequential([keras.layers.RandomFlip("horizontal", seed=seed), keras.layers.RandomRotation(0.1, seed=seed),
                                     keras.layers.RandomZoom(0.1, seed=seed)], name="augmentation")  # active in fit only
    pooled = keras.layers.GlobalAveragePooling2D(name="pool")(backbone(augmentation(inputs), training=False))
    model = keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax", name="classifier")(pooled))
    return model, backbone, keras.Model(inputs, pooled)


def early_stopping() -> list:
    return [keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True)]


def mean_weights(weight_lists: list[list[np.ndarray]]) -> list[np.ndarray]:
    return [np.mean(arrays, axis=0) for arrays in zip(*weight_lists)]


class Study:
    def __init__(self, bundle: Path) -> None:
        self.bundle = bundle
        self.x, self.y = load_split(bundle, "train")
        self.x_test, self.y_test = load_split(bundle, "test")
        self.n_classes = int(self.y.max()) + 1

    def accuracy(self, model: keras.Model) -> float:
        return float(np.mean(model.predict(self.x_test, batch_size=64, verbose=0).argmax(1) == self.y_test))

    def phase1(self, seed: int, train: np.ndarray, val: np.ndarray) -> dict:
        """The head on cached embeddings; returns its weights, best validation loss, epochs and test accuracy."""
        model, _, features = build(self.bundle, seed, self.n_classes)
        embeddings = features.predict(self.x, batch_size=64, verbose=0)
        embedding = keras.Input((embeddings.shape[1],))
        head = keras.Model(embedding, model.get_layer("classifier")(embedding))
        head.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="sparse_categorical_crossentropy")
        keras.utils.set_random_seed(seed)
        history = head.fit(embeddings[train], self.y[train], validation_data=(embeddings[val], self.y[val]),
                           epochs=PHASE1_EPOCHS, batch_size=BATCH, callbacks=early_stopping(), verbose=0).history
        return {"weights": model.get_weights(), "val_loss": min(history["val_loss"]), "epochs": len(history["val_loss"]),
                "accuracy": self.accuracy(model)}

    def fine_tune(self, seed: int, train: np.ndarray, val: np.ndarray, phase1: dict, schedule: dict) -> dict:
        model, backbone, _ = build(self.bundle, seed, self.n_classes)
        model.set_weights(phase1["weights"])
        blocks = stage_blocks(backbone, schedule["layers"])
        best, epoch, stages, kept_weights = phase1["val_loss"], phase1["epochs"], [], []
        for index, n in enumerate(schedule["layers"]):
            before = model.get_weights()
            unfreeze_top(backbone, n)
            model.compile(optimizer=block_optimizer(blocks[: index + 1], LEARNING_RATE * schedule["factor"], schedule["decay"]),
                          loss="sparse_categorical_crossentropy")
            keras.utils.set_random_seed(seed + index)
            started = time.perf_counter()
            history = model.fit(self.x[train], self.y[train], validation_data=(self.x[val], self.y[val]), batch_size=BATCH,
                                epochs=epoch + schedule["epochs"], initial_epoch=epoch, callbacks=early_stopping(), verbose=0).history
            stage_best = min(history["val_loss"])
            stages.append({"layers": n, "epochs": len(history["val_loss"]), "val_loss": round(stage_best, 4),
                           "kept": stage_best < best, "accuracy": self.accuracy(model), "seconds": round(time.perf_counter() - started, 1)})
            if stage_best < best:
                best = stage_best
                kept_weights.append((stage_best, model.get_weights()))
            else:
                model.set_weights(before)
            epoch += len(history["val_loss"])
        final = model.get_weights()
        result = {"accuracy": self.accuracy(model), "stages": stages}
        model.set_weights(mean_weights([phase1["weights"], final]))
        result["wise_ft"] = self.accuracy(model)
        if len(kept_weights) > 1:
            result["soup"] = self.greedy_soup(model, kept_weights, val)
        return result

    def greedy_soup(self, model: keras.Model, kept: list, val: np.ndarray) -> float:
        """Average the kept stages' end points, best first, adding one only if validation loss does not rise."""
        kept = sorted(kept, key=lambda entry: entry[0])
        soup, soup_loss = [kept[0][1]], kept[0][0]
        for _, weights in kept[1:]:
            model.set_weights(mean_weights(soup + [weights]))
            loss = float(model.evaluate(self.x[val], self.y[val], batch_size=64, verbose=0))
            if loss <= soup_loss:
                soup, soup_loss = soup + [weights], loss
        model.set_weights(mean_weights(soup))
        return self.accuracy(model)


def summarise(records: list[dict]) -> None:
    print(f"\n{'schedule':24s} {'seeds':>5s} {'FE':>6s} {'tuned':>6s} {'gain':>7s} {'below FE':>8s} {'WiSE-FT':>8s}")
    for name in dict.fromkeys(r["schedule"] for r in records):
        rows = [r for r in records if r["schedule"] == name]
        gains = [r["accuracy"] - r["fe"] for r in rows]
        wise = [r["wise_ft"] - r["fe"] for r in rows]
        print(f"{name:24s} {len(rows):5d} {np.mean([r['fe'] for r in rows]):6.3f} {np.mean([r['accuracy'] for r in rows]):6.3f} "
              f"{100 * np.mean(gains):+6.1f}p {sum(g < -1e-9 for g in gains):8d} {100 * np.mean(wise):+7.1f}p")


def run(bundle: Path, seeds: list[int], schedules: list[str], budget: float, out: Path | None) -> None:
    started, study, records = time.perf_counter(), Study(bundle), []
    print(f"{len(study.y)} training photos, {len(study.y_test)} test photos, Keras backend {keras.backend.backend()}", flush=True)
    for seed in seeds:
        if time.perf_counter() - started > budget:
            print("time budget spent", flush=True)
            break
        train, val = validation_split(study.y, seed)
        phase1 = study.phase1(seed, train, val)
        for name in schedules:
            if time.perf_counter() - started > budget:
                break  # the seed loop says so
            try:
                record = {"seed": seed, "schedule": name, "fe": phase1["accuracy"],
                          **study.fine_tune(seed, train, val, phase1, SCHEDULES[name])}
            except Exception:  # a failing schedule should not cost the others their device time
                traceback.print_exc()
                continue
            records.append(record)
            print(json.dumps(record), flush=True)
            if out:
                with out.open("a") as log:
                    log.write(json.dumps(record) + "\n")
    summarise(records)


def _seeds(text: str) -> list[int]:
    """'0-3,7' -> [0, 1, 2, 3, 7]."""
    seeds = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        seeds += list(range(int(first), int(last or first) + 1))
    return seeds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("prepare", help="write the backbone and resized photos (needs tfjourney)")
    p.add_argument("data", type=Path, help="an image folder with train/ and test/ class folders")
    p.add_argument("--to", type=Path, required=True)
    r = commands.add_parser("run", help="run the schedules on many seeds (Keras 3, any backend)")
    r.add_argument("bundle", type=Path)
    r.add_argument("--seeds", type=_seeds, default=_seeds("0-9"), help="e.g. 0-9 or 0-3,7 (default 0-9)")
    r.add_argument("--schedules", default=",".join(SCHEDULES), help=f"comma-separated, from: {', '.join(SCHEDULES)}")
    r.add_argument("--budget", type=float, default=float("inf"), help="seconds; no new run starts after it")
    r.add_argument("--out", type=Path, help="append each run's record to this JSON-lines file")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        args.to.mkdir(parents=True, exist_ok=True)
        prepare(args.data, args.to)
    else:
        unknown = set(args.schedules.split(",")) - set(SCHEDULES)
        if unknown:
            sys.exit(f"unknown schedule(s) {', '.join(sorted(unknown))}; choose from {', '.join(SCHEDULES)}")
        run(args.bundle, args.seeds, args.schedules.split(","), args.budget, args.out)


if __name__ == "__main__":
    main()
