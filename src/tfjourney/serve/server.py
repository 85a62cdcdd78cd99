"""`tfjourney serve`: run the app with uvicorn, on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import ipaddress
import socket
import warnings
from pathlib import Path

from tfjourney.errors import ConfigError, TfjourneyWarning
from tfjourney.serve.limits import DEFAULT_MAX_BODY

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501  # TF Serving's REST port


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_port(host: str, port: int) -> None:
    """Fail with one line before loading any model when the port is taken."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); pass another --port, e.g. --port {port + 1}.") from None


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
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port {port} must be between 1 and 65535; the default is {DEFAULT_PORT}.")
    if max_body < 1024:
        raise ConfigError(f"--max-body {max_body} is too small to hold a request; pass at least 1024 bytes (default {DEFAULT_MAX_BODY}).")
    if not is_loopback(host):
        warnings.warn(f"serve listens on {host}, so other machines can reach it, and it has no login or TLS; "
                      f"use --host {DEFAULT_HOST} unless you mean it", TfjourneyWarning, stacklevel=2)
    _check_port(host, port)
    app = create_app(run_dirs, max_body=max_body, batching=batching)
    names = ", ".join(sorted(app.state.serve.models))
    print(f"tfjourney serve: http://{host if ':' not in host else f'[{host}]'}:{port}/v1/models/<name>  "
          f"(models: {names}; docs at /docs; Ctrl-C stops it)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
