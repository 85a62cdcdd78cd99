"""Explainer: a run's CNN on one image (feature maps, softmax, Grad-CAM, conv arithmetic) and the what-if panel."""

from __future__ import annotations

import base64
import io
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from tfjourney.blueprints import EXPLAIN_TOP_K
from tfjourney.data.image_files import read_image
from tfjourney.explain.compute import Anatomy, model_anatomy, upsample
from tfjourney.explain.network import ExplainedImage, arithmetic_layers, conv_arithmetic, explain_image, softmax_terms
from tfjourney.explain.whatif import cnn_whatif
from tfjourney.run_index import RunEntry
from tfjourney.registry import registration_for
from tfjourney.runs import MODEL_FILE, TEST_PREDICTIONS_FILE, load_run
from tfjourney.studio.errors import ApiError
from tfjourney.studio.state import StudioState, get_state
from tfjourney.studio.uploads import check_image, naming_uploads, read_limited, save_scratch

router = APIRouter(prefix="/api")
MAX_CHANNELS = 128  # maps shown per layer (the most active ones when a layer has more)
MAX_LAYER_VALUES = 2_000_000  # values sent per layer: fewer channels for very large maps
MAX_SAMPLES = 200
OVERLAY_ALPHA = 0.45


@dataclass
class _Loaded:
    run: RunEntry
    anatomy: Anatomy
    class_names: list[str]
    image_size: tuple[int, int]


@dataclass
class _Explained:
    loaded: _Loaded
    image: np.ndarray
    view: ExplainedImage


def _check_explainable(entry: RunEntry) -> None:
    """The image Explainer draws convolutions: runs whose kind of input offers it."""
    registration = registration_for(entry.blueprint)
    if registration is None or registration.input_kind.explainer != "images":
        raise ApiError(400, f"{entry.name} is a {entry.blueprint} run; the image Explainer needs a run that reads images.")


def _loaded(state: StudioState, entry: RunEntry) -> _Loaded:
    _check_explainable(entry)
    model_file = entry.path / MODEL_FILE
    key = f"{entry.id}:{model_file.stat().st_mtime_ns if model_file.exists() else 0}"
    cached = state.models.find(key)
    if cached is not None:
        return cached
    run = load_run(entry.path)
    size = run.record["data"]["image_size"]
    size = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    return state.models.put(key, _Loaded(entry, model_anatomy(run.load_model()), list(run.record["data"]["class_names"]), size))


