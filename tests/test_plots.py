"""Plots whose content carries meaning beyond "a PNG was written"."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle

from tfjourney.plots import plot_stage_histories


def _history(epochs: int, start: float) -> dict[str, list[float]]:
    return {"loss": [start - 0.1 * i for i in range(epochs)], "val_loss": [start + 0.05 - 0.1 * i for i in range(epochs)]}


def _shaded_spans(ax) -> list[tuple[float, float]]:
    """The x extent of each axvspan (a Rectangle from matplotlib 3.9, a Polygon before)."""
    spans = []
    for patch in ax.patches:
        if isinstance(patch, Rectangle):
            spans.append((patch.get_x(), patch.get_x() + patch.get_width()))
        else:
            xs = np.asarray(patch.get_xy())[:, 0]
            spans.append((float(xs.min()), float(xs.max())))
    return sorted(spans)


def test_stage_histories_mark_each_stage_and_shade_only_rolled_back_ones(tmp_path):
    """Phase 1 has 3 epochs, stage 1 (kept) 2, stage 2 (rolled back) 2, stage 3 (kept) 3: one curve of 10 epochs."""
    histories = [_history(3, 1.0), _history(2, 0.7), _history(2, 0.6), _history(3, 0.5)]
    starts = [4, 6, 8]
    fig = plot_stage_histories(histories, starts, tmp_path / "stages.png", rolled_back=[False, True, False])
    ax = fig.axes[0]
    train, val = ax.lines[:2]
    assert list(train.get_xdata()) == list(range(1, 11)) and len(val.get_ydata()) == 10
    markers = [line.get_xdata()[0] for line in ax.lines[2:]]
    assert markers == pytest.approx([3.5, 5.5, 7.5])  # between the last epoch before a stage and its first
    assert _shaded_spans(ax) == [pytest.approx((5.5, 7.5))]  # stage 2's two epochs, nothing else
    assert all(float(tick).is_integer() for tick in ax.get_xticks())
    assert (tmp_path / "stages.png").stat().st_size > 0
    plt.close(fig)


def test_rolled_back_needs_one_flag_per_stage():
    with pytest.raises(ValueError, match="one flag per stage"):
        plot_stage_histories([_history(2, 1.0), _history(3, 0.9)], [3], rolled_back=[True, False])


def test_last_stage_rolled_back_shades_to_the_last_epoch():
    fig = plot_stage_histories([_history(2, 1.0), _history(3, 0.9)], [3], rolled_back=[True])
    assert _shaded_spans(fig.axes[0]) == [pytest.approx((2.5, 5.5))]
    plt.close(fig)
