"""Load labelled texts (a CSV, a folder of class folders of .txt files, or `sample_tweets`), check them once, split them.

This is the edge of the text pipeline: everything after `load_texts` trusts its input.
Every problem a user can fix raises `DataError` (or `ConfigError`) with a one-line fix;
every decision made for the user (columns left out, bytes that were not UTF-8, rows without
text) is a `TfjourneyNotice` and a line in `TextData.notes`.

Example:
    >>> from tfjourney.data.text import load_texts, split_texts
    >>> data = load_texts("sample_tweets")
    >>> data.class_names
    ['0', '1']
    >>> train_index, test_index = split_texts(data.labels, fraction=0.1, seed=42)
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from tfjourney.data.embedded_text import EMBEDDED_TEXTS, SAMPLE_TWEETS, sample_tweets
from tfjourney.data.tabular import class_names_of, label_texts
from tfjourney.errors import ConfigError, DataError, TfjourneyNotice

TEXT_COLUMNS = ("text", "sentence", "review", "tweet", "content")  # tried in order when `text` is not given
TARGET_COLUMNS = ("target", "label", "class", "sentiment")  # tried in order when `target` is not given
_FOLDER_TARGET = "class"  # the target's name for a folder of class folders (their names are the classes)


@dataclass
class TextData:
    """Labelled texts, checked: one text and one class name per example."""

    texts: np.ndarray  # object array of str
    labels: np.ndarray  # object array of class names (str)
    class_names: list[str]
    source: str
    text_column: str
    target: str
    fingerprint: str
    notes: list[str] = field(default_factory=list)

    def encoded(self, index: np.ndarray | None = None) -> np.ndarray:
        """Class indices (int32) in `class_names` order, for the rows `index` (all when None)."""
        labels = self.labels if index is None else self.labels[index]
        lookup = {name: i for i, name in enumerate(self.class_names)}
        return np.array([lookup[label] for label in labels], dtype="int32")


def load_texts(data: str | Path, *, text: str | None = None, target: str | None = None) -> TextData:
    """Read labelled texts from a CSV, a folder of class folders of .txt files, or the embedded `sample_tweets`.

    Args:
        data: a CSV path, a folder (one sub-folder of .txt files per class, as
            `keras.utils.text_dataset_from_directory` reads), or `sample_tweets`.
        text: the CSV's text column (default: the first of text, sentence, review, tweet, content).
        target: the CSV's class column (default: the first of target, label, class, sentiment).

    Returns:
        The checked `TextData`; raises DataError naming the problem and its fix.
    """
    notes: list[str] = []
    if str(data) == SAMPLE_TWEETS:
        frame, source = sample_tweets(), f"embedded:{SAMPLE_TWEETS}"
    else:
        path = Path(data)
        if path.is_dir():
            _refuse_columns_for_folder(path, text, target)
            frame, source = _read_folder(path, notes), str(path)
            text, target = "text", _FOLDER_TARGET
        elif path.is_file():
            frame, source = _read_csv(path, notes), str(path)
        else:
            raise DataError(f"{data} is neither a file, a folder nor an embedded dataset; pass a CSV, a folder of class folders "
                            f"of .txt files, or one of: {', '.join(EMBEDDED_TEXTS)}.")
    text = _pick_column(frame, text, TEXT_COLUMNS, "text")
    target = _pick_column(frame, target, TARGET_COLUMNS, "target")
    if text == target:
        raise ConfigError(f"`text` and `target` are both {text!r}; name the column with the texts in `text` and the classes in `target`.")
    _note_left_out(frame, text, target, notes)
    texts, labels = _clean_rows(frame, text, target, notes)
    class_names = _check_classes(labels, target)
    labels = label_texts(labels).to_numpy(dtype=object)
    for note in notes:
        warnings.warn(note, TfjourneyNotice, stacklevel=2)
    return TextData(texts=texts, labels=labels, class_names=class_names, source=source, text_column=text, target=target,
                    fingerprint=_fingerprint(texts, labels), notes=notes)


def decode_text(raw: bytes, what: str) -> tuple[str, str | None]:
    """UTF-8 text from bytes; bytes that are not UTF-8 become U+FFFD, with the note saying so.

    Returns:
        The text and a note (None when every byte was UTF-8).
    """
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        decoded = raw.decode("utf-8-sig", errors="replace")
        return decoded, (f"{what} is not valid UTF-8 (byte {raw[exc.start]:#04x} at position {exc.start}); "
                         f"{decoded.count(chr(0xFFFD))} undecodable bytes read as U+FFFD (re-save it as UTF-8 to keep them)")


def split_texts(labels: np.ndarray, *, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One seeded, stratified split of row indices; `fraction` of them go to the second part.

    Args:
        labels: each row's class (stratification keeps their shares in both parts).
        fraction: the share of rows in the second part, in (0, 1).
        seed: the split's random_state.

    Returns:
        (first, second): sorted row indices.
    """
    index = np.arange(len(labels))
    try:
        first, second = train_test_split(index, test_size=fraction, random_state=seed, stratify=labels)
    except ValueError as exc:
        raise DataError(f"cannot split {len(labels)} texts of {len(set(labels))} classes with fraction {fraction} ({exc}); "
                        f"add examples, or pass a larger `test_size` / `validation_split`.") from None
    return np.sort(first), np.sort(second)


