"""The `tfjourney` command: parse arguments, call one library function, print the result.

No logic lives here: every command is a thin wrapper over the Python API, so the CLI,
the web pages and a notebook all do exactly the same thing. Errors a user can fix
print one line and exit with code 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import signal
import sys
import threading
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from tfjourney import __version__  # noqa: E402
from tfjourney.blueprints import DEFAULT_SEED, IMAGENET_TOP_K, PREDICT_TOP_K  # noqa: E402
from tfjourney.errors import TfjourneyError, TfjourneyNotice, TfjourneyWarning, show_setting_names  # noqa: E402

EXIT_USAGE = 2


# ----------------------------------------------------------------------------- parsing helpers
def _int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers such as 100,100, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected at least one positive integer such as 100,100, got {text!r}")
    return values


def _schedule(text: str) -> int | tuple[int, ...]:
    """`20` -> 20, `10,20,40` -> (10, 20, 40): one number per fine-tuning stage."""
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or comma-separated numbers such as 10,20,40, got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError(f"expected a number or comma-separated numbers such as 10,20,40, got {text!r}")
    return values[0] if len(values) == 1 else values


def _name_list(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _default(blueprint_name: str, key: str) -> str:
    """'default: X' read from the blueprint, so help text never disagrees with the table."""
    from tfjourney.blueprints import format_value, get_blueprint

    return f"default: {format_value(get_blueprint(blueprint_name).defaults()[key])}"


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options every `train` command takes alike (tfjourney.runs.RunOptions): where, seed, progress, distribution."""
    parser.add_argument("--out", type=Path, help="run folder to write (default: runs/<blueprint>-<timestamp>)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing run folder and everything in it (only ever a previous run)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed; the same seed repeats a run (default: {DEFAULT_SEED})")
    parser.add_argument("--tensorboard", action="store_true", help="also write TensorBoard logs to RUN_DIR/logs")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--verbose", "-v", action="count", default=0, help="print Keras's own line per epoch instead of tfjourney's")
    shown.add_argument("--quiet", "-q", action="store_true", help="print only the result: no progress while training")
    from tfjourney.blueprints import DISTRIBUTE_CHOICES

    parser.add_argument("--distribute", choices=DISTRIBUTE_CHOICES, default="none",
                        help="none (default): one device; mirrored: all local GPUs (or --devices N CPU devices); "
                             "multiworker: the machines in TF_CONFIG (see `tfjourney launch`); auto: mirrored when several GPUs are visible")
    parser.add_argument("--devices", type=_positive_int, help="with --distribute mirrored: train on N logical CPU devices (for testing)")
    parser.add_argument("--global-batch-size", type=_positive_int, dest="global_batch_size",
                        help="examples per step over all replicas (default: the blueprint's batch size); each replica gets its share")
    parser.add_argument("--resume", action="store_true", help="continue the interrupted run of this same command from its last finished epoch")


# Flags whose name is not the row's key with dashes (kept from earlier versions: scripts use them),
# and rows whose values are written in a form of their own on the command line.
_FLAG_NAMES = {"learning_rate": "--lr"}
_FLAG_TYPES = {"fine_tune_layers": _schedule, "fine_tune_epochs": _schedule}


