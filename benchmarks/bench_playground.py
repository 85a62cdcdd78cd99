"""Playground updates per second for a 2-feature 2x8 network (the issue's bar: >= 10 on 2 cores).

Usage: python benchmarks/bench_playground.py [--seconds S]

Three ways to produce one update (one epoch of mini-batch SGD on 250 circle points, batch 10,
then the train/test losses and every neuron on the 50x50 heatmap grid), measured side by side:

* session: `PlaygroundSession.step()`, what the studio runs (one compiled tf.function per epoch);
* stream: the studio's server-sent events over HTTP on 127.0.0.1 (paced to at most 30 a second);
* naive: `model.fit(epochs=1)` + `model.evaluate` x2 + `model.predict` on the grid, per update.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import threading
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tfjourney  # noqa: E402,F401
import httpx  # noqa: E402
import keras  # noqa: E402

from tfjourney.playground.session import PlaygroundSession, domain_grid, playground_settings  # noqa: E402

SETTINGS = dict(dataset="circle", features=["x1", "x2"], hidden=[8, 8])


def _rate(step, seconds: float) -> float:
    step()  # warm-up: tracing and first allocations are not what a user waits for on every frame
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        step()
        count += 1
    return count / (time.perf_counter() - started)


def session_rate(seconds: float) -> float:
    session = PlaygroundSession(playground_settings(**SETTINGS))
    return _rate(session.step, seconds)


def naive_rate(seconds: float) -> float:
    session = PlaygroundSession(playground_settings(**SETTINGS))
    model, data = session.model, session.data
    model.compile(optimizer=keras.optimizers.SGD(0.03), loss="binary_crossentropy")
    inputs = lambda x: {"x1": x[:, :1], "x2": x[:, 1:]}  # noqa: E731
    grid = domain_grid()

    def step():
        model.fit(inputs(data.x_train), data.y_train, batch_size=10, epochs=1, verbose=0)
        model.evaluate(inputs(data.x_train), data.y_train, verbose=0)
        model.evaluate(inputs(data.x_test), data.y_test, verbose=0)
        model.predict(inputs(grid), verbose=0, batch_size=2500)

    return _rate(step, seconds)


def stream_rate(seconds: float) -> float:
    import uvicorn

    from tfjourney.studio.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as runs:
        server = uvicorn.Server(uvicorn.Config(create_app(runs_dir=runs), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            base = f"http://127.0.0.1:{port}/api/playground"
            with httpx.Client(timeout=30) as client:
                session = client.post(f"{base}/sessions", json=SETTINGS).json()["id"]
                client.post(f"{base}/sessions/{session}/step")  # warm-up
                count, started = 0, None
                with client.stream("GET", f"{base}/sessions/{session}/stream") as events:
                    for line in events.iter_lines():
                        if not line.startswith("data:"):
                            continue
                        json.loads(line[5:])
                        if started is None:
                            started = time.perf_counter()
                            continue
                        count += 1
                        if time.perf_counter() - started >= seconds:
                            break
                return count / (time.perf_counter() - started)
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print(f"2-feature 2x8 network, {os.cpu_count()} CPUs, {args.seconds:g} s each")
    session, naive, stream = session_rate(args.seconds), naive_rate(args.seconds), stream_rate(args.seconds)
    print(f"session.step():          {session:6.1f} updates/s")
    print(f"SSE stream over HTTP:    {stream:6.1f} updates/s (paced to <= 30/s)")
    print(f"naive fit+evaluate+predict: {naive:6.1f} updates/s")
    print(f"session / naive: {session / naive:.1f}x; stream >= 10/s: {'yes' if stream >= 10 else 'NO'}")


if __name__ == "__main__":
    main()
