"""`tfjourney studio`: run the app with uvicorn on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import threading
import webbrowser
from pathlib import Path

from tfjourney.web import DEFAULT_HOST, base_url, check_listen_address

DEFAULT_PORT = 8765


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

    check_listen_address(host, port, default_port=DEFAULT_PORT, server="the studio")
    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(runs_dir=runs_dir)
    url = f"{base_url(host, port)}/runs"
    print(f"tfjourney studio: {url}  (runs from {runs_dir.resolve()}; Ctrl-C stops it)", flush=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")