def _add_row_flags(parser: argparse.ArgumentParser, blueprint_name: str) -> None:
    """One flag per row of the blueprint's table: help text, default and choices come from the row.

    A bool row is `--key` / `--no-key`; a list row takes comma-separated numbers (`--hidden 64,32`).
    """
    from tfjourney.blueprints import format_value, get_blueprint

    for row in get_blueprint(blueprint_name).rows:
        if row.key is None:
            continue
        flag = _FLAG_NAMES.get(row.key, "--" + row.key.replace("_", "-"))
        allowed = f"; one of {', '.join(map(format_value, row.choices))}" if row.choices and not isinstance(row.default, bool) else ""
        allowed = allowed or (f"; {row.range.describe()}" if row.range is not None else "")
        help_text = f"{row.hyperparameter} (default: {format_value(row.default)}{allowed})".replace("%", "%%")
        if isinstance(row.default, bool):
            parser.add_argument(flag, dest=row.key, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        elif isinstance(row.default, tuple):
            parser.add_argument(flag, dest=row.key, type=_FLAG_TYPES.get(row.key, _int_list), metavar="N[,N...]", help=help_text)
        else:
            parser.add_argument(flag, dest=row.key, type=type(row.default), choices=row.choices or None,
                                metavar=row.key.upper() if not row.choices else None, help=help_text)


def _train_parser(train_sub, name: str, help_text: str):
    from tfjourney.blueprints import get_blueprint

    parser = train_sub.add_parser(name, help=help_text, description=get_blueprint(name).summary)
    parser.set_defaults(handler=_train)
    return parser


def _add_tabular_parser(train_sub, name: str, help_text: str) -> None:
    parser = _train_parser(train_sub, name, help_text)
    parser.add_argument("data", help="table file (.csv, .tsv, .xlsx, .parquet) or embedded dataset name (see `tfjourney datasets`)")
    parser.add_argument("--target", help="column to predict (optional for embedded datasets)")
    parser.add_argument("--drop", type=_name_list, default=[], help="comma-separated columns to leave out, e.g. an id")
    parser.add_argument("--keep", type=_name_list, default=[],
                        help="comma-separated columns to use even if they look like IDs or constants (left out otherwise)")
    parser.add_argument("--column-types", dest="column_types", metavar="COL=ROLE,...",
                        help="override inferred column roles: numeric, categorical, high_cardinality, datetime, text, identifier (left out)")
    parser.add_argument("--find-lr", action="store_true", dest="find_lr", help="run the learning-rate sweep first and use its suggestion")
    parser.add_argument("--encoding", default="utf-8", help="text encoding of a CSV/TSV (default: utf-8)")
    parser.add_argument("--sep", help="delimiter of a CSV, e.g. ';' or tab (default: guessed, and a note says so)")
    parser.add_argument("--decimal", choices=(".", ","), help="decimal mark of numbers written as text (default: guessed per file)")
    _add_row_flags(parser, name)
    _add_run_options(parser)


def _add_image_parser(train_sub, name: str, help_text: str) -> argparse.ArgumentParser:
    parser = _train_parser(train_sub, name, help_text)
    parser.add_argument("data", help="image folder (train/ + test/ class folders, or one class-folder tree) or embedded name: digits, shapes")
    parser.add_argument("--strict", action="store_true", help="fail on unreadable images instead of skipping them")
    return parser


def _add_generic_parser(train_sub, name: str) -> None:
    """A registered blueprint without data arguments of its own: DATA, then one flag per row of its table."""
    from tfjourney.blueprints import get_blueprint

    parser = _train_parser(train_sub, name, get_blueprint(name).title)
    parser.add_argument("data", help="the data to train on")
    _add_row_flags(parser, name)
    _add_run_options(parser)


def _add_forecast_parser(train_sub) -> None:
    parser = _train_parser(train_sub, "forecast", "forecast a series from windows of past steps, beside the naive forecast")
    parser.add_argument("data", help="a CSV with a time column and a numeric target, or the embedded series co2")
    parser.add_argument("--time", help="the time column (dates or numbers); optional for co2")
    parser.add_argument("--target", help="the numeric column to forecast; optional for co2")
    parser.add_argument("--features", type=_name_list, default=[], help="comma-separated numeric columns the windows also carry")
    _add_row_flags(parser, "forecast")
    _add_run_options(parser)


def _add_cnn_parser(train_sub) -> None:
    parser = _add_image_parser(train_sub, "cnn", "a Tiny-VGG style CNN on a folder of images")
    _add_row_flags(parser, "cnn")
    _add_run_options(parser)


def _add_transfer_parser(train_sub) -> None:
    parser = _add_image_parser(train_sub, "transfer", "transfer learning: feature extraction, then optional fine-tuning")
    parser.add_argument("--weights", type=Path, help="local weights file for the backbone (default: ImageNet weights; bundled for "
                                                     "the efficientnet_lite ones, downloaded by Keras for the others)")
    parser.add_argument("--find-lr", action="store_true", dest="find_lr", help="run the learning-rate sweep on the head first and use its suggestion")
    _add_row_flags(parser, "transfer")
    _add_run_options(parser)


def _add_text_parser(train_sub) -> None:
    parser = _train_parser(train_sub, "text", "text classification: TextVectorization + Embedding + a dense, recurrent or Conv1D body")
    parser.add_argument("data", nargs="?", default="sample_tweets",
                        help="a CSV, a folder of class folders of .txt files, or sample_tweets (embedded; the default)")
    parser.add_argument("--text", help="the CSV's text column (default: text, sentence, review, tweet or content)")
    parser.add_argument("--target", help="the CSV's class column (default: target, label, class or sentiment)")
    parser.add_argument("--embeddings", type=Path, help="a GloVe or word2vec text file to start the Embedding from (frozen; --fine-tune unfreezes it)")
    _add_row_flags(parser, "text")
    _add_run_options(parser)


# Train parsers with data arguments of their own; any other registered blueprint gets DATA and its
# table's flags. Every hyperparameter's flag comes from its row either way.
_TRAIN_PARSERS = {
    "regression": lambda sub, name: _add_tabular_parser(sub, name, "neural network regression on a table"),
    "classification": lambda sub, name: _add_tabular_parser(sub, name, "binary or multiclass classification on a table"),
    "cnn": lambda sub, name: _add_cnn_parser(sub),
    "transfer": lambda sub, name: _add_transfer_parser(sub),
    "forecast": lambda sub, name: _add_forecast_parser(sub),
    "text": lambda sub, name: _add_text_parser(sub),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tfjourney",
        description="The TensorFlow Developer Certificate journey as a toolkit: blueprints, pipelines, reports.",
    )
    parser.add_argument("--version", action="version", version=f"tfjourney {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    train = sub.add_parser("train", help="train a blueprint and write a run folder", description="Train a blueprint and write a run folder.")
    train_sub = train.add_subparsers(dest="blueprint", metavar="BLUEPRINT", required=True)
    from tfjourney.registry import REGISTRY

    for name in REGISTRY:
        _TRAIN_PARSERS.get(name, _add_generic_parser)(train_sub, name)

    predict = sub.add_parser("predict", help="predict with a run's model (CSV rows or images), or ImageNet classes with --imagenet",
                             description="Predict with a run's model: `predict RUN_DIR INPUT.csv` or `predict RUN_DIR IMAGE...`; "
                                         "or the pretrained backbone as-is: `predict --imagenet IMAGE...`.")
    predict.add_argument("inputs", nargs="*", metavar="RUN_DIR INPUT",
                         help="RUN_DIR then INPUT.csv, or images and folders of images; with --imagenet just the images")
    predict.add_argument("--output", type=Path, help="also write the predictions to this CSV (must not exist; its folders are created), each row led by its input's id")
    predict.add_argument("--top-k", type=_positive_int, default=None, dest="top_k", help=f"show the K most likely classes per image (default: {PREDICT_TOP_K}, or {IMAGENET_TOP_K} with --imagenet)")
    predict.add_argument("--imagenet", action="store_true", help="classify images into the 1000 ImageNet classes with a pretrained backbone")
    predict.add_argument("--backbone", default=None, help=f"backbone for --imagenet ({_default('transfer', 'backbone')}, offline)")
    predict.add_argument("--weights", type=Path, default=None, help="local weights file for --imagenet with a keras.applications backbone")
    predict.add_argument("--tta", action="store_true", help="image runs: average each prediction over the image and its mirror image (test-time augmentation)")
    predict.add_argument("--steps", type=_positive_int, default=None, help="forecast runs: forecast N steps past the end of the series "
                                                                           "(or of INPUT.csv); the plot goes beside --output")
    predict.set_defaults(handler=_predict)

    evaluate = sub.add_parser("evaluate", help="recompute a run's metrics on another labelled CSV or image folder")
    evaluate.add_argument("run_dir", type=Path, help="a run folder written by `tfjourney train`")
    evaluate.add_argument("data", help="a CSV with the target column (tabular runs) or an image folder of the same classes (image runs)")
    evaluate.add_argument("--tta", action="store_true", help="image runs: average each prediction over the image and its mirror image "
                                                         "(test-time augmentation); accuracy_without_tta shows the plain figure")
    evaluate.set_defaults(handler=_evaluate)

    blueprint = sub.add_parser("blueprint", help="print a blueprint table (all of them without NAME)")
    blueprint.add_argument("name", nargs="?", help=f"one of: {', '.join(REGISTRY)}")
    blueprint.set_defaults(handler=_blueprint)

    datasets = sub.add_parser("datasets", help="list embedded and downloadable datasets; `datasets fetch NAME` downloads one")
    datasets.add_argument("action", nargs="?", choices=("list", "fetch"), default="list", help="list (default) or fetch")
    datasets.add_argument("name", nargs="?", help="dataset to fetch, e.g. pizza_steak")
    datasets.add_argument("--dir", type=Path, help="where to put a fetched dataset (default: the cache)")
    datasets.add_argument("--file", type=Path, help="use a zip you downloaded yourself instead of downloading it")
    datasets.set_defaults(handler=_datasets)

    journey = sub.add_parser("journey", help="the whole learning journey on embedded data, with one index page")
    journey.add_argument("--out", type=Path, default=None, help="output folder (default: journey/<timestamp>)")
    journey.add_argument("--quick", action="store_true", help="fewer epochs and smaller images: the whole journey in about a minute")
    journey.add_argument("--images", type=Path, help="use this image folder for the CNN and transfer steps")
    journey.add_argument("--overwrite", action="store_true", help="replace the runs of an existing journey folder")
    journey.set_defaults(handler=_journey)

    report = sub.add_parser("report", help="(re)write report.html for a run, or a comparison page for several")
    report.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR", help="one or more run folders")
    report.add_argument("--out", type=Path, help="with several runs: comparison page path or folder (default: compare.html beside the first run)")
    report.set_defaults(handler=_report)

    export = sub.add_parser("export", help="export a run's model to SavedModel, LiteRT (TFLite) and ONNX, each verified",
                            description="Export a run's model for TensorFlow Serving (SavedModel), phones (LiteRT) and ONNX Runtime. "
                                        "Each file is checked against model.keras in a fresh process on the run's own test data.")
    export.add_argument("run_dir", type=Path, help="a run folder written by `tfjourney train`")
    export.add_argument("--format", type=_name_list, default=None, dest="formats",
                        help="comma-separated: saved_model, tflite, onnx (default: every format the model supports)")
    export.add_argument("--out", type=Path, help="export folder (default: RUN_DIR/export)")
    export.add_argument("--quantize", default="none", help="also write a quantized LiteRT file: none, float16, dynamic or int8 (default: none)")
    export.add_argument("--data", help="the data the run trained on, if it moved since training (its test split verifies the files)")
    export.add_argument("--overwrite", action="store_true",
                        help="redo the formats asked for in a previous export folder (the others are kept when it exported this run)")
    export.set_defaults(handler=_export)

    serve = sub.add_parser("serve", help="serve run folders' models over TensorFlow Serving's REST API",
                           description="Serve one or more run folders with TensorFlow Serving's REST API (/v1/models/NAME:predict, "
                                       "NAME = the folder's name), plus /healthz and OpenAPI docs at /docs. Ctrl-C stops it.")
    serve.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR", help="one or more run folders")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=8501, help="TCP port (default: 8501, as TF Serving)")
    serve.add_argument("--max-body", type=int, default=10 * 1024 * 1024, dest="max_body", help="largest request body in bytes (default: 10 MB)")
    serve.add_argument("--no-batching", action="store_false", dest="batching", help="run each request on its own instead of micro-batching")
    serve.set_defaults(handler=_serve)

    explain = sub.add_parser("explain", help="feature maps and Grad-CAM for an image through a CNN or transfer run")
    explain.add_argument("run_dir", type=Path, help="a cnn or transfer run folder")
    explain.add_argument("image", type=Path, help="the image to explain")
    explain.add_argument("--layer", help="convolution layer for Grad-CAM (default: the last one)")
    explain.add_argument("--class", dest="class_name", help="class to explain (default: the predicted one)")
    explain.set_defaults(handler=_explain)

    from tfjourney.studio.server import DEFAULT_HOST, DEFAULT_PORT

    studio = sub.add_parser("studio", help="the local web app: runs, Playground, Explainer, Predict (127.0.0.1 by default)")
    studio.add_argument("runs_dir", nargs="?", type=Path, default=Path("runs"), metavar="RUNS_DIR",
                        help="folder searched recursively for runs, e.g. a journey's output (default: runs)")
    studio.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST}; anything else warns)")
    studio.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default: {DEFAULT_PORT})")
    studio.add_argument("--open", action="store_true", help="open the Runs page in your web browser")
    studio.set_defaults(handler=_studio)

    _add_tune_parser(sub)

    launch = sub.add_parser("launch", help="run a train command as N local multi-worker processes, or print TF_CONFIG for a cluster",
                            description="`tfjourney launch --workers 2 -- train cnn digits`: N workers on this machine with "
                                        "--distribute multiworker; `tfjourney launch --print-tf-config --hosts a:12345,b:12345 -- train ...`: "
                                        "the TF_CONFIG each machine of a real cluster needs.")
    launch.add_argument("--workers", type=_positive_int, help="number of local worker processes")
    launch.add_argument("--host", default="127.0.0.1", help="address the local workers listen on (default: 127.0.0.1, this machine only)")
    launch.add_argument("--timeout", type=float, help="stop every worker and fail after this many seconds (default: no limit)")
    launch.add_argument("--print-tf-config", action="store_true", dest="print_tf_config", help="print each machine's TF_CONFIG instead of starting workers")
    launch.add_argument("--hosts", help="with --print-tf-config: HOST:PORT of every machine, comma-separated; the first is the chief")
    launch.add_argument("train_command", nargs=argparse.REMAINDER, metavar="-- train ...",
                        help="the train command every worker runs (or a tune command: N workers share one study)")
    launch.set_defaults(handler=_launch)
    return parser


