"""The `text` kind: raw strings in, one class per text out (the text blueprint).

`predict` takes texts as typed (`tfjourney predict RUN "a tweet" "another"`), .txt files (one
text each) or a CSV with the run's text column. Serve takes TF Serving's row format
(`{"instances": ["a tweet", ...]}`, or objects `{"text": "a tweet"}`) or its columnar one
(`{"inputs": ["a tweet", ...]}` or `{"inputs": {"text": [...]}}`). The vocabulary lives inside
`model.keras`, so every path feeds the model the raw strings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tfjourney.errors import DataError, RunFolderError, UnsupportedFileError
from tfjourney.kinds import Kind, Sample, Upload

KIND = Kind(name="text", module=__name__, explainer="text",
            upload=Upload(accept=".csv,.txt,text/csv,text/plain", multiple=True,
                          hint="A CSV with the run's text column, or .txt files (one text each)"))
_UPLOAD_SUFFIXES = (".csv", ".txt")
_MAX_TEXT_CHARS = 100_000  # one served text; far beyond any sequence length, so nothing a model could use is refused


# ------------------------------------------------------------------ predict and evaluate
def predict(run, inputs: list[str | Path], *, top_k: int | None = None, tta: bool = False):
    """`tfjourney predict RUN TEXT|FILE...`: the predicted class and every class's probability per text.

    Args:
        run: a text run.
        inputs: texts as typed, .txt files (one text each) or CSV files with the run's text column.
        top_k: unused (every class's probability is a column already).
        tta: test-time augmentation is for image runs; True is refused.

    Returns:
        One row per text: the text, predicted_<target>, probability, p_<class>...
    """
    import pandas as pd

    from tfjourney.pipelines.text import predict_texts

    _refuse_tta(run, tta)
    texts = read_inputs(run, inputs)
    if not texts:
        raise DataError("no texts to predict; pass texts in quotes, .txt files or a CSV with the run's text column.")
    _warn_truncated(run, texts)
    probabilities = predict_texts(run.load_model(), texts)
    return pd.concat([pd.DataFrame({"text": texts}), prediction_table(run, probabilities)], axis=1)


def _warn_truncated(run, texts: list[str]) -> None:
    """Say so when the model will read only the first words of some texts (its sequence length)."""
    import warnings

    from tfjourney.data.text import token_counts
    from tfjourney.errors import TfjourneyWarning

    length = run.record["config"]["sequence_length"]
    longer = int((token_counts(texts) > length).sum())
    if longer:
        warnings.warn(f"{longer} of {len(texts)} texts have more than {length} words; the model reads only their first {length} "
                      f"(train with a larger `sequence_length` to read more)", TfjourneyWarning, stacklevel=3)


def evaluate(run, data: str | Path, *, tta: bool = False) -> dict:
    """`tfjourney evaluate RUN DATA`: the run's metrics on other labelled texts (a CSV or class folders)."""
    import numpy as np

    import warnings

    from tfjourney.data.text import load_texts
    from tfjourney.errors import TfjourneyNotice
    from tfjourney.metrics import classification_metrics
    from tfjourney.pipelines.text import predict_texts

    _refuse_tta(run, tta)
    record = run.record["data"]
    folder = Path(data).is_dir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TfjourneyNotice)  # other columns are expected here
        texts = load_texts(data, text=None if folder else record["text"], target=None if folder else record["target"])
    unknown = sorted(set(texts.labels) - set(record["class_names"]))
    if unknown:
        raise DataError(f"{data} has classes the model never saw: {', '.join(unknown)}; the model knows: {', '.join(record['class_names'])}.")
    lookup = {name: i for i, name in enumerate(record["class_names"])}
    y = np.array([lookup[label] for label in texts.labels], dtype="int32")
    return classification_metrics(y, predict_texts(run.load_model(), texts.texts), record["class_names"])


def read_inputs(run, inputs: list[str | Path]) -> list[str]:
    """Texts from what the user passed: a CSV's text column, a .txt file's content, or the argument itself."""
    texts: list[str] = []
    for item in inputs:
        path = Path(item)
        suffix = path.suffix.lower()
        if suffix in _UPLOAD_SUFFIXES and path.is_file():
            texts += _csv_texts(run, path) if suffix == ".csv" else [_file_text(path)]
        elif suffix in _UPLOAD_SUFFIXES and len(str(item).split()) == 1:
            raise DataError(f"{item} does not exist; pass an existing file, or the text itself in quotes.")
        else:
            texts.append(str(item))
    return texts


def prediction_table(run, probabilities: np.ndarray):
    """Model outputs -> predicted_<target>, probability and one p_<class> column per class."""
    import numpy as np

    import pandas as pd

    from tfjourney.metrics import class_probabilities

    record = run.record["data"]
    class_names = record["class_names"]
    probabilities = class_probabilities(probabilities)
    table = pd.DataFrame({f"predicted_{record['target']}": [class_names[i] for i in probabilities.argmax(axis=1)],
                          "probability": probabilities.max(axis=1)})
    for i, name in enumerate(class_names):
        table[f"p_{name}"] = probabilities[:, i]
    return table


def _csv_texts(run, path: Path) -> list[str]:
    import io

    import pandas as pd

    content, _ = _decoded(path)
    frame = pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False)
    column = run.record["data"]["text"]
    if column not in frame.columns:
        raise DataError(f"{path} has no column {column!r}, the run's text column; the columns are: {', '.join(frame.columns)}.")
    return frame[column].astype(str).tolist()


