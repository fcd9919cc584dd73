"""The models later chapters rebuild to compare with, in Keras 3.

Each chapter writes the models it trains on the page; a model a later chapter compares with is
also built here, and the chapter that writes it checks with :func:`architecture` that both
are the same model. Review classifiers read IMDB-encoded reviews ``(batch, maxlen)`` of word indices below
``num_words`` and output P(positive); weather regressors read windows
``(batch, timesteps, features)`` and output the normalised temperature. Every builder
compiles as a chapter's page does, without naming ``jit_compile``, so its steps follow the
chapter's set-up (``training.reproducible``: XLA in the full profile) and a model rebuilt here
trains as the chapter that wrote it trained it; ``jit_compile`` overrides that.
"""

from __future__ import annotations

import keras
from keras import layers

from course_lib._checks import check_positive_int, check_positive_number

RECURRENT_LAYERS = {"SimpleRNN": layers.SimpleRNN, "LSTM": layers.LSTM, "GRU": layers.GRU}


def _compile_classifier(model: keras.Model, learning_rate: float,
                        jit_compile: bool | str) -> keras.Model:
    check_positive_number(learning_rate=learning_rate)
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
        jit_compile=jit_compile,
    )
    return model


def recurrent_classifier(
    kind: str, *, num_words: int = 10_000, embedding_dim: int = 32, units: int = 32,
    maxlen: int | None = None, learning_rate: float = 1e-3, name: str | None = None,
    jit_compile: bool | str = "auto",
) -> keras.Model:
    """Embedding(num_words, 32) -> SimpleRNN/LSTM/GRU(32) -> Dense(1, sigmoid), RMSprop.

    The models of chapters 4 to 6 (``kind`` picks the recurrent layer), rebuilt by later
    chapters that compare with them. To read reviews backwards, reverse the words before
    padding (``load_padded_imdb(reverse=True)``), not with ``go_backwards``: see that function.
    """
    if kind not in RECURRENT_LAYERS:
        raise ValueError(f"`kind` must be one of {sorted(RECURRENT_LAYERS)}. Received: kind={kind!r}")
    check_positive_int(num_words=num_words, embedding_dim=embedding_dim, units=units)
    model = keras.Sequential(
        [
            keras.Input(shape=(maxlen,), dtype="int32"),
            layers.Embedding(num_words, embedding_dim),
            RECURRENT_LAYERS[kind](units),
            layers.Dense(1, activation="sigmoid"),
        ],
        name=name or kind.lower(),
    )
    return _compile_classifier(model, learning_rate, jit_compile)


def _compile_regressor(model: keras.Model, learning_rate: float,
                       jit_compile: bool | str) -> keras.Model:
    check_positive_number(learning_rate=learning_rate)
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=learning_rate), loss="mae",
                  jit_compile=jit_compile)
    return model


def _check_rates(**rates: float) -> None:
    for label, rate in rates.items():
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"`{label}` must be in [0, 1). Received: {label}={rate!r}")


def recurrent_regressor(
    features: int, *, kind: str = "GRU", units: int = 32, dropout: float = 0.0,
    recurrent_dropout: float = 0.0, learning_rate: float = 1e-3, name: str | None = None,
    jit_compile: bool | str = "auto",
) -> keras.Model:
    """One recurrent layer -> Dense(1) on weather windows of any length: chapter 7's GRU and,
    with ``dropout``/``recurrent_dropout`` (Gal's variational dropout on the inputs and on the
    recurrent state), chapter 8's, rebuilt by the chapters that compare with them.
    """
    if kind not in RECURRENT_LAYERS:
        raise ValueError(f"`kind` must be one of {sorted(RECURRENT_LAYERS)}. Received: kind={kind!r}")
    _check_rates(dropout=dropout, recurrent_dropout=recurrent_dropout)
    check_positive_int(features=features, units=units)
    recurrent = RECURRENT_LAYERS[kind](units, dropout=dropout, recurrent_dropout=recurrent_dropout)
    model = keras.Sequential(
        [keras.Input(shape=(None, features)), recurrent, layers.Dense(1)],
        name=name or kind.lower(),
    )
    return _compile_regressor(model, learning_rate, jit_compile)


def conv_regressor(features: int, *, learning_rate: float = 1e-3,
                   jit_compile: bool | str = "auto") -> keras.Model:
    """The lecture's weather convnet: three Conv1D(32, 5, relu) with MaxPooling1D(3) between
    them, then GlobalMaxPooling1D -> Dense(1). The global pooling keeps the strongest response
    of each filter wherever it occurred in the window, which is why the model ignores order."""
    check_positive_int(features=features)
    model = keras.Sequential(
        [
            keras.Input(shape=(None, features)),
            layers.Conv1D(32, 5, activation="relu"),
            layers.MaxPooling1D(3),
            layers.Conv1D(32, 5, activation="relu"),
            layers.MaxPooling1D(3),
            layers.Conv1D(32, 5, activation="relu"),
            layers.GlobalMaxPooling1D(),
            layers.Dense(1),
        ],
        name="conv1d",
    )
    return _compile_regressor(model, learning_rate, jit_compile)




def _without_names(config):
    """A layer's config minus the names Keras makes up (``lstm_3``): two builds of one model
    differ only there."""
    if isinstance(config, dict):
        return {key: _without_names(value) for key, value in config.items() if key != "name"}
    if isinstance(config, list):
        return [_without_names(value) for value in config]
    return config


def architecture(model: keras.Model) -> list:
    """What makes two models the same model: each layer's class, configuration and parameter
    count, then the optimizer, the loss and whether its steps are compiled with XLA (what Keras
    made of ``jit_compile``). A chapter writes its model in Keras on the page and compares it
    with the builder later chapters reuse: ``architecture(a) == architecture(b)``."""
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a Keras model. Received: model={model!r}")
    rows = [("input", tuple(tensor.shape), tensor.dtype) for tensor in model.inputs]
    rows += [(type(layer).__name__, _without_names(layer.get_config()), layer.count_params())
             for layer in model.layers]
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        rows.append(("optimizer", _without_names(optimizer.get_config()), getattr(model, "loss", None),
                     bool(model.jit_compile)))
    return rows