def _add_tune_parser(sub) -> None:
    from tfjourney.tune.study import PRUNERS, SAMPLERS, TUNABLE

    tune = sub.add_parser("tune", help="search a blueprint's table with Optuna; the best configuration becomes a run",
                          description="Search a blueprint's hyperparameters (the spaces `tfjourney blueprint NAME` shows) with Optuna. "
                                      "Trial 0 is the defaults; rerunning the command continues the study; the best trial is "
                                      "retrained into STUDY_FOLDER/best-trial-N, a normal run folder.")
    tune.add_argument("blueprint", choices=TUNABLE, help="the blueprint to tune")
    tune.add_argument("data", help="what `tfjourney train BLUEPRINT` takes: a CSV, an image folder or an embedded dataset")
    tune.add_argument("--target", help="column to predict (tables)")
    tune.add_argument("--drop", type=_name_list, default=[], help="comma-separated columns to leave out (tables)")
    tune.add_argument("--trials", type=int, default=20, help="finished trials the study should hold (default: 20)")
    tune.add_argument("--timeout", help="stop after this long, e.g. 15m, 90s, 1h (default: no limit)")
    tune.add_argument("--sampler", choices=SAMPLERS, default="tpe", help="tpe (default), random, or grid (choices only)")
    tune.add_argument("--pruner", choices=PRUNERS, default="hyperband", help="stops unpromising trials at epoch ends (default: hyperband)")
    tune.add_argument("--study", help="study name (default: BLUEPRINT-DATA)")
    tune.add_argument("--storage", help="SQLAlchemy URL shared by workers, e.g. postgresql://user:pw@host:5432/db "
                                        "(default: sqlite:///STUDY_FOLDER/study.db)")
    tune.add_argument("--space", action="append", default=[], metavar="KEY=LO:HI|A,B,C|VALUE",
                      help="override a search space: learning_rate=1e-4:1e-2, loss=mae,huber, epochs=50 (fixed); repeatable")
    tune.add_argument("--image-size", type=int, dest="image_size", help="cnn: images are resized to SIZE x SIZE (same as --space image_size=SIZE)")
    tune.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed of the split, the weights and the sampler (default: {DEFAULT_SEED})")
    tune.add_argument("--out", type=Path, help="study folder (default: studies/STUDY)")
    tune.set_defaults(handler=_tune)


