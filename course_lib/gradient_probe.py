"""Looking inside trained models: how far back their gradient reaches."""

from __future__ import annotations

import keras
import numpy as np

from course_lib.backends import gradient_of_sum


def gradient_norm_by_position(model: keras.Sequential, x: np.ndarray) -> np.ndarray:
    """Mean norm of d(output)/d(embedded word at position t), for every position t.

    How strongly the prediction can still react to a word t steps back: the quantity that
    vanishes in a SimpleRNN and survives in an LSTM. ``model`` starts with an Embedding.
    """
    embedding, rest = model.layers[0], model.layers[1:]
    if not isinstance(embedding, keras.layers.Embedding):
        raise TypeError(f"`model` must start with an Embedding layer. Received: {type(embedding).__name__}")

    def prediction(embedded):
        for layer in rest:
            embedded = layer(embedded)
        return embedded

    embedded = keras.ops.convert_to_numpy(embedding(x))
    gradient = gradient_of_sum(prediction, embedded)  # (batch, timesteps, dim)
    return np.linalg.norm(gradient, axis=-1).mean(axis=0)
