"""The lecture's models, built in Keras 3, named after what they are.

Review classifiers read IMDB-encoded reviews ``(batch, maxlen)`` of word indices below
``num_words`` and output P(positive); weather regressors read windows
``(batch, timesteps, features)`` and output the normalised temperature.
"""

from __future__ import annotations

import keras
from keras import layers

RECURRENT_LAYERS = {"SimpleRNN": layers.SimpleRNN, "LSTM": layers.LSTM, "GRU": layers.GRU}


def _compile_classifier(model: keras.Model, learning_rate: float) -> keras.Model:
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def recurrent_classifier(
    kind: str, *, num_words: int = 10_000, embedding_dim: int = 32, units: int = 32,
    maxlen: int | None = None, learning_rate: float = 1e-3, reverse: bool = False,
    bidirectional: bool = False, name: str | None = None,
) -> keras.Model:
    """Embedding(num_words, 32) -> SimpleRNN/LSTM/GRU(32) -> Dense(1, sigmoid), RMSprop.

    The lecture's text models; ``kind`` picks the recurrent layer, ``reverse`` makes it read
    each review from the last word to the first, ``bidirectional`` both ways.
    """
    if kind not in RECURRENT_LAYERS:
        raise ValueError(f"`kind` must be one of {sorted(RECURRENT_LAYERS)}. Received: kind={kind!r}")
    recurrent = RECURRENT_LAYERS[kind](units, go_backwards=reverse)
    if bidirectional:
        recurrent = layers.Bidirectional(recurrent)
    model = keras.Sequential(
        [
            keras.Input(shape=(maxlen,), dtype="int32"),
            layers.Embedding(num_words, embedding_dim),
            recurrent,
            layers.Dense(1, activation="sigmoid"),
        ],
        name=name or kind.lower(),
    )
    return _compile_classifier(model, learning_rate)


def embedding_classifier(
    *, num_words: int = 10_000, embedding_dim: int = 8, maxlen: int = 100,
    learning_rate: float = 1e-3, trainable: bool = True, weights=None, name: str = "embedding_flatten",
) -> keras.Model:
    """Embedding -> Flatten -> Dense(1, sigmoid): each position gets its own weights.

    ``weights`` (a ``(num_words, embedding_dim)`` matrix) and ``trainable=False`` turn it into
    the pre-trained, frozen variant.
    """
    embedding = layers.Embedding(num_words, embedding_dim, trainable=trainable)
    model = keras.Sequential(
        [keras.Input(shape=(maxlen,), dtype="int32"), embedding, layers.Flatten(),
         layers.Dense(1, activation="sigmoid")],
        name=name,
    )
    if weights is not None:
        embedding.set_weights([weights])
    return _compile_classifier(model, learning_rate)


def bag_of_words_classifier(
    *, num_words: int = 10_000, embedding_dim: int = 32, maxlen: int | None = None,
    learning_rate: float = 1e-3, trainable: bool = True, weights=None, name: str = "bag_of_words",
) -> keras.Model:
    """Embedding -> average over positions -> Dense: blind to word order by construction.

    ``weights`` and ``trainable=False`` freeze pre-trained vectors in the embedding.
    """
    embedding = layers.Embedding(num_words, embedding_dim, trainable=trainable)
    model = keras.Sequential(
        [keras.Input(shape=(maxlen,), dtype="int32"), embedding,
         layers.GlobalAveragePooling1D(), layers.Dense(1, activation="sigmoid")],
        name=name,
    )
    if weights is not None:
        embedding.set_weights([weights])
    return _compile_classifier(model, learning_rate)


def _compile_regressor(model: keras.Model, learning_rate: float) -> keras.Model:
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=learning_rate), loss="mae")
    return model


def dense_regressor(timesteps: int, features: int, *, units: int = 32, learning_rate: float = 1e-3) -> keras.Model:
    """Flatten -> Dense(32, relu) -> Dense(1): the lecture's first, order-blind weather model."""
    model = keras.Sequential(
        [keras.Input(shape=(timesteps, features)), layers.Flatten(),
         layers.Dense(units, activation="relu"), layers.Dense(1)],
        name="dense",
    )
    return _compile_regressor(model, learning_rate)


def recurrent_regressor(
    features: int, *, kind: str = "GRU", units: int = 32, dropout: float = 0.0,
    recurrent_dropout: float = 0.0, bidirectional: bool = False, reverse: bool = False,
    learning_rate: float = 1e-3, name: str | None = None,
) -> keras.Model:
    """One recurrent layer -> Dense(1) on weather windows of any length.

    ``dropout``/``recurrent_dropout`` are Gal's variational dropout on the inputs and on the
    recurrent state; ``reverse`` reads each window from the newest row back to the oldest;
    ``bidirectional`` reads it both ways and concatenates the two final states.
    """
    if kind not in RECURRENT_LAYERS:
        raise ValueError(f"`kind` must be one of {sorted(RECURRENT_LAYERS)}. Received: kind={kind!r}")
    for label, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"`{label}` must be in [0, 1). Received: {label}={rate!r}")
    recurrent = RECURRENT_LAYERS[kind](units, dropout=dropout, recurrent_dropout=recurrent_dropout,
                                       go_backwards=reverse)
    if bidirectional:
        recurrent = layers.Bidirectional(recurrent)
    model = keras.Sequential(
        [keras.Input(shape=(None, features)), recurrent, layers.Dense(1)],
        name=name or kind.lower(),
    )
    return _compile_regressor(model, learning_rate)


def stacked_gru_regressor(features: int, *, learning_rate: float = 1e-3) -> keras.Model:
    """The lecture's stack: GRU(32, dropout 0.1, recurrent 0.5, all steps) -> GRU(64, relu,
    0.1/0.5) -> Dense(1)."""
    model = keras.Sequential(
        [
            keras.Input(shape=(None, features)),
            layers.GRU(32, dropout=0.1, recurrent_dropout=0.5, return_sequences=True),
            layers.GRU(64, activation="relu", dropout=0.1, recurrent_dropout=0.5),
            layers.Dense(1),
        ],
        name="stacked_gru",
    )
    return _compile_regressor(model, learning_rate)
