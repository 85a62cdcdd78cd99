"""The course's `helper_functions.py`, in modern Keras 3 form, importable from one place.

Example:
    >>> from tfjourney.helpers import plot_loss_curves, calculate_results
    >>> plot_loss_curves(history)                     # a keras History or a dict of lists
    >>> calculate_results(y_true, y_pred)             # accuracy, precision, recall, f1
"""

from __future__ import annotations

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras / TensorFlow load: their native start-up notices stay muted

import datetime
import os
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from tfjourney.data.download import safe_extract
from tfjourney.data.image_files import is_image_name, read_image
from tfjourney.errors import DataError
from tfjourney.metrics import calculate_results, class_probabilities
from tfjourney.plots import compare_historys, make_confusion_matrix, plot_decision_boundary, plot_loss_curves

__all__ = [
    "plot_loss_curves",
    "make_confusion_matrix",
    "calculate_results",
    "create_tensorboard_callback",
    "plot_decision_boundary",
    "load_and_prep_image",
    "pred_and_plot",
    "walk_through_dir",
    "unzip_data",
    "compare_historys",
]


def pred_and_plot(
    model: keras.Model, filename: str | Path, class_names: list[str], img_shape: int | None = None, path: str | Path | None = None
) -> tuple[str, float]:
    """Predict one image with a tfjourney model (raw pixels in) and plot it titled with the prediction."""
    size = img_shape or int(model.input_shape[1])
    image = read_image(filename, size)
    probabilities = class_probabilities(model.predict(image[np.newaxis], verbose=0))[0]
    index = int(probabilities.argmax())
    fig, ax = plt.subplots(figsize=(4.5, 4.8))
    ax.imshow(image.astype("uint8"))
    ax.set_title(f"Prediction: {class_names[index]} ({probabilities[index]:.0%})")
    ax.axis("off")
    if path is not None:
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
    return class_names[index], float(probabilities[index])


def create_tensorboard_callback(dir_name: str | os.PathLike, experiment_name: str) -> keras.callbacks.TensorBoard:
    """The course helper: a TensorBoard callback logging to ``dir_name/experiment_name/<YYYYmmdd-HHMMSS>``.

    Each call gets its own timestamped folder, so runs of one experiment sit side by side in
    TensorBoard. The folder is printed, as the course did.

    Args:
        dir_name: the folder that holds every experiment's logs, e.g. "tensorflow_hub".
        experiment_name: one experiment's name, e.g. "efficientnetb0".

    Returns:
        A ``keras.callbacks.TensorBoard`` for ``model.fit(callbacks=[...])``.
    """
    log_dir = Path(dir_name) / experiment_name / datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    print(f"Saving TensorBoard log files to: {log_dir}")
    return keras.callbacks.TensorBoard(log_dir=str(log_dir))


def load_and_prep_image(
    filename: str | os.PathLike, img_shape: int | tuple[int, int] = 224, scale: bool = True
) -> tf.Tensor:
    """The course helper: read an image, resize it, and (when ``scale``) divide by 255."""
    img = tf.constant(read_image(filename, img_shape))
    return img / 255.0 if scale else img


def walk_through_dir(dir_path: str | os.PathLike) -> list[tuple[str, int, int]]:
    """The course helper: print (and return) how many folders and images each folder holds."""
    folder = Path(dir_path)
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder. Pass the folder you wish to summarise.")
    rows = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        n_images = sum(is_image_name(Path(n)) for n in names)
        print(f"There are {len(dirs)} directories and {n_images} images in '{root}'.")
        rows.append((root, len(dirs), n_images))
    return rows


def unzip_data(filename: str | os.PathLike, dest: str | os.PathLike = ".") -> Path:
    """The course helper, made safe: extract a zip without zip-slip; returns the extracted folder."""
    return safe_extract(filename, dest)