def token_counts(texts: Iterable[str]) -> np.ndarray:
    """Words per text, split on white space as the course counts them."""
    return np.array([len(str(t).split()) for t in texts], dtype="int64")


def average_tokens(texts: Iterable[str]) -> int:
    """The course's output_sequence_length: the average number of words per text, rounded (at least 1)."""
    counts = token_counts(texts)
    return max(1, int(round(float(counts.mean())))) if len(counts) else 1


def truncation_note(texts: Iterable[str], sequence_length: int) -> str | None:
    """A note when texts are longer than the sequence length (the vectorizer keeps only their first words)."""
    counts = token_counts(texts)
    longer = int((counts > sequence_length).sum())
    if not longer:
        return None
    return (f"{longer} of {len(counts)} training texts ({longer / len(counts):.0%}) have more than {sequence_length} words "
            f"(the longest {int(counts.max())}) and are truncated to their first {sequence_length}; "
            f"pass a larger `sequence_length` to keep more")


def read_word_vectors(path: str | Path, vocabulary: list[str], dim: int) -> tuple[np.ndarray, int]:
    """The rows of a GloVe or word2vec text file for `vocabulary`, as an Embedding weight matrix.

    Args:
        path: a text file of lines `word v1 v2 ... vD` (word2vec's optional "COUNT D" header line is skipped).
        vocabulary: the vectorizer's words, index 0 (padding) and 1 (out of vocabulary) first.
        dim: the Embedding's width (`embedding_dim`); the file's vectors must have it.

    Returns:
        (matrix of shape (len(vocabulary), dim), how many vocabulary words the file had); words
        it lacks keep small random vectors, padding a zero vector.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"word-vector file {path} does not exist; pass a GloVe or word2vec text file to `embeddings`.")
    rows = {word: i for i, word in enumerate(vocabulary)}
    matrix = np.random.default_rng(0).normal(0.0, 0.05, size=(len(vocabulary), dim)).astype("float32")
    matrix[0] = 0.0
    found = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            parts = raw.decode("utf-8", errors="replace").rstrip().split(" ")
            if number == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
                continue  # word2vec's header: vector count and width
            if len(parts) < 2:
                continue
            if len(parts) - 1 != dim:
                raise ConfigError(f"{path} holds {len(parts) - 1}-dimensional word vectors (line {number}) but `embedding_dim` is {dim}; "
                                  f"pass `embedding_dim` {len(parts) - 1}.")
            if parts[0] in rows:
                try:
                    matrix[rows[parts[0]]] = np.asarray(parts[1:], dtype="float32")
                except ValueError:
                    raise DataError(f"{path} line {number} is not 'word' followed by {dim} numbers; pass a GloVe or word2vec text file.") from None
                found += 1
    if not found:
        raise DataError(f"{path} has no vector for any of the {len(vocabulary)} training words; pass word vectors for the texts' language.")
    return matrix, found


# ----------------------------------------------------------------------------- reading
def _read_csv(path: Path, notes: list[str]) -> pd.DataFrame:
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(f"{path} is empty; pass a CSV with a header row, a text column and a class column.")
    content, note = decode_text(raw, str(path))
    if note:
        notes.append(note)
    try:
        frame = pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path} could not be parsed as CSV ({str(exc).splitlines()[0] if str(exc) else 'no columns'}); "
                        f"check that texts with commas are in double quotes.") from None
    if frame.empty:
        raise DataError(f"{path} has a header but no data rows; add labelled texts.")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _refuse_columns_for_folder(path: Path, text: str | None, target: str | None) -> None:
    if text is not None or target is not None:
        raise ConfigError(f"{path} is a folder: its class folders are the target and their .txt files the texts; "
                          f"leave out `text` and `target` (they name CSV columns).")


def _read_folder(path: Path, notes: list[str]) -> pd.DataFrame:
    """One row per .txt file of each class folder (the folder's name is the class)."""
    rows, undecodable = [], []
    for folder in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for file in sorted(folder.glob("*.txt")):
            content, note = decode_text(file.read_bytes(), str(file))
            if note:
                undecodable.append(file.name)
            rows.append({"text": content, _FOLDER_TARGET: folder.name})
    if not rows:
        raise DataError(f"{path} has no class folders with .txt files; put each class's texts in {path}/<class>/*.txt, or pass a CSV.")
    if undecodable:
        notes.append(f"{len(undecodable)} files are not valid UTF-8 (e.g. {undecodable[0]}); their undecodable bytes read as U+FFFD "
                     f"(re-save them as UTF-8 to keep them)")
    return pd.DataFrame(rows, dtype=object)


def _pick_column(frame: pd.DataFrame, name: str | None, usual: tuple[str, ...], setting: str) -> str:
    columns = ", ".join(map(str, frame.columns))
    if name is not None:
        if name not in frame.columns:
            raise DataError(f"`{setting}` {name!r} is not a column; the columns are: {columns}.")
        return name
    for candidate in usual:
        if candidate in frame.columns:
            return candidate
    raise DataError(f"no `{setting}` column given and none named {' or '.join(usual)}; pass `{setting}` COL (the columns are: {columns}).")


def _note_left_out(frame: pd.DataFrame, text: str, target: str, notes: list[str]) -> None:
    others = [str(c) for c in frame.columns if c not in (text, target)]
    if others:
        notes.append(f"columns {', '.join(others)} left out: the text blueprint reads only the text column {text!r} "
                     f"and the target {target!r}")


def _clean_rows(frame: pd.DataFrame, text: str, target: str, notes: list[str]) -> tuple[np.ndarray, pd.Series]:
    """Texts as str, rows without text or without a class dropped (with a note), or a DataError when nothing is left."""
    texts = frame[text].fillna("").astype(str)
    has_text = texts.str.strip() != ""
    if not has_text.any():
        raise DataError(f"the text column {text!r} is empty on every row; pass the column that holds the texts in `text`.")
    has_label = frame[target].notna() & (frame[target].astype(str).str.strip() != "")
    if not has_label.any():
        raise DataError(f"the target column {target!r} is empty on every row; pass the column that holds the classes in `target`.")
    if (~has_text).any():
        notes.append(f"{int((~has_text).sum())} rows with no text left out")
    if (has_text & ~has_label).any():
        notes.append(f"{int((has_text & ~has_label).sum())} rows with no {target!r} left out")
    keep = has_text & has_label
    labels = frame.loc[keep, target]
    numeric = pd.to_numeric(labels, errors="coerce")
    if numeric.notna().all():
        labels = numeric  # "1" and "1.0" are one class
    return texts[keep].to_numpy(dtype=object), labels.reset_index(drop=True)


def _check_classes(labels: pd.Series, target: str) -> list[str]:
    class_names = class_names_of(labels)
    if len(class_names) < 2:
        raise DataError(f"the target {target!r} has one class ({class_names[0]!r}); a classifier needs at least two, "
                        f"so pass texts of another class too.")
    counts = label_texts(labels).value_counts()
    single = sorted(counts.index[counts < 2])
    if single:
        raise DataError(f"class{'es' if len(single) > 1 else ''} {', '.join(map(repr, single))} of {target!r} "
                        f"{'have' if len(single) > 1 else 'has'} one example; a stratified split needs at least 2 per class "
                        f"(add examples, or leave those rows out).")
    return class_names


def _fingerprint(texts: np.ndarray, labels: np.ndarray) -> str:
    digest = hashlib.sha256()
    for text, label in zip(texts, labels):
        digest.update(f"{label}\t{text}\n".encode("utf-8", errors="replace"))
    return "sha256:" + digest.hexdigest()
