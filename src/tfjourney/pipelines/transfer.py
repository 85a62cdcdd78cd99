"""Transfer learning, all three kinds: as-is (ImageNet predict), feature extraction, fine-tuning.

The model is built in `models.transfer`, fine-tuning runs in `training.fine_tune`; this
module only orchestrates load -> build -> train -> evaluate -> write.

Feature extraction takes a fast path when nothing random runs before the backbone (no
augmentation): every image's embedding is computed once, and the head trains on those
cached embeddings, so an epoch costs milliseconds instead of a backbone pass. Once early
stopping has chosen the epochs on the validation split, a fresh head refits on training +
validation embeddings for that many epochs (`refit`, `training/refit.py`), so the head
learns from every labelled photo. The saved `model.keras` is always the whole model: raw
image in, class probabilities out.
Fine-tuning unfreezes more and more of the backbone's top layers in stages (gradual
unfreezing, deeper blocks at smaller learning rates), each kept only if it improves
validation loss. It runs the backbone on every step anyway, so it trains on augmented
images (`fine_tune_augment`): with its top layers free, the backbone would otherwise fit
the few hundred training photos themselves.

Example:
    >>> from tfjourney.pipelines.transfer import train_transfer
    >>> run = train_transfer("food101_3class/", fine_tune=True, out="runs/food")
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
from tfjourney.errors import ConfigError
from tfjourney.metrics import class_probabilities
from tfjourney.models.backbones import DEFAULT_BACKBONE, build_backbone, build_imagenet_classifier, get_backbone_spec
from tfjourney.models.cnn import build_augmentation
from tfjourney.models.imagenet import decode_top_k
from tfjourney.models.transfer import build_transfer_model, check_fine_tune_layers, feature_model, fine_tunable_layers, head_model
from tfjourney.pipelines.images import (
    data_record,
    evaluate_on_test,
    load_for_training,
    labels_of,
    load_images,
    plot_augmentation_examples,
    resolve_image_source,
)
from tfjourney.pipelines.skeleton import finish_run, open_run, plot_training, run_callbacks, start_distribution, training_record
from tfjourney.progress import Progress, per_second
from tfjourney.runs import CLASSES_FILE, Run, RunWriter, new_run_record
from tfjourney.training.checkpoint import prepare_checkpoint
from tfjourney.training.distributed import Distribution
from tfjourney.training.embeddings import embed, embedding_dataset
from tfjourney.training.fine_tune import (
    StageResult,
    augments_fine_tuning_data,
    fine_tune_in_stages,
    fine_tune_stages,
    fine_tune_training_data,
)
from tfjourney.training.fit import FitResult, compile_classifier, fit, set_seed
from tfjourney.training.lr_finder import LRFinderResult, find_learning_rate
from tfjourney.training.progress import epoch_callbacks, predict_with_progress
from tfjourney.training.refit import refit_head



# ----------------------------------------------------------------------------- phase 1: feature extraction
def _find_head_learning_rate(model: keras.Model, train: tf.data.Dataset, n_classes: int, learning_rate: float, steps: int) -> LRFinderResult:
    """The learning-rate sweep on the head (the sweep spoils weights, so the head's are put back)."""
    weights = model.get_weights()
    compile_classifier(model, n_classes, learning_rate)
    result = find_learning_rate(model, train, steps_per_epoch=steps)
    model.set_weights(weights)
    return result


def _train_head_on_embeddings(
    model, image_data: ImageData, config, seed, callbacks, verbose, find_lr: bool, progress: Progress | None,
    distribution: Distribution | None = None, checkpoint=None, refit: bool = False,
) -> tuple[FitResult, dict, LRFinderResult | None, dict | None]:
    """The fast path: embed every image once, then fit only the Dense head on the cached embeddings.

    With `refit`, a fresh head then trains on training + validation embeddings for the epochs
    early stopping chose (`training.refit`); its record is the last item returned (None: no refit).
    """
    started = time.perf_counter()
    features = feature_model(model)
    datasets = [image_data.train] + ([image_data.val] if image_data.val is not None else [])
    count = len(image_data.files["train"]) + (len(image_data.files.get("val", [])) if image_data.val is not None else 0)
    with (progress or Progress.silent()).phase("embedding images", total=count, unit="images") as phase:
        train, *rest = embed(features, *datasets, phase=phase)
        phase.done(per_second("embedded", count, "images", phase.elapsed))
    val = rest[0] if rest else None
    timings = {"embed_seconds": time.perf_counter() - started}
    with (distribution or Distribution()).scope():
        head = head_model(model, train[0].shape[1])
    initial_weights = head.get_weights()
    train_ds = embedding_dataset(*train, config.batch_size, seed, shuffle=True)
    lr_result = None
    if find_lr:
        started = time.perf_counter()
        set_seed(seed)
        lr_result = _find_head_learning_rate(head, train_ds, len(image_data.class_names), config.learning_rate,
                                             steps=int(np.ceil(len(train[0]) / config.batch_size)))
        timings["find_lr_seconds"] = time.perf_counter() - started
    learning_rate = lr_result.suggested if lr_result else config.learning_rate
    with (distribution or Distribution()).scope():
        compile_classifier(head, len(image_data.class_names), learning_rate)
    set_seed(seed)
    result = fit(
        head,
        train_ds,
        embedding_dataset(*val, config.batch_size, seed, shuffle=False) if val else None,
        config.epochs,
        callbacks + epoch_callbacks(progress, "training the head", verbose),
        verbose=verbose,
        distribution=distribution,
        checkpoint=checkpoint,
    )
    timings["head_seconds"] = result.seconds
    refit_record = None
    if refit:
        refit_record = refit_head(
            head, initial_weights, train, val, epochs=result.best_epoch, n_classes=len(image_data.class_names),
            learning_rate=learning_rate, batch_size=config.batch_size, seed=seed, distribution=distribution,
            callbacks=epoch_callbacks(progress, "refitting the head on training + validation", verbose),
        ).record()
        timings["refit_seconds"] = refit_record["seconds"]
    return result, timings, lr_result, refit_record


def refit_plan(config: TransferConfig, fine_tunes: bool) -> tuple[bool, dict | None]:
    """Whether the head is refit on training + validation, and run.json's `training.refit` when it is not.

    Returns:
        (refit, record): record is None when `refit` is off, or says why a requested refit is skipped.
    """
    if not config.refit:
        return False, None
    if fine_tunes:
        return False, {"skipped": "fine-tuning chooses its stages by validation loss, so the head must not have seen the validation photos"}
    if config.augment:
        return False, {"skipped": "with augment the head trains end to end on images, not on cached embeddings, so a refit would cost a second training"}
    return True, None


def _callbacks(staging: Path, config: TransferConfig, tensorboard: bool, append: bool, name: str) -> list[keras.callbacks.Callback]:
    """Every phase: the run's callbacks (one history.csv), without halving the learning rate on a plateau."""
    return run_callbacks(staging, patience=config.patience, tensorboard=tensorboard, append=append, logs=name, reduce_lr=False)


def _phase1(
    model, image_data, config, seed, staging: Path, tensorboard: bool, verbose, find_lr: bool, progress: Progress | None,
    distribution: Distribution, writer: RunWriter, identity: dict, refit: bool = False,
) -> tuple[FitResult, dict, LRFinderResult | None, dict | None]:
    """Feature extraction; checkpointed every epoch, so `--resume` continues it (fine-tuning, if any, starts over).

    `refit` (cached embeddings only) then refits the head on training + validation (`_train_head_on_embeddings`).
    """
    callbacks = _callbacks(staging, config, tensorboard, append=writer.resume, name="feature_extraction")
    checkpoint = prepare_checkpoint(writer, staging, watch=callbacks, identity=identity, progress=progress)
    if config.augment:
        lr_result, timings = None, {}
        if find_lr:
            started = time.perf_counter()
            lr_result = _find_head_learning_rate(model, image_data.train, len(image_data.class_names), config.learning_rate,
                                                 steps=int(np.ceil(len(image_data.files["train"]) / config.batch_size)))
            timings["find_lr_seconds"] = time.perf_counter() - started
            set_seed(seed)
        with distribution.scope():
            compile_classifier(model, len(image_data.class_names), lr_result.suggested if lr_result else config.learning_rate)
        callbacks += epoch_callbacks(progress, "feature extraction", verbose)
        result = fit(model, image_data.train, image_data.val, config.epochs, callbacks, verbose=verbose,
                     distribution=distribution, checkpoint=checkpoint)
        return result, {**timings, "phase1_seconds": result.seconds}, lr_result, None
    result, timings, lr_result, refit_record = _train_head_on_embeddings(
        model, image_data, config, seed, callbacks, verbose, find_lr, progress, distribution, checkpoint, refit=refit)
    phase1_seconds = timings["embed_seconds"] + timings["head_seconds"] + timings.get("refit_seconds", 0.0)
    return result, {**timings, "phase1_seconds": phase1_seconds}, lr_result, refit_record


# ----------------------------------------------------------------------------- phase 2: fine-tuning in stages
def _phase2(
    model, backbone, image_data, config, seed, phase1: FitResult, staging: Path, tensorboard: bool, verbose, progress: Progress | None
) -> list[StageResult]:
    """Fine-tuning: the schedule's stages, each kept only if it beats the best validation loss so far.

    A stage that does not improve on it is rolled back, so fine-tuning can never make the
    model worse on the data it is judged by.
    """
    return fine_tune_in_stages(
        model, backbone,
        stages=fine_tune_stages(config.fine_tune_layers, config.fine_tune_epochs),
        train_data=lambda index: fine_tune_training_data(image_data, config, seed + index),
        val_data=image_data.val,
        learning_rate=config.learning_rate * config.fine_tune_lr_factor,
        lr_decay=config.lr_decay,
        n_classes=len(image_data.class_names),
        initial_epoch=phase1.epochs_run,
        best_val_loss=min(phase1.history["val_loss"]) if phase1.history.get("val_loss") else None,
        callbacks=lambda index: _callbacks(staging, config, tensorboard, append=True, name="fine_tune")
        + epoch_callbacks(progress, f"fine-tuning stage {index + 1}", verbose),
        seed=seed,
        verbose=verbose,
    )


def _stage_training_record(phase1: FitResult, stages: list[StageResult]) -> dict:
    """run.json's `training` after fine-tuning: every stage, and the one-stage summary keys older readers know."""
    kept = [stage for stage in stages if stage.kept]
    last = kept[-1] if kept else stages[-1]
    epochs_run = phase1.epochs_run + sum(stage.epochs_run for stage in stages)
    best_epoch = phase1.best_epoch
    if kept:
        best = kept[-1]
        best_epoch = best.start_epoch + int(np.argmin(best.history["val_loss"])) if best.history.get("val_loss") else best.start_epoch + best.epochs_run - 1
    return {
        "epochs_run": epochs_run,
        "best_epoch": best_epoch,
        "phase1_epochs": phase1.epochs_run,
        "fine_tune_start_epoch": phase1.epochs_run + 1,  # 1-based, as in the plots
        "fine_tune_kept": bool(kept),  # False: no stage improved validation loss, so the phase-1 weights were restored
        "fine_tune_layers_requested": last.layers,
        "fine_tune_trainable_layers": last.trainable_layers,  # fewer than requested: BatchNormalization stays frozen
        "stages": [stage.record() for stage in stages],
    }


def _test_accuracy(model: keras.Model, image_data: ImageData, progress: Progress | None) -> float:
    outputs = predict_with_progress(model, image_data.test, len(image_data.files["test"]), progress,
                                    name="evaluating feature extraction", label="feature extraction: ")
    probabilities = class_probabilities(outputs)
    return float(np.mean(probabilities.argmax(axis=1) == labels_of(image_data, "test")))


# ----------------------------------------------------------------------------- the pipeline
def _fine_tune_request(hyperparameters: dict) -> dict:
    """One number for the schedule means one stage; passing `fine_tune_layers` asks for fine-tuning (0: none),
    as it did before `fine_tune` existed."""
    request = dict(hyperparameters)
    for key in ("fine_tune_layers", "fine_tune_epochs"):
        if isinstance(request.get(key), int) and not isinstance(request.get(key), bool):
            request[key] = (request[key],)
    layers = request.get("fine_tune_layers")
    if layers is not None and request.get("fine_tune") is None:
        request["fine_tune"] = tuple(layers) != (0,)
    return request


def native_image_size(backbone: str | None, image_size: int | None) -> int | None:
    """`image_size` as given; when it is not, a named backbone's native resolution (Lite0 224, Lite1 240, Lite2 260 px),
    and None (the blueprint's, the default backbone's native size) when no backbone is named."""
    if image_size is not None or backbone is None:
        return image_size
    from tfjourney.models.backbones import get_backbone_spec

    return get_backbone_spec(backbone).default_image_size


def train_transfer(
    data: str | Path,
    *,
    out: str | Path | None = None,
    overwrite: bool = False,
    seed: int = DEFAULT_SEED,
    strict: bool = False,
    weights: str | Path | None = None,
    tensorboard: bool = False,
    find_lr: bool = False,
    command: list[str] | None = None,
    verbose: int = 0,
    progress: Progress | None = None,
    distribute: str = "none",
    devices: int | None = None,
    global_batch_size: int | None = None,
    resume: bool = False,
    backbone: str | None = None,
    image_size: int | None = None,
    learning_rate: float | None = None,
    epochs: int | None = None,
    fine_tune: bool | None = None,
    fine_tune_layers: int | tuple[int, ...] | None = None,
    fine_tune_lr_factor: float | None = None,
    fine_tune_epochs: int | tuple[int, ...] | None = None,
    lr_decay: float | None = None,
    fine_tune_augment: bool | None = None,
    patience: int | None = None,
    augment: bool | None = None,
    batch_size: int | None = None,
    validation_split: float | None = None,
    test_split: float | None = None,
    refit: bool | None = None,
) -> Run:
    """Feature extraction, then (with `fine_tune=True` or `fine_tune_layers`) fine-tuning in stages, on an image folder.

    `find_lr` runs the learning-rate sweep on the head first and trains phase 1 at its suggestion.
    ``progress`` shows each phase as it runs (default: nothing is shown); ``verbose`` prints Keras's own epoch lines.
    `distribute`, `devices` and `global_batch_size` choose how training is spread
    (training/distributed.py; fine-tuning stages run under `none` or `mirrored`);
    `resume` continues an interrupted feature extraction from its last finished epoch
    (an interrupted fine-tuning starts over).

    Args:
        data: an image folder (train/ + test/ class folders, or one class-folder tree), or `digits` / `shapes`.
        strict: raise on unreadable images instead of skipping them.
        weights: a local weights file for the backbone (default: ImageNet weights).
        out: the run folder to write (default: runs/<blueprint>-<timestamp>).
        overwrite: replace a previous run folder at `out` (never other files).
        seed: the random seed; the same seed repeats a run.
        tensorboard: also write TensorBoard logs to RUN_DIR/logs.
        command: the command line recorded in run.json (default: this process's).
        verbose: 2 prints Keras's own epoch lines.
        progress: shows each phase as it runs (default: nothing is shown).
        backbone: Backbone; None (default) takes the blueprint's value.
        image_size: Input image(s); None (default) takes the backbone's native size (the blueprint's value for the default backbone).
        learning_rate: Phase-1 learning rate; None (default) takes the blueprint's value.
        epochs: Phase-1 epochs; None (default) takes the blueprint's value.
        fine_tune: Fine-tuning (phase 2); None (default) takes the blueprint's value.
        fine_tune_layers: Unfrozen top layers per stage (gradual unfreezing); None (default) takes the blueprint's value.
        fine_tune_lr_factor: Phase-2 learning rate factor; None (default) takes the blueprint's value.
        fine_tune_epochs: Phase-2 epochs per stage; None (default) takes the blueprint's value.
        lr_decay: Learning-rate decay per deeper block; None (default) takes the blueprint's value.
        fine_tune_augment: Data augmentation while fine-tuning; None (default) takes the blueprint's value.
        patience: Early stopping patience (epochs, both phases); None (default) takes the blueprint's value.
        augment: Data augmentation (both phases); None (default) takes the blueprint's value.
        batch_size: Batch size; None (default) takes the blueprint's value.
        validation_split: Validation split (from training images); None (default) takes the blueprint's value.
        test_split: Test split (single-folder layout only); None (default) takes the blueprint's value.
        refit: Refit the head on training + validation (the epochs early stopping chose); None (default) takes the blueprint's value.

    Returns:
        The finished run (`tfjourney.runs.Run`), read back from its folder.
    """
    hyperparameters = {  # the blueprint's keys; None takes the blueprint's value
        "backbone": backbone, "image_size": native_image_size(backbone, image_size), "learning_rate": learning_rate, "epochs": epochs,
        "fine_tune": fine_tune, "fine_tune_layers": fine_tune_layers,
        "fine_tune_lr_factor": fine_tune_lr_factor, "fine_tune_epochs": fine_tune_epochs, "lr_decay": lr_decay,
        "fine_tune_augment": fine_tune_augment, "patience": patience, "augment": augment,
        "batch_size": batch_size, "validation_split": validation_split, "test_split": test_split, "refit": refit,
    }
    distribution = start_distribution(distribute, devices=devices, global_batch_size=global_batch_size, hyperparameters=hyperparameters)
    folder, source, _ = resolve_image_source(data)
    config = get_blueprint("transfer").resolve(**_fine_tune_request(hyperparameters))
    schedule = fine_tune_stages(config.fine_tune_layers, config.fine_tune_epochs)  # checks the two lists agree
    stages = schedule if config.fine_tune else []
    distribution.check_batch_size(config.batch_size)
    if stages and distribution.custom_loop:
        raise ConfigError("fine-tuning does not run under `distribute` multiworker yet (feature extraction does); "
                          "drop `fine_tune`, or use `distribute` mirrored on one machine.")
    writer = open_run("transfer", out=out, overwrite=overwrite, resume=resume, distribution=distribution)
    with distribution.scope():
        backbone = build_backbone(config.backbone, config.image_size, weights=weights or "imagenet")
    for stage in stages:
        check_fine_tune_layers(backbone, stage.layers)
    image_data = load_for_training(folder, config, seed, strict, progress)
    set_seed(seed)
    with distribution.scope():
        model = build_transfer_model(backbone, len(image_data.class_names), config.augment, seed=seed)
    record = new_run_record("transfer", {**asdict(config), "weights": str(weights) if weights else "imagenet"}, seed,
                            data_record(image_data, source, folder), command)
    record["data"]["feature_extraction"] = "end-to-end with augmentation" if config.augment else "cached embeddings"

    identity = {"blueprint": "transfer", "data": source, "seed": seed, "config": record["config"]}
    with writer as staging:
        refit, refit_record = refit_plan(config, fine_tunes=bool(stages))
        phase1, timings, lr_result, refitted = _phase1(model, image_data, config, seed, staging, tensorboard, verbose, find_lr, progress,
                                                       distribution, writer, identity, refit=refit)
        refit_record = refitted or refit_record
        training = training_record(phase1)
        record["distribution"] = distribution.record(config.batch_size, phase1.weights_identical)
        metrics_extra = {}
        history = phase1.history
        if stages:
            metrics_extra["phase1_accuracy"] = _test_accuracy(model, image_data, progress)
            results = _phase2(model, backbone, image_data, config, seed, phase1, staging, tensorboard, verbose, progress)
            timings["fine_tune_seconds"] = sum(stage.seconds for stage in results)
            training = {**_stage_training_record(phase1, results), "resumed_from_epoch": phase1.resumed_from_epoch}
            histories = [phase1.history] + [stage.history for stage in results]
            plots.plot_stage_histories(histories, [stage.start_epoch for stage in results], staging / "plots" / "compare_histories.png",
                                       labels=[_stage_label(stage) for stage in results], rolled_back=[not stage.kept for stage in results])
            history = {k: [v for h in histories for v in h.get(k, [])] for k in phase1.history}
        training["refit"] = refit_record
        started = time.perf_counter()
        metrics = evaluate_on_test(model, image_data, staging, progress)
        if stages:
            metrics_extra["fine_tune_accuracy"] = metrics["accuracy"]
        metrics.update(metrics_extra)
        timings["evaluate_seconds"] = time.perf_counter() - started
        record["timings"], record["training"] = timings, training
        plot_training(staging, history, title=f"{config.backbone} on {Path(source).name}", record=record, lr_result=lr_result)
        if config.augment:
            plot_augmentation_examples(model.get_layer("augmentation"), image_data, staging / "plots" / "augmentation.png")
        elif augments_fine_tuning_data(config):
            plot_augmentation_examples(build_augmentation(seed), image_data, staging / "plots" / "augmentation.png")
        record["model"] = {"backbone": {"name": config.backbone, "layers": len(fine_tunable_layers(backbone)),
                                        "feature_layer": get_backbone_spec(config.backbone).feature_layer}}
        finish_run(staging, model=model, record=record, metrics=metrics, json_files={CLASSES_FILE: image_data.class_names})
    return writer.finished_run()


def _stage_label(stage: StageResult) -> str:
    return f"stage {stage.stage}: top {stage.layers}" + ("" if stage.kept else " (rolled back)")


# ----------------------------------------------------------------------------- as-is
def predict_imagenet(
    paths: list[str | Path], backbone: str | None = None, top_k: int = IMAGENET_TOP_K, weights: str | Path | None = None
) -> pd.DataFrame:
    """The first kind of transfer learning: the pretrained model as-is, top-k ImageNet classes."""
    name = backbone or DEFAULT_BACKBONE
    spec = get_backbone_spec(name)
    images = load_images(paths, spec.default_image_size, center_crop=True)
    probabilities = build_imagenet_classifier(name, weights=weights or "imagenet").predict(images, verbose=0)
    rows = []
    for path, top in zip(paths, decode_top_k(probabilities, k=top_k)):
        rows += [{"image": str(path), "rank": rank, "class": label, "probability": p} for rank, (label, p) in enumerate(top, 1)]
    return pd.DataFrame(rows)
