"""Transfer learning, all three kinds: as-is (ImageNet predict), feature extraction, fine-tuning.

Feature extraction takes a fast path when nothing random runs before the backbone (no
augmentation): every image's embedding is computed once, and the head trains on those
cached embeddings, so an epoch costs milliseconds instead of a backbone pass. The
saved `model.keras` is always the whole model: raw image in, class probabilities out.

Example:
    >>> from tfjourney.pipelines.transfer import train_transfer
    >>> run = train_transfer("food101_3class/", fine_tune_layers=20, out="runs/food")
"""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from tfjourney import plots
from tfjourney.blueprints import get_blueprint
from tfjourney.data.images import ImageData, load_image_folder, read_image
from tfjourney.errors import ConfigError, DataError
from tfjourney.metrics import class_probabilities, classification_metrics
from tfjourney.models.backbones import DEFAULT_BACKBONE, build_backbone, build_imagenet_classifier, get_backbone_spec
from tfjourney.models.cnn import build_augmentation
from tfjourney.models.imagenet import decode_top_k
from tfjourney.models.summary import model_record
from tfjourney.pipelines.cnn import compile_classifier, validate_image_config
from tfjourney.pipelines.images import (
    data_record,
    evaluate_on_test,
    labels_of,
    plot_augmentation_examples,
    resolve_image_source,
    write_classes,
)
from tfjourney.reports import write_report
from tfjourney.runs import MODEL_FILE, Run, RunWriter, check_can_write, default_run_dir, load_run, new_run_record, write_json
from tfjourney.training.fit import FitResult, fit, set_seed

HEAD_LAYER = "classifier"
PHASE2_PATIENCE = 3


# ----------------------------------------------------------------------------- model
def build_transfer_model(backbone: keras.Model, n_classes: int, augment: bool, seed: int | None = None) -> keras.Model:
    """Raw pixels -> (augmentation) -> frozen backbone (inference mode) -> GlobalAveragePooling -> Dense."""
    backbone.trainable = False
    size = backbone.input_shape[1:]
    inputs = keras.Input(shape=size, name="image")
    x = build_augmentation(seed)(inputs) if augment else inputs
    x = backbone(x, training=False)  # BatchNormalization stays in inference mode, even when fine-tuning
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    binary = n_classes == 2
    outputs = keras.layers.Dense(1 if binary else n_classes, activation="sigmoid" if binary else "softmax", name=HEAD_LAYER)(x)
    return keras.Model(inputs, outputs, name=f"transfer_{backbone.name}")


def fine_tunable_layers(backbone: keras.Model) -> list[keras.layers.Layer]:
    """The layers "top N" counts over: everything after the input and the preprocessing."""
    return [layer for layer in backbone.layers if not isinstance(layer, (keras.layers.InputLayer, keras.layers.Rescaling))]


def unfreeze_top_layers(backbone: keras.Model, n: int) -> int:
    """Unfreeze the top `n` layers except BatchNormalization; returns how many now train."""
    layers = fine_tunable_layers(backbone)
    if not 0 <= n <= len(layers):
        raise ConfigError(f"--fine-tune-layers {n} is larger than {backbone.name}'s {len(layers)} layers; pass at most {len(layers)}.")
    backbone.trainable = True
    for layer in backbone.layers:
        layer.trainable = False
    top = layers[len(layers) - n :] if n else []
    for layer in top:
        layer.trainable = not isinstance(layer, keras.layers.BatchNormalization)
    return sum(layer.trainable for layer in top)