# ----------------------------------------------------------------------------- handlers
def _hyperparameters(args: argparse.Namespace, blueprint: str) -> dict:
    """The blueprint's hyperparameters the user set on the command line (None means: the default)."""
    from tfjourney.blueprints import get_blueprint

    return {key: getattr(args, key) for key in get_blueprint(blueprint).defaults() if getattr(args, key, None) is not None}


def _print_run(run) -> None:
    from tfjourney.registry import get_registration

    print(get_registration(run.blueprint).describer()(run.blueprint, run.metrics))
    print(f"run folder: {run.path}")


def _run_options(args: argparse.Namespace) -> dict:
    """What every `train` command passes alike: where to write, the seed, progress, the command to record."""
    from tfjourney.progress import Progress

    return {
        "out": args.out,
        "overwrite": args.overwrite,
        "seed": args.seed,
        "tensorboard": args.tensorboard,
        "verbose": 2 if args.verbose else 0,
        "progress": Progress.for_stream(sys.stdout, quiet=args.quiet),
        "command": ["tfjourney", *args.argv],
        "distribute": args.distribute,
        "devices": args.devices,
        "global_batch_size": args.global_batch_size,
        "resume": args.resume,
    }


def _train(args: argparse.Namespace) -> None:
    """`train BLUEPRINT ...`: the blueprint's registered train function, with its options and the hyperparameters set."""
    from tfjourney.registry import get_registration

    registration = get_registration(args.blueprint)
    options = {name: getattr(args, name) for name in registration.options}
    _print_run(registration.trainer()(args.data, **options, **_run_options(args), **_hyperparameters(args, args.blueprint)))


