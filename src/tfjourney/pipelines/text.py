"""The text blueprint: labelled texts -> TextVectorization + Embedding + body -> run folder.

Every run also fits the course's baseline, TF-IDF + multinomial naive Bayes (scikit-learn), and
the majority class on the same split. Besides the usual files the run folder holds the
most-wrong test predictions (`most_wrong.csv`), a 2-D view of the learned embedding and the
Embedding Projector's `vectors.tsv` / `metadata.tsv` (https://projector.tensorflow.org: Load).

Example:
    >>> from tfjourney.pipelines.text import train_text
    >>> run = train_text("sample_tweets", out="runs/tweets")
    >>> run.metrics["accuracy"], run.metrics["nb_accuracy"]
"""

from __future__ import annotations

import time
import warnings
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import Pipeline

from tfjourney import plots
from tfjourney.blueprints import DEFAULT_SEED, FROM_DATA, TextConfig, get_blueprint
from tfjourney.data.text import TextData, average_tokens, load_texts, read_word_vectors, split_texts, truncation_note
from tfjourney.errors import ConfigError, TfjourneyNotice
from tfjourney.metrics import class_probabilities, classification_metrics, positive_probability, predicted_labels
from tfjourney.models.text import build_text_model, embedding_matrix, set_word_vectors, text_batch, unfreeze_embedding, vocabulary
from tfjourney.pipelines.skeleton import finish_run, fit_in_run, open_run, plot_training, run_callbacks, start_distribution
from tfjourney.progress import Progress
from tfjourney.runs import Run, new_run_record
from tfjourney.training.fit import compile_classifier, fit, set_seed
from tfjourney.training.progress import epoch_callbacks

MOST_WRONG_FILE = "most_wrong.csv"
VECTORS_FILE = "vectors.tsv"  # the Embedding Projector's vectors, one row per word ...
METADATA_FILE = "metadata.tsv"  # ... and the words, in the same order
MOST_WRONG_SHOWN = 10  # test texts on the report's most-wrong figure
LABELLED_WORDS = 40  # most frequent words named on the embedding figure
PREDICT_BATCH = 256


