"""The models a server holds: each run folder loaded once, with what a request needs to know about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from tfjourney.errors import RunFolderError
from tfjourney.export.graph import input_specs, signature_names
from tfjourney.registry import Registration, registration_of_run
from tfjourney.runs import Run, load_run

VERSION = "1"


@dataclass
class ServedModel:
    """One run folder behind the API: its name (the folder's), the run, and the Keras model, loaded once."""

    name: str
    run: Run
    model: keras.Model
    inputs: list[dict] = field(default_factory=list)  # name, exported name, dtype, shape

    @property
    def registration(self) -> Registration:
        return registration_of_run(self.run.blueprint, self.run.path)

    def decode(self, instances, inputs):
        """One request body's examples, decoded by the run's kind of input (DataError when they do not fit)."""
        return self.registration.kind_function("decode")(self, instances, inputs)

    @property
    def class_names(self) -> list[str]:
        return self.run.record["data"].get("class_names") or []

    @property
    def target(self) -> str:
        return self.run.record["data"].get("target", "")

    def outputs(self, batch) -> np.ndarray:
        """Model outputs for a decoded batch: the kind's `outputs`, the same functions `tfjourney predict` uses."""
        return self.registration.kind_function("outputs")(self, batch)

    def describe(self, outputs: np.ndarray) -> list[dict]:
        """tfjourney's extra field per instance: the class and every class's probability, or the predicted value."""
        from tfjourney.metrics import class_probabilities

        if not self.class_names:
            return [{"prediction": float(v), "target": self.target} for v in np.ravel(outputs)]
        probabilities = class_probabilities(outputs)
        return [
            {"class": self.class_names[int(p.argmax())], "probabilities": {c: float(v) for c, v in zip(self.class_names, p)}}
            for p in probabilities
        ]


def load_served_models(run_dirs: list[str | Path]) -> dict[str, ServedModel]:
    """Load every run folder's model once; the API name is the folder's name, which must be unique."""
    served: dict[str, ServedModel] = {}
    for run_dir in run_dirs:
        run = load_run(run_dir)
        name = run.path.resolve().name
        if name in served:
            raise RunFolderError(f"two run folders are named {name!r}, and a model's API name is its folder's name; serve one of them, or rename it.")
        model = run.load_model()
        inputs = [{**spec.to_dict(), "exported_name": exported} for spec, exported in zip(input_specs(model), signature_names(model))]
        served[name] = ServedModel(name, run, model, inputs)
    if not served:
        raise RunFolderError("no run folder given; pass one or more folders written by `tfjourney train`.")
    return served
