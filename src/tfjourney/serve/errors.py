"""One error shape, as TensorFlow Serving answers: `{"error": "..."}` with 400, 404 or 413."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from tfjourney.errors import TfjourneyError

log = logging.getLogger("tfjourney.serve")


class ServeError(Exception):
    """A request the client can fix, with its HTTP status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _serve_error(request: Request, exc: ServeError) -> JSONResponse:
    return error_response(exc.status, exc.message)


async def _bad_input(request: Request, exc: TfjourneyError) -> JSONResponse:
    return error_response(400, str(exc))


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return error_response(exc.status_code, str(exc.detail))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """Malformed JSON or a body of the wrong shape: 400, as TF Serving answers, naming where."""
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    if first.get("type") == "json_invalid":
        return error_response(400, f"the body is not valid JSON ({first.get('ctx', {}).get('error', 'parse error')}); send "
                                   '{"instances": [...]} or {"inputs": {...}}.')
    return error_response(400, f"{where or 'body'}: {first.get('msg', 'invalid value')}; send {{\"instances\": [...]}} or {{\"inputs\": {{...}}}}.")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("serve: unexpected error on %s", request.url.path)
    return error_response(500, f"the server hit an unexpected {type(exc).__name__}; the details are in the terminal that runs it.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServeError, _serve_error)
    app.add_exception_handler(TfjourneyError, _bad_input)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