def _file_text(path: Path) -> str:
    return _decoded(path)[0]


def _decoded(path: Path) -> tuple[str, str | None]:
    """The file's text; bytes that are not UTF-8 read as U+FFFD, with a warning saying so."""
    import warnings

    from tfjourney.data.text import decode_text
    from tfjourney.errors import TfjourneyWarning

    content, note = decode_text(path.read_bytes(), str(path))
    if note:
        warnings.warn(note, TfjourneyWarning, stacklevel=4)
    return content, note


def _refuse_tta(run, tta: bool) -> None:
    if tta:
        raise RunFolderError(f"{run.path} is a {run.blueprint} run; `tta` (test-time augmentation) needs a cnn or transfer run.")


def check_upload(name: str | None, content: bytes) -> str:
    """A studio upload must be a CSV or a .txt file of text; returns the suffix to stage it under."""
    suffix = Path(name or "").suffix.lower()
    if suffix not in _UPLOAD_SUFFIXES:
        raise UnsupportedFileError(f"{name} is not a .csv or .txt file; upload a CSV with the run's text column, or .txt files.")
    if b"\x00" in content[:4096]:
        raise DataError(f"{name} looks binary, not text; upload a UTF-8 text file.")
    return suffix


# ------------------------------------------------------------------ one HTTP request body
def decode(served, instances: list | None, inputs: Any) -> np.ndarray:
    """A TF Serving body -> a 1-D array of raw strings (DataError naming the problem and the fix)."""
    import numpy as np

    name = served.inputs[0]["name"] if served.inputs else "text"
    if instances is not None:
        if not isinstance(instances, list):
            raise DataError('"instances" must be a list of texts, e.g. {"instances": ["a tweet", "another tweet"]}.')
        values = [_unwrap(item, name, i) for i, item in enumerate(instances)]
    else:
        if isinstance(inputs, dict):
            if set(inputs) - {name, served.inputs[0].get("exported_name", name) if served.inputs else name}:
                raise DataError(f"unknown input(s) {', '.join(map(repr, inputs))}; model {served.name!r} takes one: {name!r}.")
            inputs = next(iter(inputs.values()), [])
        values = [_unwrap(item, name, i) for i, item in enumerate(inputs if isinstance(inputs, list) else [inputs])]
    return np.asarray(values, dtype=object)


def _unwrap(item: Any, name: str, index: int) -> str:
    """One example: a string, {"text": string}, or a one-element list of either."""
    if isinstance(item, list) and len(item) == 1:
        item = item[0]
    if isinstance(item, dict):
        if set(item) != {name}:
            raise DataError(f"instance {index} has keys {', '.join(map(repr, item))}; send a string, or an object {{\"{name}\": \"...\"}}.")
        item = item[name]
    if not isinstance(item, str):
        raise DataError(f"instance {index} is {type(item).__name__}; send each example as a string, e.g. \"a tweet\".")
    if len(item) > _MAX_TEXT_CHARS:
        raise DataError(f"instance {index} has {len(item):,} characters; send at most {_MAX_TEXT_CHARS:,} per text.")
    return item


def outputs(served, batch: np.ndarray) -> np.ndarray:
    """The model's class probabilities for decoded texts (the same function `tfjourney predict` uses)."""
    import numpy as np

    from tfjourney.pipelines.text import predict_texts

    return predict_texts(served.model, batch)


# ------------------------------------------------------------------ export
def describe_input(run, spec) -> str:
    """The manifest's words for the one input: what to send, and what the model does with it."""
    config = run.record["config"]
    return (f"raw text, one UTF-8 string per example (shape [batch]); inside the model TextVectorization "
            f"standardizes it ({config['standardize']}), splits on white space, maps each word to its id in the "
            f"{run.record['data'].get('vocabulary_size', config['max_tokens']):,}-word vocabulary (unknown words: 1) and keeps the first "
            f"{config['sequence_length']} words")


def samples(run, model, n_test: int, n_train: int, data: str | Path | None = None) -> tuple[Sample, Sample]:
    """(test, training) texts of the run's own split as the model takes them, at most `n_test` / `n_train`."""
    import numpy as np

    import warnings

    from tfjourney.blueprints import get_blueprint
    from tfjourney.data.text import load_texts
    from tfjourney.errors import TfjourneyNotice
    from tfjourney.pipelines.text import split_indices

    record = run.record
    source = str(data or record["data"]["source"])
    if not source.startswith("embedded:") and not Path(source).exists():
        raise DataError(f"export verifies on the run's own test texts, but {source} is not there; pass `data` with the texts the run trained on.")
    folder = Path(source).is_dir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TfjourneyNotice)
        texts = load_texts(source.removeprefix("embedded:"), text=None if folder else record["data"]["text"],
                           target=None if folder else record["data"]["target"])
    config = get_blueprint("text").resolve(**{k: v for k, v in record["config"].items() if k != "sequence_length"})
    splits = split_indices(texts, config, record["seed"])
    name = model.inputs[0].name

    def sample(index: np.ndarray, n: int) -> Sample:
        index = index[:n]
        return Sample({name: texts.texts[index].astype(str)}, texts.encoded(index))

    return sample(splits["test"], n_test), sample(splits["train"], n_train)
