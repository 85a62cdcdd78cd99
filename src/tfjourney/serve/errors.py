"""One error shape, as TensorFlow Serving answers: `{"error": "..."}` with 400, 404 or 413."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from tfjourney.errors import TfjourneyError
from tfjourney.web import ClientError, error_response, first_validation_problem, install_error_handlers as _install


class ServeError(ClientError):
    """A request the client can fix, with its HTTP status."""


def _library_error(exc: TfjourneyError) -> tuple[int, str]:
    return 400, str(exc)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """Malformed JSON or a body of the wrong shape: 400, as TF Serving answers, naming where."""
    where, first = first_validation_problem(exc)
    if first.get("type") == "json_invalid":
        return error_response(400, f"the body is not valid JSON ({first.get('ctx', {}).get('error', 'parse error')}); send "
                                   '{"instances": [...]} or {"inputs": {...}}.')
    return error_response(400, f"{where or 'body'}: {first.get('msg', 'invalid value')}; send {{\"instances\": [...]}} or {{\"inputs\": {{...}}}}.")


def install_error_handlers(app: FastAPI) -> None:
    _install(app, server="serve", name="the server", library_error=_library_error, validation_error=_validation_error)
