"""Tables in tf.data: every row once per epoch, shuffled for training, in order otherwise."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tfjourney.models.tabular import plan_columns
from tfjourney.training.table_data import table_dataset


def _rows(dataset) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for columns, targets in dataset:
        xs += columns["x"].numpy().ravel().tolist()
        ys += targets.numpy().ravel().tolist()
    return xs, ys


def test_every_row_once_per_epoch_in_batches_with_its_own_target():
    frame = pd.DataFrame({"x": np.arange(10, dtype="float64")})
    plans = plan_columns(frame)
    y = (np.arange(10) * 10).astype("float32")
    ordered = table_dataset(frame, y, plans, batch_size=4, seed=0, shuffle=False)
    assert [len(t) for _, t in ordered] == [4, 4, 2]
    assert _rows(ordered) == (list(range(10)), [i * 10.0 for i in range(10)])
    shuffled = table_dataset(frame, y, plans, batch_size=4, seed=0, shuffle=True)
    first, second = _rows(shuffled), _rows(shuffled)
    assert sorted(first[0]) == list(range(10)) and first[0] != list(range(10))
    assert all(t == x * 10 for x, t in zip(*first))  # rows and targets stay together
    assert first[0] != second[0]  # a new order every epoch
