"""The text blueprint's network: raw strings -> TextVectorization -> Embedding -> body -> output.

The vectorizer is adapted on the training texts and lives inside the model, so `model.keras`
takes raw strings and, built from stock Keras layers only, loads with plain
`keras.saving.load_model` in a process that never imports tfjourney.

Example:
    >>> from tfjourney.blueprints import get_blueprint
    >>> config = get_blueprint("text").resolve(sequence_length=15)
    >>> model = build_text_model(config, ["a tweet", "another one"], n_classes=2)
    >>> model.predict(np.array(["fire in the hills"])).shape
    (1, 1)
"""

from __future__ import annotations

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras loads: TensorFlow's native start-up notices stay muted

import keras
import numpy as np
import tensorflow as tf

from tfjourney.blueprints import TextConfig
from tfjourney.errors import ConfigError
from tfjourney.models.heads import classifier_output

TEXT_INPUT = "text"  # the model's one input: a batch of raw strings, shape (batch,)
VECTORIZER = "vectorizer"
EMBEDDING = "embedding"
_ADAPT_BATCH = 1024


def build_vectorizer(config: TextConfig, texts: np.ndarray) -> keras.layers.TextVectorization:
    """TextVectorization with the blueprint's vocabulary size, standardisation and sequence length, adapted on `texts`.

    Args:
        config: the resolved blueprint; `sequence_length` must already be a number of tokens (not 0).
        texts: the training texts (never the validation or test ones).

    Returns:
        The adapted layer; `get_vocabulary()` starts with "" (padding) and "[UNK]".
    """
    standardize = None if config.standardize == "none" else config.standardize
    vectorizer = keras.layers.TextVectorization(max_tokens=config.max_tokens, standardize=standardize, split="whitespace",
                                                output_mode="int", output_sequence_length=config.sequence_length, name=VECTORIZER)
    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(np.asarray(texts, dtype=object).astype(str)).batch(_ADAPT_BATCH))
    return vectorizer


def _body(config: TextConfig, x, seed: int):
    """The course's five bodies on the embedded sequence (batch, tokens, embedding_dim) -> (batch, features)."""
    if config.body == "dense":
        return keras.layers.GlobalAveragePooling1D(name="pool")(x)
    if config.body == "lstm":
        return keras.layers.LSTM(config.units, name="lstm", seed=seed)(x)
    if config.body == "gru":
        return keras.layers.GRU(config.units, name="gru", seed=seed)(x)
    if config.body == "bilstm":
        return keras.layers.Bidirectional(keras.layers.LSTM(config.units, seed=seed), name="bilstm")(x)
    if config.body == "conv1d":
        x = keras.layers.Conv1D(config.filters, config.kernel_size, activation="relu", padding="same", name="conv1d")(x)
        return keras.layers.GlobalMaxPooling1D(name="pool")(x)
    raise ConfigError(f"unknown `body` {config.body!r}; choose one of: dense, lstm, gru, bilstm, conv1d.")


def build_text_model(
    config: TextConfig,
    texts: np.ndarray,
    *,
    n_classes: int,
    seed: int = 0,
) -> keras.Model:
    """The blueprint's network, its vocabulary adapted on `texts` (uncompiled).

    Args:
        config: the resolved blueprint (`sequence_length` already set from the data when it was 0).
        texts: the training texts the vectorizer learns its vocabulary from.
        n_classes: 2 gives one sigmoid unit, more one softmax unit per class.
        seed: seeds the initialisers and dropout.

    Returns:
        A functional model from raw strings, shape (batch,), to class probabilities.
    """
    vectorizer = build_vectorizer(config, texts)
    vocabulary_size = vectorizer.vocabulary_size()
    inputs = keras.Input(shape=(), dtype="string", name=TEXT_INPUT)
    tokens = vectorizer(inputs)
    embedding = keras.layers.Embedding(vocabulary_size, config.embedding_dim, name=EMBEDDING,
                                       embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, seed=seed))
    x = embedding(tokens)
    x = _body(config, x, seed)
    if config.dropout:
        x = keras.layers.Dropout(config.dropout, seed=seed, name="dropout")(x)
    head = classifier_output(n_classes)
    outputs = keras.layers.Dense(head.units, activation=head.activation, name="output")(x)
    return keras.Model(inputs, outputs, name=f"text_{config.body}")


def set_word_vectors(model: keras.Model, word_vectors: np.ndarray) -> None:
    """Start the Embedding from pretrained vectors (one row per vocabulary word), frozen: feature extraction.

    `unfreeze_embedding` lets them learn afterwards (fine-tuning).
    """
    embedding = model.get_layer(EMBEDDING)
    embedding.set_weights([np.asarray(word_vectors, dtype="float32")])
    embedding.trainable = False


def vocabulary(model: keras.Model) -> list[str]:
    """The model's words in token-id order ("" padding and "[UNK]" first)."""
    return [str(word) for word in model.get_layer(VECTORIZER).get_vocabulary()]


def embedding_matrix(model: keras.Model) -> np.ndarray:
    """The learned word vectors, one row per vocabulary word."""
    return np.asarray(model.get_layer(EMBEDDING).get_weights()[0])


def unfreeze_embedding(model: keras.Model) -> None:
    """Let pretrained word vectors learn (fine-tuning); the model must be compiled again afterwards."""
    model.get_layer(EMBEDDING).trainable = True


def text_batch(texts) -> np.ndarray:
    """Raw texts as the model takes them: a 1-D array of Python strings."""
    return np.asarray([str(t) for t in texts], dtype=object)
