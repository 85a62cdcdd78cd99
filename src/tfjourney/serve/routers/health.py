"""`GET /healthz`: the server is up and every model is loaded."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from tfjourney.serve.errors import ERRORS
from tfjourney.serve.state import ServeState, get_state

router = APIRouter(responses={k: v for k, v in ERRORS.items() if k != 404})


@router.get("/healthz")
def healthz(state: ServeState = Depends(get_state)) -> dict:
    return {"status": "ok", "models": sorted(state.models)}
