"""What the CNN and transfer pipelines share: image sources, evaluation, outputs, prediction.

A run ends through `pipelines.skeleton.finish_run`; an image run adds `classes.json`.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pandas as pd

from tfjourney import plots
from tfjourney.data.embedded_images import EMBEDDED_IMAGE_DATASETS, EMBEDDED_IMAGE_SIZES, materialize_image_dataset
from tfjourney.blueprints import COUNT, PREDICT_TOP_K, CnnConfig, TransferConfig
from tfjourney.data.image_datasets import ImageData, load_image_folder, load_labelled_images
from tfjourney.data.image_files import is_image_name, read_image
from tfjourney.errors import DataError, RunFolderError
from tfjourney.models.tta import predict_with_tta
from tfjourney.progress import Progress
from tfjourney.training.progress import predict_with_progress
from tfjourney.metrics import class_probabilities, classification_metrics, predicted_labels
from tfjourney.registry import names_of_kind
from tfjourney.runs import RUN_FILE, TEST_PREDICTIONS_FILE, Run

GRID_SIZE = 20
ONE_CALL_IMAGES = 64


def load_for_training(
    folder: Path, config: CnnConfig | TransferConfig, seed: int, strict: bool, progress: Progress | None = None
) -> ImageData:
    """The image folder split and batched as the blueprint config says (image size, batch, splits)."""
    return load_image_folder(
        folder, image_size=config.image_size, batch_size=config.batch_size, seed=seed,
        validation_split=config.validation_split, test_split=config.test_split, strict=strict, progress=progress,
    )


def resolve_image_source(data: str | Path) -> tuple[Path, str, int | None]:
    """A folder path, or an embedded image dataset name -> (folder, description, native image size)."""
    name = str(data)
    if name in EMBEDDED_IMAGE_DATASETS and not _shadows_embedded(Path(name)):
        return materialize_image_dataset(name), f"embedded:{name}", EMBEDDED_IMAGE_SIZES[name]
    return Path(data), str(data), None


def _shadows_embedded(path: Path) -> bool:
    """A local path named like an embedded dataset is used instead, unless it is a run folder:
    `train cnn digits --out digits` must not make the next `train cnn digits` train on that run."""
    return path.exists() and not (path / RUN_FILE).is_file()


def labels_of(image_data: ImageData, split: str) -> np.ndarray:
    return np.array([label for _, label in image_data.files[split]], dtype="int64")


def majority_baseline(image_data: ImageData) -> np.ndarray:
    """Always predict the most common training class: the number a classifier must beat."""
    train_labels = labels_of(image_data, "train")
    majority = np.bincount(train_labels, minlength=len(image_data.class_names)).argmax()
    return np.full(len(image_data.files["test"]), majority)


def data_record(image_data: ImageData, source: str, fingerprint_root: Path) -> dict:
    return {
        "source": source,
        "folder": str(fingerprint_root),
        "class_names": image_data.class_names,
        "image_size": list(image_data.image_size),
        "counts": image_data.counts(),
        "skipped": [str(p) for p in image_data.skipped],
        "fingerprint": _folder_fingerprint(image_data),
    }


def _folder_fingerprint(image_data: ImageData) -> str:
    """Names and sizes of every file used: cheap, and changes when the data does."""
    import hashlib

    digest = hashlib.sha256()
    for split in sorted(image_data.files):
        for path, label in sorted(image_data.files[split]):
            digest.update(f"{split}/{label}/{Path(path).name}/{Path(path).stat().st_size}\n".encode())
    return "sha256:" + digest.hexdigest()


def evaluate_on_test(model: keras.Model, image_data: ImageData, staging: Path, progress: Progress | None = None) -> dict:
    """Metrics beside the majority baseline, plus the confusion matrix and the prediction grid.

    `tta_accuracy` is the accuracy with test-time augmentation (image and mirror image
    averaged), shown beside the plain figure; everything else is the plain prediction.
    """
    outputs = predict_with_progress(model, image_data.test, len(image_data.files["test"]), progress)
    probabilities = class_probabilities(outputs)
    y_true = labels_of(image_data, "test")
    metrics = classification_metrics(y_true, probabilities, image_data.class_names, majority_baseline(image_data))
    averaged = class_probabilities(predict_with_tta(model, image_data.test, plain_outputs=outputs))
    metrics["tta_accuracy"] = float(np.mean(predicted_labels(averaged) == y_true))
    plots.make_confusion_matrix(y_true, predicted_labels(probabilities), image_data.class_names, path=staging / "plots" / "confusion_matrix.png")
    _plot_predictions(image_data, y_true, probabilities, staging / "plots" / "predictions.png")
    _write_test_predictions(image_data, y_true, probabilities, staging / TEST_PREDICTIONS_FILE)
    return metrics


def _grid_order(y_true: np.ndarray, probabilities: np.ndarray) -> list[int]:
    """Most confident mistakes first, then the correct predictions, most confident first."""
    y_pred, confidence = probabilities.argmax(axis=1), probabilities.max(axis=1)
    wrong = [i for i in np.argsort(-confidence) if y_pred[i] != y_true[i]]
    right = [i for i in np.argsort(-confidence) if y_pred[i] == y_true[i]]
    return (wrong[: GRID_SIZE // 2] + right)[:GRID_SIZE] if right else wrong[:GRID_SIZE]


def _plot_predictions(image_data: ImageData, y_true, probabilities, path: Path) -> None:
    names = image_data.class_names
    order = _grid_order(y_true, probabilities)
    files = image_data.files["test"]
    images = [read_image(files[i][0], 160) for i in order]
    plots.plot_prediction_grid(
        images,
        [names[y_true[i]] for i in order],
        [names[probabilities[i].argmax()] for i in order],
        [float(probabilities[i].max()) for i in order],
        path,
    )


def _write_test_predictions(image_data: ImageData, y_true, probabilities, path: Path) -> None:
    names = image_data.class_names
    table = pd.DataFrame(
        {
            "path": [str(p) for p, _ in image_data.files["test"]],
            "true": [names[i] for i in y_true],
            "predicted": [names[i] for i in probabilities.argmax(axis=1)],
            "confidence": probabilities.max(axis=1),
        }
    )
    table.to_csv(path, index=False)


def plot_augmentation_examples(augmentation: keras.layers.Layer, image_data: ImageData, path: Path, n: int = 3, variants: int = 4) -> None:
    """A few training images and random variants of each, as the augmentation layer makes them."""
    originals = np.stack([read_image(p, image_data.image_size) for p, _ in image_data.files["train"][:n]])
    augmented = [keras.ops.convert_to_numpy(augmentation(originals, training=True)) for _ in range(variants)]
    plots.plot_augmentation(originals, augmented, path)


def image_paths(inputs: list[str | Path]) -> list[Path]:
    """The image files named: a file as it is, a folder as every image file under it (sorted, hidden ones skipped)."""
    paths: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found = sorted(p for p in item.rglob("*") if p.is_file() and is_image_name(p)
                           and not any(part.startswith(".") for part in p.relative_to(item).parts))
            if not found:
                raise DataError(f"{item} holds no image files; pass a folder of JPEG/PNG images, or the images themselves.")
            paths.extend(found)
        elif item.exists():
            paths.append(item)
        else:
            raise DataError(f"image not found: {item}; check the path.")
    return paths


def load_images(paths: list[str | Path], image_size: int | tuple[int, int], center_crop: bool = False) -> np.ndarray:
    """Image files -> float32 ``[N, H, W, 3]`` 0-255 pixels (`center_crop`: the centred square first, as ImageNet does)."""
    return np.stack([read_image(p, image_size, center_crop=center_crop) for p in image_paths(paths)])


def _image_size_of(run: Run) -> list[int]:
    return run.record["data"]["image_size"]


def predict_images(run: Run, paths: list[str | Path], top_k: int | None = None, tta: bool = False) -> pd.DataFrame:
    """Class and probability per image (top-k rows per image when `top_k` > 1; None: the blueprints' PREDICT_TOP_K).

    `tta` averages each image with its mirror image.
    """
    top_k = PREDICT_TOP_K if top_k is None else top_k
    if run.blueprint not in names_of_kind("images"):
        raise RunFolderError(f"{run.path} is a {run.blueprint} run; image prediction needs a run of an image blueprint "
                             f"({', '.join(names_of_kind('images'))}).")
    if top_k not in COUNT:
        raise DataError(f"`top_k` {top_k} must be {COUNT.describe()}.")
    paths = image_paths(paths)
    images = load_images(paths, tuple(_image_size_of(run)))
    model = run.load_model()
    outputs = predict_with_tta(model, images) if tta else image_outputs(model, images)
    return prediction_table(run, outputs, [str(p) for p in paths], top_k=top_k)


def image_outputs(model: keras.Model, pixels: np.ndarray) -> np.ndarray:
    """The model's outputs for images already in memory: float ``[N, H, W, 3]`` 0-255 pixels at the run's size.

    A few images go through in one call (`predict_on_batch`, no per-call set-up: what a server
    needs); many go through `predict` in batches of 32, so memory stays bounded.
    """
    pixels = np.asarray(pixels, dtype="float32")
    if len(pixels) <= ONE_CALL_IMAGES:
        return np.asarray(model.predict_on_batch(pixels))
    return model.predict(pixels, batch_size=32, verbose=0)


def prediction_table(run: Run, outputs: np.ndarray, names: list[str], *, top_k: int) -> pd.DataFrame:
    """Model outputs -> the rows `tfjourney predict` prints: image, (rank,) class, probability."""
    class_names = run.record["data"]["class_names"]
    probabilities = class_probabilities(outputs)
    rows = []
    for name, probs in zip(names, probabilities):
        for rank, index in enumerate(np.argsort(-probs)[: min(top_k, len(class_names))], start=1):
            rows.append({"image": name, "rank": rank, "class": class_names[index], "probability": float(probs[index])})
    table = pd.DataFrame(rows)
    return table if top_k > 1 else table.drop(columns="rank")


def evaluate_images(run: Run, data: str | Path, tta: bool = False) -> dict:
    """The run's model on another image folder of (some of) the same classes: every image counts.

    With `tta` the metrics use test-time augmentation (image and mirror image averaged), and
    `accuracy_without_tta` gives the plain figure beside them.
    """
    folder, _, _ = resolve_image_source(data)
    class_names = run.record["data"]["class_names"]
    dataset, files = load_labelled_images(folder, class_names, image_size=tuple(_image_size_of(run)), batch_size=run.record["config"]["batch_size"])
    model = run.load_model()
    probabilities = model.predict(dataset, verbose=0)
    labels = np.array([label for _, label in files])
    if not tta:
        return {"images": len(files), **classification_metrics(labels, probabilities, class_names)}
    plain = float(np.mean(class_probabilities(probabilities).argmax(axis=1) == labels))
    averaged = predict_with_tta(model, dataset, plain_outputs=probabilities)
    return {"images": len(files), "tta": True, **classification_metrics(labels, averaged, class_names), "accuracy_without_tta": plain}
