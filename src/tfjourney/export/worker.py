"""Run one exported file in its own runtime, in a fresh process that never imports tfjourney.

Started by `tfjourney.export.verify` as ``python -I worker.py FORMAT MODEL INPUTS.npz OUTPUT.npz``:
it loads MODEL with the runtime a user of that format would use (TensorFlow's SavedModel
loader, the ``ai-edge-litert`` interpreter, ONNX Runtime), predicts on the arrays in
INPUTS.npz (one per model input, keyed by input name), writes the predictions to OUTPUT.npz
and prints one JSON line: latency in ms per example at batch 1 and 32, the runtime's version,
and whether tfjourney was imported (it must not be: a client of the export needs nothing of ours).

This file imports only NumPy and the format's runtime, on purpose.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

import numpy as np

LATENCY_BATCHES = (1, 32)
LATENCY_SECONDS = 0.5  # per batch size, after one warm-up call
LATENCY_MAX_CALLS = 200


def _safe(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]+", "_", name).strip("_").lower()


def _match(arrays: dict[str, np.ndarray], names: list[str]) -> dict[str, np.ndarray]:
    """Runtime input name -> array: exact name, else the same name made tensor-safe, else the only input."""
    if len(arrays) == 1 and len(names) == 1:
        return {names[0]: next(iter(arrays.values()))}
    by_safe = {_safe(k): v for k, v in arrays.items()}
    matched = {}
    for name in names:
        bare = re.sub(r"^serving_default_|:\d+$", "", name)
        for candidate in (name, bare):
            if candidate in arrays:
                matched[name] = arrays[candidate]
                break
            if _safe(candidate) in by_safe:
                matched[name] = by_safe[_safe(candidate)]
                break
        else:
            raise SystemExit(f"the exported model's input {name!r} matches none of {sorted(arrays)}")
    return matched


def _saved_model(path: str):
    import tensorflow as tf

    signature = tf.saved_model.load(path).signatures["serving_default"]
    names = list(signature.structured_input_signature[1])

    def predict(arrays):
        out = signature(**{k: tf.constant(v) for k, v in _match(arrays, names).items()})
        return next(iter(out.values())).numpy()

    return predict, {"tensorflow": tf.__version__}, names


def _tflite(path: str):
    from ai_edge_litert import interpreter as litert

    interp = litert.Interpreter(model_path=path)
    runner = interp.get_signature_runner()
    names = list(runner.get_input_details())

    def predict(arrays):
        out = runner(**_match(arrays, names))
        return next(iter(out.values()))

    import importlib.metadata as md

    return predict, {"ai-edge-litert": md.version("ai-edge-litert")}, names


def _onnx(path: str):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    inputs = session.get_inputs()
    names = [i.name for i in inputs]
    types = {i.name: i.type for i in inputs}

    def predict(arrays):
        feed = _match(arrays, names)
        feed = {k: (v.astype(object) if types[k] == "tensor(string)" else v) for k, v in feed.items()}
        return session.run(None, feed)[0]

    return predict, {"onnxruntime": ort.__version__}, names


LOADERS = {"saved_model": _saved_model, "tflite": _tflite, "onnx": _onnx}


def _batch(arrays: dict[str, np.ndarray], size: int) -> dict[str, np.ndarray]:
    n = len(next(iter(arrays.values())))
    index = np.arange(size) % n
    return {k: v[index] for k, v in arrays.items()}


def _predict_all(predict, arrays: dict[str, np.ndarray], chunk: int = 32) -> np.ndarray:
    n = len(next(iter(arrays.values())))
    parts = [predict({k: v[i : i + chunk] for k, v in arrays.items()}) for i in range(0, n, chunk)]
    return np.concatenate(parts)


def _latency_ms(predict, arrays: dict[str, np.ndarray], size: int) -> float:
    batch = _batch(arrays, size)
    predict(batch)  # warm-up: first calls allocate and trace
    calls, started = 0, time.perf_counter()
    while calls < LATENCY_MAX_CALLS and (calls < 5 or time.perf_counter() - started < LATENCY_SECONDS):
        predict(batch)
        calls += 1
    return (time.perf_counter() - started) / calls / size * 1000


def main(argv: list[str]) -> int:
    fmt, model_path, inputs_path, outputs_path = argv
    with np.load(inputs_path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    predict, versions, names = LOADERS[fmt](model_path)
    predictions = _predict_all(predict, arrays)
    np.save(outputs_path, np.asarray(predictions, dtype="float32"))
    latency = {f"batch_{size}": _latency_ms(predict, arrays, size) for size in LATENCY_BATCHES}
    report = {"latency_ms_per_example": latency, "runtime": versions, "input_names": names, "imported_tfjourney": "tfjourney" in sys.modules}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main(sys.argv[1:]))
