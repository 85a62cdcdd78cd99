"""The CNN blueprint on a folder of images: load -> build -> train -> evaluate -> write run.

Example:
    >>> from tfjourney.pipelines.cnn import train_cnn
    >>> run = train_cnn("digits", epochs=10, out="runs/digits")
"""

from __future__ import annotations

import time
from pathlib import Path

from tfjourney import plots
from tfjourney.blueprints import DEFAULT_SEED, get_blueprint
from tfjourney.models.cnn import build_cnn, check_cnn_shapes
from tfjourney.pipelines.images import (
    compile_classifier,
    data_record,
    evaluate_on_test,
    finish_image_run,
    load_for_training,
    plot_augmentation_examples,
    resolve_image_source,
)
from tfjourney.runs import Run, RunWriter, default_run_dir, new_run_record, resumable_run_dir
from tfjourney.progress import Progress
from tfjourney.training.checkpoint import prepare_checkpoint
from tfjourney.training.distributed import setup_distribution
from tfjourney.training.fit import default_callbacks, fit, set_seed
from tfjourney.training.progress import epoch_callbacks


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
    **hyperparameters,
) -> Run:
    """Train the CNN blueprint on an image folder (or `digits` / `shapes`) and write a run folder.

    ``progress`` shows each phase as it runs (default: nothing is shown); ``verbose`` prints Keras's own epoch lines.
    `distribute` ("none", "mirrored", "multiworker", "auto"), `devices` and `global_batch_size`
    choose how training is spread (training/distributed.py); `resume` continues the
    interrupted run of the same command from its last finished epoch.
    """
    distribution = setup_distribution(distribute, devices=devices)  # first: before TensorFlow runs anything
    if global_batch_size is not None:
        hyperparameters["batch_size"] = global_batch_size
    folder, source, native_size = resolve_image_source(data)
    if hyperparameters.get("image_size") is None and native_size is not None:
        hyperparameters["image_size"] = native_size
    config = get_blueprint("cnn").resolve(**hyperparameters)
    check_cnn_shapes(config)
    distribution.check_batch_size(config.batch_size)
    run_dir = Path(out) if out else (resumable_run_dir("cnn") if resume else default_run_dir("cnn"))
    writer = RunWriter(run_dir, overwrite, resume=resume, chief=distribution.is_chief)
    image_data = load_for_training(folder, config, seed, strict, progress)
    n_classes = len(image_data.class_names)
    set_seed(seed)
    with distribution.scope():
        model = build_cnn(config, n_classes, seed=seed)
        compile_classifier(model, n_classes, config.learning_rate)
    record = new_run_record("cnn", config, seed, data_record(image_data, source, folder), command)

    with writer as staging:
        callbacks = default_callbacks(
            staging / "history.csv", config.patience, tensorboard_dir=(staging / "logs" / "fit") if tensorboard else None, append=resume
        ) + epoch_callbacks(progress, "training", verbose)
        checkpoint = prepare_checkpoint(writer, staging, watch=callbacks, identity={"blueprint": "cnn", "data": source, "seed": seed, "config": config})
        result = fit(model, image_data.train, image_data.val, config.epochs, callbacks, verbose=verbose,
                     distribution=distribution, checkpoint=checkpoint)
        started = time.perf_counter()
        metrics = evaluate_on_test(model, image_data, staging, progress)
        record["timings"] = {"train_seconds": result.seconds, "evaluate_seconds": time.perf_counter() - started}
        record["training"] = {"epochs_run": result.epochs_run, "best_epoch": result.best_epoch, "resumed_from_epoch": result.resumed_from_epoch}
        record["distribution"] = distribution.record(config.batch_size, result.weights_identical)
        plots.plot_loss_curves(result.history, staging / "plots" / "loss.png", title=f"Tiny VGG on {Path(source).name}")
        if config.augment:
            plot_augmentation_examples(model.get_layer("augmentation"), image_data, staging / "plots" / "augmentation.png")
        finish_image_run(staging, model, record, metrics, image_data.class_names)
    return writer.finished_run()
