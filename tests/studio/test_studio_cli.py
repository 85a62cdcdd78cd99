"""`tfjourney studio`: safe defaults and one-line errors (no server is left running)."""

from __future__ import annotations

import socket

import pytest

from tfjourney.cli import main
from tfjourney.studio.server import DEFAULT_HOST
from tfjourney.web import is_loopback


def test_loopback_by_default():
    assert DEFAULT_HOST == "127.0.0.1" and is_loopback(DEFAULT_HOST) and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


def test_busy_port_is_a_one_line_error_and_creates_nothing(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["studio", str(tmp_path / "runs"), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists()


def test_any_other_host_warns(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        assert main(["studio", str(tmp_path), "--host", "0.0.0.0", "--port", str(busy.getsockname()[1])]) == 2
    assert "warning: the studio listens on 0.0.0.0" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["0", "70000"])
def test_port_out_of_range(tmp_path, capsys, port):
    assert main(["studio", str(tmp_path), "--port", port]) == 2
    assert "between 1 and 65535" in capsys.readouterr().err
