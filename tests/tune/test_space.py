"""The blueprint rows as search spaces, and every way a `--space` override can be wrong."""

from __future__ import annotations

import optuna
import pytest

from tfjourney.blueprints import BLUEPRINTS, get_blueprint
from tfjourney.cli import main
from tfjourney.errors import ConfigError
from tfjourney.tune.space import search_space


def test_regression_space_is_the_seed_table():
    space = get_blueprint("regression").search_space()
    assert (space["hidden"].low, space["hidden"].high) == (10, 100)  # "generally 10 to 100 neurons"
    assert space["hidden"].layers.low == 1  # "minimum 1" hidden layer
    assert space["learning_rate"].log and space["learning_rate"].low < 0.001 < space["learning_rate"].high
    assert set(space["loss"].choices) == {"mae", "mse", "huber"}  # "MSE or MAE, Huber if outliers"
    assert set(space["optimizer"].choices) == {"adam", "sgd"}
    assert "validation_split" not in space and "test_size" not in space


def test_cnn_space_is_the_seed_table():
    space = get_blueprint("cnn").search_space()
    assert space["filters"].choices == (10, 32, 64, 128)
    assert space["kernel_size"].choices == (3, 5, 7)
    assert set(space["padding"].choices) == {"same", "valid"}
    assert space["strides"].choices == (1, 2)
    assert space["learning_rate"].log


@pytest.mark.parametrize("name", ["regression", "classification", "cnn"])
def test_every_value_a_space_holds_passes_its_row(name):
    blueprint = get_blueprint(name)
    for key, space in blueprint.search_space().items():
        row = blueprint.row_for(key)
        if space.choices:
            for choice in space.choices:
                assert row.check(choice) == choice
        elif space.layers is not None:
            for layers in (int(space.layers.low), int(space.layers.high)):
                row.check((int(space.low),) * layers)
                row.check((int(space.high),) * layers)
        else:
            row.check(type(row.default)(space.low))
            row.check(type(row.default)(space.high))


@pytest.mark.parametrize("name", ["regression", "classification", "cnn"])
def test_trial_zero_parameters_are_the_defaults(name):
    space = search_space(name)
    values = space.config_values(space.default_params())
    defaults = get_blueprint(name).defaults()
    assert values == {key: defaults[key] for key in values}
    assert set(values) == set(get_blueprint(name).search_space())


def test_a_trial_suggests_inside_the_space_and_back():
    space = search_space("regression", ["learning_rate=0.001:0.01", "loss=mae,huber", "hidden=16:32x1:2", "epochs=7"])
    params = {"learning_rate": 0.005, "loss": "huber", "hidden_layers": 2, "hidden_neurons": 20, "activation": "relu",
              "optimizer": "adam", "batch_size": 16}
    values = space.suggest(optuna.trial.FixedTrial(params))
    assert values["hidden"] == (20, 20) and values["loss"] == "huber" and values["epochs"] == 7
    assert space.config_values(params) == values
    assert get_blueprint("regression").resolve(**values).learning_rate == 0.005


def test_overrides_range_choices_and_fixed():
    space = search_space("regression", ["learning_rate=1e-4:1e-2", "loss=mae,huber", "optimizer=sgd", "patience=5:20"])
    assert space.searched["learning_rate"].log  # the row's log scale is kept
    assert (space.searched["learning_rate"].low, space.searched["learning_rate"].high) == (1e-4, 1e-2)
    assert space.searched["loss"].choices == ("mae", "huber")
    assert space.fixed == {"optimizer": "sgd"} and "optimizer" not in space.searched
    assert (space.searched["patience"].low, space.searched["patience"].high) == (5, 20)  # a row without a default space
    assert search_space("regression", ["hidden=32,32"]).fixed == {"hidden": (32, 32)}
    assert search_space("regression", ["batch_size=16:64:log"]).searched["batch_size"].log


@pytest.mark.parametrize(
    "override, words",
    [
        ("neurons=10:100", ["neurons", "not a hyperparameter", "hidden"]),
        ("learning_rate=0.1:0.001", ["inverted", "learning_rate=0.001:0.1"]),
        ("learning_rate=0.01:0.01", ["empty range", "learning_rate=0.01"]),
        ("learning_rate=", ["empty"]),
        ("learning_rate=0:0.1", ["learning_rate", "greater than 0"]),
        ("loss=mae,hinge", ["hinge", "mae, mse, huber"]),
        ("epochs=ten", ["epochs", "not a int"]),
        ("validation_split=0.1:0.3", ["validation_split", "cannot be searched", "validation_split=VALUE"]),
        ("test_size=0.1,0.2", ["test_size", "cannot be searched"]),
        ("learning_rate", ["KEY=LO:HI"]),
        ("hidden=10:100x3:1", ["layers", "increasing"]),
        ("loss=mae,,mse", ["empty choice"]),
    ],
)
def test_bad_overrides_name_the_key_and_the_fix(override, words):
    with pytest.raises(ConfigError) as info:
        search_space("regression", [override])
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_blueprint_command_shows_the_space(capsys):
    assert main(["blueprint", "cnn"]) == 0
    out = capsys.readouterr().out
    assert "Search space" in out
    assert any(line.split()[:1] == ["filters"] and "10, 32, 64, 128" in line for line in out.splitlines())
    assert any(line.split()[:1] == ["learning_rate"] and "log scale" in line for line in out.splitlines())


@pytest.mark.parametrize(
    "args, words",
    [
        (["--trials", "0"], ["--trials", "at least 1"]),
        (["--space", "wings=1:2"], ["wings", "not a hyperparameter"]),
        (["--space", "learning_rate=0.1:0.01"], ["inverted"]),
        (["--timeout", "soon"], ["--timeout", "15m"]),
        (["--timeout", "0"], ["--timeout", "longer than 0"]),
        ([], ["none.csv"]),  # the data is missing: found out after the study folder was made, which is then removed
    ],
)
def test_cli_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, args, words):
    out = tmp_path / "study"
    code = main(["tune", "regression", str(tmp_path / "none.csv"), "--target", "y", "--out", str(out), *args])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    for word in words:
        assert word in err
    assert not out.exists()


def test_every_blueprint_row_space_is_data_on_the_row():
    # A space only on rows that have a key; nothing else in the module restates one.
    for blueprint in BLUEPRINTS.values():
        for row in blueprint.rows:
            assert row.space is None or row.key is not None
