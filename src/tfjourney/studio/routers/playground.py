"""Playground: create a network, step it, stream its training live (server-sent events), save it as a run."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from tfjourney.blueprints import PLAYGROUND, PLAYGROUND_MAX_LAYERS, PLAYGROUND_MAX_NEURONS
from tfjourney.models.playground import FEATURES
from tfjourney.playground.datasets import read_playground_csv
from tfjourney.playground.run import save_playground_run
from tfjourney.playground.session import PlaygroundSession, playground_settings
from tfjourney.run_index import run_id
from tfjourney.runs import default_run_dir
from tfjourney.studio.state import StudioState, get_state
from tfjourney.studio.uploads import check_csv, read_limited

router = APIRouter(prefix="/api/playground")
MIN_SECONDS_PER_UPDATE = 1 / 30  # at most 30 updates a second: smooth, and leaves CPU for the rest
STREAM_EPOCHS = 5000  # one stream trains at most this many epochs, then says "done" (the page reconnects)


class PlaygroundBody(BaseModel):
    """The Playground's controls; a missing one takes its default from blueprints.PLAYGROUND."""

    dataset: str | None = None
    noise: int | None = None
    train_percent: int | None = None
    features: list[str] | None = None
    hidden: list[int] | None = Field(default=None, max_length=16)
    activation: str | None = None
    learning_rate: float | None = None
    regularization: str | None = None
    regularization_rate: float | None = None
    batch_size: int | None = None
    seed: int | None = None
    csv: str | None = None


def _session(state: StudioState, session_id: str) -> PlaygroundSession:
    return state.sessions.get(session_id)


@router.get("/defaults")
def defaults() -> dict:
    """The controls' defaults and accepted values, read from blueprints.PLAYGROUND (the page restates none)."""
    rows = {row.key: row for row in PLAYGROUND.rows if row.key}
    return {"defaults": PLAYGROUND.defaults(), "choices": {key: list(row.choices) for key, row in rows.items() if row.choices},
            "features": list(FEATURES), "max_layers": PLAYGROUND_MAX_LAYERS, "max_neurons": PLAYGROUND_MAX_NEURONS}


@router.post("/sessions")
def create_session(body: PlaygroundBody, state: StudioState = Depends(get_state)) -> dict:
    """A new network for these settings (its first snapshot and the data points included)."""
    settings = playground_settings(**body.model_dump(exclude_none=True))
    table = state.tables.find(settings["csv"]) if settings["csv"] else None
    session = PlaygroundSession(settings, table)
    session_id = uuid.uuid4().hex[:12]
    state.sessions.put(session_id, session)
    return {"id": session_id, "settings": settings, "points": session.points(), "update": session.snapshot()}


@router.post("/sessions/{session_id}/step")
def step(session_id: str, epochs: int = Query(1, ge=1, le=1000), state: StudioState = Depends(get_state)) -> dict:
    return _session(state, session_id).step(epochs)


def _events(session: PlaygroundSession, epochs: int) -> Iterator[str]:
    """One `data:` event per epoch, paced to at most 30 a second; `event: done` after `epochs`."""
    for _ in range(epochs):
        started = time.perf_counter()
        yield f"data: {json.dumps(session.step())}\n\n"
        time.sleep(max(0.0, MIN_SECONDS_PER_UPDATE - (time.perf_counter() - started)))
    yield "event: done\ndata: {}\n\n"


@router.get("/sessions/{session_id}/stream")
def stream(session_id: str, epochs: int = Query(STREAM_EPOCHS, ge=1, le=STREAM_EPOCHS), state: StudioState = Depends(get_state)):
    """Train and stream: the page's play button opens this, pause closes it (a sync generator runs off the event loop)."""
    session = _session(state, session_id)
    return StreamingResponse(_events(session, epochs), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


@router.get("/sessions/{session_id}/boundary")
def boundary(session_id: str, resolution: int = Query(50, ge=2, le=200), state: StudioState = Depends(get_state)) -> dict:
    """The output on a grid, at full precision, in the data's own column units."""
    return _session(state, session_id).boundary(resolution)


@router.post("/sessions/{session_id}/save")
def save(session_id: str, state: StudioState = Depends(get_state)) -> dict:
    """Write the current network as a new run folder under the runs folder (never replacing one)."""
    session = _session(state, session_id)
    name = session.settings["dataset"]
    out = default_run_dir(f"playground-{name}", root=state.runs_dir / "playground")
    run = save_playground_run(session, out=out, command=["tfjourney", "studio", "(Playground: Save as run)"])
    identifier = run_id(run.path.resolve().relative_to(state.runs_dir.resolve()).as_posix())
    return {"id": identifier, "name": run.path.name, "metrics": {k: v for k, v in run.metrics.items() if not isinstance(v, dict)},
            "report": f"/runs/{identifier}/report"}


@router.post("/csv")
async def upload_csv(file: UploadFile = File(...), target: str | None = Form(None), state: StudioState = Depends(get_state)) -> dict:
    """Keep a user's CSV (two numeric features + a target) in memory; the page refers to it by digest."""
    content = await read_limited(file, state.upload_limit)
    check_csv(file.filename, content)
    table = read_playground_csv(content=content, name=file.filename or "upload.csv", target=target or None)
    state.tables.put(table.digest, table)
    return {"csv": table.digest, "name": table.name, "columns": list(table.columns), "target": table.target, "rows": len(table.frame)}