def _predict(args: argparse.Namespace) -> None:
    from tfjourney.predict import predict

    result = predict(args.inputs, output=args.output, top_k=args.top_k, imagenet=args.imagenet, backbone=args.backbone, weights=args.weights, tta=args.tta,
                     steps=args.steps)
    print(result.to_text())
    if result.output:
        print(f"predictions written to {result.output}")
    if result.plot:
        print(f"plot written to {result.plot}")


def _evaluate(args: argparse.Namespace) -> None:
    from tfjourney.predict import evaluate

    metrics = evaluate(args.run_dir, args.data, tta=args.tta)
    print(json.dumps({k: v for k, v in metrics.items() if not isinstance(v, dict)}, indent=2))


def _blueprint(args: argparse.Namespace) -> None:
    from tfjourney.registry import REGISTRY, get_registration

    names = [args.name] if args.name else list(REGISTRY)
    tables = [get_registration(name).blueprint.format_table() for name in names]
    if args.name and get_registration(args.name).blueprint.format_space():
        tables[0] += "\n\n" + get_registration(args.name).blueprint.format_space()
    print("\n\n".join(tables))


def _tune(args: argparse.Namespace) -> int:
    from tfjourney.tune import tune

    space = [*args.space, *([f"image_size={args.image_size}"] if args.image_size else [])]
    try:
        result = tune(args.blueprint, args.data, target=args.target, drop=args.drop, trials=args.trials, timeout=args.timeout,
                      sampler=args.sampler, pruner=args.pruner, study=args.study, storage=args.storage, space=space,
                      seed=args.seed, out=args.out, command=["tfjourney", *args.argv],
                      print_fn=lambda line: print(_with_flags(line, args.flags), flush=True))
    except KeyboardInterrupt:
        print("tfjourney: interrupted; the study keeps every finished trial (the running one is marked failed): "
              "repeat the same command to continue it.", file=sys.stderr)
        return 130
    print(f"study {result.study}: {result.finished} complete, {result.pruned} pruned, {result.failed} failed trials "
          f"in {result.seconds:.0f} s; storage {result.storage}")
    if result.best_trial is not None:
        print(f"best trial {result.best_trial}: validation {result.metric} {result.best_value:.6g} "
              f"(defaults: {result.default_value if result.default_value is None else f'{result.default_value:.6g}'})")
    if result.run_dir is not None:
        print(f"best run folder: {result.run_dir}")
        print(f"study report: {result.report}")
    return 0


