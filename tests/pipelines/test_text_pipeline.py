"""`train text` end to end on small generated texts: the run folder, the baselines, the report's extras,
and a model.keras that predicts raw strings in a process that never imports tfjourney."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from tfjourney.errors import ConfigError, DataError, TfjourneyNotice
from tfjourney.pipelines.text import METADATA_FILE, MOST_WRONG_FILE, VECTORS_FILE, most_wrong, train_text

_CLASS_WORDS = {"storm": ["flood", "fire", "smoke", "evacuate", "rescue"], "calm": ["tea", "garden", "music", "pizza", "sunday"],
                "work": ["meeting", "email", "deadline", "report", "office"]}
_FILLER = ["the", "a", "today", "so", "very", "we", "near", "now", "again", "our"]


def make_texts(n: int, classes: tuple[str, ...], seed: int) -> pd.DataFrame:
    """Each text: 2-3 words of its class among 3-8 filler words, in random order."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(classes, n)
    texts = []
    for label in labels:
        words = list(rng.choice(_CLASS_WORDS[label], rng.integers(2, 4))) + list(rng.choice(_FILLER, rng.integers(3, 9)))
        texts.append(" ".join(rng.permutation(words)))
    return pd.DataFrame({"id": range(n), "message": texts, "kind": labels})


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("text")
    csv = folder / "messages.csv"
    make_texts(240, ("storm", "calm"), seed=3).to_csv(csv, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TfjourneyNotice)
        run = train_text(csv, text="message", target="kind", out=folder / "run", epochs=12, patience=3, embedding_dim=8, seed=1)
    return run, csv


def test_run_folder_metrics_beside_the_baselines(text_run):
    run, _ = text_run
    metrics, data = run.metrics, run.record["data"]
    assert data["class_names"] == ["calm", "storm"] and data["task"] == "binary"
    assert data["rows"] == {"train": 194, "validation": 22, "test": 24}  # 10% test, then 10% of the rest for validation
    assert any("columns id left out" in note for note in data["notes"])
    assert data["sequence_length"] == 8  # the training texts' average words, rounded
    assert metrics["accuracy"] >= 0.9 and metrics["nb_accuracy"] >= 0.9  # separable by word: both learn it
    assert 0.4 <= metrics["baseline_accuracy"] <= 0.6
    assert set(metrics["per_class"]) == {"calm", "storm"}
    for name in ("loss", "confusion_matrix", "roc_curve", "most_wrong", "embedding"):
        assert (run.path / "plots" / f"{name}.png").is_file()


def test_projector_files_match_the_vocabulary(text_run):
    run, _ = text_run
    words = (run.path / METADATA_FILE).read_text().splitlines()
    vectors = [line.split("\t") for line in (run.path / VECTORS_FILE).read_text().splitlines()]
    assert len(words) == len(vectors) == run.record["data"]["vocabulary_size"] - 1  # padding left out
    assert words[0] == "[UNK]" and {len(v) for v in vectors} == {8}
    assert set(_CLASS_WORDS["storm"]) <= set(words)
    wrong = pd.read_csv(run.path / MOST_WRONG_FILE)
    assert list(wrong.columns) == ["text", "truth", "predicted", "probability"]


def test_model_predicts_raw_strings_without_tfjourney(text_run):
    run, _ = text_run
    texts = ["flood and fire near the river", "tea in the garden on sunday"]
    script = (
        "import json, sys, keras, numpy as np\n"
        f"model = keras.saving.load_model({str(run.model_path)!r})\n"
        f"print(json.dumps(model.predict(np.array({texts!r}, dtype=object), verbose=0).ravel().tolist()))\n"
        "assert not any(name.startswith('tfjourney') for name in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120, check=True)
    outside = np.array(json.loads(out.stdout.strip().splitlines()[-1]))
    inside = run.load_model().predict(np.array(texts, dtype=object), verbose=0).ravel()
    np.testing.assert_allclose(outside, inside, atol=1e-6)
    assert outside[0] > 0.5 > outside[1]  # storm (class 1), calm (class 0)


def test_most_wrong_is_sorted_by_confidence():
    wrong = most_wrong(["a", "b", "c", "d"], np.array([0, 1, 0, 1]), np.array([[0.9], [0.2], [0.6], [0.9]]), ["x", "y"])
    assert list(wrong["text"]) == ["a", "b", "c"] and np.allclose(wrong["probability"], [0.9, 0.8, 0.6])


def test_bad_word_vectors_leave_no_run_folder(tmp_path, text_run):
    _, csv = text_run
    vectors = tmp_path / "glove.txt"
    vectors.write_text("flood 0.1 0.2\nfire 0.3 0.4\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TfjourneyNotice)
        with pytest.raises(ConfigError, match="holds 2-dimensional word vectors .* pass `embedding_dim` 2"):
            train_text(csv, text="message", target="kind", embeddings=vectors, out=tmp_path / "run")
        with pytest.raises(ConfigError, match="pass `embeddings` FILE"):
            train_text(csv, text="message", target="kind", fine_tune=True, out=tmp_path / "run")
        with pytest.raises(DataError, match="`text` 'body' is not a column"):
            train_text(csv, text="body", target="kind", out=tmp_path / "run")
    assert not any(tmp_path.glob("run*"))


def test_multiclass_with_frozen_then_fine_tuned_word_vectors(tmp_path):
    csv = tmp_path / "three.csv"
    make_texts(180, ("storm", "calm", "work"), seed=5).to_csv(csv, index=False)
    rng = np.random.default_rng(0)
    words = sum(_CLASS_WORDS.values(), []) + _FILLER
    vectors = tmp_path / "vectors.txt"
    vectors.write_text(f"{len(words)} 4\n" + "".join(f"{w} {' '.join(f'{x:.3f}' for x in rng.normal(size=4))}\n" for w in words))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TfjourneyNotice)
        run = train_text(csv, text="message", target="kind", embeddings=vectors, embedding_dim=4, fine_tune=True,
                         epochs=3, out=tmp_path / "run", seed=0)
    assert run.record["data"]["task"] == "multiclass" and run.record["data"]["word_vectors"]["words_found"] == len(words)
    assert run.record["training"]["fine_tune_start_epoch"] == 4
    history = pd.read_csv(run.path / "history.csv")
    assert len(history) == 3 + run.record["training"]["fine_tune_epochs_run"]
