"""The run skeleton every pipeline goes through: how it starts, how a phase trains, what it ends with.

A pipeline loads its data and builds its model its own way; the rest is the same for all:

    distribution = start_distribution(distribute, devices=devices, global_batch_size=gbs, hyperparameters=hp)
    ...resolve the config, load, build...
    writer = open_run("cnn", out=out, overwrite=overwrite, resume=resume, distribution=distribution)
    with writer as staging:
        result = fit_in_run(writer, staging, model, train, val, ...)   # or the pipeline's own phases
        ...evaluate into `metrics`, extra plots into staging/plots...
        plot_training(staging, result.history, title=..., record=record)
        finish_run(staging, model=model, record=record, metrics=metrics, timings=timings)
    return writer.finished_run()

What differs between blueprints reaches `finish_run` as data (extra JSON files such as an
image run's classes.json, entries already in `record`), never as a branch on a blueprint name.
The Playground's saved networks (`tfjourney.playground.run`) end through `finish_run` too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras

from tfjourney import plots
from tfjourney.models.summary import model_record
from tfjourney.reports import write_report
from tfjourney.runs import HISTORY_FILE, METRICS_FILE, MODEL_FILE, RUN_FILE, RunWriter, default_run_dir, resumable_run_dir, write_json
from tfjourney.progress import Progress
from tfjourney.training.checkpoint import prepare_checkpoint
from tfjourney.training.distributed import Distribution, setup_distribution
from tfjourney.training.fit import FitResult, default_callbacks, fit
from tfjourney.training.lr_finder import LRFinderResult
from tfjourney.training.progress import epoch_callbacks



def start_distribution(distribute: str, *, devices: int | None, global_batch_size: int | None, hyperparameters: dict) -> Distribution:
    """How training is spread; call it first, before TensorFlow runs anything.

    Args:
        distribute: "none", "mirrored", "multiworker" or "auto" (training/distributed.py).
        devices: how many local devices `mirrored` uses (None: all).
        global_batch_size: the batch size across every replica; when given it is the run's
            `batch_size` (written into `hyperparameters`).
        hyperparameters: the blueprint keys the caller passed (None takes the blueprint's value).

    Returns:
        The distribution every later step (build, fit, record) runs under.
    """
    distribution = setup_distribution(distribute, devices=devices)
    if global_batch_size is not None:
        hyperparameters["batch_size"] = global_batch_size
    return distribution


def open_run(blueprint: str, *, out: str | Path | None, overwrite: bool, resume: bool, distribution: Distribution) -> RunWriter:
    """The run folder's writer; it fails here, before any training, if `out` holds something it must not replace.

    Args:
        blueprint: the blueprint's name, used in the default folder name.
        out: the run folder (None: runs/<blueprint>-<timestamp>, or with `resume` the newest unfinished one).
        overwrite: replace a previous run folder at `out` (never other files).
        resume: continue the interrupted run from its last epoch checkpoint.
        distribution: only its chief writes the run folder.

    Returns:
        The `RunWriter`; `with writer as staging:` writes the run, `writer.finished_run()` reads it back.
    """
    run_dir = Path(out) if out else (resumable_run_dir(blueprint) if resume else default_run_dir(blueprint))
    return RunWriter(run_dir, overwrite, resume=resume, chief=distribution.is_chief)


def run_callbacks(
    staging: Path, *, patience: int, tensorboard: bool, append: bool, logs: str = "fit", reduce_lr: bool = True
) -> list[keras.callbacks.Callback]:
    """Every training phase's callbacks: early stopping (best weights restored), history.csv, optional TensorBoard.

    Args:
        staging: the run's in-progress folder.
        patience: early-stopping patience (epochs).
        tensorboard: also log to staging/logs/`logs`.
        append: continue history.csv (a resumed run, or a later phase).
        logs: the TensorBoard sub-folder of this phase.
        reduce_lr: halve the learning rate when validation loss stalls.

    Returns:
        The callbacks, for `training.fit.fit`.
    """
    return default_callbacks(
        staging / HISTORY_FILE, patience, reduce_lr=reduce_lr, append=append,
        tensorboard_dir=(staging / "logs" / logs) if tensorboard else None,
    )


def training_record(result: FitResult) -> dict:
    """run.json's `training` for one phase."""
    return {"epochs_run": result.epochs_run, "best_epoch": result.best_epoch, "resumed_from_epoch": result.resumed_from_epoch}


def fit_in_run(
    writer: RunWriter,
    staging: Path,
    model: keras.Model,
    train_data: Any,
    validation_data: Any,
    *,
    config: Any,
    identity: dict,
    record: dict,
    distribution: Distribution,
    tensorboard: bool,
    verbose: int,
    progress: Progress | None,
) -> FitResult:
    """One training phase inside the run: its callbacks, its epoch checkpoint (`--resume`), and its record.

    Args:
        writer, staging: the run being written (`open_run`).
        model: compiled, under `distribution`'s scope.
        train_data, validation_data: tf.data datasets.
        config: the blueprint config (its `epochs`, `patience`, `batch_size`).
        identity: what a resumed run must match (blueprint, data, seed, config).
        record: run.json's content; `training` and `distribution` are filled in.
        distribution, tensorboard, verbose, progress: as the pipeline was given them.

    Returns:
        The fit's history, time and best epoch.
    """
    callbacks = run_callbacks(staging, patience=config.patience, tensorboard=tensorboard, append=writer.resume)
    callbacks += epoch_callbacks(progress, "training", verbose)
    checkpoint = prepare_checkpoint(writer, staging, watch=callbacks, identity=identity, progress=progress)
    result = fit(model, train_data, validation_data, config.epochs, callbacks, verbose=verbose,
                 distribution=distribution, checkpoint=checkpoint)
    record["training"] = training_record(result)
    record["distribution"] = distribution.record(config.batch_size, result.weights_identical)
    return result


def plot_training(staging: Path, history: dict, *, title: str, record: dict, lr_result: LRFinderResult | None = None) -> None:
    """plots/loss.png, and with a learning-rate sweep plots/lr_finder.png and run.json's `lr_finder`."""
    plots.plot_loss_curves(history, staging / "plots" / "loss.png", title=title)
    if lr_result is not None:
        plots.plot_lr_finder(lr_result.learning_rates, lr_result.losses, lr_result.suggested, staging / "plots" / "lr_finder.png",
                             smoothed=lr_result.smoothed_losses)
        record["lr_finder"] = {"suggested": lr_result.suggested}


def finish_run(
    staging: Path,
    *,
    model: keras.Model,
    record: dict,
    metrics: dict,
    timings: dict[str, float] | None = None,
    json_files: dict[str, Any] | None = None,
) -> None:
    """The files every run ends with: model.keras, run.json, metrics.json, report.html (and any extra JSON).

    Args:
        staging: the run's in-progress folder (renamed into place when the `RunWriter` closes).
        model: the trained model, saved whole (raw input in, predictions out).
        record: run.json's content; `model` gets the model's summary, merged under what the
            pipeline put there already (e.g. the transfer backbone).
        metrics: metrics.json's content.
        timings: run.json's `timings` (None: as `record` holds them).
        json_files: extra files, name -> content, written as JSON (e.g. an image run's classes.json).
    """
    model.save(staging / MODEL_FILE)
    if timings is not None:
        record["timings"] = timings
    record["model"] = {**model_record(model), **record.get("model", {})}
    for name, content in (json_files or {}).items():
        write_json(staging / name, content)
    write_json(staging / RUN_FILE, record)
    write_json(staging / METRICS_FILE, metrics)
    write_report(staging)
