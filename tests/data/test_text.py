"""Loading labelled texts: CSV and class folders, the notes, and every bad input as one line with its fix."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from tfjourney.data.embedded_text import sample_tweets
from tfjourney.data.text import average_tokens, load_texts, read_word_vectors, split_texts, truncation_note
from tfjourney.errors import ConfigError, DataError, TfjourneyNotice


def _random_texts(rng: np.random.Generator, n: int) -> list[str]:
    words = np.array(["alpha", "beta", "gamma", "delta", "fire", "flood", "sun", "tea", "rain", "cat"])
    return [" ".join(rng.choice(words, rng.integers(1, 9))) for _ in range(n)]


def _csv(tmp_path, frame: pd.DataFrame, name: str = "texts.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _quiet(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TfjourneyNotice)
        return load_texts(**kwargs)


def test_csv_reads_the_named_columns_and_notes_the_others(tmp_path):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"id": range(40), "tweet_body": _random_texts(rng, 40), "keyword": "x", "is_disaster": rng.integers(0, 2, 40)})
    with pytest.warns(TfjourneyNotice, match="columns id, keyword left out"):
        data = load_texts(_csv(tmp_path, frame), text="tweet_body", target="is_disaster")
    assert data.class_names == ["0", "1"]
    assert list(data.texts) == list(frame["tweet_body"])
    assert data.encoded().tolist() == frame["is_disaster"].tolist()


def test_folder_of_class_folders(tmp_path):
    for label, texts in {"neg": ["bad day", "awful"], "pos": ["great day", "lovely", "nice"]}.items():
        (tmp_path / label).mkdir()
        for i, text in enumerate(texts):
            (tmp_path / label / f"{i}.txt").write_text(text)
    data = load_texts(tmp_path)
    assert data.class_names == ["neg", "pos"] and len(data.texts) == 5
    assert sorted(data.texts[data.labels == "pos"]) == ["great day", "lovely", "nice"]


def test_non_utf8_bytes_are_replaced_with_a_note(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("text,target\ncaf\xe9 fire,1\nnice tea,0\nflood now,1\ncalm sea,0\n".encode("latin-1"))
    with pytest.warns(TfjourneyNotice, match="not valid UTF-8.*1 undecodable bytes"):
        data = load_texts(path)
    assert data.texts[0] == "caf\ufffd fire"


@pytest.mark.parametrize(
    ("frame", "kwargs", "error", "message"),
    [
        (pd.DataFrame({"text": ["a", "b"], "target": [0, 1]}), {"text": "body"}, DataError, "`text` 'body' is not a column; the columns are: text, target"),
        (pd.DataFrame({"text": ["", " "], "target": [0, 1]}), {}, DataError, "the text column 'text' is empty on every row"),
        (pd.DataFrame({"text": ["a", "b", "c"], "target": [1, 1, 1]}), {}, DataError, "has one class"),
        (pd.DataFrame({"text": ["a", "b", "c"], "target": [0, 0, 1]}), {}, DataError, "class '1' of 'target' has one example"),
        (pd.DataFrame({"words": ["a", "b"], "y": [0, 1]}), {"target": "y"}, DataError, "no `text` column given"),
        (pd.DataFrame({"text": ["a", "b"], "target": [0, 1]}), {"text": "target"}, ConfigError, "`text` and `target` are both"),
    ],
)
def test_bad_input_is_one_line_with_its_fix(tmp_path, frame, kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        _quiet(data=_csv(tmp_path, frame), **kwargs)
    assert "\n" not in str(info.value) and ";" in str(info.value)  # one line: problem; fix


def test_rows_without_text_are_left_out_with_a_note(tmp_path):
    frame = pd.DataFrame({"text": ["fire", "", "tea", "flood", None, "rain"], "target": [1, 0, 0, 1, 1, 0]})
    with pytest.warns(TfjourneyNotice, match="2 rows with no text left out"):
        data = load_texts(_csv(tmp_path, frame))
    assert list(data.texts) == ["fire", "tea", "flood", "rain"]


def test_missing_path_and_columns_for_a_folder(tmp_path):
    with pytest.raises(DataError, match="neither a file, a folder nor an embedded dataset"):
        load_texts(tmp_path / "nope.csv")
    with pytest.raises(ConfigError, match="leave out `text` and `target`"):
        load_texts(tmp_path, text="text")
    with pytest.raises(DataError, match="no class folders with .txt files"):
        load_texts(tmp_path)


def test_split_is_stratified_and_seeded():
    rng = np.random.default_rng(0)
    labels = rng.choice(np.array(["a", "b", "c"], dtype=object), 300, p=[0.6, 0.3, 0.1])
    first, second = split_texts(labels, fraction=0.2, seed=7)
    again = split_texts(labels, fraction=0.2, seed=7)
    assert np.array_equal(second, again[1]) and len(second) == 60 and not set(first) & set(second)
    for label in "abc":
        assert abs(np.mean(labels[second] == label) - np.mean(labels == label)) < 0.02


def test_sequence_length_and_truncation_note():
    texts = ["one two three", "one", "a b c d e f g h i j k l m n o p q r s t"]
    assert average_tokens(texts) == 8
    assert "1 of 3 training texts" in truncation_note(texts, 8) and "the longest 20" in truncation_note(texts, 8)
    assert truncation_note(texts, 20) is None


def test_word_vectors_glove_and_word2vec_and_wrong_width(tmp_path):
    glove = tmp_path / "glove.txt"
    glove.write_text("fire 1 2 3\ntea 4 5 6\nunused 7 8 9\n")
    matrix, found = read_word_vectors(glove, ["", "[UNK]", "fire", "tea", "rain"], 3)
    assert found == 2 and matrix[2].tolist() == [1, 2, 3] and matrix[3].tolist() == [4, 5, 6] and not matrix[0].any()
    word2vec = tmp_path / "w2v.txt"
    word2vec.write_text("2 3\nfire 1 2 3\ntea 4 5 6\n")
    assert read_word_vectors(word2vec, ["", "[UNK]", "fire"], 3)[1] == 1
    with pytest.raises(ConfigError, match="holds 3-dimensional word vectors .* but `embedding_dim` is 128; pass `embedding_dim` 3"):
        read_word_vectors(glove, ["", "[UNK]", "fire"], 128)


def test_sample_tweets_is_seeded_and_binary():
    frame = sample_tweets()
    assert frame.equals(sample_tweets()) and set(frame["target"]) == {0, 1}
    assert 0.35 < frame["target"].mean() < 0.5


def test_datasets_lists_the_embedded_texts_and_the_course_tweets_with_licences():
    from tfjourney.data.catalog import CATALOG, EMBEDDED_LICENSES, list_datasets

    listing = list_datasets()
    assert "sample_tweets" in listing and "nlp_getting_started" in listing
    assert EMBEDDED_LICENSES["sample_tweets"].startswith("CC0") and CATALOG["nlp_getting_started"].license.startswith("Not open")
