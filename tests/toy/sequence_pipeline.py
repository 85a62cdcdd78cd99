"""A toy pipeline for the "sequence" kind: a small dense network says whether a sequence sums above zero.

Built on the run skeleton every blueprint uses (open_run, fit_in_run, finish_run), so the run
folder is a regular one.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from sequence_kind import read_sequences

from tfjourney.blueprints import get_blueprint
from tfjourney.metrics import classification_metrics
from tfjourney.pipelines.skeleton import finish_run, fit_in_run, open_run, plot_training, start_distribution
from tfjourney.runs import new_run_record
from tfjourney.training.fit import compile_classifier, set_seed


def train_sequences(data, *, out=None, overwrite=False, seed=42, tensorboard=False, command=None, verbose=0, progress=None,
                    distribute="none", devices=None, global_batch_size=None, resume=False,
                    width=None, units=None, epochs=None, batch_size=None, learning_rate=None, patience=None):
    """Train the toy blueprint.

    Args:
        width: numbers per sequence.
        units: hidden units.
        epochs: maximum epochs.
        batch_size: batch size.
        learning_rate: Adam's learning rate.
        patience: early stopping patience.

    Returns:
        The finished run.
    """
    hyperparameters = {"width": width, "units": units, "epochs": epochs, "batch_size": batch_size,
                       "learning_rate": learning_rate, "patience": patience}
    distribution = start_distribution(distribute, devices=devices, global_batch_size=global_batch_size, hyperparameters=hyperparameters)
    config = get_blueprint("sequence").resolve(**hyperparameters)
    x, labels = read_sequences(data, config.width)
    class_names = sorted(set(labels))
    y = np.array([class_names.index(label) for label in labels])
    order = np.random.default_rng(seed).permutation(len(x))
    test, val, train = order[: len(x) // 5], order[len(x) // 5: 2 * len(x) // 5], order[2 * len(x) // 5:]
    writer = open_run("sequence", out=out, overwrite=overwrite, resume=resume, distribution=distribution)
    set_seed(seed)
    inputs = keras.Input((config.width,), name="sequence")
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(keras.layers.Dense(config.units, activation="relu")(inputs)))
    compile_classifier(model, len(class_names), config.learning_rate)
    record = new_run_record("sequence", config, seed, {"source": str(data), "class_names": class_names,
                                                       "split": {"train": train.tolist(), "test": test.tolist()}}, command)
    batches = lambda rows: tf.data.Dataset.from_tensor_slices((x[rows], y[rows])).batch(config.batch_size)  # noqa: E731
    with writer as staging:
        result = fit_in_run(writer, staging, model, batches(train), batches(val), config=config, record=record,
                            identity={"blueprint": "sequence", "data": str(data), "seed": seed, "config": config},
                            distribution=distribution, tensorboard=tensorboard, verbose=verbose, progress=progress)
        metrics = classification_metrics(y[test], model.predict(x[test], verbose=0), class_names,
                                         baseline_pred=np.full(len(test), np.bincount(y[train]).argmax()))
        plot_training(staging, result.history, title="toy sequences", record=record)
        finish_run(staging, model=model, record=record, metrics=metrics, timings={"train_seconds": result.seconds})
    return writer.finished_run()
