"""What the two HTTP front ends (`tfjourney studio`, `tfjourney serve`) share: where they listen and one error shape.

Both bind 127.0.0.1 unless told otherwise, warn when told otherwise (neither has a login),
refuse a busy port with one line before loading any model, and answer every problem as
`{"error": "..."}` with a 4xx status (500 only for a bug, logged in the server's terminal),
never a traceback. FastAPI is imported only when an app is built, so the CLI can read the
defaults here without paying for it.

Example:
    >>> is_loopback("::1"), is_loopback("0.0.0.0")
    (True, False)
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import warnings
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from tfjourney.errors import ConfigError, TfjourneyError, TfjourneyWarning

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

DEFAULT_HOST = "127.0.0.1"


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine only (localhost, 127.x, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_listen_address(host: str, port: int, *, default_port: int, server: str) -> None:
    """Refuse a port out of range or taken, with one line; warn when `host` is reachable from other machines.

    Args:
        host: the address to bind.
        port: the TCP port.
        default_port: the server's own default, suggested when `port` is out of range.
        server: how the warning names the server ("the studio", "the server").
    """
    if not 1 <= port <= 65535:
        raise ConfigError(f"`port` {port} must be between 1 and 65535; the default is {default_port}.")
    if not is_loopback(host):
        warnings.warn(f"{server} listens on {host}, so other machines can reach it, and it has no login or TLS; "
                      f"use `host` {DEFAULT_HOST} unless you mean it", TfjourneyWarning, stacklevel=3)
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); pass another `port`, e.g. {port + 1}.") from None


def base_url(host: str, port: int) -> str:
    """`http://host:port`, with an IPv6 address in brackets."""
    return f"http://{host if ':' not in host else f'[{host}]'}:{port}"


# ----------------------------------------------------------------------------- one error shape
def _http_message(exc, request) -> str:
    """Starlette's own 404/405 in the one-line style: what was wrong and what to do."""
    allowed = (exc.headers or {}).get("Allow")
    if exc.status_code == 405 and allowed:
        return f"{request.method} is not allowed on {request.url.path}; use {allowed}."
    if exc.status_code == 400 and exc.detail == "There was an error parsing the body":  # e.g. JSON nested past Python's recursion limit
        return "the request body could not be parsed (malformed, or nested too deeply); send plain JSON or the form the route takes."
    if exc.status_code == 404 and exc.detail == "Not Found":
        return f"no route {request.url.path}; the API's routes are listed at /openapi.json."
    return str(exc.detail)



class ClientError(Exception):
    """A request the client can fix, with its HTTP status (400 bad input, 404 unknown thing, 413 too large)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str, *, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error body: `{"error": message}` (with `headers`, e.g. a 405's Allow)."""
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": message}, status_code=status, headers=headers)


def errors_as_json(schema: dict) -> dict:
    """The OpenAPI document with every 4xx/5xx answer as the JSON error body, also on routes whose 200 is HTML or a stream."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and content and "application/json" not in content:
                    response["content"] = {"application/json": next(iter(content.values()))}
    return schema


def install_openapi(app: FastAPI, *, edit: Callable[[dict], dict] = errors_as_json) -> None:
    """Serve `edit` of FastAPI's OpenAPI document for `app` (built once, on the first request for it)."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = edit(get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi


def first_validation_problem(exc: RequestValidationError, *, skip: tuple[str, ...] = ("body",)) -> tuple[str, dict]:
    """Where FastAPI's first validation problem is (dotted, without `skip` parts) and the problem itself."""
    first = exc.errors()[0] if exc.errors() else {}
    return ".".join(str(p) for p in first.get("loc", ()) if p not in skip), first


def install_error_handlers(
    app: FastAPI,
    *,
    server: str,
    name: str,
    library_error: Callable[[TfjourneyError], tuple[int, str]],
    validation_error: Callable[[Request, RequestValidationError], Awaitable[JSONResponse]],
) -> None:
    """Answer every exception as `{"error": ...}`: client errors with their status, bugs with a logged 500.

    Args:
        app: the FastAPI app.
        server: the logger's suffix and the log line's prefix ("studio", "serve").
        name: how a 500's message names the server ("the studio", "the server").
        library_error: a tfjourney exception -> (status, message) as this server shows it.
        validation_error: the handler for request bodies or parameters of the wrong shape.
    """
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    log = logging.getLogger(f"tfjourney.{server}")

    async def client_error(request: Request, exc: ClientError) -> JSONResponse:
        return error_response(exc.status, exc.message)

    async def tfjourney_error(request: Request, exc: TfjourneyError) -> JSONResponse:
        return error_response(*library_error(exc))

    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return error_response(exc.status_code, _http_message(exc, request), headers=exc.headers)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s: unexpected error on %s", server, request.url.path)
        return error_response(500, f"{name} hit an unexpected {type(exc).__name__}; the details are in the terminal that runs it.")

    app.add_exception_handler(ClientError, client_error)
    app.add_exception_handler(TfjourneyError, tfjourney_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)
