"""`tfjourney studio`: run the app with uvicorn on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import ipaddress
import socket
import threading
import warnings
import webbrowser
from pathlib import Path

from tfjourney.errors import ConfigError, TfjourneyWarning

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); pass another --port, e.g. --port {port + 1}.") from None


def serve(*, runs_dir: Path | str = "runs", host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, open_browser: bool = False) -> None:
    """Serve the studio until Ctrl-C.

    Args:
        runs_dir: the runs folder (created when missing, so the Playground can save into it).
        host: the address to bind; anything but loopback warns, since the studio has no login.
        port: the TCP port.
        open_browser: open the Runs page in the default browser once the server is up.
    """
    import uvicorn

    from tfjourney.studio.app import create_app

    if not 1 <= port <= 65535:
        raise ConfigError(f"--port {port} must be between 1 and 65535; the default is {DEFAULT_PORT}.")
    if not is_loopback(host):
        warnings.warn(f"the studio listens on {host}, so other machines can reach it, and it has no login; "
                      f"use --host {DEFAULT_HOST} unless you mean it", TfjourneyWarning, stacklevel=2)
    _check_port(host, port)
    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(runs_dir=runs_dir)
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}/runs"
    print(f"tfjourney studio: {url}  (runs from {runs_dir.resolve()}; Ctrl-C stops it)", flush=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")
