"""Bound what one request may send: a body over the limit is refused with 413 before it is parsed."""

from __future__ import annotations

import json

DEFAULT_MAX_BODY = 10 * 1024 * 1024  # bytes
from tfjourney.blueprints import SERVE_MAX_INSTANCES as MAX_INSTANCES  # noqa: F401  (examples per request)


class BodyLimit:
    """Pure ASGI middleware: 413 when Content-Length, or the bytes actually streamed, exceed `max_body`."""

    def __init__(self, app, max_body: int = DEFAULT_MAX_BODY):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            return await self._too_large(send)
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._too_large(send)

    async def _too_large(self, send) -> None:
        body = json.dumps({"error": f"the request body is larger than the server's limit of {self.max_body:,} bytes; "
                                    "send fewer instances per request, or start the server with a larger --max-body."}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


class AssumeJson:
    """Pure ASGI middleware: a POST body is JSON whatever its Content-Type says.

    TF Serving reads the body as JSON without looking at the header, so `curl -d '{...}'` (which
    sends application/x-www-form-urlencoded) works against it; clients written for it must work here.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("method") == "POST":
            headers = [(k, v) for k, v in scope.get("headers") or [] if k != b"content-type"]
            scope = {**scope, "headers": [*headers, (b"content-type", b"application/json")]}
        await self.app(scope, receive, send)
