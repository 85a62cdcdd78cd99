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
    assert config.loss == "mse"
    assert config.hidden == (10,)
    assert config.activation == "relu"  # None leaves the default


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


# ----------------------------------------------------------------------------- typed configs and ranges
def test_resolve_returns_a_frozen_typed_config():
    import dataclasses

    from tfjourney.blueprints import CnnConfig, TransferConfig

    config = get_blueprint("cnn").resolve(image_size=64, learning_rate=1)
    assert isinstance(config, CnnConfig) and config.image_size == 64
    assert isinstance(config.learning_rate, float)  # an int learning rate becomes the row's type
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.image_size = 32
    assert isinstance(get_blueprint("transfer").resolve(), TransferConfig)
    assert get_blueprint("regression").resolve(hidden=[8, 4]).hidden == (8, 4)


@pytest.mark.parametrize("blueprint", list(BLUEPRINTS))
def test_every_default_passes_its_own_row(blueprint):
    import dataclasses

    bp = get_blueprint(blueprint)
    for row in bp.rows:
        if row.key is not None:
            assert row.check(row.default) == row.default, row.key
    assert [f.name for f in dataclasses.fields(bp.config_type)] == [k for k in _field_order(bp)]


def _field_order(bp):
    """Config fields follow the dataclass; every row key is one, and nothing else."""
    import dataclasses

    names = [f.name for f in dataclasses.fields(bp.config_type)]
    assert sorted(names) == sorted(bp.defaults())
    return names


@pytest.mark.parametrize("blueprint, overrides, message", [
    ("cnn", {"image_size": 0}, "`image_size` 0 must be between 1 and 1024"),
    ("cnn", {"image_size": 2000}, "`image_size` 2000 must be between 1 and 1024"),
    ("transfer", {"image_size": 16}, "`image_size` 16 must be between 32 and 1024"),
    ("cnn", {"filters": 0}, "`filters` 0 must be between 1 and 512"),
    ("cnn", {"epochs": 2.5}, "`epochs` must be a whole number"),
    ("cnn", {"augment": "yes"}, "`augment` must be True or False"),
    ("regression", {"learning_rate": 0}, "`learning_rate` 0 must be greater than 0"),
    ("regression", {"hidden": (8, 0)}, "`hidden` 8,0 must be whole numbers, each at least 1"),
    ("regression", {"validation_split": 0}, "`validation_split` 0 must be in (0, 1)"),
    ("cnn", {"validation_split": 0}, "`validation_split` 0 must be in (0, 1)"),  # one rule for every blueprint
    ("cnn", {"test_split": 1}, "`test_split` 1 must be in [0, 1)"),
    ("transfer", {"fine_tune_lr_factor": 2}, "`fine_tune_lr_factor` 2 must be in (0, 1]"),
    ("transfer", {"backbone": "vgg"}, "unknown `backbone` 'vgg'; choose one of: efficientnet_lite0"),
])
def test_resolve_checks_ranges_naming_the_key_and_the_accepted_values(blueprint, overrides, message):
    with pytest.raises(ConfigError) as info:
        get_blueprint(blueprint).resolve(**overrides)
    assert message in str(info.value) and "--" not in str(info.value)


def test_the_cli_shows_config_keys_as_its_flags(capsys):
    assert main(["train", "regression", "circles", "--lr", "0"]) == 2
    err = capsys.readouterr().err
    assert "--lr 0 must be greater than 0" in err and "`" not in err


# ----------------------------------------------------------------------------- the single source
def _blueprint_keys() -> dict[str, set]:
    """Every config key (of the run blueprints and the studio's Playground), with its default value(s).

    `seed` and `top_k` are blueprint values too.
    """
    from tfjourney.blueprints import DEFAULT_SEED, IMAGENET_TOP_K, PLAYGROUND, PREDICT_TOP_K

    keys: dict[str, set] = {"seed": {DEFAULT_SEED}, "top_k": {IMAGENET_TOP_K, PREDICT_TOP_K}}
    for bp in [*BLUEPRINTS.values(), PLAYGROUND]:
        for key, default in bp.defaults().items():
            if not isinstance(default, tuple):
                keys.setdefault(key, set()).add(default)
    return keys


# Findings that are not blueprint values, each with its reason.
_ALLOWED = (
    "top_k > 1",  # more than one class per image: show the rank column
    "constant MAX_FILTERS = 64",  # feature maps drawn per layer in explain, not the CNN's filters
)


def _literal_number(node) -> bool:
    import ast

    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


def _names_key(node, keys) -> bool:
    import ast

    if isinstance(node, ast.Name):
        return node.id in keys
    if isinstance(node, ast.Attribute):
        return node.attr in keys
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value in keys
    return False


def _same_value(value, defaults: set) -> bool:
    """A literal equal to one of the key's defaults (True is not 1 here)."""
    return any(type(value) is type(d) and value == d for d in defaults)


def _restated(path, keys: dict[str, set[type]]) -> list[str]:
    """Literal defaults, literal range checks and module constants for blueprint keys in one file."""
    import ast
    import re

    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            positional = a.posonlyargs + a.args
            pairs = list(zip(positional[len(positional) - len(a.defaults):], a.defaults))
            pairs += [(arg, d) for arg, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None]
            for arg, default in pairs:
                if arg.arg in keys and isinstance(default, ast.Constant) and _same_value(default.value, keys[arg.arg]):
                    found.append(f"line {node.lineno}: default {arg.arg}={default.value!r}")
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_names_key(o, keys) for o in operands) and any(_literal_number(o) for o in operands):
                found.append(f"line {node.lineno}: range check {ast.unparse(node)}")
    for node in tree.body:  # module constants such as MAX_IMAGE_SIZE = 1024 or IMAGENET_TOP_K = 5
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and not isinstance(node.value.value, bool):
            for target in node.targets:
                if isinstance(target, ast.Name) and any(
                    re.fullmatch(rf"(?:(?:default|max|min|imagenet)_)?{key}", target.id.lower()) for key in keys
                ):
                    found.append(f"line {node.lineno}: constant {target.id} = {node.value.value!r}")
    return found


def test_no_blueprint_default_or_range_is_restated_outside_blueprints_py():
    """Defaults and valid ranges live only in tfjourney/blueprints.py: every other module takes them from there."""
    from pathlib import Path

    import tfjourney

    root = Path(tfjourney.__file__).parent
    keys = _blueprint_keys()
    problems = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative == "blueprints.py":
            continue
        for finding in _restated(path, keys):
            if not finding.endswith(_ALLOWED):
                problems.append(f"{relative} {finding}")
    assert not problems, "take these from tfjourney.blueprints instead:\n" + "\n".join(problems)


def test_the_source_walk_catches_a_restated_default(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("MAX_IMAGE_SIZE = 1024\ndef f(x, image_size=224, batch_size=None):\n    if config.epochs < 1:\n        pass\n")
    found = _restated(source, _blueprint_keys())
    assert len(found) == 3 and "image_size=224" in found[0] and "config.epochs < 1" in found[1] and "MAX_IMAGE_SIZE" in found[2]
