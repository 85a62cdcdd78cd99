"""One error shape, as TensorFlow Serving answers: `{"error": "..."}` with 400, 404, 405 or 413, each declared in the OpenAPI document."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from tfjourney.errors import TfjourneyError
from tfjourney.serve.schemas import BODY_ERROR, SEND, ErrorBody
from tfjourney.web import ClientError, error_response, first_validation_problem, install_error_handlers as _install


class ServeError(ClientError):
    """A request the client can fix, with its HTTP status."""


def _library_error(exc: TfjourneyError) -> tuple[int, str]:
    return 400, str(exc)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """Malformed JSON or a body of the wrong shape: 400, as TF Serving answers, naming where."""
    where, first = first_validation_problem(exc)
    if first.get("type") == BODY_ERROR:
        return error_response(400, first["msg"])
    if first.get("type") == "json_invalid":
        return error_response(400, f"the body is not valid JSON ({first.get('ctx', {}).get('error', 'parse error')}); {SEND}.")
    return error_response(400, f"{where or 'body'}: {first.get('msg', 'invalid value')}; {SEND}.")


def _error(description: str) -> dict:
    return {"model": ErrorBody, "description": description}


# What each route may answer besides 200, for the OpenAPI document (FastAPI's default 422 is never sent: see above).
ERRORS = {
    404: _error("no model of that name, or no version of that number"),
    405: _error("the path exists but takes another method; the Allow header names it"),
    413: _error("the request body is larger than the server's --max-body"),
    500: _error("a bug in the server, logged in the terminal that runs it"),
}
PREDICT_ERRORS = {400: _error("a body TF Serving's grammar does not allow, or examples the model cannot take"), **ERRORS}


def install_error_handlers(app: FastAPI) -> None:
    _install(app, server="serve", name="the server", library_error=_library_error, validation_error=_validation_error)


def drop_unsent_422(schema: dict) -> dict:
    """The OpenAPI document without FastAPI's automatic 422 answers: this server answers a malformed body with 400."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    for name in ("HTTPValidationError", "ValidationError"):
        schema.get("components", {}).get("schemas", {}).pop(name, None)
    return schema



def name_served_models(schema: dict, names: list[str]) -> dict:
    """The OpenAPI document with the path parameters' real values: the served models' names and version 1."""
    from tfjourney.serve.models import VERSION

    values = {"name": names, "version": [VERSION]}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter.get("name") in values:
                    parameter["schema"] = {**parameter.get("schema", {}), "enum": values[parameter["name"]]}
    return schema
