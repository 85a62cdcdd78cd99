"""Transfer learning, all three kinds: as-is (ImageNet predict), feature extraction, fine-tuning.

Feature extraction takes a fast path when nothing random runs before the backbone (no
augmentation): every image's embedding is computed once, and the head trains on those
cached embeddings, so an epoch costs milliseconds instead of a backbone pass. The
saved `model.keras` is always the whole model: raw image in, class probabilities out.
Fine-tuning runs the backbone on every step anyway, so it trains on augmented images
(`fine_tune_augment`): with its top layers free, the backbone would otherwise fit the
few hundred training photos themselves.

Example:
    >>> from tfjourney.pipelines.transfer import train_transfer
    >>> run = train_transfer("food101_3class/", fine_tune_layers=20, out="runs/food")
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from tfjourney import plots
from tfjourney.blueprints import DEFAULT_SEED, IMAGENET_TOP_K, TransferConfig, get_blueprint
from tfjourney.data.image_datasets import ImageData
from tfjourney.data.image_files import read_image
from tfjourney.errors import ConfigError, DataError
from tfjourney.metrics import class_probabilities
from tfjourney.models.backbones import DEFAULT_BACKBONE, build_backbone, build_imagenet_classifier, get_backbone_spec
from tfjourney.models.cnn import build_augmentation
from tfjourney.models.heads import classifier_output
from tfjourney.models.imagenet import decode_top_k
from tfjourney.pipelines.images import (
    compile_classifier,
    data_record,
    evaluate_on_test,
    finish_image_run,
    load_for_training,
    labels_of,
    plot_augmentation_examples,
    resolve_image_source,
)
from tfjourney.runs import Run, RunWriter, check_can_write, default_run_dir, load_run, new_run_record
from tfjourney.progress import Phase, Progress, per_second
from tfjourney.training.fit import FitResult, default_callbacks, fit, set_seed
from tfjourney.training.progress import epoch_callbacks, predict_with_progress

POOL_LAYER = "pool"
HEAD_LAYER = "classifier"


# ----------------------------------------------------------------------------- model
def build_transfer_model(backbone: keras.Model, n_classes: int, augment: bool, seed: int | None = None) -> keras.Model:
    """Raw pixels -> (augmentation) -> frozen backbone (inference mode) -> GlobalAveragePooling -> Dense."""
    backbone.trainable = False
    inputs = keras.Input(shape=backbone.input_shape[1:], name="image")
    x = build_augmentation(seed)(inputs) if augment else inputs
    x = backbone(x, training=False)  # BatchNormalization stays in inference mode, even when fine-tuning
    x = keras.layers.GlobalAveragePooling2D(name=POOL_LAYER)(x)
    head = classifier_output(n_classes)
    outputs = keras.layers.Dense(head.units, activation=head.activation, name=HEAD_LAYER)(x)
    return keras.Model(inputs, outputs, name=f"transfer_{backbone.name}")


def feature_model(model: keras.Model) -> keras.Model:
    """Raw image -> pooled backbone embedding: the part of a transfer model that phase 1 keeps frozen."""
    return keras.Model(model.inputs, model.get_layer(POOL_LAYER).output)


def head_model(model: keras.Model, embedding_size: int) -> keras.Model:
    """Embedding -> class probabilities, sharing the transfer model's own Dense layer (and weights)."""
    embedding = keras.Input(shape=(embedding_size,), name="embedding")
    return keras.Model(embedding, model.get_layer(HEAD_LAYER)(embedding), name="head")


def fine_tunable_layers(backbone: keras.Model) -> list[keras.layers.Layer]:
    """The layers "top N" counts over: everything after the input and the preprocessing."""
    return [layer for layer in backbone.layers if not isinstance(layer, (keras.layers.InputLayer, keras.layers.Rescaling))]


def check_fine_tune_layers(backbone: keras.Model, n: int) -> None:
    maximum = len(fine_tunable_layers(backbone))
    if not 0 <= n <= maximum:
        raise ConfigError(f"`fine_tune_layers` {n} is larger than {backbone.name}'s {maximum} layers; pass at most {maximum}.")


def unfreeze_top_layers(backbone: keras.Model, n: int) -> int:
    """Unfreeze the top `n` layers except BatchNormalization; returns how many now train."""
    check_fine_tune_layers(backbone, n)
    layers = fine_tunable_layers(backbone)
    backbone.trainable = True
    for layer in backbone.layers:
        layer.trainable = False
    top = layers[len(layers) - n :] if n else []
    for layer in top:
        layer.trainable = not isinstance(layer, keras.layers.BatchNormalization)
    return sum(layer.trainable for layer in top)


