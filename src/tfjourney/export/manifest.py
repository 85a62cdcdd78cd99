"""manifest.json: what an export folder holds and how a client feeds it, with nothing of tfjourney needed.

Files and SHA-256, the input signature (raw CSV columns or 0-255 pixels), what the output
means (class names in output order, or the target and its units), the preprocessing inside
the graph, the verification figures, sizes and latencies, and the versions that produced it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import platform
from importlib import metadata
from pathlib import Path

import keras

from tfjourney.export.graph import input_specs, preprocessing_layers, signature_names
from tfjourney.registry import registration_of_run
from tfjourney.runs import Run

MANIFEST_FILE = "manifest.json"
EXPORTED_BY = "tfjourney export"
_PACKAGES = ("tfjourney", "tensorflow-cpu", "keras", "numpy", "protobuf", "tf2onnx", "onnx", "onnxruntime", "ai-edge-litert")


def versions() -> dict[str, str]:
    import tensorflow as tf

    found = {"python": platform.python_version(), "tensorflow": tf.__version__}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def file_entries(path: Path, root: Path) -> list[dict]:
    """Every file of an export (a SavedModel is a folder) with its size and SHA-256."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return [{"name": str(p.relative_to(root)), "bytes": p.stat().st_size, "sha256": _sha256(p)} for p in files]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_inputs(run: Run, model: keras.Model) -> list[dict]:
    """The signature a client fills, each input said in words."""
    describe = registration_of_run(run.blueprint, run.path).kind_function("describe_input")
    return [{**spec.to_dict(), "exported_name": exported_name, "meaning": describe(run, spec)}
            for spec, exported_name in zip(input_specs(model), signature_names(model))]


def describe_output(run: Run, model: keras.Model) -> dict:
    data = run.record["data"]
    class_names = data.get("class_names") or []
    shape = list(model.outputs[0].shape)
    if not class_names:
        target = data.get("target", "target")
        return {"shape": shape, "target": target, "meaning": f"the predicted {target!r}, in the units of that column in the training data"}
    if shape[-1] == 1:
        meaning = f"probability of class {class_names[1]!r} (sigmoid); below 0.5 means {class_names[0]!r}"
    else:
        meaning = "probability of each class (softmax), in the order of class_names"
    return {"shape": shape, "class_names": class_names, "meaning": meaning}


def build_manifest(run: Run, model: keras.Model, *, removed: list[str], sample: dict, exports: list[dict], skipped: list[dict]) -> dict:
    return {
        "exported_by": EXPORTED_BY,
        "created": _dt.datetime.now().isoformat(timespec="seconds"),
        "run": {"path": str(run.path), "blueprint": run.blueprint, "created": run.record.get("created")},
        "inputs": describe_inputs(run, model),
        "output": describe_output(run, model),
        "preprocessing_inside": preprocessing_layers(model),
        "augmentation_removed": removed,
        "verification_sample": sample,
        "exports": exports,
        "not_exported": skipped,
        "versions": versions(),
    }
