"""The report's "view model": plain dicts built from a run folder's files, which the template lays out.

Example:
    >>> report_view("runs/circles")["headline"]          # doctest: +SKIP
    'accuracy 97.5% (most common class 50.0%)'
"""

from __future__ import annotations

import csv
import json
import math
import re
import shlex
from pathlib import Path

from PIL import Image

from tfjourney.blueprints import get_blueprint
from tfjourney.errors import TfjourneyError
from tfjourney.reports.embedding import embed_png
from tfjourney.reports.formatting import (
    config_json,
    format_metric,
    format_number,
    format_seconds,
    lower_is_better,
    metric_hint,
    metric_label,
    plain_value,
)
from tfjourney.registry import registration_for
from tfjourney.reports.headline import headline, run_task
from tfjourney.tasks import Task
from tfjourney.runs import CLASSES_FILE, HISTORY_FILE, MODEL_FILE, finished_name, load_run


_PHASE_LABELS = {
    "find_lr_seconds": "Learning-rate finder",
    "train_seconds": "Training",
    "evaluate_seconds": "Evaluation",
    "embed_seconds": "Embedding images (frozen backbone)",
    "head_seconds": "Training the head (feature extraction)",
    "fine_tune_seconds": "Fine-tuning",
    "phase1_seconds": "Feature extraction in total",
    "load_seconds": "Loading data",
}
# Figures placed in a named section: file -> (section, caption). Everything else goes to "Other figures".
_PLACED = {
    "loss.png": ("curves", "Training (blue) and validation (orange) curves. Validation rising while training falls means overfitting."),
    "lr_finder.png": ("curves", "Learning-rate finder: loss while the learning rate grows each batch. The suggestion sits where loss falls fastest."),
    "compare_histories.png": ("curves", "All phases as one curve: feature extraction, then each fine-tuning stage from its dashed line."),
    "predicted_vs_actual.png": ("results", "Left: each test row's prediction against its true value (on the diagonal is perfect). Right: residuals — a pattern here means the model misses something systematic."),
    "confusion_matrix.png": ("results", "Rows are the true class, columns the prediction; the diagonal is correct."),
    "roc_curve.png": ("results", "True vs false positive rate over every threshold; the further into the top-left, the better."),
    "decision_boundary.png": ("results", "What the model predicts over the whole feature plane, with the test points on top."),
    "predictions.png": ("results", "Test images with their prediction; the most confident mistakes come first."),
    "baselines.png": ("results", "Test MASE of the network and of the forecasts it must beat, on exactly the same test points. MASE divides by the "
                                 "naive forecast's in-sample one-step MAE on the training part (Hyndman), so the naive forecast's own test MASE is "
                                 "not 1: the course divided by the naive MAE on the test part instead, which hides how hard the test part is."),
    "series.png": ("results", "The whole series; the shaded parts are validation (orange) and test (red). The split is by time: no target is in two parts."),
    "forecasts.png": ("results", "Test part: each one-step forecast against the actual value, with the 80% and 95% intervals (calibrated on the validation part)."),
    "errors.png": ("results", "Absolute error over the test part, the network's against the naive forecast's: where the network helps, and where it does not."),
    "most_wrong.png": ("results", "The most confident wrong test predictions (all of them in most_wrong.csv): where the model is sure and mistaken, the labels are often debatable."),
    "embedding.png": ("results", "The learned word vectors on their first two principal components, the most frequent words named; vectors.tsv + metadata.tsv load into projector.tensorflow.org."),
    "augmentation.png": ("results", "What data augmentation does to training images (each epoch sees a new random variant)."),
}



# ----------------------------------------------------------------------------- reading the folder
def read_history(run_dir: Path) -> dict[str, list[float]] | None:
    """history.csv as column -> values (None when the file is missing or unreadable)."""
    path = Path(run_dir) / HISTORY_FILE
    if not path.is_file():
        return None
    try:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, csv.Error, UnicodeDecodeError):
        return None
    columns: dict[str, list[float]] = {}
    for row in rows:
        for key, value in row.items():
            if key is None:
                continue
            try:
                columns.setdefault(key, []).append(float(value))
            except (TypeError, ValueError):
                columns.setdefault(key, []).append(float("nan"))
    return columns


