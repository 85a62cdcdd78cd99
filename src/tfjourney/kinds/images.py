"""The `images` kind: image files in, classes out (the cnn and transfer blueprints).

Serve takes images as `{"b64": "<base64 JPEG/PNG>"}` of any size (resized as `predict`
resizes) or as `[height][width][3]` lists of 0-255 pixels at the model's size, in row
format (`{"instances": [...]}`) or columnar (`{"inputs": {"image": [...]}}`, or a list).
"""

from __future__ import annotations

import base64
import binascii
import io
from pathlib import Path
from typing import Any

from tfjourney.errors import DataError, UnsupportedFileError
from tfjourney.kinds import Kind, Sample, Upload

KIND = Kind(name="images", module=__name__, explainer="images", report_section="image",
            upload=Upload(accept="image/*", multiple=True, hint="Images (JPEG, PNG, …)"))


# ------------------------------------------------------------------ predict and evaluate (files)
def predict(run, inputs: list[str | Path], *, top_k: int | None = None, tta: bool = False):
    """`tfjourney predict RUN IMAGE...`: the top-k classes per image."""
    from tfjourney.pipelines.images import predict_images

    return predict_images(run, inputs, top_k=top_k, tta=tta)


def evaluate(run, data: str | Path, *, tta: bool = False) -> dict:
    """`tfjourney evaluate RUN FOLDER`: the run's metrics on another folder of class folders."""
    from tfjourney.pipelines.images import evaluate_images

    return evaluate_images(run, data, tta=tta)


def check_upload(name: str | None, content: bytes) -> str:
    """A studio upload must be an image file Pillow can decode; returns its suffix."""
    from PIL import Image, UnidentifiedImageError

    from tfjourney.data.image_files import IMAGE_EXTENSIONS

    suffix = Path(name or "").suffix.lower()
    if suffix not in IMAGE_EXTENSIONS:
        raise UnsupportedFileError(f"{name} is not an image file the models read; upload a {', '.join(sorted(IMAGE_EXTENSIONS))} file.")
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"{name} is not a readable image ({type(exc).__name__}); upload a real "
                        f"{suffix.lstrip('.').upper()} photo or re-save it from an image editor.") from None
    return suffix


# ------------------------------------------------------------------ one HTTP request body
def decode(served, instances: list | None, inputs: Any):
    """A TF Serving body -> float32 [N, H, W, 3] pixels at the model's size (DataError naming the problem)."""
    import numpy as np

    from tfjourney.data.image_files import decode_image

    height, width, channels = tuple(served.model.inputs[0].shape[1:])
    pixels = []
    for i, value in enumerate(_image_values(served, instances, inputs)):
        if isinstance(value, dict):
            try:
                data = base64.b64decode(str(value["b64"]), validate=True)
            except (binascii.Error, ValueError):
                raise DataError(f"image {i}: \"b64\" is not valid base64; send the JPEG/PNG file's bytes base64-encoded.") from None
            pixels.append(decode_image(data, (height, width), name=f"image {i}"))
            continue
        try:
            array = np.asarray(value, dtype="float32")
        except (TypeError, ValueError):
            raise DataError(f"image {i} is not a nested list of numbers; send [height][width][3] pixels 0-255 or {{\"b64\": \"...\"}}.") from None
        if array.shape != (height, width, channels):
            raise DataError(f"image {i} has shape {list(array.shape)}; model {served.name!r} takes [{height}, {width}, {channels}] "
                            "pixels 0-255, or send {\"b64\": \"...\"} (JPEG/PNG of any size, resized for you).")
        pixels.append(array)
    return np.stack(pixels) if pixels else np.zeros((0, height, width, channels), "float32")


def outputs(served, batch):
    """The model's outputs for decoded pixels (the same function `tfjourney predict` uses)."""
    from tfjourney.pipelines.images import image_outputs

    return image_outputs(served.model, batch)


def _image_values(served, instances: list | None, inputs: Any) -> list:
    key = served.inputs[0]["name"]
    if instances is not None:
        if not isinstance(instances, list):
            raise DataError('"instances" must be a list of images: pixel lists, or {"b64": "..."} objects.')
        return [_unwrap(item, key) for item in instances]
    values = inputs.get(key, inputs.get(served.inputs[0]["exported_name"])) if isinstance(inputs, dict) and "b64" not in inputs else inputs
    if values is None:
        raise DataError(f'"inputs" has no {key!r}; send {{"{key}": [image, ...]}} or a list of images.')
    if isinstance(values, dict) or (isinstance(values, list) and _is_one_image(values)):
        values = [values]
    if not isinstance(values, list):
        raise DataError(f'"inputs" must hold a list of images, got {type(values).__name__}; send {{"{key}": [image, ...]}}.')
    return values


def _is_one_image(value: list) -> bool:
    import numpy as np

    try:
        return np.asarray(value, dtype="float32").ndim == 3
    except (TypeError, ValueError):
        return False


def _unwrap(item: Any, key: str) -> Any:
    """An instance may be the image itself or an object holding it under the input's name."""
    if isinstance(item, dict) and "b64" not in item:
        if len(item) != 1:
            raise DataError(f'an image instance is a pixel list, {{"b64": "..."}}, or {{"{key}": ...}}; got keys {sorted(item)}.')
        return next(iter(item.values()))
    return item


# ------------------------------------------------------------------ export
def describe_input(run, spec) -> str:
    """The manifest's words for the image input."""
    return f"RGB images, {spec.shape[1]}x{spec.shape[2]} pixels, values 0-255 (not rescaled: the model rescales)"


def samples(run, model, n_test: int, n_train: int, data: str | Path | None = None) -> tuple[Sample, Sample]:
    """(test, training) images of the run's own split as the model takes them, spread over every class."""
    import numpy as np

    from tfjourney.data.image_datasets import load_image_folder
    from tfjourney.data.image_files import read_image
    from tfjourney.pipelines.images import resolve_image_source

    record = run.record
    source = data or record["data"]["source"]
    name = str(source).removeprefix("embedded:")
    folder = resolve_image_source(name)[0] if str(source).startswith("embedded:") else Path(record["data"].get("folder") or source)
    if data:
        folder = resolve_image_source(data)[0]
    if not Path(folder).is_dir():
        raise DataError(f"export verifies on the run's own test images, but {folder} is not there; "
                        "pass `data` with the image folder the run trained on.")
    config = record["config"]
    size = tuple(record["data"]["image_size"])
    image_data = load_image_folder(folder, image_size=size, batch_size=config["batch_size"], seed=record["seed"],
                                   validation_split=config["validation_split"], test_split=config["test_split"])
    input_name = model.inputs[0].name

    def sample(split: str, n: int) -> Sample:
        files = _spread(image_data.files[split], n)
        pixels = np.stack([read_image(path, size) for path, _ in files]).astype("float32")
        return Sample({input_name: pixels}, np.array([label for _, label in files]))

    return sample("test", n_test), sample("train", n_train)


def _spread(files: list, n: int) -> list:
    """`n` files spread evenly over the list, which is sorted by class: every class gets its share."""
    import numpy as np

    if len(files) <= n:
        return files
    return [files[i] for i in np.linspace(0, len(files) - 1, n).round().astype(int)]
