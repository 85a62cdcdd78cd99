"""`GET /healthz`: the server is up and every model is loaded."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from tfjourney.serve.state import ServeState, get_state

router = APIRouter()


@router.get("/healthz")
def healthz(state: ServeState = Depends(get_state)) -> dict:
    return {"status": "ok", "models": sorted(state.models)}
