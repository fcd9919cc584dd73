"""Looking inside trained models: where they are right, and how far back their gradient reaches."""

from __future__ import annotations

import keras
import numpy as np


def accuracy_by_bucket(
    y_true: np.ndarray, probabilities: np.ndarray, values: np.ndarray, edges: list[float]
) -> tuple[list[str], list[float], list[int]]:
    """Accuracy of thresholded ``probabilities`` within buckets of ``values`` (e.g. the distance
    of the evidence from the end of a review). Returns labels, accuracies, counts."""
    y_true, values = np.asarray(y_true), np.asarray(values)
    predictions = (np.asarray(probabilities).reshape(-1) > 0.5).astype(int)
    if not (len(y_true) == len(predictions) == len(values)):
        raise ValueError(
            "`y_true`, `probabilities` and `values` must have the same length. Received: "
            f"{len(y_true)}, {len(predictions)}, {len(values)}"
        )
    labels, accuracies, counts = [], [], []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (values >= low) & (values < high)
        labels.append(f"{low:g}-{high:g}")
        counts.append(int(inside.sum()))
        accuracies.append(float(np.mean(predictions[inside] == y_true[inside])) if inside.any() else float("nan"))
    return labels, accuracies, counts


def gradient_norm_by_position(model: keras.Sequential, x: np.ndarray) -> np.ndarray:
    """Mean norm of d(output)/d(embedded word at position t), for every position t.

    How strongly the prediction can still react to a word t steps back: the quantity that
    vanishes in a SimpleRNN and survives in an LSTM. ``model`` starts with an Embedding.
    """
    import tensorflow as tf

    embedding, rest = model.layers[0], model.layers[1:]
    if not isinstance(embedding, keras.layers.Embedding):
        raise TypeError(f"`model` must start with an Embedding layer. Received: {type(embedding).__name__}")
    embedded = tf.convert_to_tensor(embedding(x))
    with tf.GradientTape() as tape:
        tape.watch(embedded)
        output = embedded
        for layer in rest:
            output = layer(output)
        total = tf.reduce_sum(output)
    gradient = tape.gradient(total, embedded).numpy()  # (batch, timesteps, dim)
    return np.linalg.norm(gradient, axis=-1).mean(axis=0)
