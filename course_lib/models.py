"""The lecture's models, built in Keras 3, named after what they are.

Review classifiers read IMDB-encoded reviews ``(batch, maxlen)`` of word indices below
``num_words`` and output P(positive); weather regressors read windows
``(batch, timesteps, features)`` and output the normalised temperature.
"""

from __future__ import annotations

import keras
from keras import layers

from course_lib._checks import check_positive_int, check_positive_number

CONV_MIN_LENGTH = 6 + 5 * 7  # Conv1D(7) drops 6 steps, MaxPooling1D(5) divides, Conv1D(7) needs 7
RECURRENT_LAYERS = {"SimpleRNN": layers.SimpleRNN, "LSTM": layers.LSTM, "GRU": layers.GRU}


def _compile_classifier(model: keras.Model, learning_rate: float) -> keras.Model:
    check_positive_number(learning_rate=learning_rate)
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def recurrent_classifier(
    kind: str, *, num_words: int = 10_000, embedding_dim: int = 32, units: int = 32,
    maxlen: int | None = None, learning_rate: float = 1e-3, bidirectional: bool = False,
    name: str | None = None,
) -> keras.Model:
    """Embedding(num_words, 32) -> SimpleRNN/LSTM/GRU(32) -> Dense(1, sigmoid), RMSprop.

    The lecture's text models; ``kind`` picks the recurrent layer, ``bidirectional`` reads
    each review both ways. To read reviews backwards, reverse the words before padding
    (``load_padded_imdb(reverse=True)``), not with ``go_backwards``: see that function.
    """
    if kind not in RECURRENT_LAYERS:
        raise ValueError(f"`kind` must be one of {sorted(RECURRENT_LAYERS)}. Received: kind={kind!r}")
    check_positive_int(num_words=num_words, embedding_dim=embedding_dim, units=units)
    recurrent = RECURRENT_LAYERS[kind](units)
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
    check_positive_int(num_words=num_words, embedding_dim=embedding_dim, maxlen=maxlen)
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
    check_positive_int(num_words=num_words, embedding_dim=embedding_dim)
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
    check_positive_number(learning_rate=learning_rate)
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=learning_rate), loss="mae")
    return model


def dense_regressor(timesteps: int, features: int, *, units: int = 32, learning_rate: float = 1e-3) -> keras.Model:
    """Flatten -> Dense(32, relu) -> Dense(1): the lecture's first, order-blind weather model."""
    check_positive_int(timesteps=timesteps, features=features, units=units)
    model = keras.Sequential(
        [keras.Input(shape=(timesteps, features)), layers.Flatten(),
         layers.Dense(units, activation="relu"), layers.Dense(1)],
        name="dense",
    )
    return _compile_regressor(model, learning_rate)


def _check_rates(**rates: float) -> None:
    for label, rate in rates.items():
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"`{label}` must be in [0, 1). Received: {label}={rate!r}")


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
    _check_rates(dropout=dropout, recurrent_dropout=recurrent_dropout)
    check_positive_int(features=features, units=units)
    recurrent = RECURRENT_LAYERS[kind](units, dropout=dropout, recurrent_dropout=recurrent_dropout,
                                       go_backwards=reverse)
    if bidirectional:
        recurrent = layers.Bidirectional(recurrent)
    model = keras.Sequential(
        [keras.Input(shape=(None, features)), recurrent, layers.Dense(1)],
        name=name or kind.lower(),
    )
    return _compile_regressor(model, learning_rate)


