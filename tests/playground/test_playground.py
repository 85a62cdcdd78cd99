"""The Playground's library: data generators, the live session (the Playground's figures), Save as run."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from tfjourney.errors import ConfigError, DataError
from tfjourney.playground.datasets import make_data, read_playground_csv, table_data
from tfjourney.playground.session import PlaygroundSession, playground_settings


@pytest.mark.parametrize("dataset", ["circle", "xor", "gauss", "spiral", "plane", "multigauss"])
def test_generated_data_is_split_and_labelled_like_the_playground(dataset):
    data = make_data(dataset=dataset, noise=10, train_percent=30, points=200, seed=1)
    assert data.x_train.shape == (60, 2) and data.x_test.shape == (140, 2)
    assert np.abs(np.concatenate([data.x_train, data.x_test])).max() <= 6.5
    labels = np.concatenate([data.y_train, data.y_test])
    if data.task == "binary":
        assert set(np.unique(labels)) == {0.0, 1.0} and data.class_names == ["orange", "blue"]
    else:
        assert labels.min() >= -1 and labels.max() <= 1 and data.class_names == []


def test_circle_without_noise_is_blue_inside_orange_outside():
    data = make_data(dataset="circle", noise=0, train_percent=50, points=400, seed=0)
    radius = np.hypot(*data.x_train.T)
    assert np.all(data.y_train[radius < 2.5] == 1) and np.all(data.y_train[radius > 3.5] == 0)


def test_same_seed_same_points_other_seed_other_points():
    a, b, c = (make_data(dataset="spiral", noise=20, train_percent=50, points=100, seed=s) for s in (3, 3, 4))
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"hidden": [4] * 7}, "0-6 layers"),
        ({"hidden": [9]}, "1-8"),
        ({"features": ["x3"]}, "unknown input feature"),
        ({"features": []}, "at least one input feature"),
        ({"learning_rate": 0.5}, "choose one of"),
        ({"activation": "softmax"}, "choose one of"),
        ({"dataset": "csv"}, "upload"),
    ],
)
def test_settings_are_checked_with_a_fix(overrides, message):
    with pytest.raises(ConfigError, match=message):
        playground_settings(**overrides)


def test_circles_with_squares_and_one_hidden_layer_reach_095_within_200_epochs():
    """The Playground's classic: x1², x2² and one hidden layer separate the circle data."""
    session = PlaygroundSession(playground_settings(dataset="circle", features=["x1^2", "x2^2"], hidden=[4]))
    first = session.snapshot()
    for _ in range(20):
        update = session.step(epochs=10)
        if update["test_accuracy"] >= 0.95:
            break
    assert update["epoch"] <= 200 and update["test_accuracy"] >= 0.95
    assert update["test_loss"] < first["test_loss"]


def test_update_carries_every_neuron_and_weight():
    session = PlaygroundSession(playground_settings(features=["x1", "x2", "sin(x1)"], hidden=[3, 2]))
    update = session.step()
    assert [len(layer) for layer in update["neurons"]] == [3, 3, 2]  # features, hidden_1, hidden_2
    assert [np.array(w).shape for w in update["weights"]] == [(3, 3), (3, 2), (2, 1)]
    assert len(base64.b64decode(update["output"])) == update["grid"] ** 2


def test_boundary_grid_equals_model_predict():
    session = PlaygroundSession(playground_settings(dataset="xor", hidden=[8, 8], activation="relu"))
    session.step(epochs=3)
    grid = session.boundary(resolution=30)
    inputs = {name: np.array(grid[name], dtype="float32")[:, None] for name in ("x1", "x2")}
    expected = session.model.predict(inputs, verbose=0)[:, 0]
    assert np.abs(np.array(grid["values"]) - expected).max() <= 1e-6


def test_regularization_adds_to_the_training_loss_only():
    plain = PlaygroundSession(playground_settings(hidden=[4]))
    l2 = PlaygroundSession(playground_settings(hidden=[4], regularization="l2", regularization_rate=0.3))
    assert l2.model.losses and not plain.model.losses
    assert l2.snapshot()["loss"] == pytest.approx(plain.snapshot()["loss"], abs=1e-6)  # same seed, same start


# ----------------------------------------------------------------------------- a user's CSV
def _csv(text: str) -> bytes:
    return text.encode()


def test_csv_with_two_features_and_a_numeric_target_is_a_regression(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(100, 200, (60, 2))
    rows = "\n".join(f"{a:.3f},{b:.3f},{a * 3 + b:.3f}" for a, b in x)
    table = read_playground_csv(content=_csv("width,height,price\n" + rows), name="houses.csv")
    data = table_data(table, train_percent=50, seed=0)
    assert data.task == "regression" and data.columns == ("width", "height") and data.target == "price"
    session = PlaygroundSession(playground_settings(dataset="csv", csv=table.digest, features=["x1", "x2"], hidden=[]), table)
    start = session.snapshot()["test_loss"]
    assert session.step(epochs=30)["test_loss"] < start
    points = session.points()["train"]["x"]
    assert np.abs(points).max() <= 5.0 + 1e-6  # mapped onto the drawing square


@pytest.mark.parametrize(
    "text, message",
    [
        ("a,b\n1,2\n", "two numeric feature columns"),
        ("a,b,c,d\n1,2,3,4\n", "two numeric feature columns"),
        ("a,b,label\n1,x,0\n", "two numeric feature columns"),
        ("a,b,label\n1,2,0\n3,4,1\n", "at least 10"),
    ],
)
def test_unusable_csv_says_what_it_needs(text, message):
    with pytest.raises(DataError, match=message):
        read_playground_csv(content=_csv(text), name="bad.csv")


def test_csv_with_many_text_classes_points_to_train_classification():
    rows = "\n".join(f"{i},{i * 2},{'abc'[i % 3]}" for i in range(30))
    table = read_playground_csv(content=_csv("a,b,kind\n" + rows), name="three.csv")
    with pytest.raises(DataError, match="tfjourney train classification"):
        table_data(table, train_percent=50, seed=0)
