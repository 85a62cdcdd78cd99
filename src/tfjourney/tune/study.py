"""`tfjourney tune`: search a blueprint's table with Optuna, then retrain the best configuration as a normal run.

A study is data in a database (SQLite in the study folder by default), so resuming, sharing it
between workers and reading it afterwards are the same operation: open the study. Trial 0 is
the blueprint's defaults, so "better than the default" is measured, not assumed. When the
search ends, the best trial is retrained through the blueprint's own `train` into
STUDY_FOLDER/best-trial-N (a run folder like any other; its run.json names the study and trial),
and the study's report page is written beside it.

Example:
    >>> result = tune("regression", "insurance.csv", target="charges", trials=40)
    >>> result.best_value, result.run_dir
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from tfjourney.blueprints import DEFAULT_SEED, format_value
from tfjourney.errors import ConfigError, TfjourneyError
from tfjourney.tune.space import SearchSpace, search_space
from tfjourney.tune.storage import fail_stale_trials, open_storage, redact, sqlite_url

SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("hyperband", "median", "none")
TUNABLE = ("regression", "classification", "cnn")
STUDIES_ROOT = Path("studies")
WORKER_ENV = "TFJOURNEY_TUNE_WORKER"  # set by `tfjourney launch` for tune workers: 0 retrains and reports, others only search
_WAIT_POLL_SECONDS = 1.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)?\s*$")


@dataclass
class TuneResult:
    """What a `tune` call ended with."""

    study: str
    folder: Path
    storage: str  # redacted
    metric: str
    direction: str
    finished: int
    pruned: int
    failed: int
    seconds: float
    best_trial: int | None = None
    best_value: float | None = None
    default_value: float | None = None
    best_config: dict[str, Any] = field(default_factory=dict)
    run_dir: Path | None = None
    report: Path | None = None


def parse_duration(text: str | float | int | None) -> float | None:
    """'15m' -> 900.0, '90s' or '90' -> 90.0, '1h' -> 3600.0; None stays None."""
    if text is None or isinstance(text, (int, float)):
        return None if text is None else float(text)
    match = _DURATION.match(str(text))
    if not match:
        raise ConfigError(f"`timeout` {text!r} is not a duration; write e.g. 90s, 15m or 1h.")
    number, unit = float(match.group(1)), (match.group(2) or "s")[0]
    return number * {"s": 1, "m": 60, "h": 3600}[unit]


def tune(
    blueprint: str,
    data: str | Path,
    *,
    target: str | None = None,
    drop: tuple[str, ...] | list[str] = (),
    trials: int = 20,
    timeout: str | float | None = None,
    sampler: str = "tpe",
    pruner: str = "hyperband",
    study: str | None = None,
    storage: str | None = None,
    space: list[str] | tuple[str, ...] = (),
    seed: int = DEFAULT_SEED,
    out: str | Path | None = None,
    retrain: bool | None = None,
    command: list[str] | None = None,
    print_fn: Callable[[str], None] | None = None,
) -> TuneResult:
    """Run (or continue) a study of `blueprint` on `data` until it has `trials` finished trials.

    Args:
        blueprint: "regression", "classification" or "cnn".
        data: what `tfjourney train BLUEPRINT` takes (a CSV, an image folder, an embedded dataset).
        target, drop: the table's target column and columns to leave out (tables only).
        trials: finished (complete or pruned) trials the study should hold; at least 1.
        timeout: stop starting trials after this long ("15m", "90s", seconds); a trial running at the
            deadline is cut and failed.
        sampler: "tpe" (default), "random" or "grid" (grid: choices only).
        pruner: "hyperband" (default), "median" or "none".
        study: the study's name (default: BLUEPRINT-DATA, so rerunning the command continues it).
        storage: an SQLAlchemy URL (default: sqlite:///STUDY_FOLDER/study.db).
        space: `--space` overrides: "key=lo:hi", "key=a,b,c", "key=value".
        seed: the seed of the data split, of every trial's weights and of the sampler.
        out: the study folder (default: studies/STUDY).
        retrain: retrain the best trial and write the report (default: unless this process is a
            `launch` worker other than worker 0).
        command: the command line recorded in the best run's run.json.
        print_fn: called with one line per finished trial (default: silent).

    Returns:
        The `TuneResult`: counts, the best trial, its run folder and the report page.
    """
    started = time.perf_counter()
    say = print_fn or (lambda line: None)
    _check_options(blueprint, trials, sampler, pruner)
    seconds = parse_duration(timeout)
    if seconds is not None and seconds <= 0:
        raise ConfigError(f"`timeout` {timeout} must be longer than 0; write e.g. 15m.")
    searched = search_space(blueprint, space)
    if sampler == "grid" and any(not s.choices for s in searched.searched.values()):
        ranges = ", ".join(k for k, s in searched.searched.items() if not s.choices)
        raise ConfigError(f"`sampler` grid needs choices, but {ranges} are ranges; give them as choices in `space` (KEY=a,b,c), or use tpe.")
    name = study or _default_name(blueprint, data)
    folder = Path(out) if out else STUDIES_ROOT / name
    worker = int(os.environ.get(WORKER_ENV, "0") or 0)
    retrain = worker == 0 if retrain is None else retrain
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    url = storage or sqlite_url(folder)
    command = _without_password(command, storage)
    try:
        result = _tune_in(folder, url, name, blueprint, data, target, drop, trials, seconds, sampler, pruner, searched,
                          seed, worker, retrain, command, say, started)
    except (TfjourneyError, KeyboardInterrupt):
        if created and not _holds_finished_trials(folder):
            shutil.rmtree(folder, ignore_errors=True)  # nothing half-written: a study that never finished a trial leaves no folder
        raise
    return result


def _tune_in(folder, url, name, blueprint, data, target, drop, trials, seconds, sampler, pruner, searched: SearchSpace,
             seed, worker, retrain, command, say, started) -> TuneResult:
    from tfjourney._tensorflow import import_tensorflow_quietly

    import_tensorflow_quietly()  # before Optuna, which may import it loudly
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # our own line per trial instead of Optuna's log
    storage = open_storage(url)
    _check_folder_holds_only(storage, url, folder, name)
    from tfjourney.tune.objective import make_search

    search = make_search(blueprint, data, target=target, fixed=searched.fixed, seed=seed, drop=drop)
    identity = {"blueprint": blueprint, "data": search.fingerprint, "seed": seed, "space": searched.to_dict()}
    the_study = optuna.create_study(study_name=name, storage=storage, direction=search.direction,
                                    sampler=_sampler(sampler, searched, seed + worker), pruner=_pruner(pruner, searched),
                                    load_if_exists=True)
    _check_identity(the_study, identity, name)
    _start(the_study, identity, searched, worker)
    fail_stale_trials(the_study)  # trials whose worker died long enough ago: failed, and queued again
    done = _count(the_study)
    if done < trials:
        deadline = time.monotonic() + seconds if seconds else None
        callbacks = [optuna.study.MaxTrialsCallback(trials, states=_finished_states()), _Reporter(search, say)]
        from tfjourney.tune.objective import TrialOutOfTime

        the_study.optimize(search.objective(searched, deadline=deadline), n_trials=2 * trials, timeout=seconds,
                           callbacks=callbacks, catch=(TrialOutOfTime,), gc_after_trial=True)
    result = _result(the_study, name, folder, url, search, started)
    if result.best_trial is None:
        raise ConfigError(_no_trial_message(the_study, seconds))
    if retrain:
        _wait_for_running(the_study, seconds)
        result = _result(the_study, name, folder, url, search, started)
        result.run_dir = _retrain_best(the_study, searched, search, result, data, target, drop, seed, command, say)
        from tfjourney.tune.report import write_study_report

        result.report = write_study_report(the_study, folder, result=result, search=search, space=searched)
        result.seconds = time.perf_counter() - started
    return result


def _finished_states():
    import optuna

    return (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


def _count(study) -> int:
    return len(study.get_trials(deepcopy=False, states=_finished_states()))


def _check_options(blueprint: str, trials: int, sampler: str, pruner: str) -> None:
    if blueprint not in TUNABLE:
        raise ConfigError(f"tfjourney tune searches the {', '.join(TUNABLE)} blueprints, not {blueprint!r}; choose one of them.")
    if not isinstance(trials, int) or trials < 1:
        raise ConfigError(f"`trials` {trials} must be at least 1; e.g. 20.")
    if sampler not in SAMPLERS:
        raise ConfigError(f"unknown `sampler` {sampler!r}; choose one of: {', '.join(SAMPLERS)}.")
    if pruner not in PRUNERS:
        raise ConfigError(f"unknown `pruner` {pruner!r}; choose one of: {', '.join(PRUNERS)}.")


def _default_name(blueprint: str, data: str | Path) -> str:
    stem = Path(str(data).rstrip("/")).stem or "data"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{blueprint}-{stem}")


def _sampler(name: str, searched: SearchSpace, seed: int):
    import optuna

    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "grid":
        grid = {key: list(space.choices) for key, space in searched.searched.items()}
        return optuna.samplers.GridSampler(grid, seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=10)


def _pruner(name: str, searched: SearchSpace):
    """Hyperband or median pruning that waits a tenth of the epoch budget: a network's first epochs say little of its last."""
    import optuna

    first = max(2, _epoch_budget(searched) // 10)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=first, reduction_factor=3)
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=first)
    return optuna.pruners.NopPruner()


def _epoch_budget(searched: SearchSpace) -> int:
    from tfjourney.blueprints import get_blueprint

    if "epochs" in searched.searched:
        return int(searched.searched["epochs"].high or 1)
    return int(searched.fixed.get("epochs", get_blueprint(searched.blueprint).defaults()["epochs"]))


def _check_folder_holds_only(storage, url: str, folder: Path, name: str) -> None:
    """A study folder's own SQLite file holds one study: another name there would mix two studies' reports."""
    import optuna

    if url != sqlite_url(folder):
        return
    others = [n for n in optuna.get_all_study_names(storage) if n != name]
    if others:
        raise ConfigError(f"study folder {folder} holds study {others[0]!r}, not {name!r}; pass `study` {others[0]} to continue it, "
                          "or choose another `out`.")


def _check_identity(study, identity: dict, name: str) -> None:
    """A study name belongs to one blueprint, data, seed and space; anything else is refused, naming the difference."""
    stored = study.user_attrs.get("identity")
    if stored is None:
        return
    for key, label in (("blueprint", "blueprint"), ("data", "data"), ("seed", "seed"), ("space", "search space")):
        if stored.get(key) != identity.get(key):
            raise ConfigError(f"study {name!r} was made with another {label} ({_difference(key, stored.get(key), identity.get(key))}); "
                              "choose another `study` name, or repeat the study's own command to continue it.")


def _difference(key: str, old: Any, new: Any) -> str:
    if key != "space":
        return f"{old} there, {new} now"
    changes = []
    for part in ("searched", "fixed"):
        before, after = (old or {}).get(part, {}), (new or {}).get(part, {})
        for k in sorted(set(before) | set(after)):
            if before.get(k) != after.get(k):
                changes.append(f"{k}: {_short(before.get(k))} there, {_short(after.get(k))} now")
    if (old or {}).get("blueprint") != (new or {}).get("blueprint"):
        changes.insert(0, f"blueprint {old.get('blueprint')} there, {new.get('blueprint')} now")
    return "; ".join(changes) or "it differs"


def _short(space: Any) -> str:
    if space is None:
        return "not set"
    if isinstance(space, dict) and "choices" in space:
        return ",".join(map(str, space["choices"]))
    if isinstance(space, dict):
        return f"{space['low']:g}:{space['high']:g}" + (":log" if space.get("log") else "")
    return str(space)


def _start(study, identity: dict, searched: SearchSpace, worker: int) -> None:
    """A new study gets its identity and trial 0, the blueprint's defaults; later workers wait for trial 0 to be queued."""
    if study.user_attrs.get("identity") is None and worker == 0:
        study.set_user_attr("identity", identity)
        study.enqueue_trial(searched.default_params(), user_attrs={"default": True}, skip_if_exists=True)
        return
    deadline = time.monotonic() + 60
    while worker and not study.trials and time.monotonic() < deadline:
        time.sleep(_WAIT_POLL_SECONDS)


class _Reporter:
    """One line per finished trial: its score, the best so far, and its parameters."""

    def __init__(self, search, say: Callable[[str], None]):
        self.search, self.say = search, say

    def __call__(self, study, trial) -> None:
        state = trial.state.name.lower()
        if trial.user_attrs.get("invalid"):
            what = f"skipped: {trial.user_attrs['invalid']}"
        elif state == "complete":
            what = f"validation {self.search.metric} {_fmt(trial.value)}"
        elif state == "pruned" and trial.intermediate_values:
            last = max(trial.intermediate_values)
            what = f"pruned after epoch {last + 1} (validation {self.search.metric} {_fmt(trial.intermediate_values[last])})"
        else:
            what = state
        best = _best(study)
        best_text = f" (best {_fmt(best.value)}, trial {best.number})" if best is not None else ""
        params = ", ".join(f"{k}={format_value(v) if not isinstance(v, float) else f'{v:.3g}'}" for k, v in trial.params.items())
        seconds = trial.user_attrs.get("seconds")
        took = f" [{seconds:.0f}s]" if seconds is not None else ""
        self.say(f"trial {trial.number}: {what}{best_text}{took}  {params}")


def _fmt(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 10 else f"{value:,.0f}"


def _best(study):
    try:
        return study.best_trial
    except ValueError:
        return None


def _result(study, name: str, folder: Path, url: str, search, started: float) -> TuneResult:
    import optuna

    states = [t.state for t in study.get_trials(deepcopy=False)]
    best = _best(study)
    default = next((t for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
                    if t.user_attrs.get("default")), None)
    return TuneResult(
        study=name, folder=folder, storage=redact(url), metric=search.metric, direction=search.direction,
        finished=states.count(optuna.trial.TrialState.COMPLETE), pruned=states.count(optuna.trial.TrialState.PRUNED),
        failed=states.count(optuna.trial.TrialState.FAIL), seconds=time.perf_counter() - started,
        best_trial=best.number if best else None, best_value=best.value if best else None,
        default_value=default.value if default else None, best_config=dict(best.params) if best else {},
    )


def _no_trial_message(study, seconds: float | None) -> str:
    cut = [t for t in study.trials if t.state.name == "FAIL"]
    if seconds is not None:
        epochs = max((len(t.intermediate_values) for t in cut), default=0)
        return (f"`timeout` {seconds:g}s ended before one trial finished ({epochs} epoch(s) done); "
                f"give more time, e.g. `timeout` {max(60, int(seconds * 10))}s, or fewer epochs in `space` (epochs=N).")
    return "no trial finished; rerun the same command to continue the study."


def _wait_for_running(study, seconds: float | None) -> None:
    """Worker 0 retrains the best trial once the other workers' running trials have finished (or died)."""
    import optuna

    limit = time.monotonic() + (seconds or 3600)
    while time.monotonic() < limit:
        fail_stale_trials(study)
        if not study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
            return
        time.sleep(_WAIT_POLL_SECONDS)


def _retrain_best(study, searched: SearchSpace, search, result: TuneResult, data, target, drop, seed, command, say) -> Path:
    """The best trial's configuration through the blueprint's own `train`, into STUDY/best-trial-N (kept if it is there)."""
    from tfjourney.registry import get_registration
    from tfjourney.runs import is_run_folder

    best = study.best_trial
    run_dir = result.folder / f"best-trial-{best.number}"
    if is_run_folder(run_dir):
        return run_dir
    registration = get_registration(search.blueprint)
    values = searched.config_values(best.params)
    default_batch = registration.blueprint.defaults().get("batch_size")
    if "batch_size" not in searched.fixed and values.get("batch_size") == default_batch:
        values.pop("batch_size")  # as `train` without --batch-size: the batch may grow with the rows
    options = {"target": target, "drop": drop} if registration.kind == "table" else {}
    say(f"retraining trial {best.number} (validation {search.metric} {_fmt(best.value)}) into {run_dir} ...")
    record = {"name": result.study, "trial": best.number, "value": best.value, "metric": f"validation {search.metric}",
              "storage": result.storage, "folder": str(result.folder)}
    run = registration.trainer()(data, out=run_dir, seed=seed, command=command, study=record, **options, **values)
    return Path(run.path)


def _without_password(command: list[str] | None, storage: str | None) -> list[str] | None:
    """The command line to record, with the storage URL's password removed."""
    if command is None or storage is None:
        return command
    return [arg.replace(storage, redact(storage)) for arg in command]


def _holds_finished_trials(folder: Path) -> bool:
    """Whether the default SQLite study in `folder` has any finished trial (then the folder is kept)."""
    import sqlite3

    path = folder / "study.db"
    if not path.is_file():
        return False
    try:
        with sqlite3.connect(path) as connection:
            return connection.execute("SELECT COUNT(*) FROM trials WHERE state IN ('COMPLETE', 'PRUNED')").fetchone()[0] > 0
    except sqlite3.Error:
        return False
