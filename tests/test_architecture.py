"""The house rules, as tests: which layer may import which, what stays light, and the registry's contract."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tfjourney
from tfjourney.blueprints import BLUEPRINTS
from tfjourney.registry import REGISTRY, get_registration, load

ROOT = Path(tfjourney.__file__).parent
FRONT_ENDS = {"pipelines", "reports", "cli", "journey", "predict", "explain", "studio", "serve", "export", "launcher", "playground"}
ABOVE_TRAINING = FRONT_ENDS | {"kinds", "run_index"}  # kinds adapt finished runs for the front ends


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, package: str | None = None) -> set[str]:
    """Every tfjourney module a file imports, at module level or inside functions (relative imports resolved)."""
    if package is None:
        package = _module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else _module_name(path)
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {name for name in found if name == "tfjourney" or name.startswith("tfjourney.")}


def _layer(module: str) -> str:
    """tfjourney.models.cnn -> "models"; tfjourney.cli -> "cli"."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _violations(layers: set[str], forbidden: set[str], allowed_modules: set[str] | None = None) -> list[str]:
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        module = _module_name(path)
        if _layer(module) not in layers:
            continue
        for imported in sorted(_imports(path)):
            if allowed_modules is not None:
                if imported not in allowed_modules and imported != "tfjourney":
                    problems.append(f"{module} imports {imported}")
            elif _layer(imported) in forbidden:
                problems.append(f"{module} imports {imported}")
    return problems


def test_blueprints_import_nothing_of_ours_but_errors():
    assert _violations({"blueprints"}, set(), allowed_modules={"tfjourney.errors", "tfjourney.errors.ConfigError"}) == []


def test_data_models_training_never_import_front_ends():
    assert _violations({"data", "models", "training"}, ABOVE_TRAINING) == []


def test_every_layer_named_in_the_rules_exists():
    """A rule naming a module that is not there (\"launch\" for launcher.py) would check nothing."""
    present = {_layer(_module_name(path)) for path in ROOT.rglob("*.py")}
    assert ABOVE_TRAINING <= present, ABOVE_TRAINING - present


def test_kinds_never_import_front_ends():
    assert _violations({"kinds"}, {"cli", "studio", "serve", "journey", "launcher"}) == []


def test_models_never_import_reports():
    assert _violations({"models"}, {"reports"}) == []


def test_the_import_parser_sees_function_level_and_relative_imports(tmp_path):
    source = tmp_path / "probe.py"
    source.write_text("import os\ndef f():\n    from tfjourney.reports import write_report\n    from ..cli import main\n")
    found = _imports(source, package="tfjourney.models")
    assert {"tfjourney.reports", "tfjourney.cli"} <= found and _layer("tfjourney.reports.views") == "reports"


