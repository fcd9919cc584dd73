"""Shapes flowing through a model: the first thing to check when sequence models confuse."""

from __future__ import annotations

import keras
import numpy as np


def output_shapes(model: keras.Model, inputs: np.ndarray) -> list[tuple[str, tuple[int, ...]]]:
    """``("input", shape)`` then ``(layer name, output shape)`` for each layer, on real data.

    Running actual data through the layers (rather than reading symbolic shapes) shows the
    concrete batch and time sizes, ``None`` replaced by numbers.
    """
    if not isinstance(model, keras.Sequential):
        raise TypeError(f"`model` must be a keras.Sequential. Received: model={type(model).__name__}")
    shapes = [("input", tuple(np.shape(inputs)))]
    tensor = inputs
    for layer in model.layers:
        tensor = layer(tensor)
        shapes.append((layer.name, tuple(int(size) for size in tensor.shape)))
    return shapes