def _datasets(args: argparse.Namespace) -> None:
    from tfjourney.data.catalog import list_datasets
    from tfjourney.data.download import fetch_dataset

    if args.action == "fetch":
        from tfjourney.progress import Progress

        path = fetch_dataset(args.name, args.dir, file=args.file, progress=Progress.for_stream(sys.stdout))
        print(f"{args.name} is ready at {path}")
    else:
        print(list_datasets())


def _journey(args: argparse.Namespace) -> None:
    from tfjourney.journey import run_journey

    index = run_journey(out=args.out, quick=args.quick, images=args.images, overwrite=args.overwrite,
                        print_fn=lambda line: print(_with_flags(line, args.flags)))
    print(f"journey index: {index.resolve()}")


def _report(args: argparse.Namespace) -> None:
    from tfjourney.reports import report_runs

    print(f"report: {report_runs(args.run_dirs, out=args.out)}")


def _export(args: argparse.Namespace) -> int:
    from tfjourney.export import export_run

    result = export_run(args.run_dir, formats=args.formats, out=args.out, quantize=args.quantize, data=args.data,
                        overwrite=args.overwrite, progress=lambda line: _progress_line(_with_flags(line, args.flags)))
    print(f"export folder: {result.path} ({', '.join(result.written) or 'nothing written'}); details in {result.path / 'manifest.json'}")
    for line in result.problems:
        print(f"tfjourney: error: {_with_flags(line, args.flags)}", file=sys.stderr)
    return EXIT_USAGE if result.problems else 0