def _class_names(run_dir: Path, record: dict) -> list[str]:
    names = record.get("data", {}).get("class_names") or []
    path = run_dir / CLASSES_FILE
    if not names and path.is_file():
        try:
            loaded = json.loads(path.read_text())
        except json.JSONDecodeError:
            return []
        names = loaded  # write_classes stores a plain list of names
    return [str(n) for n in names] if isinstance(names, list) else []


def run_kind(record: dict) -> str:
    """The report's results section: "regression", "classification", "forecast" (the task's) or "image" (the kind's).

    The run's blueprint registration says (`report_section`); a run of a blueprint this
    tfjourney does not know is read from its data.
    """
    registration = registration_for(record.get("blueprint", ""))
    if registration is not None:
        return registration.report_section
    data = record.get("data", {})
    if "counts" in data:
        return "image"
    return "regression" if data.get("task") == "regression" else "classification"


def dataset_name(record: dict) -> str:
    """"diabetes" for "embedded:diabetes", the file or folder name for a path."""
    source = str(record.get("data", {}).get("source", "?"))
    return re.split(r"[:/\\]", source.rstrip("/\\"))[-1] or source


# ----------------------------------------------------------------------------- view model pieces
def _tiles(task: Task | None, metrics: dict) -> dict:
    """The task's primary metric with its baselines as bars, and every other scalar metric as a tile."""
    primary_name = task.primary if task is not None and task.primary_value(metrics) is not None else None
    primary = _primary_tile(task, metrics) if primary_name else None
    shown = {primary_name, *task.baselines} if primary_name else set()
    others = [
        {"name": name, "label": metric_label(name), "value": format_metric(name, value), "hint": metric_hint(name)}
        for name, value in metrics.items()
        if name not in shown and isinstance(value, (int, float)) and not isinstance(value, bool)
    ]
    return {"primary": primary, "others": others}


def _primary_tile(task: Task, metrics: dict) -> dict:
    name = task.primary
    ours = float(metrics[name])
    lower = task.lower_is_better
    entries = [("this model", ours, True)] + [
        (metric_label(key).lower() if key != "phase1_accuracy" else "feature extraction only", float(metrics[key]), False)
        for key in task.baselines
        if isinstance(metrics.get(key), (int, float))
    ]
    top = max((abs(v) for _, v, _ in entries), default=1.0) or 1.0
    baselines = [v for _, v, is_ours in entries if not is_ours]
    beats = all((ours <= v) if lower else (ours >= v) for v in baselines)
    rows = [
        {"name": label, "value": format_metric(name, v), "width": max(2.0, 100 * abs(v) / top), "ours": is_ours}
        for label, v, is_ours in entries
    ]
    return {
        "label": metric_label(name),
        "value": format_metric(name, ours),
        "hint": metric_hint(name),
        "rows": rows,
        "beats": beats if baselines else None,
        "direction": "shorter bar is better" if lower else "longer bar is better",
    }


def _blueprint_view(record: dict) -> dict:
    """The hyperparameter table actually used; a plain config table for blueprints we do not know."""
    config = record.get("config", {}) or {}
    try:
        blueprint = get_blueprint(record.get("blueprint", ""))
    except (TfjourneyError, KeyError, ValueError):
        return {"known": False, "title": str(record.get("blueprint", "unknown")), "config": _config_rows(config)}
    rows = blueprint.table_rows(config)
    return {
        "known": True,
        "title": blueprint.title,
        "summary": blueprint.summary,
        "rows": rows,
        "changed": sum(1 for r in rows if r["changed"]),
    }


def _config_rows(config: dict) -> list[dict]:
    return [{"key": key, "value": plain_value(value)} for key, value in config.items()]


