"""Benchmark: `tfjourney serve` under a bounded loopback load, beside the same model called in-process.

Trains a small CNN on the embedded `digits` (or serves RUN_DIR given as argument), starts
`tfjourney serve` on a free 127.0.0.1 port in a child process, and sends 2,000 TF Serving
requests (one 32x32 image each, as a pixel list) at concurrency 1, 8 and 32, then 32 again
with micro-batching off, then 32 with each image sent as base64 PNG instead of a pixel list. Prints p50/p99 latency and requests/s per level, and the ratio to
in-process `predict_on_batch` throughput (batch 1: the same work per request; and batch 32).
Everything stops by itself: bounded request count and time, the server is terminated at the end.

    python benchmarks/bench_serve.py [RUN_DIR] [--requests 2000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

LEVELS = (1, 8, 32)
TIME_LIMIT_SECONDS = 180  # per level: the load stops here even if requests remain
START_TIMEOUT_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_dir(given: str | None, scratch: Path) -> Path:
    if given:
        return Path(given)
    from tfjourney.pipelines.cnn import train_cnn

    return train_cnn("digits", epochs=3, out=scratch / "digits", seed=0).path


def _pixels(run_dir: Path, n: int) -> np.ndarray:
    from tfjourney.runs import load_run

    run = load_run(run_dir)
    size = run.record["data"]["image_size"]
    return np.random.default_rng(0).uniform(0, 255, (n, size[0], size[1], 3)).round().astype("float32")


def _b64_png(pixels: np.ndarray) -> str:
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels.astype("uint8")).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def request_bodies(pixels: np.ndarray, encoding: str) -> list[bytes]:
    """One image per request: a [h][w][3] pixel list ("pixels"), or {"b64": PNG} ("b64")."""
    if encoding == "b64":
        return [json.dumps({"instances": [{"b64": _b64_png(p)}]}).encode() for p in pixels]
    return [json.dumps({"instances": [p.tolist()]}).encode() for p in pixels]


def in_process(run_dir: Path, pixels: np.ndarray) -> dict[str, float]:
    """Requests/s of predict_on_batch at batch 1, and examples/s at batch 32 (median of repeated calls)."""
    from tfjourney.runs import load_run

    model = load_run(run_dir).load_model()
    rates = {}
    for batch in (1, 32):
        x = pixels[:batch]
        for _ in range(5):
            model.predict_on_batch(x)
        calls, started = 0, time.perf_counter()
        while time.perf_counter() - started < 3 and calls < 2000:
            model.predict_on_batch(x)
            calls += 1
        rates[f"batch_{batch}"] = calls * batch / (time.perf_counter() - started)
    return rates


def _start_server(run_dir: Path, port: int, batching: bool) -> subprocess.Popen:
    command = [sys.executable, "-m", "tfjourney.cli", "serve", str(run_dir), "--port", str(port)]
    if not batching:
        command.append("--no-batching")
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited: {server.stderr.read()[-500:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("server did not start in time")


def load(port: int, path: str, bodies: list[bytes], total: int, concurrency: int) -> dict[str, float]:
    """`total` POSTs over `concurrency` keep-alive connections; latency percentiles and requests/s."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(total))
    stop_at = time.monotonic() + TIME_LIMIT_SECONDS

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in counter:
            if time.monotonic() > stop_at:
                break
            started = time.perf_counter()
            connection.request("POST", path, body=bodies[i % len(bodies)], headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors[0] += response.status != 200
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ms = np.array(latencies) * 1000
    return {"requests": len(ms), "errors": errors[0], "p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
            "requests_per_s": len(ms) / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", nargs="?", help="a cnn run folder (default: train one on digits, 3 epochs)")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as scratch:
        run_dir = _run_dir(args.run_dir, Path(scratch))
        pixels = _pixels(run_dir, 64)
        reference = in_process(run_dir, pixels)
        bodies = request_bodies(pixels, "pixels")
        b64_bodies = request_bodies(pixels, "b64")
        path = f"/v1/models/{run_dir.resolve().name}:predict"
        print(f"model: {run_dir} ({pixels.shape[1]}x{pixels.shape[2]} images, {len(bodies[0]):,} bytes a request as a pixel list, "
              f"{len(b64_bodies[0]):,} as base64 PNG); {os.cpu_count()} CPU cores; client and server share them")
        print(f"in-process predict_on_batch: {reference['batch_1']:.0f} calls/s at batch 1, {reference['batch_32']:.0f} examples/s at batch 32")
        print(f"{'server':<30}{'conc.':>6}{'requests':>10}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'vs batch-1':>12}{'vs batch-32':>13}")
        for batching, levels, sent in ((True, LEVELS, bodies), (False, (32,), bodies), (True, (32,), b64_bodies)):
            port = _free_port()
            server = _start_server(run_dir, port, batching)
            try:
                load(port, path, bodies, 50, 4)  # warm-up
                for concurrency in levels:
                    r = load(port, path, sent, args.requests, concurrency)
                    label = ("micro-batching" if batching else "no batching") + (", b64 PNG" if sent is b64_bodies else "")
                    print(f"{label:<30}{concurrency:>6}{r['requests']:>10}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['requests_per_s']:>9.0f}"
                          f"{r['requests_per_s'] / reference['batch_1']:>11.0%} {r['requests_per_s'] / reference['batch_32']:>12.0%}"
                          + (f"  ({r['errors']} errors)" if r["errors"] else ""), flush=True)
            finally:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