def _serve(args: argparse.Namespace) -> None:
    from tfjourney.serve.server import serve

    serve(args.run_dirs, host=args.host, port=args.port, max_body=args.max_body, batching=args.batching)


def _progress_line(line: str) -> None:
    if not line.endswith("..."):
        print(line, flush=True)


def _explain(args: argparse.Namespace) -> None:
    from tfjourney.explain import explain_run

    page = explain_run(args.run_dir, args.image, layer=args.layer, class_name=args.class_name)
    print(f"explanation: {page}")


def _studio(args: argparse.Namespace) -> None:
    from tfjourney.studio.server import serve

    serve(runs_dir=args.runs_dir, host=args.host, port=args.port, open_browser=args.open)


def _launch(args: argparse.Namespace) -> int:
    from tfjourney.errors import ConfigError
    from tfjourney.launcher import cluster_tf_configs, launch

    command = args.train_command[1:] if args.train_command[:1] == ["--"] else args.train_command
    if args.print_tf_config:
        if not args.hosts:
            raise ConfigError("--print-tf-config needs --hosts HOST:PORT,HOST:PORT (one per machine, the chief first).")
        print(cluster_tf_configs(args.hosts, command or None))
        return 0
    if args.workers is None:
        raise ConfigError("tfjourney launch needs --workers N (or --print-tf-config --hosts ...).")
    return launch(command, workers=args.workers, host=args.host, timeout=args.timeout)


