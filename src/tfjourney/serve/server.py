"""`tfjourney serve`: run the app with uvicorn, on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

from pathlib import Path

from tfjourney.errors import ConfigError
from tfjourney.serve.limits import DEFAULT_MAX_BODY
from tfjourney.web import DEFAULT_HOST, base_url, check_listen_address

DEFAULT_PORT = 8501  # TF Serving's REST port


def serve(run_dirs: list[str | Path], *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          max_body: int = DEFAULT_MAX_BODY, batching: bool = True) -> None:
    """Serve the runs' models until Ctrl-C.

    Args:
        run_dirs: run folders; each is served as /v1/models/<folder name>.
        host: the address to bind; anything but loopback warns, since the API has no login.
        port: the TCP port (8501, as TF Serving's REST API).
        max_body: the largest request body, in bytes.
        batching: micro-batch requests that arrive together.
    """
    import uvicorn

    from tfjourney.serve.app import create_app
    if max_body < 1024:
        raise ConfigError(f"--max-body {max_body} is too small to hold a request; pass at least 1024 bytes (default {DEFAULT_MAX_BODY}).")
    check_listen_address(host, port, default_port=DEFAULT_PORT, server="serve")
    app = create_app(run_dirs, max_body=max_body, batching=batching)
    names = ", ".join(sorted(app.state.serve.models))
    print(f"tfjourney serve: {base_url(host, port)}/v1/models/<name>  "
          f"(models: {names}; docs at /docs; Ctrl-C stops it)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