def stacked_gru_regressor(features: int, *, dropout: float = 0.1, recurrent_dropout: float = 0.5,
                          learning_rate: float = 1e-3) -> keras.Model:
    """The lecture's stack: GRU(32, all steps) -> GRU(64, relu) -> Dense(1), both layers with
    the same dropout rates (the lecture's: 0.1 on the inputs, 0.5 on the recurrent state)."""
    check_positive_int(features=features)
    _check_rates(dropout=dropout, recurrent_dropout=recurrent_dropout)
    rates = dict(dropout=dropout, recurrent_dropout=recurrent_dropout)
    model = keras.Sequential(
        [
            keras.Input(shape=(None, features)),
            layers.GRU(32, return_sequences=True, **rates),
            layers.GRU(64, activation="relu", **rates),
            layers.Dense(1),
        ],
        name="stacked_gru",
    )
    return _compile_regressor(model, learning_rate)


def conv_classifier(
    *, num_words: int = 10_000, embedding_dim: int = 128, maxlen: int | None = None,
    learning_rate: float = 1e-4, name: str = "conv1d",
) -> keras.Model:
    """The lecture's 1D convnet on reviews: Embedding(10000, 128) -> Conv1D(32, 7, relu) ->
    MaxPooling1D(5) -> Conv1D(32, 7, relu) -> GlobalMaxPooling1D -> Dense(1, sigmoid).

    The slide ends in ``Dense(1)`` without an activation while it trains with binary
    cross-entropy, which expects probabilities; the sigmoid restores that.
    """
    check_positive_int(num_words=num_words, embedding_dim=embedding_dim)
    if maxlen is not None and (not isinstance(maxlen, int) or maxlen < CONV_MIN_LENGTH):
        raise ValueError(
            f"`maxlen` must be None or at least {CONV_MIN_LENGTH}: shorter reviews leave nothing for the "
            f"second width-7 convolution after pooling by 5. Received: maxlen={maxlen!r}"
        )
    model = keras.Sequential(
        [
            keras.Input(shape=(maxlen,), dtype="int32"),
            layers.Embedding(num_words, embedding_dim),
            layers.Conv1D(32, 7, activation="relu"),
            layers.MaxPooling1D(5),
            layers.Conv1D(32, 7, activation="relu"),
            layers.GlobalMaxPooling1D(),
            layers.Dense(1, activation="sigmoid"),
        ],
        name=name,
    )
    return _compile_classifier(model, learning_rate)


def _conv_front(features: int) -> list:
    """The lecture's convolutional front end on weather windows, shared by the convnet and the
    Conv1D + GRU hybrid: Conv1D(32, 5, relu) -> MaxPooling1D(3) -> Conv1D(32, 5, relu)."""
    check_positive_int(features=features)
    return [keras.Input(shape=(None, features)), layers.Conv1D(32, 5, activation="relu"),
            layers.MaxPooling1D(3), layers.Conv1D(32, 5, activation="relu")]


def conv_regressor(features: int, *, learning_rate: float = 1e-3) -> keras.Model:
    """The lecture's weather convnet: three Conv1D(32, 5, relu) with MaxPooling1D(3) between
    them, then GlobalMaxPooling1D -> Dense(1). The global pooling keeps the strongest response
    of each filter wherever it occurred in the window, which is why the model ignores order."""
    model = keras.Sequential(
        _conv_front(features) + [layers.MaxPooling1D(3), layers.Conv1D(32, 5, activation="relu"),
                                 layers.GlobalMaxPooling1D(), layers.Dense(1)],
        name="conv1d",
    )
    return _compile_regressor(model, learning_rate)


def conv_gru_regressor(features: int, *, learning_rate: float = 1e-3) -> keras.Model:
    """Conv1D as a pre-processor for a GRU: Conv1D(32, 5, relu) -> MaxPooling1D(3) ->
    Conv1D(32, 5, relu) -> GRU(32, dropout 0.1, recurrent_dropout 0.5) -> Dense(1).

    The convolutions extract local features and the pooling shortens the sequence about
    threefold, so the GRU, the expensive part, reads far fewer steps."""
    model = keras.Sequential(
        _conv_front(features) + [layers.GRU(32, dropout=0.1, recurrent_dropout=0.5), layers.Dense(1)],
        name="conv1d_gru",
    )
    return _compile_regressor(model, learning_rate)
