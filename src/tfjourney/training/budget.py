"""How much training a table gets: a batch size that grows with the rows, and a cap on total steps.

A fixed batch of 32 and 300 epochs make a ten-times larger CSV cost ten times more, although
more rows rarely need more passes. Here the batch doubles until one epoch is at most
`steps_per_epoch` steps, and the epochs are capped so the whole run is at most `max_steps`
optimizer steps. A course-sized table (hundreds of rows) trains exactly as the table says.

Example:
    >>> plan_budget(rows=85_000, batch_size=32, epochs=300, steps_per_epoch=100, max_steps=10_000)
    Budget(batch_size=1024, epochs=119, steps_per_epoch=84, batch_grew=True, epochs_capped=True)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Budget:
    """The batch size and epoch limit a run trains with, recorded in run.json."""

    batch_size: int
    epochs: int
    steps_per_epoch: int
    batch_grew: bool
    epochs_capped: bool

    def to_dict(self) -> dict:
        return asdict(self)


def plan_budget(*, rows: int, batch_size: int, epochs: int, steps_per_epoch: int, max_steps: int, grow_batch: bool = True) -> Budget:
    """The batch size and maximum epochs for `rows` training rows.

    Args:
        rows: training rows (after the validation split).
        batch_size: the smallest batch (the blueprint's batch size).
        epochs: the most epochs the config allows (early stopping usually ends sooner).
        steps_per_epoch: the batch doubles until an epoch takes at most this many steps.
        max_steps: total optimizer steps at most; the epochs shrink to fit.
        grow_batch: False keeps `batch_size` as given (the user chose it).

    Returns:
        The Budget: batch size, max epochs, steps per epoch and which limits applied.
    """
    batch = batch_size
    if grow_batch:
        while math.ceil(rows / batch) > steps_per_epoch:
            batch *= 2
    steps = max(1, math.ceil(rows / batch))
    capped_epochs = max(1, min(epochs, max_steps // steps))
    return Budget(batch, capped_epochs, steps, batch != batch_size, capped_epochs < epochs)