def train_text(
    data: str | Path = "sample_tweets",
    *,
    text: str | None = None,
    target: str | None = None,
    embeddings: str | Path | None = None,
    out: str | Path | None = None,
    overwrite: bool = False,
    seed: int = DEFAULT_SEED,
    tensorboard: bool = False,
    command: list[str] | None = None,
    verbose: int = 0,
    progress: Progress | None = None,
    distribute: str = "none",
    devices: int | None = None,
    global_batch_size: int | None = None,
    resume: bool = False,
    max_tokens: int | None = None,
    sequence_length: int | None = None,
    standardize: str | None = None,
    embedding_dim: int | None = None,
    body: str | None = None,
    units: int | None = None,
    filters: int | None = None,
    kernel_size: int | None = None,
    dropout: float | None = None,
    fine_tune: bool | None = None,
    fine_tune_lr_factor: float | None = None,
    learning_rate: float | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    validation_split: float | None = None,
    test_size: float | None = None,
    patience: int | None = None,
) -> Run:
    """Train the text blueprint on labelled texts and write a run folder.

    Args:
        data: a CSV, a folder of class folders of .txt files, or `sample_tweets` (embedded, offline).
        text: the CSV's text column (default: text, sentence, review, tweet or content).
        target: the CSV's class column (default: target, label, class or sentiment).
        embeddings: a GloVe / word2vec text file to start the Embedding from (frozen; `fine_tune` unfreezes it after).
        out: the run folder to write (default: runs/text-<timestamp>).
        overwrite: replace a previous run folder at `out` (never other files).
        seed: the random seed; the same seed repeats a run.
        tensorboard: also write TensorBoard logs to RUN_DIR/logs.
        command: the command line recorded in run.json (default: this process's).
        verbose: 2 prints Keras's own epoch lines.
        progress: shows each phase as it runs (default: nothing is shown).
        distribute: "none", "mirrored", "multiworker" or "auto" (training/distributed.py).
        devices: how many local devices `mirrored` uses (None: all).
        global_batch_size: examples per step over all replicas (the run's `batch_size`).
        resume: continue the interrupted run of the same command from its last finished epoch.
        max_tokens: Text vectorization: vocabulary; None (default) takes the blueprint's value.
        sequence_length: Text vectorization: output_sequence_length (0: the training texts' average words); None (default) takes the blueprint's value.
        standardize: Text vectorization: standardize; None (default) takes the blueprint's value.
        embedding_dim: Embedding width; None (default) takes the blueprint's value.
        body: dense, lstm, gru, bilstm or conv1d; None (default) takes the blueprint's value.
        units: Recurrent units (lstm, gru, bilstm); None (default) takes the blueprint's value.
        filters: Conv1D filters (conv1d); None (default) takes the blueprint's value.
        kernel_size: Conv1D kernel size (conv1d); None (default) takes the blueprint's value.
        dropout: Dropout before the output; None (default) takes the blueprint's value.
        fine_tune: Fine-tune pretrained word vectors (needs `embeddings`); None (default) takes the blueprint's value.
        fine_tune_lr_factor: Fine-tuning learning rate factor; None (default) takes the blueprint's value.
        learning_rate: Learning rate; None (default) takes the blueprint's value.
        epochs: Epochs (max; early stopping decides); None (default) takes the blueprint's value.
        batch_size: Batch size; None (default) takes the blueprint's value.
        validation_split: Validation split (from training texts); None (default) takes the blueprint's value.
        test_size: Test split; None (default) takes the blueprint's value.
        patience: Early stopping patience (epochs); None (default) takes the blueprint's value.

    Returns:
        The finished run (`tfjourney.runs.Run`), read back from its folder.
    """
    hyperparameters = {  # the blueprint's keys; None takes the blueprint's value
        "max_tokens": max_tokens, "sequence_length": sequence_length, "standardize": standardize, "embedding_dim": embedding_dim,
        "body": body, "units": units, "filters": filters, "kernel_size": kernel_size, "dropout": dropout, "fine_tune": fine_tune,
        "fine_tune_lr_factor": fine_tune_lr_factor, "learning_rate": learning_rate, "epochs": epochs, "batch_size": batch_size,
        "validation_split": validation_split, "test_size": test_size, "patience": patience,
    }
    distribution = start_distribution(distribute, devices=devices, global_batch_size=global_batch_size, hyperparameters=hyperparameters)
    config = get_blueprint("text").resolve(**hyperparameters)
    if config.fine_tune and embeddings is None:
        raise ConfigError("`fine_tune` unfreezes pretrained word vectors, and none were given; pass `embeddings` FILE, or leave out `fine_tune`.")
    distribution.check_batch_size(config.batch_size)
    writer = open_run("text", out=out, overwrite=overwrite, resume=resume, distribution=distribution)
    texts = load_texts(data, text=text, target=target)
    splits = split_indices(texts, config, seed)
    config = with_sequence_length(config, texts.texts[splits["train"]], texts.notes)
    n_classes = len(texts.class_names)

    set_seed(seed)
    with distribution.scope():
        model = build_text_model(config, texts.texts[splits["train"]], n_classes=n_classes, seed=seed)
        vectors = _start_from_word_vectors(model, embeddings, config) if embeddings is not None else None
        compile_classifier(model, n_classes, config.learning_rate)
    fit_ds, val_ds = (text_dataset(texts, splits[name], config.batch_size, seed, shuffle=name == "train") for name in ("train", "validation"))
    record = new_run_record("text", config, seed, _data_record(texts, splits, config, model, vectors), command)

    with writer as staging:
        identity = {"blueprint": "text", "data": texts.source, "target": texts.target, "seed": seed, "config": config}
        result = fit_in_run(writer, staging, model, fit_ds, val_ds, config=config, identity=identity, record=record,
                            distribution=distribution, tensorboard=tensorboard, verbose=verbose, progress=progress)
        timings = {"train_seconds": result.seconds}
        history = result.history
        if config.fine_tune:
            history, timings["fine_tune_seconds"] = _fine_tune(model, n_classes, staging, fit_ds, val_ds, config, record, history, verbose, progress)
        started = time.perf_counter()
        test_texts, y_test = texts.texts[splits["test"]], texts.encoded(splits["test"])
        probabilities = predict_texts(model, test_texts)
        timings["evaluate_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        metrics = _metrics(texts, splits, probabilities, seed)
        timings["baselines_seconds"] = time.perf_counter() - started
        _write_results(staging, model, texts, test_texts, y_test, probabilities, metrics)
        plot_training(staging, history, title=f"{config.body} text model on {Path(texts.source).name}", record=record)
        finish_run(staging, model=model, record=record, metrics=metrics, timings=timings)
    return writer.finished_run()


# ----------------------------------------------------------------------------- the steps, shared with benchmarks/bench_text.py
def split_indices(texts: TextData, config: TextConfig, seed: int) -> dict[str, np.ndarray]:
    """Row indices of the stratified, seeded test split, then of the validation split taken from the rest."""
    rest, test = split_texts(texts.labels, fraction=config.test_size, seed=seed)
    train, validation = split_texts(texts.labels[rest], fraction=config.validation_split, seed=seed)
    return {"train": rest[train], "validation": rest[validation], "test": test}


def with_sequence_length(config: TextConfig, train_texts: np.ndarray, notes: list[str]) -> TextConfig:
    """`sequence_length` 0 becomes the training texts' average word count (the course's rule); longer texts get a note."""
    if config.sequence_length == FROM_DATA:
        config = replace(config, sequence_length=average_tokens(train_texts))
        notes.append(f"sequence_length {config.sequence_length}: the training texts' average number of words (pass `sequence_length` to change it)")
    note = truncation_note(train_texts, config.sequence_length)
    if note:
        notes.append(note)
        warnings.warn(note, TfjourneyNotice, stacklevel=3)
    return config


def text_dataset(texts: TextData, index: np.ndarray, batch_size: int, seed: int, *, shuffle: bool) -> tf.data.Dataset:
    """(raw text, class index) batches of the rows `index`; the training split reshuffles each epoch (seeded)."""
    dataset = tf.data.Dataset.from_tensor_slices((text_batch(texts.texts[index]).astype(str), texts.encoded(index)))
    if shuffle:
        dataset = dataset.shuffle(len(index), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def predict_texts(model: keras.Model, texts) -> np.ndarray:
    """The model's class probabilities for raw texts."""
    return np.asarray(model.predict(text_batch(texts), batch_size=PREDICT_BATCH, verbose=0))


def naive_bayes(train_texts, y_train, test_texts) -> np.ndarray:
    """The course's baseline (model_0): TF-IDF + multinomial naive Bayes, scikit-learn's defaults; test-set class indices."""
    model = Pipeline([("tfidf", TfidfVectorizer()), ("clf", MultinomialNB())])
    return model.fit(list(map(str, train_texts)), y_train).predict(list(map(str, test_texts)))


def majority_class(y_train, n_test: int, seed: int) -> np.ndarray:
    """Always the training split's most common class."""
    return DummyClassifier(strategy="most_frequent", random_state=seed).fit(np.zeros((len(y_train), 1)), y_train).predict(np.zeros((n_test, 1)))


def f1_of(y_true, y_pred, n_classes: int) -> float:
    """F1 as the run reports it: of the positive class for two classes, macro-averaged for more."""
    return float(f1_score(y_true, y_pred, average="binary" if n_classes == 2 else "macro", zero_division=0))


# ----------------------------------------------------------------------------- inside train_text
def _start_from_word_vectors(model: keras.Model, path: str | Path, config: TextConfig) -> dict:
    """The Embedding starts from the file's vectors, frozen; what run.json records about them."""
    words = vocabulary(model)
    matrix, found = read_word_vectors(path, words, config.embedding_dim)
    set_word_vectors(model, matrix)
    return {"file": str(path), "words_found": found, "vocabulary": len(words), "fine_tuned": config.fine_tune}


def _fine_tune(model, n_classes: int, staging: Path, fit_ds, val_ds, config: TextConfig, record: dict, history: dict, verbose: int, progress) -> tuple[dict, float]:
    """Phase 2: the pretrained vectors learn too, at the lower rate; history.csv continues."""
    unfreeze_embedding(model)
    compile_classifier(model, n_classes, config.learning_rate * config.fine_tune_lr_factor)
    start = len(next(iter(history.values()), []))
    callbacks = run_callbacks(staging, patience=config.patience, tensorboard=False, append=True) + epoch_callbacks(progress, "fine-tuning", verbose)
    result = fit(model, fit_ds, val_ds, start + config.epochs, callbacks, initial_epoch=start, verbose=verbose)
    record["training"].update({"fine_tune_start_epoch": start + 1, "fine_tune_epochs_run": result.epochs_run})
    merged = {key: values + result.history.get(key, []) for key, values in history.items()}
    return merged, result.seconds


def _data_record(texts: TextData, splits: dict[str, np.ndarray], config: TextConfig, model: keras.Model, vectors: dict | None) -> dict:
    counts = {name: np.bincount(texts.encoded(index), minlength=len(texts.class_names)) for name, index in splits.items()}
    record = {
        "source": texts.source,
        "fingerprint": texts.fingerprint,
        "text": texts.text_column,
        "target": texts.target,
        "task": "binary" if len(texts.class_names) == 2 else "multiclass",
        "class_names": texts.class_names,
        "rows": {name: len(index) for name, index in splits.items()},
        "class_balance": {name: {c: int(n) for c, n in zip(texts.class_names, count)} for name, count in counts.items()},
        "sequence_length": config.sequence_length,
        "vocabulary_size": len(vocabulary(model)),
        "notes": texts.notes,
    }
    if vectors is not None:
        record["word_vectors"] = vectors
    return record


def _metrics(texts: TextData, splits: dict[str, np.ndarray], probabilities: np.ndarray, seed: int) -> dict:
    """The network's test metrics beside the majority class and TF-IDF + naive Bayes fitted on the same training texts."""
    train = np.concatenate([splits["train"], splits["validation"]])  # the baselines need no early stopping: all non-test rows
    y_train, y_test = texts.encoded(train), texts.encoded(splits["test"])
    n_classes = len(texts.class_names)
    metrics = classification_metrics(y_test, probabilities, texts.class_names, majority_class(y_train, len(y_test), seed))
    bayes = naive_bayes(texts.texts[train], y_train, texts.texts[splits["test"]])
    metrics["nb_accuracy"] = float(np.mean(bayes == y_test))
    metrics["nb_f1"] = f1_of(y_test, bayes, n_classes)
    return metrics


def most_wrong(test_texts, y_test: np.ndarray, probabilities: np.ndarray, class_names: list[str]) -> pd.DataFrame:
    """The wrong test predictions, the most confident first: text, truth, prediction and its probability."""
    probabilities = class_probabilities(probabilities)
    predicted = probabilities.argmax(axis=1)
    frame = pd.DataFrame({
        "text": list(test_texts),
        "truth": [class_names[i] for i in y_test],
        "predicted": [class_names[i] for i in predicted],
        "probability": probabilities.max(axis=1),
    })
    return frame[predicted != y_test].sort_values("probability", ascending=False, kind="stable").reset_index(drop=True)


def _write_results(staging: Path, model, texts: TextData, test_texts, y_test, probabilities, metrics: dict) -> None:
    """Confusion matrix, ROC curve, most-wrong predictions, the embedding's 2-D view and the Projector's TSV files."""
    plot_dir = staging / "plots"
    class_names = texts.class_names
    plots.make_confusion_matrix(y_test, predicted_labels(probabilities), class_names, path=plot_dir / "confusion_matrix.png")
    if len(class_names) == 2:
        plots.plot_roc_curve(y_test, positive_probability(probabilities), metrics.get("roc_auc"), plot_dir / "roc_curve.png", class_names[1])
    wrong = most_wrong(test_texts, y_test, probabilities, class_names)
    wrong.to_csv(staging / MOST_WRONG_FILE, index=False)
    plot_most_wrong(wrong.head(MOST_WRONG_SHOWN), plot_dir / "most_wrong.png")
    words, vectors = vocabulary(model), embedding_matrix(model)
    write_projector_files(staging, words, vectors)
    plot_embedding(words, vectors, plot_dir / "embedding.png")


def write_projector_files(folder: Path, words: list[str], vectors: np.ndarray) -> None:
    """vectors.tsv and metadata.tsv for https://projector.tensorflow.org, as the course writes them (padding left out)."""
    kept = [(i, w) for i, w in enumerate(words) if i > 0]  # index 0 is padding: no word
    with (folder / VECTORS_FILE).open("w", encoding="utf-8") as handle:
        handle.writelines("\t".join(f"{x:.6g}" for x in vectors[i]) + "\n" for i, _ in kept)
    with (folder / METADATA_FILE).open("w", encoding="utf-8") as handle:
        handle.writelines(word.replace("\t", " ").replace("\n", " ") + "\n" for _, word in kept)


def plot_embedding(words: list[str], vectors: np.ndarray, path: Path):
    """Every word's vector projected on the embedding's first two principal components; the most frequent words named."""
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA

    points = PCA(n_components=2, random_state=0).fit_transform(vectors[1:])  # vocabulary order is by frequency; 0 is padding
    fig, ax = plt.subplots(figsize=(12, 8))
    ax.scatter(points[:, 0], points[:, 1], s=3, alpha=0.25, color="tab:blue")
    named = points[:LABELLED_WORDS]
    ax.scatter(named[:, 0], named[:, 1], s=12, color="tab:red")
    for i, word in enumerate(words[1:LABELLED_WORDS + 1]):
        ax.annotate(word, points[i], fontsize=10, xytext=(3, 3), textcoords="offset points",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})
    ax.set(title=f"Learned word embedding: {len(words) - 1:,} words, first two principal components "
                 f"({LABELLED_WORDS} most frequent named)", xlabel="PC 1", ylabel="PC 2")
    return plots.save_figure(fig, path)


def plot_most_wrong(wrong: pd.DataFrame, path: Path):
    """The most confident wrong test predictions as lines of text, as the course prints them."""
    import matplotlib.pyplot as plt
    import textwrap

    lines = []
    for row in wrong.itertuples():
        lines.append(f"truth {row.truth}, predicted {row.predicted} with probability {row.probability:.2f}")
        lines += ["    " + part for part in textwrap.wrap(str(row.text), 110)[:3]]
    text = "\n".join(lines) if lines else "no wrong predictions on the test split"
    height = 0.7 + 0.2 * max(len(lines), 2)
    fig = plt.figure(figsize=(11, height))
    fig.text(0.01, 1 - 0.15 / height, "Most wrong test predictions (most confident first)", va="top", ha="left", fontsize=11)
    fig.text(0.01, 1 - 0.5 / height, text, va="top", ha="left", family="monospace", fontsize=9)
    return plots.save_figure(fig, path)
