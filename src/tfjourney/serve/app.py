"""The serve app: a thin FastAPI shell (TF Serving routes, health) over models loaded once.

Example:
    >>> from tfjourney.serve.app import create_app
    >>> app = create_app(["runs/digits"])      # run with uvicorn, or use fastapi.testclient.TestClient
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from tfjourney.serve.errors import drop_unsent_422, install_error_handlers, name_served_models
from tfjourney.serve.limits import DEFAULT_MAX_BODY, AssumeJson, BodyLimit
from tfjourney.serve.models import load_served_models
from tfjourney.serve.routers import health, tf_serving
from tfjourney.serve.state import ServeState
from tfjourney.web import install_openapi


def create_app(run_dirs: list[str | Path], *, max_body: int = DEFAULT_MAX_BODY, batching: bool = True) -> FastAPI:
    """An app serving each run folder's model under its folder name.

    Args:
        run_dirs: run folders written by `tfjourney train`; each model is loaded once, here.
        max_body: the largest request body accepted, in bytes (larger ones get 413).
        batching: run requests that arrive together as one model call.

    Returns:
        The FastAPI app (OpenAPI docs at /docs).
    """
    state = ServeState(load_served_models(run_dirs), batching=batching)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        state.close()

    app = FastAPI(title="tfjourney serve", description="TensorFlow Serving's REST API for tfjourney run folders.", lifespan=lifespan)
    app.state.serve = state
    install_error_handlers(app)
    app.include_router(tf_serving.router)
    app.include_router(health.router)
    app.add_middleware(AssumeJson)
    app.add_middleware(BodyLimit, max_body=max_body)
    install_openapi(app, edit=lambda schema: name_served_models(drop_unsent_422(schema), sorted(state.models)))
    return app
