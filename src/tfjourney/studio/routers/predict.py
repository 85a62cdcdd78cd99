"""Predict: upload images or a CSV for any run; the same `tfjourney.predict.predict` the CLI calls."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from tfjourney.blueprints import PREDICT_TOP_K, STUDIO_FORECAST_STEPS, STUDIO_TOP_K
from tfjourney.errors import TfjourneyWarning
from tfjourney.predict import predict
from tfjourney.reports.embedding import embed_png
from tfjourney.run_index import RunEntry
from tfjourney.registry import registration_of_run
from tfjourney.studio.errors import ApiError, plain
from tfjourney.studio.state import StudioState, get_state
from tfjourney.studio.uploads import naming_uploads, read_limited, save_scratch

router = APIRouter(prefix="/api/predict")
MAX_FILES = 32


def _run_predict(entry: RunEntry, scratch: Path, uploads: list[tuple[str, bytes]], top_k: int) -> dict:
    """Check and stage the uploads, call predict() on the staged copies, report rows under the original names."""
    registration = registration_of_run(entry.blueprint, entry.path)
    kind = registration.input_kind
    if not kind.upload.multiple and len(uploads) != 1:
        raise ApiError(400, f"{entry.name} is a {entry.blueprint} run: upload one file ({kind.upload.hint.lower()}).")
    check_upload = kind.function("check_upload")
    staged: dict[str, str] = {}
    try:
        for name, content in uploads:
            staged[str(save_scratch(scratch, check_upload(name, content), content))] = name
        with warnings.catch_warnings(record=True) as caught, naming_uploads(staged):
            warnings.simplefilter("always", TfjourneyWarning)
            table, chart = _predict_staged(entry, scratch, list(staged), top_k if kind.upload.multiple else None, series=kind.forecasts_ahead)
        for column in table.columns:  # a column naming the staged files names the uploads instead
            if table[column].map(lambda value: isinstance(value, str) and value in staged).any():
                table[column] = table[column].map(lambda value: staged.get(value, value))
        return {"run": entry.name, "blueprint": entry.blueprint, **json.loads(table.to_json(orient="split", index=False)),
                "warnings": [plain(str(w.message)) for w in caught if issubclass(w.category, TfjourneyWarning)],
                "chart": chart}
    finally:
        for path in staged:
            Path(path).unlink(missing_ok=True)


def _predict_staged(entry: RunEntry, scratch: Path, staged: list[str], top_k: int | None, *, series: bool) -> tuple:
    """predict() on the staged files: the table, and for a series the chart of its forecast past the upload's end (a data URI)."""
    if not series:
        return predict([str(entry.path), *staged], top_k=top_k).table, None
    output = scratch / f"{Path(staged[0]).stem}-forecast.csv"
    try:
        result = predict([str(entry.path), *staged], output=output, steps=STUDIO_FORECAST_STEPS)
        return result.table, embed_png(result.plot)
    finally:
        output.unlink(missing_ok=True)
        output.with_suffix(".png").unlink(missing_ok=True)


@router.post("/{run_id}")
async def predict_upload(run_id: str, files: list[UploadFile] = File(...), top_k: int = Form(PREDICT_TOP_K),
                         state: StudioState = Depends(get_state)) -> dict:
    """Predictions for the uploaded files, read as the run's kind of input reads them (images, one CSV, ...)."""
    entry = state.run(run_id)
    if not 1 <= len(files) <= MAX_FILES:
        raise ApiError(400, f"upload between 1 and {MAX_FILES} files at once (got {len(files)}).")
    if top_k not in STUDIO_TOP_K:
        raise ApiError(400, f"top-k {top_k} must be {STUDIO_TOP_K.describe()}.")
    uploads = [(f.filename or "upload", await read_limited(f, state.upload_limit)) for f in files]
    return await run_in_threadpool(_run_predict, entry, state.scratch, uploads, top_k)
