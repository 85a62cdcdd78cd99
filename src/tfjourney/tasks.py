"""What a blueprint predicts, and so how its runs are judged: the primary metric and its baselines.

A blueprint's `Registration` names its task; the headline, the report's primary tile, the
run index's metric column and the comparison page all read it from here.

Example:
    >>> from tfjourney.tasks import get_task
    >>> get_task("regression").primary
    'mae'
"""

from __future__ import annotations

from dataclasses import dataclass

from tfjourney.errors import ConfigError


@dataclass(frozen=True)
class Task:
    """How runs of a task are judged.

    Attributes:
        name: "regression", "classification" or "forecast".
        primary: the metrics.json key that answers "how good is it?".
        lower_is_better: whether a smaller primary value is better.
        baselines: the metrics.json keys the primary metric is shown against, in order.
    """

    name: str
    primary: str
    lower_is_better: bool
    baselines: tuple[str, ...]

    def primary_value(self, metrics: dict) -> float | None:
        value = metrics.get(self.primary)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def first_baseline(self, metrics: dict) -> float | None:
        """The simplest baseline present (the first of `baselines`), e.g. predicting the mean."""
        for key in self.baselines:
            value = metrics.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
        return None


TASKS: dict[str, Task] = {
    "regression": Task("regression", "mae", True, ("baseline_mae", "linear_mae", "gbm_mae")),
    "classification": Task("classification", "accuracy", False,
                           ("baseline_accuracy", "linear_accuracy", "gbm_accuracy", "nb_accuracy", "phase1_accuracy")),
    "forecast": Task("forecast", "mase", True, ("naive_mase", "seasonal_naive_mase", "moving_average_mase")),
}


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise ConfigError(f"unknown task {name!r}; choose one of: {', '.join(TASKS)}.") from None


def task_of_metrics(metrics: dict) -> Task | None:
    """The task whose primary metric `metrics` holds (for runs of a blueprint this tfjourney does not know)."""
    return next((task for task in TASKS.values() if task.primary_value(metrics) is not None), None)
