"""The blueprint tables are the single source of defaults: check them against the course's table."""

from __future__ import annotations

import pytest

from tfjourney.blueprints import BLUEPRINTS, get_blueprint
from tfjourney.cli import main
from tfjourney.errors import ConfigError


def test_regression_defaults_match_the_course_table():
    defaults = get_blueprint("regression").defaults()
    assert tuple(defaults["hidden"]) == (100, 100)
    assert defaults["activation"] == "relu"
    assert defaults["output_activation"] == "none"
    assert defaults["loss"] == "mae"
    assert defaults["optimizer"] == "adam"
    assert defaults["batch_size"] == 32
    assert defaults["test_size"] == 0.2


def test_classification_defaults_pick_output_from_the_task():
    defaults = get_blueprint("classification").defaults()
    assert tuple(defaults["hidden"]) == (100, 100)
    assert defaults["activation"] == "relu"
    assert defaults["output_activation"] == "auto"
    assert defaults["loss"] == "auto"
    assert defaults["optimizer"] == "adam"
    assert defaults["task"] == "auto"
    choices = get_blueprint("classification").row_for("output_activation").choices
    assert {"sigmoid", "softmax"} <= set(choices)


def test_resolve_applies_overrides_and_ignores_none():
    config = get_blueprint("regression").resolve(loss="mse", hidden=(10,), activation=None)
    assert config["loss"] == "mse"
    assert config["hidden"] == (10,)
    assert config["activation"] == "relu"  # None leaves the default


def test_resolve_rejects_a_bad_choice_naming_the_allowed_values():
    with pytest.raises(ConfigError) as info:
        get_blueprint("regression").resolve(loss="hinge")
    message = str(info.value)
    assert "hinge" in message
    for allowed in ("mae", "mse", "huber"):
        assert allowed in message


def test_resolve_rejects_an_unknown_hyperparameter():
    with pytest.raises(ConfigError, match="filters"):
        get_blueprint("regression").resolve(filters=32)


def test_unknown_blueprint_lists_the_names():
    with pytest.raises(ConfigError) as info:
        get_blueprint("transformer")
    assert "regression" in str(info.value) and "classification" in str(info.value)


def test_table_marks_changed_values():
    rows = {r["hyperparameter"]: r for r in get_blueprint("regression").table_rows({"loss": "mse"})}
    loss_row = next(r for name, r in rows.items() if name.startswith("Loss"))
    assert loss_row["used"] == "mse" and loss_row["default"] == "mae" and loss_row["changed"]
    hidden_row = next(r for name, r in rows.items() if name.startswith("Hidden layers"))
    assert hidden_row["used"] == "100,100" and not hidden_row["changed"]


def test_cli_blueprint_regression_prints_the_table(capsys):
    assert main(["blueprint", "regression"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Neural network regression")
    assert "Typical value (course)" in out and "tfjourney default" in out
    lines = out.splitlines()
    assert any(line.startswith("Hidden layers") and line.rstrip().endswith("100,100") for line in lines)
    assert any(line.startswith("Loss function") and line.rstrip().endswith("mae") for line in lines)
    assert any(line.startswith("Optimizer") and line.rstrip().endswith("adam") for line in lines)
    assert "Binary and multiclass" not in out  # only the one asked for


def test_cli_blueprint_without_name_prints_all(capsys):
    assert main(["blueprint"]) == 0
    out = capsys.readouterr().out
    for bp in BLUEPRINTS.values():
        assert bp.title in out


def test_cli_blueprint_unknown_name_is_a_one_line_error(capsys):
    assert main(["blueprint", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tfjourney: error:") and "\n" not in err


def test_readme_tables_are_the_blueprints():
    """The README prints every blueprint table; this keeps it in step with the code's defaults."""
    from pathlib import Path

    from tfjourney.blueprints import BLUEPRINTS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for blueprint in BLUEPRINTS.values():
        assert blueprint.to_markdown() in readme, f"README's {blueprint.name} table is stale: regenerate it with to_markdown()"
