"""One error shape for every route: `{"error": "..."}` with the right 4xx status, never a traceback."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tfjourney.errors import TfjourneyError, UnknownRunError, UnsupportedFileError, show_setting_names
from tfjourney.web import ClientError, error_response, first_validation_problem, install_error_handlers as _install


class ApiError(ClientError):
    """A problem the client can fix, with its HTTP status (400 bad input, 404 unknown thing, 413 too large)."""


def plain(message: str) -> str:
    """Library messages name settings as keys in backticks (`layer`); a page shows them as plain words."""
    return show_setting_names(message, str)


def _library_error(exc: TfjourneyError) -> tuple[int, str]:
    status = 404 if isinstance(exc, UnknownRunError) else 415 if isinstance(exc, UnsupportedFileError) else 400
    return status, plain(str(exc))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    where, first = first_validation_problem(exc, skip=("body", "query", "path"))
    return error_response(422, f"{where or 'request'}: {first.get('msg', 'invalid value')}; check the value and try again.")


class ErrorBody(BaseModel):
    """Every error the studio answers: one line naming the problem and the fix."""

    error: str = Field(description="what was wrong and what to do instead")


def _error(description: str) -> dict:
    return {"model": ErrorBody, "description": description}


# What any studio route may answer besides its 200, for the OpenAPI document.
ERRORS = {
    400: _error("a value or an upload the route cannot use"),
    404: _error("no run, session or explanation with that id"),
    405: _error("the path exists but takes another method; the Allow header names it"),
    413: _error("an upload larger than the studio's limit"),
    415: _error("an upload of a file type the route does not read"),
    422: _error("a parameter or body field of the wrong type or out of range"),
    500: _error("a bug in the studio, logged in the terminal that runs it"),
}


def install_error_handlers(app: FastAPI) -> None:
    _install(app, server="studio", name="the studio", library_error=_library_error, validation_error=_validation_error)
