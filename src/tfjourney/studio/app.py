"""The studio app: a thin FastAPI shell over tfjourney's library, one router per concern.

Example:
    >>> from tfjourney.studio.app import create_app
    >>> app = create_app(runs_dir="runs")          # serve with uvicorn, or use fastapi.testclient
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tfjourney.errors import RunFolderError
from tfjourney.studio.errors import ERRORS, install_error_handlers
from tfjourney.studio.routers import explain, explain_text, pages, playground, predict, runs
from tfjourney.studio.state import UPLOAD_LIMIT, StudioState
from tfjourney.studio.static_files import STATIC
from tfjourney.web import install_openapi


def create_app(*, runs_dir: Path | str = "runs", upload_limit: int = UPLOAD_LIMIT) -> FastAPI:
    """A studio app serving the runs under `runs_dir` (which must exist).

    Args:
        runs_dir: the folder searched (recursively) for run folders; Playground runs are saved under it.
        upload_limit: the largest upload accepted, in bytes (default 10 MB).

    Returns:
        The FastAPI app; its scratch folder for uploads is removed when the app shuts down.
    """
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        raise RunFolderError(f"runs folder {runs_dir} does not exist; pass the folder your runs are in, or create it first.")
    state = StudioState(runs_dir=runs_dir.resolve(), upload_limit=upload_limit)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        state.close()

    app = FastAPI(title="tfjourney studio", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.studio = state
    install_error_handlers(app)
    for module in (pages, runs, playground, explain, explain_text, predict):
        app.include_router(module.router, responses=ERRORS)
    install_openapi(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
