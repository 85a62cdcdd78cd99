"""One error shape for every route: `{"error": "..."}` with the right 4xx status, never a traceback."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from tfjourney.errors import RunFolderError, TfjourneyError

log = logging.getLogger("tfjourney.studio")


class ApiError(Exception):
    """A problem the client can fix, with its HTTP status (400 bad input, 404 unknown thing, 413 too large)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def plain(message: str) -> str:
    """Library messages name settings as keys in backticks (`layer`); a page shows them as plain words."""
    return re.sub(r"`(\w+)`", r"\1", message)


def _json(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return _json(exc.status, exc.message)


async def _tfjourney_error(request: Request, exc: TfjourneyError) -> JSONResponse:
    return _json(404 if isinstance(exc, RunFolderError) and "no run with id" in str(exc) else 400, plain(str(exc)))


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return _json(exc.status_code, str(exc.detail))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
    return _json(422, f"{where or 'request'}: {first.get('msg', 'invalid value')}; check the value and try again.")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("studio: unexpected error on %s", request.url.path)
    return _json(500, f"the studio hit an unexpected {type(exc).__name__}; the details are in the terminal that runs it.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(TfjourneyError, _tfjourney_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