def _model_view(record: dict) -> dict | None:
    """Layer table plus totals; long tables (tabular preprocessing) show weighted layers first."""
    model = record.get("model")
    if not model:
        return None
    layers = [
        {
            **layer,
            "params_text": format_number(layer.get("params", 0)),
            "frozen": bool(layer.get("frozen_params", 0)) or (not layer.get("trainable", True) and layer.get("params", 0) > 0),
        }
        for layer in model.get("layers", [])
    ]
    weighted = [layer for layer in layers if layer.get("params", 0) > 0]
    return {
        "name": model.get("name", ""),
        "total": format_number(model.get("params", sum(layer.get("params", 0) for layer in layers))),
        "trainable": format_number(model.get("trainable_params", 0)),
        "frozen": format_number(model.get("frozen_params", 0)),
        "has_frozen": bool(model.get("frozen_params", 0)),
        "layers": layers,
        "weighted": weighted,
        "collapse": len(layers) > 20 and 0 < len(weighted) < len(layers),
    }


def _split_table(counts: dict) -> dict:
    """split -> class -> n as rows of classes with one cell (n, share, bar) per split."""
    splits = list(counts)
    classes: list[str] = []
    for per_class in counts.values():
        classes += [c for c in per_class if c not in classes]
    totals = {s: sum(counts[s].values()) or 1 for s in splits}
    rows = [
        {
            "name": c,
            "cells": [
                {"n": format_number(counts[s].get(c, 0)), "share": f"{counts[s].get(c, 0) / totals[s]:.0%}",
                 "width": 100 * counts[s].get(c, 0) / max(counts[s].values() or [1])}
                for s in splits
            ],
        }
        for c in classes
    ]
    return {"splits": splits, "rows": rows, "totals": [format_number(sum(counts[s].values())) for s in splits]}


def _rows_view(rows: dict) -> list[dict]:
    total = sum(v for v in rows.values() if isinstance(v, (int, float))) or 1
    return [{"split": s, "n": format_number(n), "share": f"{n / total:.0%}", "width": 100 * n / total} for s, n in rows.items()]


def _data_view(record: dict, class_names: list[str]) -> dict:
    """Source, splits, class balance, columns and notes: what the model learned from."""
    data = record.get("data", {}) or {}
    fingerprint = str(data.get("fingerprint", ""))
    counts = data.get("counts") or {}
    rows = data.get("rows") or ({s: sum(c.values()) for s, c in counts.items()} if counts else {})
    balance = data.get("class_balance") or counts
    return {
        "source": data.get("source", "unknown"),
        "fingerprint": fingerprint,
        "fingerprint_short": fingerprint[:19] + "…" if len(fingerprint) > 20 else fingerprint,
        "target": data.get("target"),
        "task": data.get("task") or (record.get("config") or {}).get("task"),
        "class_names": class_names,
        "unit": "images" if counts else "rows",
        "rows": _rows_view(rows) if rows else [],
        "balance": _split_table(balance) if balance else None,
        "columns": data.get("columns") or [],
        "notes": [str(n) for n in data.get("notes") or []],
        "skipped": [str(s) for s in data.get("skipped") or []],
        "image_size": data.get("image_size"),
    }


def _per_class(metrics: dict) -> list[dict]:
    per_class = metrics.get("per_class") or {}
    rows = []
    for name, values in per_class.items():
        if not isinstance(values, dict):
            continue
        f1 = values.get("f1")
        rows.append(
            {
                "name": name,
                "precision": format_metric("precision", values.get("precision")),
                "recall": format_metric("recall", values.get("recall")),
                "f1": format_metric("f1", f1),
                "f1_width": 100 * f1 if isinstance(f1, (int, float)) else 0,
                "f1_bad": isinstance(f1, (int, float)) and f1 < 0.5,
                "support": format_number(values.get("support")),
            }
        )
    return rows