def _png(array: np.ndarray) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.clip(array, 0, 255).astype(np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _layer_payload(name: str, kind: str, maps: np.ndarray, arithmetic: bool) -> dict:
    """Channel-major uint8 maps, each scaled to its own range (lo/hi per channel, so the page can switch scales)."""
    h, w, c = maps.shape
    keep = min(c, MAX_CHANNELS, max(1, MAX_LAYER_VALUES // (h * w)))
    channels = np.arange(c) if keep == c else np.sort(np.argsort(maps.mean(axis=(0, 1)))[::-1][:keep])
    chosen = np.moveaxis(maps[..., channels], -1, 0).astype("float32")
    lo, hi = chosen.min(axis=(1, 2)), chosen.max(axis=(1, 2))
    span = np.where(hi > lo, hi - lo, 1.0)
    quantized = np.round((chosen - lo[:, None, None]) / span[:, None, None] * 255).astype(np.uint8)
    return {"name": name, "kind": kind, "shape": [h, w, c], "channels": channels.tolist(), "lo": lo.tolist(), "hi": hi.tolist(),
            "data": base64.b64encode(quantized.tobytes()).decode("ascii"), "arithmetic": arithmetic}


def _cam_payload(explained: _Explained) -> dict:
    from matplotlib import colormaps

    view, image = explained.view, explained.image
    heat = colormaps["jet"](upsample(view.cam, image.shape[:2]))[..., :3] * 255
    overlay = (1 - OVERLAY_ALPHA) * image + OVERLAY_ALPHA * heat
    names = explained.loaded.class_names
    return {"class_index": view.class_index, "class_name": names[view.class_index], "layer": view.cam_layer,
            "p": float(view.probabilities[view.class_index]), "overlay": _png(overlay), "heatmap": _png(heat),
            "size": list(view.cam.shape)}


def _payload(token: str, explained: _Explained, seconds: float) -> dict:
    loaded, view = explained.loaded, explained.view
    arithmetic = set(arithmetic_layers(loaded.anatomy))
    order = np.argsort(view.probabilities)[::-1][:EXPLAIN_TOP_K]
    return {
        "token": token, "run": {"id": loaded.run.id, "name": loaded.run.name, "blueprint": loaded.run.blueprint},
        "class_names": loaded.class_names, "input": _png(explained.image), "input_size": list(explained.image.shape[:2]),
        "layers": [_layer_payload(name, kind, maps, name in arithmetic) for name, kind, maps in view.layers],
        "logits": view.logits.tolist(), "probabilities": view.probabilities.tolist(), "output_activation": view.output_activation,
        "softmax": softmax_terms(view.logits) if view.output_activation == "softmax" else None,
        "top": [{"index": int(i), "name": loaded.class_names[i], "p": float(view.probabilities[i])} for i in order],
        "cam": _cam_payload(explained), "seconds": round(seconds, 3),
    }


def _samples(entry: RunEntry) -> list[dict]:
    table = entry.path / TEST_PREDICTIONS_FILE
    if not table.is_file():
        return []
    frame = pd.read_csv(table).head(MAX_SAMPLES)
    return [{"index": int(i), "name": Path(str(row["path"])).name, "true": str(row["true"]), "predicted": str(row["predicted"]),
             "available": Path(str(row["path"])).is_file()} for i, row in frame.iterrows()]


def _sample_path(entry: RunEntry, index: int) -> Path:
    samples = _samples(entry)
    if not 0 <= index < len(samples):
        raise ApiError(404, f"{entry.name} has no test image number {index}; pick one from the list.")
    path = Path(str(pd.read_csv(entry.path / TEST_PREDICTIONS_FILE)["path"].iloc[index]))
    if not path.is_file():
        raise ApiError(404, f"test image {path.name} is no longer where training found it; upload an image instead.")
    return path


def _explain(state: StudioState, entry: RunEntry, path: Path, class_index: int | None) -> dict:
    started = time.perf_counter()
    loaded = _loaded(state, entry)
    image = read_image(path, loaded.image_size)
    explained = _Explained(loaded, image, explain_image(loaded.anatomy, image, class_index))
    token = uuid.uuid4().hex[:12]
    state.explanations.put(token, explained)
    return _payload(token, explained, time.perf_counter() - started)


@router.get("/explain/{run_id}/info")
def info(run_id: str, state: StudioState = Depends(get_state)) -> dict:
    """Class names, input size, test images and (for a cnn run) its Table 3 choices to start the what-if panel from."""
    entry = state.run(run_id)
    _check_explainable(entry)
    run = load_run(entry.path)
    config = run.record.get("config", {})
    return {"id": entry.id, "name": entry.name, "blueprint": entry.blueprint, "class_names": run.record["data"]["class_names"],
            "image_size": run.record["data"]["image_size"], "samples": _samples(entry),
            "config": {k: config[k] for k in ("image_size", "conv_blocks", "filters", "kernel_size", "padding", "strides", "pool", "activation")
                       if k in config}}


@router.post("/explain/{run_id}")
async def explain_upload(run_id: str, file: UploadFile | None = File(None), sample: int | None = Form(None),
                         class_index: int | None = Form(None), state: StudioState = Depends(get_state)) -> dict:
    """Explain an uploaded image (or test image number `sample`) through the run's model."""
    entry = state.run(run_id)
    if (file is None) == (sample is None):
        raise ApiError(400, "send either an image file or the number of one of the run's test images.")
    if file is None:
        return await run_in_threadpool(_explain, state, entry, _sample_path(entry, sample), class_index)
    content = await read_limited(file, state.upload_limit)
    with naming_uploads({}):
        suffix = check_image(file.filename, content)
    path = save_scratch(state.scratch, suffix, content)
    try:
        with naming_uploads({str(path): file.filename or "the upload"}):
            return await run_in_threadpool(_explain, state, entry, path, class_index)
    finally:
        path.unlink(missing_ok=True)


def _recam(explained: _Explained, class_index: int) -> dict:
    view = explain_image(explained.loaded.anatomy, explained.image, class_index)
    return _cam_payload(_Explained(explained.loaded, explained.image, view))


@router.get("/explanations/{token}/gradcam")
def gradcam(token: str, class_index: int = Query(..., ge=0), state: StudioState = Depends(get_state)) -> dict:
    """Grad-CAM of the same image for another class."""
    explained = state.explanations.get(token)
    if class_index >= len(explained.loaded.class_names):
        raise ApiError(400, f"class {class_index} does not exist; this run has {len(explained.loaded.class_names)} classes.")
    return _recam(explained, class_index)


@router.get("/explanations/{token}/arithmetic")
def arithmetic(token: str, layer: str, channel: int = Query(..., ge=0), row: int = Query(..., ge=0), col: int = Query(..., ge=0),
               state: StudioState = Depends(get_state)) -> dict:
    """How one value of a first convolution's map is computed, beside the model's own value."""
    explained = state.explanations.get(token)
    return conv_arithmetic(explained.loaded.anatomy, explained.image, layer=layer, channel=channel, row=row, col=col)


class WhatIfBody(BaseModel):
    """Table 3 choices for the what-if panel; a missing one keeps the blueprint default."""

    image_size: int | None = None
    conv_blocks: int | None = None
    filters: int | None = None
    kernel_size: int | None = None
    padding: str | None = None
    strides: int | None = None
    pool: str | None = None
    activation: str | None = None
    n_classes: int = 2


@router.post("/whatif")
def whatif(body: WhatIfBody) -> dict:
    """Every layer's output shape and parameter count, from the builder `train cnn` uses (its own error otherwise)."""
    choices = body.model_dump(exclude_none=True)
    return cnn_whatif(n_classes=choices.pop("n_classes"), **choices)
