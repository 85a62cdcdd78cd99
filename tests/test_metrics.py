"""Metrics against numbers worked out by hand on tiny arrays."""

from __future__ import annotations

import numpy as np
import pytest

from tfjourney.metrics import (
    calculate_results,
    class_probabilities,
    classification_metrics,
    positive_probability,
    predicted_labels,
    regression_metrics,
)


def test_regression_metrics_by_hand():
    # errors 0, 0, 0, 2 -> MAE 0.5, MSE 1, RMSE 1; SS_res 4, SS_tot 5 -> R2 0.2
    result = regression_metrics([1, 2, 3, 4], [[1], [2], [3], [6]], baseline_pred=[2.5] * 4, linear_pred=[1, 2, 3, 5])
    assert set(result) == {"mae", "mse", "rmse", "r2", "baseline_mae", "linear_mae"}
    assert result["mae"] == pytest.approx(0.5)
    assert result["mse"] == pytest.approx(1.0)
    assert result["rmse"] == pytest.approx(1.0)
    assert result["r2"] == pytest.approx(0.2)
    assert result["baseline_mae"] == pytest.approx(1.0)  # |1.5|+|0.5|+|0.5|+|1.5| over 4
    assert result["linear_mae"] == pytest.approx(0.25)
    assert all(isinstance(v, float) for v in result.values())


def test_regression_metrics_without_baselines_has_only_the_core_keys():
    assert set(regression_metrics([1.0, 2.0], [1.0, 2.0])) == {"mae", "mse", "rmse", "r2"}


def test_binary_classification_by_hand():
    y_true = [0, 0, 1, 1, 1]
    probs = np.array([[0.1], [0.6], [0.7], [0.4], [0.9]])  # -> predicted 0, 1, 1, 0, 1
    result = classification_metrics(y_true, probs, ["no", "yes"], baseline_pred=[1, 1, 1, 1, 1])
    assert result["accuracy"] == pytest.approx(3 / 5)
    assert result["precision"] == pytest.approx(2 / 3)  # TP 2, FP 1
    assert result["recall"] == pytest.approx(2 / 3)  # TP 2, FN 1
    assert result["f1"] == pytest.approx(2 / 3)
    assert result["roc_auc"] == pytest.approx(5 / 6)  # 5 of the 6 (pos, neg) pairs ranked right
    assert result["baseline_accuracy"] == pytest.approx(3 / 5)
    assert result["per_class"]["yes"] == {"precision": pytest.approx(2 / 3), "recall": pytest.approx(2 / 3), "f1": pytest.approx(2 / 3), "support": 3}
    assert result["per_class"]["no"]["support"] == 2
    assert result["per_class"]["no"]["recall"] == pytest.approx(1 / 2)


def test_multiclass_uses_macro_averages_and_no_auc():
    y_true = [0, 1, 2, 2]
    probs = np.array([[0.8, 0.1, 0.1], [0.1, 0.2, 0.7], [0.1, 0.1, 0.8], [0.2, 0.5, 0.3]])  # -> 0, 2, 2, 1
    result = classification_metrics(y_true, probs, ["a", "b", "c"], baseline_pred=[2, 2, 2, 2])
    assert result["accuracy"] == pytest.approx(0.5)
    assert result["precision"] == pytest.approx((1 + 0 + 0.5) / 3)
    assert result["recall"] == pytest.approx((1 + 0 + 0.5) / 3)
    assert result["f1"] == pytest.approx((1 + 0 + 0.5) / 3)
    assert "roc_auc" not in result
    assert result["baseline_accuracy"] == pytest.approx(0.5)
    assert [result["per_class"][c]["support"] for c in "abc"] == [1, 1, 2]


def test_predicted_labels_threshold_and_argmax():
    assert predicted_labels(np.array([[0.49], [0.5], [0.51]])).tolist() == [0, 1, 1]
    assert predicted_labels(np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]])).tolist() == [1, 0]


def test_class_probabilities_and_positive_probability():
    np.testing.assert_allclose(class_probabilities(np.array([[0.25], [0.9]])), [[0.75, 0.25], [0.1, 0.9]])
    two = np.array([[0.3, 0.7]])
    np.testing.assert_allclose(class_probabilities(two), two)
    np.testing.assert_allclose(positive_probability(two), [0.7])
    np.testing.assert_allclose(positive_probability(np.array([[0.2]])), [0.2])


def test_course_calculate_results_is_weighted():
    # true [0,0,0,1], pred [0,0,1,1]: class 0 P=1 R=2/3 (support 3), class 1 P=1/2 R=1 (support 1)
    result = calculate_results([0, 0, 0, 1], [0, 0, 1, 1])
    assert result["accuracy"] == pytest.approx(0.75)
    assert result["precision"] == pytest.approx(0.75 * 1 + 0.25 * 0.5)
    assert result["recall"] == pytest.approx(0.75 * 2 / 3 + 0.25 * 1)