def _history_view(history: dict[str, list[float]] | None) -> list[dict]:
    """Per metric: final training value, final validation value, best validation value and its epoch."""
    if not history:
        return []
    names = [k for k in history if not k.startswith("val_") and k not in ("epoch", "learning_rate", "lr")]
    rows = []
    for name in names:
        train, val = history.get(name, []), history.get(f"val_{name}", [])
        finite = [(v, i) for i, v in enumerate(val) if math.isfinite(v)]
        sign = 1 if lower_is_better(name) else -1
        best = min(finite, key=lambda item: (sign * item[0], item[1])) if finite else None
        rows.append(
            {
                "name": name,
                "train": format_metric(name, train[-1]) if train else "–",
                "val": format_metric(name, val[-1]) if val else "–",
                "best": format_metric(name, best[0]) if best else "–",
                "best_epoch": best[1] + 1 if best else "–",
            }
        )
    return rows


def _figure(run_dir: Path, name: str, caption: str, wide: bool = False) -> dict:
    path = run_dir / "plots" / name
    return {"file": f"plots/{name}", "title": name[:-4].replace("_", " ").capitalize(), "src": embed_png(path), "caption": caption,
            "wide": wide}


_WIDE_FIGURES = ("loss.png", "predicted_vs_actual.png", "predictions.png", "compare_histories.png", "most_wrong.png", "embedding.png",
                 "series.png", "forecasts.png", "errors.png")


def _is_large(path: Path, min_width: int = 800) -> bool:
    """A figure drawn wide (e.g. a 10-class confusion matrix) needs the full width to stay legible."""
    with Image.open(path) as image:
        return image.width >= min_width


def _figures(run_dir: Path) -> dict[str, list[dict]]:
    """Every PNG in plots/, placed in its section; unknown ones go to "other" so nothing is lost."""
    plots_dir = run_dir / "plots"
    present = sorted(p.name for p in plots_dir.glob("*.png")) if plots_dir.is_dir() else []
    sections: dict[str, list[dict]] = {"curves": [], "results": [], "other": []}
    for name, (section, caption) in _PLACED.items():
        if name in present:
            wide = name in _WIDE_FIGURES or _is_large(plots_dir / name)
            sections[section].append(_figure(run_dir, name, caption, wide))
    for name in present:
        if name not in _PLACED:
            sections["other"].append(_figure(run_dir, name, "", False))
    return sections


def _expected_plots(kind: str, record: dict) -> list[str]:
    """The figures a complete run of this kind always has (others are optional)."""
    expected = ["loss.png"]
    task = (record.get("data") or {}).get("task") or (record.get("config") or {}).get("task")
    if kind == "regression":
        expected.append("predicted_vs_actual.png")
    elif kind == "forecast":
        expected += ["series.png", "forecasts.png", "errors.png", "baselines.png"]
    elif kind == "classification":
        expected.append("confusion_matrix.png")
        if task == "binary":
            expected.append("roc_curve.png")
    else:
        expected.append("predictions.png")
    if record.get("lr_finder"):
        expected.append("lr_finder.png")
    return expected


def _missing_notices(run_dir: Path, kind: str, record: dict) -> list[str]:
    """One sentence per missing piece, saying what no longer works and how to get it back."""
    notices = []
    if not (run_dir / MODEL_FILE).is_file():
        notices.append(f"{MODEL_FILE} is missing: predict and explain will not work; re-run training to recreate it.")
    if not (run_dir / HISTORY_FILE).is_file():
        notices.append(f"{HISTORY_FILE} is missing: the epoch-by-epoch table is not available (the loss plot, if present, still is).")
    for name in _expected_plots(kind, record):
        if not (run_dir / "plots" / name).is_file():
            notices.append(f"plots/{name} is missing: that figure cannot be shown; re-run training to recreate it.")
    return notices



