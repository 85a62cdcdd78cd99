"""Text Explainer: which words of a typed text made a text run decide (occlusion, `tfjourney.explain.text`)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from tfjourney.explain.text import occlusion
from tfjourney.registry import registration_for
from tfjourney.run_index import RunEntry
from tfjourney.runs import MODEL_FILE, load_run
from tfjourney.studio.errors import ApiError
from tfjourney.studio.state import StudioState, get_state

router = APIRouter(prefix="/api")
MAX_TEXT_CHARS = 5_000  # one explained text (the occlusion batch grows with its words)


@dataclass
class _TextModel:
    model: object
    class_names: list[str]


class TextRequest(BaseModel):
    text: str = Field(max_length=MAX_TEXT_CHARS)
    target_class: str | None = None


def _explainer_of(entry: RunEntry) -> str | None:
    registration = registration_for(entry.blueprint)
    return registration.input_kind.explainer if registration is not None else None


def _loaded(state: StudioState, entry: RunEntry) -> _TextModel:
    if _explainer_of(entry) != "text":
        raise ApiError(400, f"{entry.name} is a {entry.blueprint} run; the text Explainer needs a text run.")
    model_file = entry.path / MODEL_FILE
    key = f"text:{entry.id}:{model_file.stat().st_mtime_ns if model_file.exists() else 0}"
    cached = state.models.find(key)
    if cached is not None:
        return cached
    run = load_run(entry.path)
    return state.models.put(key, _TextModel(run.load_model(), list(run.record["data"]["class_names"])))


@router.post("/explain-text/{run_id}")
def explain_text(run_id: str, request: TextRequest, state: StudioState = Depends(get_state)) -> dict:
    """Each word's contribution to the predicted class (or `target_class`): the class probability it takes away when left out."""
    loaded = _loaded(state, state.run(run_id))
    started = time.perf_counter()
    explanation = occlusion(loaded.model, request.text, class_names=loaded.class_names, target_class=request.target_class)
    return {**explanation, "class_names": loaded.class_names, "seconds": time.perf_counter() - started}
