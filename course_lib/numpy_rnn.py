"""Recurrent layers written out in NumPy, step by step, from a Keras layer's own weights.

Each function takes inputs of shape ``(batch, timesteps, features)`` and the weights exactly as
``layer.get_weights()`` returns them, and reproduces the Keras layer's output. The point is to
read the equations as code; the tests prove the code is the layer.

Keras stores the gates side by side in one matrix: the kernel ``W`` is ``(features, k*units)``,
the recurrent kernel ``U`` is ``(units, k*units)``, with gate order ``i, f, c, o`` for LSTM and
``z, r, h`` for GRU.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _check_inputs(inputs, kernel, recurrent_kernel, bias, *, gates: int, bias_shape=None) -> np.ndarray:
    """Shapes checked up front, so a mismatched weight names itself instead of failing later
    as an anonymous broadcasting error."""
    inputs = np.asarray(inputs, dtype=np.float64)
    if inputs.ndim != 3:
        raise ValueError(
            f"`inputs` must have shape (batch, timesteps, features). Received: shape={inputs.shape}"
        )
    kernel, recurrent_kernel, bias = (np.asarray(w) for w in (kernel, recurrent_kernel, bias))
    if recurrent_kernel.ndim != 2:
        raise ValueError(f"`recurrent_kernel` must be 2-D (units, {gates} * units). "
                         f"Received: shape={recurrent_kernel.shape}")
    units = recurrent_kernel.shape[0]
    expected = {
        "kernel": (kernel.shape, (inputs.shape[-1], gates * units)),
        "recurrent_kernel": (recurrent_kernel.shape, (units, gates * units)),
        "bias": (bias.shape, bias_shape or (gates * units,)),
    }
    for name, (received, wanted) in expected.items():
        if received != wanted:
            raise ValueError(
                f"`{name}` must have shape {wanted} for inputs with {inputs.shape[-1]} features and "
                f"{units} units ({gates} gate block(s) side by side). Received: shape={received}"
            )
    return inputs


def _collect(states: list[np.ndarray], return_sequences: bool) -> np.ndarray:
    return np.stack(states, axis=1) if return_sequences else states[-1]


def simple_rnn_forward(inputs, kernel, recurrent_kernel, bias, *, return_sequences=False):
    """``h_t = tanh(x_t W + h_{t-1} U + b)``, the lecture's recurrence with f = tanh."""
    inputs = _check_inputs(inputs, kernel, recurrent_kernel, bias, gates=1)
    h = np.zeros((inputs.shape[0], recurrent_kernel.shape[0]))
    states = []
    for t in range(inputs.shape[1]):
        h = np.tanh(inputs[:, t] @ kernel + h @ recurrent_kernel + bias)
        states.append(h)
    return _collect(states, return_sequences)


def lstm_forward(inputs, kernel, recurrent_kernel, bias, *, return_sequences=False):
    """The four LSTM steps: forget gate, input gate and candidate, cell update,
    output."""
    inputs = _check_inputs(inputs, kernel, recurrent_kernel, bias, gates=4)
    units = recurrent_kernel.shape[0]
    h = np.zeros((inputs.shape[0], units))
    c = np.zeros_like(h)
    states = []
    for t in range(inputs.shape[1]):
        z = inputs[:, t] @ kernel + h @ recurrent_kernel + bias
        i = sigmoid(z[:, :units])  # input gate: how much of the candidate to write
        f = sigmoid(z[:, units:2 * units])  # forget gate: how much old cell to keep
        candidate = np.tanh(z[:, 2 * units:3 * units])
        o = sigmoid(z[:, 3 * units:])  # output gate: how much of the cell to show
        c = f * c + i * candidate
        h = o * np.tanh(c)
        states.append(h)
    return _collect(states, return_sequences)


def gru_forward(inputs, kernel, recurrent_kernel, bias, *, reset_after=True,
                return_sequences=False):
    """Update gate z, reset gate r, one merged state.

    Keras' default ``reset_after=True`` (the cuDNN variant) applies the reset gate
    *after* the recurrent matrix product and keeps two bias rows (input and recurrent);
    the original GRU of Cho et al. applies it before, with one bias row.
    """
    units = np.shape(recurrent_kernel)[0]
    inputs = _check_inputs(inputs, kernel, recurrent_kernel, bias, gates=3,
                           bias_shape=(2, 3 * units) if reset_after else (3 * units,))
    bias = np.asarray(bias)
    if reset_after:
        input_bias, recurrent_bias = bias[0], bias[1]
    else:
        input_bias, recurrent_bias = bias, np.zeros_like(bias)
    h = np.zeros((inputs.shape[0], units))
    states = []
    for t in range(inputs.shape[1]):
        x_part = inputs[:, t] @ kernel + input_bias
        if reset_after:
            h_part = h @ recurrent_kernel + recurrent_bias
            z = sigmoid(x_part[:, :units] + h_part[:, :units])
            r = sigmoid(x_part[:, units:2 * units] + h_part[:, units:2 * units])
            candidate = np.tanh(x_part[:, 2 * units:] + r * h_part[:, 2 * units:])
        else:
            z = sigmoid(x_part[:, :units] + h @ recurrent_kernel[:, :units])
            r = sigmoid(x_part[:, units:2 * units]
                        + h @ recurrent_kernel[:, units:2 * units])
            candidate = np.tanh(x_part[:, 2 * units:]
                                + (r * h) @ recurrent_kernel[:, 2 * units:])
        h = z * h + (1.0 - z) * candidate
        states.append(h)
    return _collect(states, return_sequences)


def forward_like(layer, inputs) -> np.ndarray:
    """Run the NumPy cell matching a built Keras ``SimpleRNN``, ``LSTM`` or ``GRU`` layer."""
    kind = type(layer).__name__
    if kind not in ("SimpleRNN", "LSTM", "GRU"):
        raise TypeError(f"`layer` must be a SimpleRNN, LSTM or GRU layer. Received: {kind}")
    weights = layer.get_weights()
    options = dict(return_sequences=layer.return_sequences)
    if kind == "SimpleRNN":
        return simple_rnn_forward(inputs, *weights, **options)
    if kind == "LSTM":
        return lstm_forward(inputs, *weights, **options)
    return gru_forward(inputs, *weights, reset_after=layer.reset_after, **options)
