"""The course's output-layer rule for classifiers, in one place for every blueprint."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClassifierOutput:
    units: int
    activation: str
    loss: str


def classifier_output(n_classes: int) -> ClassifierOutput:
    """Binary: 1 sigmoid unit + binary cross-entropy; multiclass: 1 softmax unit per class + sparse CCE."""
    if n_classes == 2:
        return ClassifierOutput(1, "sigmoid", "binary_crossentropy")
    return ClassifierOutput(n_classes, "softmax", "sparse_categorical_crossentropy")
