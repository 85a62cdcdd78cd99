"""`tfjourney export`: a run's model as SavedModel, LiteRT and ONNX files, each verified.

Example:
    >>> from tfjourney.export import export_run
    >>> result = export_run("runs/digits", formats=["tflite"], quantize="int8")
    >>> result.manifest["exports"][1]["verification"]["class_agreement"]
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from tfjourney.errors import ConfigError, RunFolderError
from tfjourney.export.graph import inference_model
from tfjourney.export.litert import QUANTIZATIONS, UnsupportedInFormat, write_litert
from tfjourney.export.manifest import EXPORTED_BY, MANIFEST_FILE, build_manifest, file_entries
from tfjourney.export.onnx import write_onnx
from tfjourney.export.samples import Sample, run_samples
from tfjourney.export.saved_model import write_saved_model
from tfjourney.export.verify import VerificationError, verify_export
from tfjourney.registry import registration_of_run
from tfjourney.runs import load_run, write_json

FORMATS = ("saved_model", "tflite", "onnx")
EXPORT_DIR = "export"
TEST_EXAMPLES = 200
CALIBRATION_EXAMPLES = 100


@dataclass
class ExportResult:
    """Where the export went, its manifest, and the formats that could not be written."""

    path: Path
    manifest: dict
    problems: list[str] = field(default_factory=list)  # one line per format that was asked for and failed

    @property
    def written(self) -> list[str]:
        return [e["format"] + ("" if e["quantize"] == "none" else f" ({e['quantize']})") for e in self.manifest["exports"]]


def check_formats(formats: list[str] | None, quantize: str) -> tuple[list[str], bool]:
    """(formats to write, whether the user named them) after checking names and `quantize`."""
    explicit = bool(formats)
    chosen = list(dict.fromkeys(formats)) if formats else list(FORMATS)
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise ConfigError(f"`formats` {', '.join(unknown)} is not a format; choose from {', '.join(FORMATS)}.")
    if quantize not in QUANTIZATIONS:
        raise ConfigError(f"`quantize` {quantize} is not an option; choose one of {', '.join(QUANTIZATIONS)}.")
    if quantize != "none" and "tflite" not in chosen:
        raise ConfigError(f"`quantize` {quantize} applies to the tflite format; add tflite to `formats`.")
    return chosen, explicit


def export_run(
    run_dir: str | Path,
    *,
    formats: list[str] | None = None,
    out: str | Path | None = None,
    quantize: str = "none",
    data: str | Path | None = None,
    overwrite: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ExportResult:
    """Export a run's model to every format it supports (or `formats`), verify each, write manifest.json.

    Args:
        run_dir: a run folder written by `tfjourney train`.
        formats: any of "saved_model", "tflite", "onnx" (default: all the model supports).
        out: the export folder (default: RUN_DIR/export).
        quantize: also write a quantized LiteRT file: "float16", "dynamic" or "int8" (default "none").
        data: the data the run trained on, if it moved since (its test split verifies the exports).
        overwrite: replace a previous export folder; the formats (and quantized files) not asked for this
            time are kept from it when it exported the same run, so adding an int8 file keeps SavedModel and ONNX.
        progress: called with one line per step (the CLI prints them).

    Returns:
        The export folder, its manifest, and one line per explicitly asked format that failed.
    """
    chosen, explicit = check_formats(formats, quantize)
    run = load_run(run_dir)
    target = Path(out) if out else run.path / EXPORT_DIR
    _check_can_write(target, overwrite)
    say = progress or (lambda line: None)
    model = run.load_model()
    exported, removed = inference_model(model)
    test, train = run_samples(run, model, TEST_EXAMPLES, CALIBRATION_EXAMPLES if quantize == "int8" else 1, data)
    expected = _keras_outputs(model, test)
    classification = registration_of_run(run.blueprint, run.path).task == "classification"
    exports, skipped, problems = [], [], []
    jobs = _jobs(chosen, quantize)
    staging = _staging(target)
    try:
        for fmt, variant in jobs:
            say(f"{fmt}{'' if variant == 'none' else f' ({variant})'}: converting ...")
            try:
                entry = _export_one(fmt, variant, exported, staging, test, train, expected, classification)
            except (UnsupportedInFormat, VerificationError) as exc:
                line = f"{fmt}{'' if variant == 'none' else f' `quantize` {variant}'}: not exported: {exc}"
                skipped.append({"format": fmt, "quantize": variant, "reason": str(exc)})
                say(line)
                if explicit:
                    problems.append(line)
                continue
            exports.append(entry)
            say(_summary(entry))
        kept, kept_skipped = _keep_previous(target, staging, run, jobs)
        if kept:
            say(f"kept from the previous export: {', '.join(_label(e) for e in kept)}")
        exports, skipped = _in_order(exports + kept), _in_order(skipped + kept_skipped)
        sample = {"split": "test", "examples": len(test), "source": str(data or run.record["data"].get("source"))}
        manifest = build_manifest(run, exported, removed=removed, sample=sample, exports=exports, skipped=skipped)
        _write_manifests(staging, manifest)
        _move_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _refresh_report(run.path)
    return ExportResult(target, manifest, problems)


def _jobs(chosen: list[str], quantize: str) -> list[tuple[str, str]]:
    jobs = [(fmt, "none") for fmt in chosen]
    if quantize != "none":
        jobs.insert(chosen.index("tflite") + 1, ("tflite", quantize))
    return jobs


def _label(entry: dict) -> str:
    return entry["format"] + ("" if entry["quantize"] == "none" else f" ({entry['quantize']})")


def _in_order(entries: list[dict]) -> list[dict]:
    """Entries by format (FORMATS' order), the plain file before quantized ones."""
    order = ("none", *QUANTIZATIONS)
    return sorted(entries, key=lambda e: (FORMATS.index(e["format"]), order.index(e["quantize"]) if e["quantize"] in order else len(order)))


def _keep_previous(target: Path, staging: Path, run, jobs: list[tuple[str, str]]) -> tuple[list[dict], list[dict]]:
    """The previous export's entries this export does not redo, their files copied into `staging`: only when it
    exported the same training run (the same `created`), since another model's files would no longer match it."""
    if not is_export_folder(target):
        return [], []
    previous = json.loads((target / MANIFEST_FILE).read_text())
    if previous.get("run", {}).get("created") != run.record.get("created"):
        return [], []
    redone = set(jobs)
    kept = []
    for entry in previous.get("exports", []):
        source = target / entry["path"]
        if (entry["format"], entry["quantize"]) in redone or not source.exists():
            continue
        destination = staging / entry["path"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, destination) if source.is_dir() else shutil.copy2(source, destination)
        kept.append(entry)
    kept_keys = {(e["format"], e["quantize"]) for e in kept}
    skipped = [e for e in previous.get("not_exported", []) if (e["format"], e["quantize"]) not in redone | kept_keys]
    return kept, skipped


def _keras_outputs(model: keras.Model, sample: Sample) -> np.ndarray:
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(_model_feed(model, sample)).batch(256)
    return model.predict(dataset, verbose=0)


def _model_feed(model: keras.Model, sample: Sample):
    """Sample inputs in the structure model.keras was built with (a dict keyed by column, or one array)."""
    structure = model.input
    if isinstance(structure, dict):
        return {column: sample.inputs[tensor.name] for column, tensor in structure.items()}
    return sample.inputs[model.inputs[0].name]


def _export_one(fmt, variant, model, staging: Path, test: Sample, train: Sample, expected, classification: bool) -> dict:
    folder = staging / fmt
    folder.mkdir(exist_ok=True)
    if fmt == "saved_model":
        path = write_saved_model(model, folder / "saved_model")
    elif fmt == "tflite":
        name = "model.tflite" if variant == "none" else f"model_{variant}.tflite"
        path = write_litert(model, folder / name, quantize=variant, representative=train.inputs)
    else:
        written = staging / "saved_model" / "saved_model"
        path = write_onnx(model, folder / "model.onnx", saved_model=written if written.is_dir() else None)
    try:
        verification = verify_export(fmt, path, test, expected, classification=classification, quantized=variant != "none")
        if not verification.passed:
            raise VerificationError(_failure(fmt, variant, verification))
        if verification.imported_tfjourney:
            raise VerificationError(f"{fmt} file needed tfjourney to run; it must stand alone")
    except BaseException:
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        raise
    files = file_entries(path, staging)
    return {
        "format": fmt,
        "quantize": variant,
        "path": str(path.relative_to(staging)),
        "files": files,
        "size_bytes": sum(f["bytes"] for f in files),
        "input_names": verification.input_names,
        "verification": {k: v for k, v in verification.to_dict().items() if k not in ("latency_ms_per_example", "runtime", "input_names")},
        "latency_ms_per_example": verification.latency_ms_per_example,
        "runtime": verification.runtime,
    }


def _failure(fmt: str, variant: str, verification) -> str:
    agreement = "" if verification.class_agreement is None else f", class agreement {verification.class_agreement:.1%}"
    hint = "; try `quantize` float16 or dynamic" if variant == "int8" else ("; try `quantize` float16" if variant == "dynamic" else "")
    return (
        f"{fmt} output differs from model.keras beyond the rule ({verification.rule}): max difference {verification.max_abs_diff:.3g}"
        f"{agreement}, {verification.metric} {verification.export_metric:.4g} vs {verification.keras_metric:.4g}{hint}"
    )


def _summary(entry: dict) -> str:
    v, lat = entry["verification"], entry["latency_ms_per_example"]
    agreement = "" if v["class_agreement"] is None else f", class agreement {v['class_agreement']:.1%}"
    return (
        f"{entry['path']}: verified on {v['examples']} test examples, max difference {v['max_abs_diff']:.2g}{agreement}, "
        f"{v['metric']} {v['export_metric']:.4g} (model.keras {v['keras_metric']:.4g}); {entry['size_bytes'] / 1e6:.2f} MB; "
        f"{lat['batch_1']:.3f} ms/example at batch 1, {lat['batch_32']:.3f} at batch 32"
    )


def _check_can_write(target: Path, overwrite: bool) -> None:
    if not target.exists():
        return
    if not is_export_folder(target):
        raise RunFolderError(f"{target} exists and is not a tfjourney export; choose another `out`.")
    if not overwrite:
        raise RunFolderError(f"{target} already holds an export; pass `overwrite` to replace it, or choose another `out`.")


def is_export_folder(path: Path) -> bool:
    manifest = Path(path) / MANIFEST_FILE
    try:
        return json.loads(manifest.read_text()).get("exported_by") == EXPORTED_BY
    except (OSError, ValueError, AttributeError):
        return False


def _staging(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        return Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    except OSError as exc:
        raise RunFolderError(f"cannot write the export folder {target} ({exc.strerror or exc}); choose another `out`.") from None


def _write_manifests(staging: Path, manifest: dict) -> None:
    """One manifest for the whole export, and one per format folder so each ships on its own."""
    write_json(staging / MANIFEST_FILE, manifest)
    for fmt in {e["format"] for e in manifest["exports"]}:
        own = {**manifest, "exports": [e for e in manifest["exports"] if e["format"] == fmt], "not_exported": []}
        own["exports"] = [{**e, "path": str(Path(e["path"]).relative_to(fmt))} for e in own["exports"]]
        write_json(staging / fmt / MANIFEST_FILE, own)
    for folder in staging.iterdir():
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _move_into_place(staging: Path, target: Path) -> None:
    os.chmod(staging, 0o755)
    if target.exists():
        trash = target.with_name(f".{target.name}.replaced-{os.getpid()}")
        target.rename(trash)
        staging.rename(target)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        staging.rename(target)


def _refresh_report(run_dir: Path) -> None:
    """The run's report shows the export section once there is one."""
    from tfjourney.reports import write_report

    write_report(run_dir)
