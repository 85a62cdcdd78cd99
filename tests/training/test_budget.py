"""The training budget: a course-sized table trains as the table says; a big one gets bigger batches and fewer epochs."""

from __future__ import annotations

from tfjourney.blueprints import get_blueprint
from tfjourney.training.budget import plan_budget

DEFAULTS = get_blueprint("regression").defaults()


def _budget(rows: int, **kwargs):
    options = {k: DEFAULTS[k] for k in ("batch_size", "epochs", "steps_per_epoch", "max_steps")}
    return plan_budget(rows=rows, **{**options, **kwargs})


def test_course_sized_table_is_untouched():
    budget = _budget(856)  # insurance's training rows
    assert (budget.batch_size, budget.epochs, budget.batch_grew, budget.epochs_capped) == (32, 300, False, False)


def test_total_steps_grow_far_slower_than_rows():
    small, large = _budget(8_560), _budget(856_000)
    assert small.batch_size < large.batch_size
    assert large.steps_per_epoch <= DEFAULTS["steps_per_epoch"]
    assert large.epochs * large.steps_per_epoch <= DEFAULTS["max_steps"]
    assert large.epochs_capped


def test_a_batch_size_the_user_chose_is_kept():
    budget = _budget(856_000, grow_batch=False)
    assert budget.batch_size == DEFAULTS["batch_size"] and not budget.batch_grew
    assert budget.epochs >= 1
