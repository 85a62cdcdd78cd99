"""tfjourney.data.download (pooch underneath) against a local HTTP server on 127.0.0.1: no internet needed."""

from __future__ import annotations

import http.server
import io
import socket
import threading
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from tfjourney.data.catalog import CATALOG, RemoteDataset
from tfjourney.data.download import download_file, fetch_dataset, safe_extract
from tfjourney.errors import DataError, DownloadError


def _tiny_zip() -> bytes:
    """A small zip holding a two-class image tree under one top-level folder."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for split in ("train", "test"):
            for cls, colour in (("pizza", (200, 50, 0)), ("steak", (90, 40, 20))):
                img = io.BytesIO()
                Image.new("RGB", (8, 8), colour).save(img, "PNG")
                zf.writestr(f"tiny/{split}/{cls}/0.png", img.getvalue())
        zf.writestr("__MACOSX/tiny/._junk", b"mac junk")
        # pad with incompressible bytes so a half transfer is a real half
        zf.writestr("tiny/padding.bin", bytes(range(256)) * 64, compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()


class _Server:
    """A local HTTP server with switchable misbehaviour, recording every request."""

    def __init__(self, payload: bytes):
        self.payload = payload
        self.requests: list[dict] = []
        self.truncate_next = 0  # how many upcoming responses send half then hang up
        self.ignore_range = False
        self.status = 200
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server API
                outer.requests.append({"path": self.path, "range": self.headers.get("Range")})
                if outer.status != 200:
                    self.send_error(outer.status)
                    return
                data, start = outer.payload, 0
                rng = self.headers.get("Range")
                if rng and not outer.ignore_range:
                    start = int(rng.split("=")[1].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.truncate_next:
                    outer.truncate_next -= 1
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/tiny.zip"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def payload() -> bytes:
    return _tiny_zip()


@pytest.fixture()
def server(payload):
    srv = _Server(payload)
    yield srv
    srv.close()


def _catalog(url: str, sha256: str | None) -> dict[str, RemoteDataset]:
    """A one-entry catalog pointing at the local server."""
    return {"tiny": RemoteDataset("tiny", url, sha256, None, "test zip", "CC0")}


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch):
    """pooch waits 1 s, 2 s, ... between attempts; the tests record the waits instead."""
    waits: list[float] = []
    monkeypatch.setattr("pooch.core.time.sleep", waits.append)
    return waits


def _fetch(tmp_path: Path, catalog, **kw) -> Path:
    """fetch_dataset with quick, quiet test settings."""
    kw.setdefault("retries", 3)
    return fetch_dataset("tiny", tmp_path / "cache", catalog=catalog, timeout=5, **kw)


def sha256_of(path: Path) -> str:
    return sha256_of_bytes(Path(path).read_bytes())


def test_catalog_has_course_datasets():
    assert {"pizza_steak", "10_food_classes_all_data", "10_food_classes_10_percent", "10_food_classes_1_percent"} <= set(CATALOG)
    for entry in CATALOG.values():
        folder = "" if entry.name == "nlp_getting_started" else "food_vision/"  # the course's disaster tweets sit at the bucket's top
        assert entry.url == f"https://storage.googleapis.com/ztm_tf_course/{folder}{entry.name}.zip"


def test_fetch_verifies_extracts_and_caches(tmp_path, server, payload):
    import hashlib

    digest = hashlib.sha256(payload).hexdigest()
    folder = _fetch(tmp_path, _catalog(server.url, digest))
    assert folder.name == "tiny" and (folder / "train" / "pizza" / "0.png").is_file()
    assert folder == tmp_path / "cache" / "tiny"  # the zip's own top folder, not cache/tiny/tiny
    assert not any("__MACOSX" in str(p) for p in (tmp_path / "cache").rglob("*"))
    assert sha256_of(tmp_path / "cache" / "tiny.zip") == digest
    assert len(server.requests) == 1
    again = _fetch(tmp_path, _catalog(server.url, digest))
    assert again == folder and len(server.requests) == 1  # cached: no request


def test_trust_on_first_use_records_and_checks_digest(tmp_path, server, payload):
    folder = _fetch(tmp_path, _catalog(server.url, None))
    zip_path = tmp_path / "cache" / "tiny.zip"
    sidecar = zip_path.with_name("tiny.zip.sha256")
    assert sidecar.read_text().split()[0] == sha256_of(zip_path)
    assert _fetch(tmp_path, _catalog(server.url, None)) == folder
    zip_path.write_bytes(payload[:-10] + b"tampered!!")
    with pytest.raises(DownloadError, match="checksum mismatch"):
        _fetch(tmp_path, _catalog(server.url, None))
    assert not zip_path.exists()


def test_checksum_mismatch_deletes_the_file(tmp_path, server, payload):
    bad = "0" * 64
    with pytest.raises(DownloadError) as info:
        _fetch(tmp_path, _catalog(server.url, bad))
    message = str(info.value)
    assert "checksum mismatch" in message and f"expected sha256 {bad}" in message
    assert sha256_of_bytes(payload) in message and "\n" not in message
    assert not list((tmp_path / "cache").glob("tiny.zip*"))


def sha256_of_bytes(data: bytes) -> str:
    """Hex digest of bytes."""
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_interrupted_transfer_is_retried_and_verified(tmp_path, server, payload, _no_waiting):
    """A connection lost half-way is retried (from the start: pooch does not resume) and checked."""
    server.truncate_next = 1
    dest = download_file(server.url, tmp_path / "tiny.zip", sha256=sha256_of_bytes(payload), timeout=5)
    assert dest.read_bytes() == payload
    assert len(server.requests) == 2 and _no_waiting == [1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.zip"]  # no temporary left behind


def test_server_down_is_a_clear_error(tmp_path, _no_waiting):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/tiny.zip"
    start = time.perf_counter()
    with pytest.raises(DownloadError) as info:
        fetch_dataset("tiny", tmp_path / "cache", catalog=_catalog(url, None), retries=2, timeout=2)
    assert time.perf_counter() - start < 10
    message = str(info.value)
    assert message.startswith(f"could not download tiny from {url}: Connection refused. ")
    assert "Check your internet connection" in message and "pass its path as `file`" in message
    assert "\n" not in message
    assert _no_waiting == [1]  # two attempts, one wait between them
    assert not list((tmp_path / "cache").glob("*"))  # nothing half-written


def test_http_404_is_a_clear_error(tmp_path, server):
    server.status = 404
    with pytest.raises(DownloadError, match="HTTP 404 Not Found") as info:
        _fetch(tmp_path, _catalog(server.url, None), retries=1)
    assert "\n" not in str(info.value)
    assert len(server.requests) == 1


def test_fetch_with_local_file_needs_no_network(tmp_path, payload):
    local = tmp_path / "downloaded.zip"
    local.write_bytes(payload)
    folder = _fetch(tmp_path, _catalog("http://127.0.0.1:9/never", sha256_of_bytes(payload)), file=local)
    assert (folder / "test" / "steak" / "0.png").is_file()


def test_unknown_dataset_lists_names(tmp_path):
    with pytest.raises(DataError, match="unknown dataset 'nope'; available: .*pizza_steak"):
        fetch_dataset("nope", tmp_path)


@pytest.mark.parametrize("member", ["../evil.txt", "/abs/evil.txt", "a/../../evil.txt"])
def test_zip_slip_is_refused(tmp_path, member):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok/fine.txt", b"fine")
        zf.writestr(member, b"evil")
    dest = tmp_path / "sub" / "dest"
    with pytest.raises(DownloadError, match="zip-slip"):
        safe_extract(archive, dest)
    assert not list(tmp_path.rglob("evil.txt"))
    assert not (dest / "ok" / "fine.txt").exists()  # checked before anything was written


def test_not_a_zip(tmp_path):
    bogus = tmp_path / "bogus.zip"
    bogus.write_text("not a zip")
    with pytest.raises(DownloadError, match="not a readable zip"):
        safe_extract(bogus, tmp_path / "out")


def test_download_reports_one_line_in_a_log(tmp_path, server, payload):
    import io

    from tfjourney.progress import Progress

    out = io.StringIO()
    download_file(server.url, tmp_path / "tiny.zip", progress=Progress.for_stream(out), timeout=5)
    assert out.getvalue().splitlines() == [f"downloaded tiny.zip ({len(payload) / 1024**2:,.1f} MB) in 00:00"]
    download_file(server.url, tmp_path / "tiny.zip", progress=Progress.for_stream(out), timeout=5)
    assert len(out.getvalue().splitlines()) == 1  # cached: nothing to report


def test_fetch_reports_download_and_extraction(tmp_path, server, payload):
    import io
    import re

    from tfjourney.progress import Progress

    out = io.StringIO()
    _fetch(tmp_path, _catalog(server.url, None), progress=Progress.for_stream(out))
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].startswith("downloaded tiny.zip (")
    assert re.fullmatch(r"extracted 5 files in 00:00 \([\d,]+ files/s\)", lines[1])  # 4 images + padding, no __MACOSX
