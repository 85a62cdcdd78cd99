"""`tfjourney predict` and `tfjourney evaluate`: the run's blueprint picks the function, through the registry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tfjourney.errors import DataError
from tfjourney.registry import registration_of_run
from tfjourney.runs import load_run

@dataclass
class Predictions:
    table: pd.DataFrame
    output: Path | None = None  # the CSV written, if any
    plot: Path | None = None  # a forecast's plot, if drawn

    def to_text(self) -> str:
        with pd.option_context("display.max_rows", 500, "display.width", 200, "display.float_format", _format_number):
            return self.table.to_string(index=False)


def _format_number(value: float) -> str:
    """Probabilities with 4 decimals, large predictions with thousands separators, never 1.6e+04."""
    return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.4f}"


def predict(
    inputs: list[str],
    output: Path | None = None,
    top_k: int | None = None,
    imagenet: bool = False,
    backbone: str | None = None,
    weights: Path | None = None,
    tta: bool = False,
    steps: int | None = None,
) -> Predictions:
    """`inputs` is [RUN_DIR, INPUT.csv] or [RUN_DIR, IMAGE...], or [IMAGE...] with `imagenet=True`.

    A forecast run takes [RUN_DIR] or [RUN_DIR, INPUT.csv] and `steps`; it also draws a plot, beside
    `output` (same name, .png) or, without `output`, as a new CSV and PNG in RUN_DIR/predictions/.
    """
    _check_output(output)
    if imagenet:
        from tfjourney.blueprints import IMAGENET_TOP_K
        from tfjourney.pipelines.transfer import predict_imagenet

        if not inputs:
            raise DataError("no images given; pass one or more image paths with `imagenet`.")
        return Predictions(_write(predict_imagenet(inputs, backbone=backbone, top_k=top_k or IMAGENET_TOP_K, weights=weights), output), output)
    if steps is not None:
        return _forecast(inputs, output, steps)
    if len(inputs) < 2:
        raise DataError("predict needs a run folder and an input: `tfjourney predict RUN_DIR INPUT.csv` or `tfjourney predict RUN_DIR IMAGE...`.")
    run = load_run(inputs[0])
    predictor = registration_of_run(run.blueprint, run.path).predictor()
    return Predictions(_write(predictor(run, inputs[1:], top_k=top_k, tta=tta), output), output)


def _forecast(inputs: list[str], output: Path | None, steps: int) -> Predictions:
    if not inputs:
        raise DataError("forecasting `steps` ahead needs a forecast run folder, then optionally a CSV whose last window to start from.")
    run = load_run(inputs[0])
    registration = registration_of_run(run.blueprint, run.path)
    if not registration.input_kind.forecasts_ahead:
        raise DataError(f"`steps` is for forecast runs; {run.path} is a {run.blueprint} run, so drop `steps`.")
    from tfjourney.pipelines.forecast import default_plot_path

    plot = Path(output).with_suffix(".png") if output is not None else default_plot_path(run, steps)
    if plot.exists():
        raise DataError(f"{plot} already exists; choose another `output` or remove it first.")
    output = output if output is not None else plot.with_suffix(".csv")
    table = registration.predictor()(run, inputs[1:], steps=steps, plot=plot)
    return Predictions(_write(table, output), output, plot)


def _check_output(output: Path | None) -> None:
    """Before any work: never overwrite a file the user has."""
    if output is not None and Path(output).exists():
        raise DataError(f"{output} already exists; choose another `output` or remove it first.")


def _write(table: pd.DataFrame, output: Path | None) -> pd.DataFrame:
    """Save the predictions when asked, creating the folders on the way (the table leads with each input's id)."""
    if output is not None:
        output = Path(output)
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(output, index=False)
        except OSError as exc:
            raise DataError(f"cannot write {output} ({exc.strerror or exc}); choose another `output`.") from None
    return table


def evaluate(run_dir: Path | str, data: str | Path, tta: bool = False) -> dict:
    """A run's metrics on other labelled data, by the run's blueprint; `tta` (image runs) averages each image with its mirror image."""
    run = load_run(run_dir)
    return registration_of_run(run.blueprint, run.path).evaluator()(run, data, tta=tta)
