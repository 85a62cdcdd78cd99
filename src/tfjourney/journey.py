"""The learning journey in one command: every blueprint on data that needs no network.

Regression -> binary classification -> multiclass classification -> CNN -> transfer
learning (feature extraction, then fine-tuning), each a normal run folder, tied together
by an `index.html` with one card per step.
"""

from __future__ import annotations

import datetime as _dt
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tfjourney.blueprints import DEFAULT_SEED
from tfjourney.errors import DataError, RunFolderError, TfjourneyError
from tfjourney.registry import get_registration


INDEX_FILE = "index.html"


@dataclass(frozen=True)
class Step:
    """One stop on the journey: which pipeline, on which data, with which settings (full / quick)."""

    title: str
    blueprint: str
    dataset: str
    lesson: str
    full: dict = field(default_factory=dict)
    quick: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """The kind of input the step's blueprint reads: `--images` replaces the data of the "images" steps."""
        return get_registration(self.blueprint).kind


STEPS: tuple[Step, ...] = (
    Step("Regression", "regression", "diabetes", "Predict a number: disease progression from 10 measurements.",
         quick={"epochs": 60}),
    Step("Binary classification", "classification", "circles", "Two classes that no straight line separates: the course's circles.",
         quick={"epochs": 60}),
    Step("Multiclass classification", "classification", "wine", "Three wine cultivars from 13 chemical measurements; softmax output.",
         quick={"epochs": 60}),
    Step("Convolutional neural network", "cnn", "digits", "A Tiny VGG (32 filters) learns handwritten digits from raw pixels.",
         quick={"epochs": 6}),
    Step("Transfer learning", "transfer", "shapes",
         "A pretrained EfficientNet-Lite0: train a new head on frozen features, then fine-tune the top layers.",
         full={"backbone": "efficientnet_lite0", "fine_tune_layers": 20, "epochs": 10},  # the small, fast backbone (224 px)
         quick={"image_size": 96, "epochs": 10, "fine_tune_layers": 10, "fine_tune_epochs": 2}),
)


def equivalent_command(step: Step, dataset: str, run_dir: Path, seed: int, settings: dict) -> list[str]:
    """The `tfjourney train ...` line that reproduces this step on its own (for the run's report)."""
    command = ["tfjourney", "train", step.blueprint, dataset, "--out", str(run_dir), "--seed", str(seed)]
    for key, value in settings.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    return command


def default_journey_dir(root: Path | str = "journey") -> Path:
    return Path(root) / _dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def run_journey(
    out: Path | str | None = None,
    quick: bool = False,
    images: Path | str | None = None,
    overwrite: bool = False,
    seed: int = DEFAULT_SEED,
    print_fn: Callable[[str], None] = print,
) -> Path:
    """Run every step, print a progress line each, and write `out/index.html`; returns its path."""
    from tfjourney.reports import render_index
    from tfjourney.reports.report import written_by_tfjourney

    if images is not None and not Path(images).is_dir():
        raise DataError(f"`images` {images} is not a folder; pass a folder of class sub-folders (or leave `images` out).")
    out = Path(out) if out else default_journey_dir()
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise RunFolderError(f"{out} already exists; pass `overwrite` to replace its runs, or choose another `out`.")
    if (out / INDEX_FILE).exists() and not written_by_tfjourney(out / INDEX_FILE):
        raise RunFolderError(f"{out / INDEX_FILE} exists and was not written by tfjourney; choose another `out`.")
    out.mkdir(parents=True, exist_ok=True)
    cards = []
    for number, step in enumerate(STEPS, start=1):
        dataset = str(images) if (images and step.kind == "images") else step.dataset
        cards.append(_run_step(step, dataset, out, quick, overwrite, seed, f"[{number}/{len(STEPS)}]", print_fn))
    index = render_index(cards, out / INDEX_FILE)
    failed = [c["step"] for c in cards if c["status"] != "ok"]
    if failed:
        raise TfjourneyError(f"journey finished with failed step(s): {', '.join(failed)}; see {index} for the errors.")
    return index


def _run_step(step: Step, dataset: str, out: Path, quick: bool, overwrite: bool, seed: int, counter: str, print_fn) -> dict:
    run_dir = out / "runs" / step.title.lower().replace(" ", "_")
    settings = {**step.full, **(step.quick if quick else {})}
    print_fn(f"{counter} {step.title} on {dataset} ...")
    started = time.perf_counter()
    card = {"step": step.title, "blueprint": step.blueprint, "dataset": dataset, "lesson": step.lesson, "run_dir": run_dir}
    try:
        command = equivalent_command(step, dataset, run_dir, seed, settings)
        run = get_registration(step.blueprint).trainer()(dataset, out=run_dir, overwrite=overwrite, seed=seed, command=command, **settings)
    except Exception as exc:  # one failed step must not hide the others
        detail = str(exc) if isinstance(exc, TfjourneyError) else "".join(traceback.format_exception_only(exc)).strip()
        print_fn(f"{counter} {step.title} FAILED: {detail}")
        return {**card, "status": "failed", "error": detail, "headline": "", "seconds": time.perf_counter() - started}
    seconds = time.perf_counter() - started
    line = get_registration(run.blueprint).describer()(run.blueprint, run.metrics)
    print_fn(f"{counter} {step.title}: {line} ({seconds:.0f} s)")
    return {**card, "status": "ok", "error": None, "headline": line, "seconds": seconds}