# ----------------------------------------------------------------------------- entry point
def flag_names(parser: argparse.ArgumentParser, args: argparse.Namespace | None = None) -> dict[str, str]:
    """Config key / argument name -> the flag that sets it, read from the parser and its subcommands.

    The flags of the command `args` chose come first, so a key means what that command calls it;
    a key the other commands spell differently is left out (it then shows as the key).
    """
    seen: dict[str, set[str]] = {}
    for key, flag in _flags(parser):
        seen.setdefault(key, set()).add(flag)
    names = {key: flags.pop() for key, flags in seen.items() if len(flags) == 1}
    if args is not None:
        names.update(_flags(_chosen(parser, args)))
    return names


def _flags(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _flags(sub)
        elif isinstance(action, argparse.BooleanOptionalAction):  # --x / --no-x: the key is --x
            yield action.dest, action.option_strings[0]
        elif action.option_strings and not isinstance(action, argparse._StoreFalseAction):  # --no-x sets x=False
            yield action.dest, max(action.option_strings, key=len)


def _chosen(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)command parser that parsed `args`, e.g. `train regression`'s."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and getattr(args, action.dest, None) in action.choices:
            return _chosen(action.choices[getattr(args, action.dest)], args)
    return parser


def _with_flags(message: str, flags: dict[str, str]) -> str:
    """Library messages name config keys in backticks (`image_size`); on the command line they are flags."""
    return show_setting_names(message, lambda name: flags.get(name, f"`{name}`"))


def _warning_printer(flags: dict[str, str]):
    def show(message, category, filename, lineno, file=None, line=None) -> None:
        """Our own warnings as one tidy line; library noise (Keras, TF) stays quiet."""
        if issubclass(category, TfjourneyNotice):
            print(f"tfjourney: note: {_with_flags(str(message), flags)}", file=sys.stderr)
        elif issubclass(category, TfjourneyWarning):
            print(f"tfjourney: warning: {_with_flags(str(message), flags)}", file=sys.stderr)

    return show


def _interrupted(argv: list[str], run_dir: Path | None) -> str:
    """What an interrupted command leaves: nothing, or finished epochs and the exact command that continues them."""
    from tfjourney.runs import CHECKPOINT_DIR, partial_dir
    from tfjourney.training.checkpoint import checkpoint_epoch

    epoch = checkpoint_epoch(partial_dir(run_dir) / CHECKPOINT_DIR) if run_dir is not None else None
    if epoch is None:
        return "interrupted; no run folder was written."
    again = [*argv] if "--out" in argv or any(a.startswith("--out=") for a in argv) else [*argv, "--out", str(run_dir)]
    again += [] if "--resume" in again else ["--resume"]
    return f"interrupted after epoch {epoch}; to continue from there, run: {shlex.join(['tfjourney', *again])}"


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = [str(a) for a in (sys.argv[1:] if argv is None else argv)]
    args = parser.parse_args(argv)
    args.argv = argv
    flags = args.flags = flag_names(parser, args)
    warnings.showwarning = _warning_printer(flags)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # retracing notices are not for users
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # a kill cleans up (and keeps the epoch checkpoint) like Ctrl-C
    try:
        code = args.handler(args)
        sys.stdout.flush()  # here, so a reader that went away (`| head`) is a BrokenPipeError caught below, not at exit
    except TfjourneyError as exc:
        print(f"tfjourney: error: {_with_flags(str(exc), flags)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `tfjourney blueprint | head`: a closed pipe ends quietly, as in git and ls (before OSError: it is one)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a path the user gave cannot be written or read
        where = f" {exc.filename}" if exc.filename else ""
        print(f"tfjourney: error: cannot use{where}: {exc.strerror or exc}; check the path and its permissions.", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        print(f"tfjourney: {_interrupted(argv, getattr(exc, 'tfjourney_resumable', None))}", file=sys.stderr)
        return 130
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