# ----------------------------------------------------------------------------- start-up stays light
def test_importing_the_cli_the_blueprints_and_the_registry_leaves_tensorflow_out():
    """`tfjourney --help`, `blueprint`, `datasets` must not pay for TensorFlow (seconds, hundreds of MB)."""
    code = ("import sys, tfjourney, tfjourney.cli, tfjourney.blueprints, tfjourney.registry, tfjourney.data.catalog; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'sklearn', 'pandas') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]", result.stdout


def test_help_and_blueprint_commands_run_without_tensorflow():
    code = ("import sys; from tfjourney.cli import main; main(['blueprint', 'cnn']); main(['datasets']); "
            "print('tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip().endswith("False")


# ----------------------------------------------------------------------------- the registry
def test_every_blueprint_is_registered_once_and_every_registration_has_a_table():
    assert set(REGISTRY) == set(BLUEPRINTS)
    for name, registration in REGISTRY.items():
        assert registration.config_type is BLUEPRINTS[name].config_type
        assert registration.kind in ("table", "images", "text", "series") and registration.task in ("regression", "classification", "forecast")


@pytest.mark.parametrize("name", list(BLUEPRINTS))
def test_registered_functions_exist_and_take_what_the_front_ends_pass(name):
    registration = get_registration(name)
    train = inspect.signature(load(registration.train)).parameters
    for option in (*registration.options, "out", "overwrite", "seed", "command", "verbose", "progress"):
        assert option in train or any(p.kind is p.VAR_KEYWORD for p in train.values()), (name, option)
    predict = list(inspect.signature(registration.predictor()).parameters)
    assert predict[0] == "run" and "top_k" in predict
    assert list(inspect.signature(registration.evaluator()).parameters) == ["run", "data", "tta"]
    assert "tta" in predict
    headline = registration.describer()(name, {registration.task_spec.primary: 0.5})
    assert headline.lower().startswith(registration.task_spec.primary.replace("_", " ")), headline


@pytest.mark.parametrize("name", list(BLUEPRINTS))
def test_train_functions_name_every_hyperparameter(name):
    """`help(train_cnn)` shows what a user can pass: every key of the table, no **kwargs, Args and Returns."""
    train = load(get_registration(name).train)
    parameters = inspect.signature(train).parameters
    assert not any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    assert set(BLUEPRINTS[name].defaults()) <= {k for k, p in parameters.items() if p.default is None}
    assert "Args:" in train.__doc__ and "Returns:" in train.__doc__
    for key in BLUEPRINTS[name].defaults():
        assert f"        {key}: " in train.__doc__, key


def test_front_ends_do_not_branch_on_blueprint_names():
    """Dispatch goes through the registry: no `blueprint == "cnn"` or IMAGE_BLUEPRINTS in a front end."""
    names = set(BLUEPRINTS)
    problems = []
    for module in ("cli.py", "predict.py", "journey.py"):  # reports/views.py branches on report kinds, not names
        for node in ast.walk(ast.parse((ROOT / module).read_text())):
            if isinstance(node, ast.Compare) and any(
                isinstance(c, ast.Constant) and c.value in names for c in [node.left, *node.comparators]
            ):
                problems.append(f"{module}:{node.lineno} {ast.unparse(node)}")
            if isinstance(node, ast.Name) and node.id in ("IMAGE_BLUEPRINTS", "TABULAR_BLUEPRINTS"):
                problems.append(f"{module}:{node.lineno} {node.id}")
    assert problems == []


# ----------------------------------------------------------------------------- a fifth blueprint
def _toy_train(data, *, out=None, overwrite=False, seed=42, tensorboard=False, command=None, verbose=0, progress=None,
               distribute="none", devices=None, global_batch_size=None, resume=False, size=None, epochs=None, batch_size=None, learning_rate=None):
    """A stand-in pipeline: resolves its config like the real ones and returns a run-like object."""
    from types import SimpleNamespace

    config = BLUEPRINTS["toy"].resolve(size=size, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate)
    return SimpleNamespace(blueprint="toy", metrics={"accuracy": config.size / 10}, path=Path(str(out or "runs/toy")))


def test_a_fifth_blueprint_is_one_table_and_one_registration(monkeypatch, capsys):
    """The CLI offers `train toy` with flags made from the table, checks values there, and prints the headline."""
    from dataclasses import dataclass

    from tfjourney.blueprints import COUNT, Blueprint, Range, Row
    from tfjourney.cli import main
    from tfjourney.registry import Registration

    @dataclass(frozen=True)
    class ToyConfig:
        size: int
        epochs: int
        batch_size: int
        learning_rate: float

    toy = Blueprint("toy", "Toy blueprint", "A table with one idea.", ToyConfig, rows=(
        Row("Size", "3", 3, "size", range=Range(1, 10)),
        Row("Epochs", "1", 1, "epochs", range=COUNT),
        Row("Batch size", "32", 32, "batch_size", range=COUNT),
        Row("Learning rate", "0.01", 0.01, "learning_rate", range=Range(0, low_open=True)),
    ))
    monkeypatch.setitem(BLUEPRINTS, "toy", toy)
    monkeypatch.setitem(REGISTRY, "toy", Registration(
        "toy", kind="table", task="classification", train=f"{__name__}:_toy_train",
    ))
    assert main(["train", "toy", "anything", "--size", "5", "--epochs", "2", "--quiet"]) == 0
    assert capsys.readouterr().out.startswith("Accuracy 50.0%")
    assert main(["train", "toy", "anything", "--size", "11"]) == 2
    assert "--size 11 must be between 1 and 10" in capsys.readouterr().err
    assert main(["blueprint", "toy"]) == 0 and "Toy blueprint" in capsys.readouterr().out


# ----------------------------------------------------------------------------- library messages name keys, not flags
FLAG_FRONT_ENDS = ("cli.py", "launcher.py", "studio/", "serve/")  # where flags are the user's own words
_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
_COMMAND_TOKEN = re.compile(r"--[a-z][a-z0-9-]*(=.*)?")  # "--out" as an argv item a module builds or reads
_QUOTED_COMMAND = re.compile(r"`tfjourney [^`]*`")  # "run `tfjourney launch --workers N -- train ...`" names a command


def _docstrings(tree: ast.AST) -> set[int]:
    owners = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, owners) and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def _strings(tree: ast.AST):
    """(line, text) of every string literal but docstrings; an f-string is one text with {} for its fields."""
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip |= {id(part) for part in node.values}
            yield node.lineno, "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


def _flag_strings(source: str) -> list[tuple[int, list[str], str]]:
    """(line, flags, text) of each string in `source` that names a CLI flag outside a quoted command."""
    found = []
    for line, text in _strings(ast.parse(source)):
        flags = [] if _COMMAND_TOKEN.fullmatch(text.strip()) else _FLAG.findall(_QUOTED_COMMAND.sub("", text))
        if flags:
            found.append((line, flags, text))
    return sorted(found)


def test_library_messages_name_keyword_arguments_not_cli_flags():
    """Errors, warnings and notes of the library say `out`, not --out: the CLI translates keys to flags itself."""
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if not relative.startswith(FLAG_FRONT_ENDS):
            problems += [f"{relative}:{line} {', '.join(flags)} in {text[:80]!r}" for line, flags, text in _flag_strings(path.read_text())]
    assert problems == []


def test_the_flag_check_sees_f_strings_and_constants_but_not_docstrings_or_argv():
    source = (
        '"""Module doc naming --out is fine."""\n'
        'FIX = "pass --overwrite to replace it"\n'
        'def f(x):\n'
        '    """--resume in a docstring is fine."""\n'
        '    argv = ["tfjourney", "train", "--out", str(x), f"--{x}", "--"]\n'
        '    hint = "run `tfjourney launch --workers N -- train ...`"\n'
        '    raise ValueError(f"{x} is bad; pass --keep {x}" "or --column-types")\n'
    )
    assert [(line, flags) for line, flags, _ in _flag_strings(source)] == [(2, ["--overwrite"]), (7, ["--keep", "--column-types"])]


# ----------------------------------------------------------------------------- one owner per question
_RUN_FILE_NAMES = re.compile(r"^(model\.keras|run\.json|metrics\.json|history\.csv|classes\.json|test_predictions\.csv|report\.html)$")
_OWNERS = ("runs.py", "registry.py", "kinds/")  # the run-folder module, the registry and the kinds


def test_run_folder_file_names_are_spelled_only_by_their_owners():
    """`model.keras`, `run.json`, ... are constants of tfjourney.runs; everyone else imports them."""
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if not relative.startswith(_OWNERS):
            problems += [f"{relative}:{line} {text!r}" for line, text in _strings(ast.parse(path.read_text())) if _RUN_FILE_NAMES.match(text)]
    assert problems == []


def test_no_front_end_asks_image_or_table_by_name():
    """Front ends ask the registration (its kind and task), never `reads_images` or a blueprint name.

    "regression" and "classification" are task names as well as blueprint names, and "text" a kind's (and a
    column role's) name as well as a blueprint's; comparing a task or a kind is fine.
    """
    from tfjourney.tasks import TASKS

    kinds = {path.stem for path in (ROOT / "kinds").glob("*.py") if path.stem != "__init__"}
    names = set(BLUEPRINTS) - set(TASKS) - kinds
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        source = path.read_text()
        if "reads_images" in source or "names_reading" in source:
            problems.append(f"{relative}: reads_images")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Compare) and any(isinstance(c, ast.Constant) and c.value in names for c in [node.left, *node.comparators]):
                problems.append(f"{relative}:{node.lineno} {ast.unparse(node)}")
    for path in sorted((ROOT / "studio" / "static").glob("*.js")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"===?\s*[\"'](%s)[\"']" % "|".join(map(re.escape, names)), line):
                problems.append(f"studio/static/{path.name}:{number} {line.strip()}")
    assert problems == []