# ----------------------------------------------------------------------------- feature extraction
def embed(feature_model: keras.Model, dataset: tf.data.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """One backbone pass over a dataset: (embeddings, labels), in the dataset's order."""
    embeddings, labels = [], []
    for images, batch_labels in dataset:
        embeddings.append(keras.ops.convert_to_numpy(feature_model(images, training=False)))
        labels.append(batch_labels.numpy())
    return np.concatenate(embeddings), np.concatenate(labels)


def _embedding_dataset(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int, shuffle: bool) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices((x, y)).cache()
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _train_head_on_embeddings(model, image_data: ImageData, config, seed, callbacks, verbose) -> tuple[FitResult, dict]:
    """The fast path: embed every image once, then fit only the Dense head on the cached embeddings."""
    started = time.perf_counter()
    feature_model = keras.Model(model.inputs, model.get_layer("pool").output)
    train = embed(feature_model, image_data.train)
    val = embed(feature_model, image_data.val) if image_data.val is not None else None
    embed_seconds = time.perf_counter() - started
    head_input = keras.Input(shape=(train[0].shape[1],), name="embedding")
    head = keras.Model(head_input, model.get_layer(HEAD_LAYER)(head_input), name="head")
    compile_classifier(head, len(image_data.class_names), config["learning_rate"])
    set_seed(seed)
    result = fit(
        head,
        _embedding_dataset(*train, config["batch_size"], seed, shuffle=True),
        _embedding_dataset(*val, config["batch_size"], seed, shuffle=False) if val else None,
        config["epochs"],
        callbacks,
        verbose=verbose,
    )
    return result, {"embed_seconds": embed_seconds, "head_seconds": result.seconds}


def _phase1(model, image_data, config, seed, staging: Path, verbose) -> tuple[FitResult, dict]:
    callbacks = [keras.callbacks.CSVLogger(str(staging / "history.csv"))]
    n_classes = len(image_data.class_names)
    if config["augment"]:
        compile_classifier(model, n_classes, config["learning_rate"])
        result = fit(model, image_data.train, image_data.val, config["epochs"], callbacks, verbose=verbose)
        return result, {"phase1_seconds": result.seconds}
    result, timings = _train_head_on_embeddings(model, image_data, config, seed, callbacks, verbose)
    return result, {**timings, "phase1_seconds": timings["embed_seconds"] + timings["head_seconds"]}


def _phase2(model, backbone, image_data, config, start_epoch: int, staging: Path, verbose) -> tuple[FitResult, int]:
    """Fine-tuning: top layers unfrozen, learning rate lowered, epochs continue from phase 1."""
    trainable = unfreeze_top_layers(backbone, config["fine_tune_layers"])
    compile_classifier(model, len(image_data.class_names), config["learning_rate"] * config["fine_tune_lr_factor"])
    callbacks = [
        keras.callbacks.CSVLogger(str(staging / "history.csv"), append=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=PHASE2_PATIENCE, restore_best_weights=True),
    ]
    result = fit(
        model, image_data.train, image_data.val, start_epoch + config["fine_tune_epochs"], callbacks,
        initial_epoch=start_epoch, verbose=verbose,
    )
    return result, trainable


def _test_accuracy(model: keras.Model, image_data: ImageData) -> float:
    probabilities = class_probabilities(model.predict(image_data.test, verbose=0))
    return float(np.mean(probabilities.argmax(axis=1) == labels_of(image_data, "test")))


# ----------------------------------------------------------------------------- the pipeline
def _validate_transfer_config(config: dict) -> dict:
    validate_image_config(config)
    get_backbone_spec(config["backbone"])
    if config["fine_tune_layers"] < 0:
        raise ConfigError(f"--fine-tune-layers {config['fine_tune_layers']} must be 0 (no fine-tuning) or more.")
    if config["fine_tune_layers"] and config["fine_tune_epochs"] < 1:
        raise ConfigError(f"--fine-tune-epochs {config['fine_tune_epochs']} must be at least 1 when fine-tuning.")
    if not 0 < config["fine_tune_lr_factor"] <= 1:
        raise ConfigError(f"--fine-tune-lr-factor {config['fine_tune_lr_factor']} must be in (0, 1]; 0.1 is typical.")
    return config


def train_transfer(
    data: str | Path,
    *,
    out: str | Path | None = None,
    overwrite: bool = False,
    seed: int = 42,
    strict: bool = False,
    weights: str | Path | None = None,
    tensorboard: bool = False,
    command: list[str] | None = None,
    verbose: int = 0,
    **hyperparameters,
) -> Run:
    """Feature extraction (and fine-tuning when `fine_tune_layers` > 0) on an image folder."""
    folder, source, _ = resolve_image_source(data)
    config = _validate_transfer_config(get_blueprint("transfer").resolve(**hyperparameters))
    run_dir = Path(out) if out else default_run_dir("transfer")
    check_can_write(run_dir, overwrite)
    backbone = build_backbone(config["backbone"], config["image_size"], weights=weights or "imagenet")
    if config["fine_tune_layers"] > len(fine_tunable_layers(backbone)):
        unfreeze_top_layers(backbone, config["fine_tune_layers"])  # raises with the maximum
    image_data = load_image_folder(
        folder, config["image_size"], config["batch_size"], seed, config["validation_split"], config["test_split"], strict
    )
    set_seed(seed)
    model = build_transfer_model(backbone, len(image_data.class_names), config["augment"], seed=seed)
    record = new_run_record("transfer", {**config, "weights": str(weights) if weights else "imagenet"}, seed,
                            data_record(image_data, source, folder), command)
    record["data"]["feature_extraction"] = "end-to-end with augmentation" if config["augment"] else "cached embeddings"

    with RunWriter(run_dir, overwrite) as staging:
        phase1, timings = _phase1(model, image_data, config, seed, staging, verbose)
        training = {"epochs_run": phase1.epochs_run, "best_epoch": phase1.best_epoch}
        metrics_extra = {}
        if config["fine_tune_layers"]:
            metrics_extra["phase1_accuracy"] = _test_accuracy(model, image_data)
            phase2, trainable = _phase2(model, backbone, image_data, config, phase1.epochs_run, staging, verbose)
            timings["fine_tune_seconds"] = phase2.seconds
            training.update(
                phase1_epochs=phase1.epochs_run,
                fine_tune_start_epoch=phase1.epochs_run + 1,  # 1-based, as in the plots
                epochs_run=phase1.epochs_run + phase2.epochs_run,
                best_epoch=phase2.best_epoch,
                fine_tune_layers_requested=config["fine_tune_layers"],
                fine_tune_trainable_layers=trainable,  # fewer than requested: BatchNormalization stays frozen
            )
            plots.compare_historys(phase1.history, phase2.history, phase1.epochs_run, staging / "plots" / "compare_histories.png")
            history = {k: phase1.history.get(k, []) + phase2.history.get(k, []) for k in phase1.history}
        else:
            history = phase1.history
        started = time.perf_counter()
        metrics = evaluate_on_test(model, image_data, staging)
        if config["fine_tune_layers"]:
            metrics_extra["fine_tune_accuracy"] = metrics["accuracy"]
        metrics.update(metrics_extra)
        timings["evaluate_seconds"] = time.perf_counter() - started
        record["timings"], record["training"] = timings, training
        plots.plot_loss_curves(history, staging / "plots" / "loss.png", title=f"{config['backbone']} on {Path(source).name}")
        if config["augment"]:
            plot_augmentation_examples(model, image_data, staging / "plots" / "augmentation.png")
        model.save(staging / MODEL_FILE)
        record["model"] = model_record(model)
        record["model"]["backbone"] = {"name": config["backbone"], "layers": len(fine_tunable_layers(backbone)),
                                       "feature_layer": get_backbone_spec(config["backbone"]).feature_layer}
        write_classes(staging, image_data.class_names)
        write_json(staging / "run.json", record)
        write_json(staging / "metrics.json", metrics)
        write_report(staging)
    return load_run(run_dir)


# ----------------------------------------------------------------------------- as-is
def predict_imagenet(
    paths: list[str | Path], backbone: str | None = None, top_k: int = 5, weights: str | Path | None = None
) -> pd.DataFrame:
    """The first kind of transfer learning: the pretrained model as-is, top-k ImageNet classes."""
    name = backbone or DEFAULT_BACKBONE
    spec = get_backbone_spec(name)
    for path in paths:
        if not Path(path).exists():
            raise DataError(f"image not found: {path}; check the path.")
    images = np.stack([read_image(p, spec.default_image_size, center_crop=True) for p in paths])
    probabilities = build_imagenet_classifier(name, weights=weights or "imagenet").predict(images, verbose=0)
    rows = []
    for path, top in zip(paths, decode_top_k(probabilities, k=top_k)):
        rows += [{"image": str(path), "rank": rank, "class": label, "probability": p} for rank, (label, p) in enumerate(top, 1)]
    return pd.DataFrame(rows)
