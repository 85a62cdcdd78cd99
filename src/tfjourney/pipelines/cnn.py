"""The CNN blueprint on a folder of images: load -> build -> train -> evaluate -> write run.

Example:
    >>> from tfjourney.pipelines.cnn import train_cnn
    >>> run = train_cnn("digits", epochs=10, out="runs/digits")
"""

from __future__ import annotations

import time
from pathlib import Path

from tfjourney.blueprints import DEFAULT_SEED, get_blueprint
from tfjourney.models.cnn import build_cnn, check_cnn_shapes
from tfjourney.pipelines.images import (
    data_record,
    evaluate_on_test,
    load_for_training,
    plot_augmentation_examples,
    resolve_image_source,
)
from tfjourney.pipelines.skeleton import finish_run, fit_in_run, open_run, plot_training, start_distribution
from tfjourney.runs import CLASSES_FILE, Run, new_run_record
from tfjourney.progress import Progress
from tfjourney.training.fit import compile_classifier, set_seed


def train_cnn(
    data: str | Path,
    *,
    out: str | Path | None = None,
    overwrite: bool = False,
    seed: int = DEFAULT_SEED,
    strict: bool = False,
    tensorboard: bool = False,
    command: list[str] | None = None,
    verbose: int = 0,
    progress: Progress | None = None,
    distribute: str = "none",
    devices: int | None = None,
    global_batch_size: int | None = None,
    resume: bool = False,
    image_size: int | None = None,
    conv_blocks: int | None = None,
    filters: int | None = None,
    kernel_size: int | None = None,
    padding: str | None = None,
    strides: int | None = None,
    activation: str | None = None,
    pool: str | None = None,
    augment: bool | None = None,
    learning_rate: float | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    validation_split: float | None = None,
    test_split: float | None = None,
    patience: int | None = None,
    study: dict | None = None,
) -> Run:
    """Train the CNN blueprint on an image folder (or `digits` / `shapes`) and write a run folder.

    ``progress`` shows each phase as it runs (default: nothing is shown); ``verbose`` prints Keras's own epoch lines.
    `distribute` ("none", "mirrored", "multiworker", "auto"), `devices` and `global_batch_size`
    choose how training is spread (training/distributed.py); `resume` continues the
    interrupted run of the same command from its last finished epoch.

    Args:
        data: an image folder (train/ + test/ class folders, or one class-folder tree), or `digits` / `shapes`.
        strict: raise on unreadable images instead of skipping them.
        out: the run folder to write (default: runs/<blueprint>-<timestamp>).
        overwrite: replace a previous run folder at `out` (never other files).
        seed: the random seed; the same seed repeats a run.
        tensorboard: also write TensorBoard logs to RUN_DIR/logs.
        command: the command line recorded in run.json (default: this process's).
        verbose: 2 prints Keras's own epoch lines.
        progress: shows each phase as it runs (default: nothing is shown).
        image_size: Input image(s); None (default) takes the blueprint's value.
        conv_blocks: Convolution blocks; None (default) takes the blueprint's value.
        filters: Filters; None (default) takes the blueprint's value.
        kernel_size: Kernel size; None (default) takes the blueprint's value.
        padding: Padding; None (default) takes the blueprint's value.
        strides: Strides; None (default) takes the blueprint's value.
        activation: Hidden activation; None (default) takes the blueprint's value.
        pool: Pooling layer; None (default) takes the blueprint's value.
        augment: Data augmentation; None (default) takes the blueprint's value.
        learning_rate: Learning rate; None (default) takes the blueprint's value.
        epochs: Epochs (max; early stopping decides); None (default) takes the blueprint's value.
        batch_size: Batch size; None (default) takes the blueprint's value.
        validation_split: Validation split (from training images); None (default) takes the blueprint's value.
        test_split: Test split (single-folder layout only); None (default) takes the blueprint's value.
        patience: Early stopping patience (epochs); None (default) takes the blueprint's value.
        study: for a run `tfjourney tune` retrained from its best trial: the study and trial, kept in run.json.

    Returns:
        The finished run (`tfjourney.runs.Run`), read back from its folder.
    """
    hyperparameters = {  # the blueprint's keys; None takes the blueprint's value
        "image_size": image_size, "conv_blocks": conv_blocks, "filters": filters, "kernel_size": kernel_size,
        "padding": padding, "strides": strides, "activation": activation, "pool": pool, "augment": augment,
        "learning_rate": learning_rate, "epochs": epochs, "batch_size": batch_size,
        "validation_split": validation_split, "test_split": test_split, "patience": patience,
    }
    distribution = start_distribution(distribute, devices=devices, global_batch_size=global_batch_size, hyperparameters=hyperparameters)
    folder, source, native_size = resolve_image_source(data)
    if hyperparameters.get("image_size") is None and native_size is not None:
        hyperparameters["image_size"] = native_size
    config = get_blueprint("cnn").resolve(**hyperparameters)
    check_cnn_shapes(config)
    distribution.check_batch_size(config.batch_size)
    writer = open_run("cnn", out=out, overwrite=overwrite, resume=resume, distribution=distribution)
    image_data = load_for_training(folder, config, seed, strict, progress)
    n_classes = len(image_data.class_names)
    set_seed(seed)
    with distribution.scope():
        model = build_cnn(config, n_classes, seed=seed)
        compile_classifier(model, n_classes, config.learning_rate)
    record = new_run_record("cnn", config, seed, data_record(image_data, source, folder), command)
    if study is not None:
        record["study"] = study

    with writer as staging:
        result = fit_in_run(writer, staging, model, image_data.train, image_data.val, config=config, record=record,
                            identity={"blueprint": "cnn", "data": source, "seed": seed, "config": config},
                            distribution=distribution, tensorboard=tensorboard, verbose=verbose, progress=progress)
        started = time.perf_counter()
        metrics = evaluate_on_test(model, image_data, staging, progress)
        timings = {"train_seconds": result.seconds, "evaluate_seconds": time.perf_counter() - started}
        plot_training(staging, result.history, title=f"Tiny VGG on {Path(source).name}", record=record)
        if config.augment:
            plot_augmentation_examples(model.get_layer("augmentation"), image_data, staging / "plots" / "augmentation.png")
        finish_run(staging, model=model, record=record, metrics=metrics, timings=timings, json_files={CLASSES_FILE: image_data.class_names})
    return writer.finished_run()