def _reproduce_view(record: dict) -> dict:
    """Everything needed to run it again and to know what it cost."""
    command = record.get("command") or []
    timings = record.get("timings") or {}
    phases = [
        {"name": _PHASE_LABELS.get(key, key.removesuffix("_seconds").replace("_", " ").capitalize()), "value": format_seconds(value)}
        for key, value in timings.items()
        if key.endswith("_seconds") and isinstance(value, (int, float))
    ]
    total = sum(v for k, v in timings.items() if k.endswith("_seconds") and isinstance(v, (int, float)))
    tokens = [str(c) for c in command] if isinstance(command, list) else str(command).split()
    has_out = any(t == "--out" or t.startswith("--out=") for t in tokens) and "--overwrite" not in tokens
    return {
        "has_out": has_out,
        "command": shlex.join(str(c) for c in command) if isinstance(command, list) else str(command),
        "seed": record.get("seed"),
        "created": str(record.get("created", "")).replace("T", " "),
        "config_json": config_json(record.get("config") or {}),
        "versions": record.get("versions") or {},
        "phases": phases,
        "total": format_seconds(total) if phases else None,
    }


_TRAINING_LABELS = {
    "epochs_run": ("Epochs run", ""),
    "best_epoch": ("Best epoch (weights restored)", ""),
    "phase1_epochs": ("Feature-extraction epochs", "backbone frozen, only the new head learns"),
    "fine_tune_start_epoch": ("Fine-tuning from epoch", "epochs counted from 1, as on the plots"),
    "fine_tune_kept": ("Fine-tuning kept", "kept only if it beat feature extraction's best validation loss; "
                                           "otherwise the phase-1 weights were restored"),
}
_BATCHNORM_NOTE = "BatchNormalization layers among them stay frozen"


def _unfrozen_tile(training: dict) -> dict | None:
    """"13 of the top 20 layers": how many layers fine-tuning really unfroze, and why that can be fewer than asked."""
    trainable = training.get("fine_tune_trainable_layers")
    requested = training.get("fine_tune_layers_requested")
    if trainable is None and requested is None:
        return None
    if trainable is not None and requested is not None:
        return {"name": "Unfrozen for fine-tuning", "value": f"{plain_value(trainable)} of {plain_value(requested)}",
                "hint": f"{plain_value(trainable)} of the top {plain_value(requested)} layers learn; {_BATCHNORM_NOTE}"}
    if trainable is not None:
        return {"name": "Unfrozen for fine-tuning", "value": plain_value(trainable),
                "hint": f"layers that learn in the backbone's top; {_BATCHNORM_NOTE}"}
    return {"name": "Fine-tune layers requested", "value": plain_value(requested), "hint": f"top backbone layers; {_BATCHNORM_NOTE}"}


def _training_view(record: dict) -> list[dict]:
    """Epochs run, best epoch and anything else the pipeline recorded about training, with readable labels."""
    training = record.get("training") or {}
    items = []
    unfrozen_done = False
    for key, value in training.items():
        if key == "stages" or value is None:  # stages: their own table (`_stages_view`); None: not recorded (a run never resumed)
            continue
        if key in ("fine_tune_trainable_layers", "fine_tune_layers_requested"):
            if not unfrozen_done:
                tile = _unfrozen_tile(training)
                if tile:
                    items.append(tile)
                unfrozen_done = True
            continue
        name, hint = _TRAINING_LABELS.get(key, (key.replace("_", " ").capitalize(), ""))
        items.append({"name": name, "value": plain_value(value), "hint": hint})
    lr = record.get("lr_finder") or {}
    if "suggested" in lr:
        items.append({"name": "Learning rate suggested by the finder", "value": f"{lr['suggested']:.3g}", "hint": ""})
    return items


def _stages_view(record: dict) -> list[dict]:
    """One row per fine-tuning stage: layers unfrozen, learning rates, epochs, best validation loss, kept or rolled back."""
    rows = []
    for stage in (record.get("training") or {}).get("stages") or []:
        start, run = stage.get("start_epoch"), stage.get("epochs_run")
        rows.append({
            "stage": plain_value(stage.get("stage")),
            "layers": f"top {plain_value(stage.get('layers'))} ({plain_value(stage.get('trainable_layers'))} learn)",
            "learning_rates": " / ".join(f"{rate:.2g}" for rate in stage.get("learning_rates") or []),
            "epochs": f"{start}-{start + run - 1}" if isinstance(start, int) and isinstance(run, int) and run > 0 else "-",
            "best_val_loss": format_number(stage.get("best_val_loss")),
            "kept": "kept" if stage.get("kept") else "rolled back",
            "seconds": format_seconds(stage["seconds"]) if isinstance(stage.get("seconds"), (int, float)) else "-",
        })
    return rows