# ----------------------------------------------------------------------------- feature extraction
def embed(features: keras.Model, dataset: tf.data.Dataset, phase: Phase | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One backbone pass over a dataset: (embeddings, labels), in the dataset's order; ``phase`` counts the images."""
    embeddings, labels = [], []
    for images, batch_labels in dataset:
        embeddings.append(keras.ops.convert_to_numpy(features(images, training=False)))
        labels.append(batch_labels.numpy())
        if phase is not None:
            phase.update(len(labels[-1]))
    return np.concatenate(embeddings), np.concatenate(labels)


def embedding_dataset(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int, shuffle: bool) -> tf.data.Dataset:
    """Cached embeddings as a batched dataset: the head's whole training input."""
    ds = tf.data.Dataset.from_tensor_slices((x, y)).cache()
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _train_head_on_embeddings(model, image_data: ImageData, config, seed, callbacks, verbose, progress) -> tuple[FitResult, dict]:
    """The fast path: embed every image once, then fit only the Dense head on the cached embeddings."""
    started = time.perf_counter()
    features = feature_model(model)
    count = len(image_data.files["train"]) + (len(image_data.files.get("val", [])) if image_data.val is not None else 0)
    with (progress or Progress.silent()).phase("embedding images", total=count, unit="images") as phase:
        train = embed(features, image_data.train, phase)
        val = embed(features, image_data.val, phase) if image_data.val is not None else None
        phase.done(per_second("embedded", count, "images", phase.elapsed))
    embed_seconds = time.perf_counter() - started
    head = head_model(model, train[0].shape[1])
    compile_classifier(head, len(image_data.class_names), config.learning_rate)
    set_seed(seed)
    result = fit(
        head,
        embedding_dataset(*train, config.batch_size, seed, shuffle=True),
        embedding_dataset(*val, config.batch_size, seed, shuffle=False) if val else None,
        config.epochs,
        callbacks + epoch_callbacks(progress, "training the head", verbose),
        verbose=verbose,
    )
    return result, {"embed_seconds": embed_seconds, "head_seconds": result.seconds}


def _callbacks(staging: Path, config: TransferConfig, tensorboard: bool, append: bool) -> list[keras.callbacks.Callback]:
    """Both phases: early stopping with the best weights restored, one history.csv, optional TensorBoard."""
    return default_callbacks(
        staging / "history.csv", config.patience, reduce_lr=False, append=append,
        tensorboard_dir=(staging / "logs" / ("fine_tune" if append else "feature_extraction")) if tensorboard else None,
    )


def _phase1(model, image_data, config, seed, staging: Path, tensorboard: bool, verbose, progress) -> tuple[FitResult, dict]:
    callbacks = _callbacks(staging, config, tensorboard, append=False)
    if config.augment:
        compile_classifier(model, len(image_data.class_names), config.learning_rate)
        callbacks += epoch_callbacks(progress, "feature extraction", verbose)
        result = fit(model, image_data.train, image_data.val, config.epochs, callbacks, verbose=verbose)
        return result, {"phase1_seconds": result.seconds}
    result, timings = _train_head_on_embeddings(model, image_data, config, seed, callbacks, verbose, progress)
    return result, {**timings, "phase1_seconds": timings["embed_seconds"] + timings["head_seconds"]}


def augmented(dataset: tf.data.Dataset, seed: int) -> tf.data.Dataset:
    """Training batches through random flips, rotations and zooms, in the input pipeline.

    Applied in tf.data rather than in the model, so the saved model stays what phase 1
    built; a sequential map keeps the random draws, and so the run, repeatable.
    """
    augmentation = build_augmentation(seed)
    return dataset.map(lambda images, labels: (augmentation(images, training=True), labels))


def augments_fine_tuning_data(config: TransferConfig) -> bool:
    """Phase 2 adds its own augmentation only when it runs, is asked for, and the model does not augment already."""
    return bool(config.fine_tune_layers) and config.fine_tune_augment and not config.augment


def fine_tune_training_data(image_data: ImageData, config: TransferConfig, seed: int) -> tf.data.Dataset:
    """Phase 2's training images: augmented where `augments_fine_tuning_data` says so."""
    return augmented(image_data.train, seed) if augments_fine_tuning_data(config) else image_data.train


def _phase2(
    model, backbone, image_data, config, seed, phase1: FitResult, staging: Path, tensorboard: bool, verbose, progress
) -> tuple[FitResult, int, bool]:
    """Fine-tuning: top layers unfrozen, learning rate lowered, epochs continue from phase 1.

    Fine-tuning is kept only if it beats phase 1's best validation loss; otherwise the
    feature-extraction weights come back, so fine-tuning can never make the model worse on
    the data it is judged by. Returns (fit result, layers that trained, whether it was kept).
    """
    phase1_weights = model.get_weights()
    trainable = unfreeze_top_layers(backbone, config.fine_tune_layers)
    compile_classifier(model, len(image_data.class_names), config.learning_rate * config.fine_tune_lr_factor)
    set_seed(seed)
    result = fit(
        model, fine_tune_training_data(image_data, config, seed), image_data.val, phase1.epochs_run + config.fine_tune_epochs,
        _callbacks(staging, config, tensorboard, append=True) + epoch_callbacks(progress, "fine-tuning", verbose),
        initial_epoch=phase1.epochs_run, verbose=verbose,
    )
    kept = "val_loss" not in phase1.history or min(result.history["val_loss"]) < min(phase1.history["val_loss"])
    if not kept:
        model.set_weights(phase1_weights)
    return result, trainable, kept


def _test_accuracy(model: keras.Model, image_data: ImageData, progress: Progress | None) -> float:
    outputs = predict_with_progress(model, image_data.test, len(image_data.files["test"]), progress,
                                    name="evaluating feature extraction", label="feature extraction: ")
    probabilities = class_probabilities(outputs)
    return float(np.mean(probabilities.argmax(axis=1) == labels_of(image_data, "test")))


# ----------------------------------------------------------------------------- the pipeline
def train_transfer(
    data: str | Path,
    *,
    out: str | Path | None = None,
    overwrite: bool = False,
    seed: int = DEFAULT_SEED,
    strict: bool = False,
    weights: str | Path | None = None,
    tensorboard: bool = False,
    command: list[str] | None = None,
    verbose: int = 0,
    progress: Progress | None = None,
    **hyperparameters,
) -> Run:
    """Feature extraction (and fine-tuning when `fine_tune_layers` > 0) on an image folder.

    ``progress`` shows each phase as it runs (default: nothing is shown); ``verbose`` prints Keras's own epoch lines.
    """
    folder, source, _ = resolve_image_source(data)
    config = get_blueprint("transfer").resolve(**hyperparameters)
    run_dir = Path(out) if out else default_run_dir("transfer")
    check_can_write(run_dir, overwrite)
    backbone = build_backbone(config.backbone, config.image_size, weights=weights or "imagenet")
    check_fine_tune_layers(backbone, config.fine_tune_layers)
    image_data = load_for_training(folder, config, seed, strict, progress)
    set_seed(seed)
    model = build_transfer_model(backbone, len(image_data.class_names), config.augment, seed=seed)
    record = new_run_record("transfer", {**asdict(config), "weights": str(weights) if weights else "imagenet"}, seed,
                            data_record(image_data, source, folder), command)
    record["data"]["feature_extraction"] = "end-to-end with augmentation" if config.augment else "cached embeddings"

    with RunWriter(run_dir, overwrite) as staging:
        phase1, timings = _phase1(model, image_data, config, seed, staging, tensorboard, verbose, progress)
        training = {"epochs_run": phase1.epochs_run, "best_epoch": phase1.best_epoch}
        metrics_extra = {}
        history = phase1.history
        if config.fine_tune_layers:
            metrics_extra["phase1_accuracy"] = _test_accuracy(model, image_data, progress)
            phase2, trainable, kept = _phase2(model, backbone, image_data, config, seed, phase1, staging, tensorboard, verbose,
                                              progress)
            timings["fine_tune_seconds"] = phase2.seconds
            training.update(
                phase1_epochs=phase1.epochs_run,
                fine_tune_start_epoch=phase1.epochs_run + 1,  # 1-based, as in the plots
                epochs_run=phase1.epochs_run + phase2.epochs_run,
                best_epoch=phase2.best_epoch if kept else phase1.best_epoch,
                fine_tune_kept=kept,  # False: validation loss did not improve, so phase-1 weights were restored
                fine_tune_layers_requested=config.fine_tune_layers,
                fine_tune_trainable_layers=trainable,  # fewer than requested: BatchNormalization stays frozen
            )
            plots.compare_historys(phase1.history, phase2.history, phase1.epochs_run, staging / "plots" / "compare_histories.png")
            history = {k: phase1.history.get(k, []) + phase2.history.get(k, []) for k in phase1.history}
        started = time.perf_counter()
        metrics = evaluate_on_test(model, image_data, staging, progress)
        if config.fine_tune_layers:
            metrics_extra["fine_tune_accuracy"] = metrics["accuracy"]
        metrics.update(metrics_extra)
        timings["evaluate_seconds"] = time.perf_counter() - started
        record["timings"], record["training"] = timings, training
        plots.plot_loss_curves(history, staging / "plots" / "loss.png", title=f"{config.backbone} on {Path(source).name}")
        if config.augment:
            plot_augmentation_examples(model.get_layer("augmentation"), image_data, staging / "plots" / "augmentation.png")
        elif augments_fine_tuning_data(config):
            plot_augmentation_examples(build_augmentation(seed), image_data, staging / "plots" / "augmentation.png")
        record["model"] = {"backbone": {"name": config.backbone, "layers": len(fine_tunable_layers(backbone)),
                                        "feature_layer": get_backbone_spec(config.backbone).feature_layer}}
        finish_image_run(staging, model, record, metrics, image_data.class_names)
    return load_run(run_dir)


# ----------------------------------------------------------------------------- as-is
def predict_imagenet(
    paths: list[str | Path], backbone: str | None = None, top_k: int = IMAGENET_TOP_K, weights: str | Path | None = None
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