EXPORT_MANIFEST = ("export", "manifest.json")


def _export_view(run_dir: Path) -> dict | None:
    """`tfjourney export`'s figures per file, read from RUN_DIR/export/manifest.json when there is one."""
    path = run_dir.joinpath(*EXPORT_MANIFEST)
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    rows, runtimes = [], {}
    for entry in manifest.get("exports", []):
        check, latency = entry["verification"], entry["latency_ms_per_example"]
        agreement = check.get("class_agreement")
        rows.append({
            "format": entry["format"] + ("" if entry["quantize"] == "none" else f" ({entry['quantize']})"),
            "file": entry["path"],
            "size": f"{entry['size_bytes'] / 1e6:.2f} MB",
            "max_diff": f"{check['max_abs_diff']:.2g}",
            "agreement": "" if agreement is None else f"{agreement:.1%}",
            "metric": f"{format_metric(check['metric'], check['export_metric'])} ({format_metric(check['metric'], check['keras_metric'])})",
            "batch_1": f"{latency['batch_1']:.3f}",
            "batch_32": f"{latency['batch_32']:.3f}",
        })
        runtimes.update(entry.get("runtime", {}))
    skipped = [f"{s['format']}{'' if s['quantize'] == 'none' else ' (' + s['quantize'] + ')'}: {s['reason']}" for s in manifest.get("not_exported", [])]
    sample = manifest.get("verification_sample", {})
    metric = next((e["verification"]["metric"] for e in manifest.get("exports", [])), "")
    return {"rows": rows, "skipped": skipped, "examples": sample.get("examples"), "created": manifest.get("created", "").replace("T", " "),
            "removed": manifest.get("augmentation_removed", []), "metric": metric_label(metric) if metric else "",
            "runtimes": ", ".join(f"{k} {v}" for k, v in runtimes.items())}


def _sections(view: dict) -> list[tuple[str, str]]:
    """The nav: only sections that have something to show."""
    items = [("summary", "Summary"), ("blueprint", "Blueprint"), ("model", "Model"), ("data", "Data"), ("curves", "Training")]
    if view["figures"]["results"] or view["per_class"]:
        items.append(("results", "Results"))
    if view["figures"]["other"]:
        items.append(("other", "Other figures"))
    if view.get("export"):
        items.append(("export", "Export"))
    items.append(("reproduce", "Reproduce"))
    return [(anchor, label) for anchor, label in items if anchor != "model" or view["model"]]


def report_view(run_dir: Path | str) -> dict:
    """Everything report.html shows, as plain data; raises RunFolderError if it is not a run folder."""
    run = load_run(run_dir)
    run_dir, record, metrics = run.path, run.record, run.metrics
    kind = run_kind(record)
    class_names = _class_names(run_dir, record)
    view = {
        "name": finished_name(run_dir),  # also while the pipeline still writes into the staging folder
        "kind": kind,
        "blueprint_name": record.get("blueprint", "?"),
        "dataset": dataset_name(record),
        "headline": headline(record.get("blueprint", ""), metrics),
        "tiles": _tiles(run_task(record.get("blueprint", ""), metrics), metrics),
        "notices": _missing_notices(run_dir, kind, record),
        "blueprint": _blueprint_view(record),
        "model": _model_view(record),
        "data": _data_view(record, class_names),
        "history": _history_view(read_history(run_dir)),
        "training": _training_view(record),
        "stages": _stages_view(record),
        "figures": _figures(run_dir),
        "per_class": _per_class(metrics),
        "reproduce": _reproduce_view(record),
        "export": _export_view(run_dir),
    }
    view["sections"] = _sections(view)
    return view
