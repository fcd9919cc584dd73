"""Each NumPy recurrent layer is the Keras layer: same weights, inputs and outputs to 1e-5."""

import keras
import numpy as np
import pytest

from course_lib.numpy_rnn import forward_like, gru_forward, lstm_forward, simple_rnn_forward

LAYERS = {
    "SimpleRNN": lambda seq: keras.layers.SimpleRNN(6, return_sequences=seq),
    "LSTM": lambda seq: keras.layers.LSTM(6, return_sequences=seq),
    "GRU": lambda seq: keras.layers.GRU(6, return_sequences=seq),
    "GRU(reset_after=False)": lambda seq: keras.layers.GRU(6, return_sequences=seq, reset_after=False),
}


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("batch", [1, 5])
def test_numpy_cell_equals_keras_layer(kind, return_sequences, batch):
    keras.utils.set_random_seed(3)
    layer = LAYERS[kind](return_sequences)
    inputs = np.random.default_rng(batch).normal(size=(batch, 7, 4)).astype("float32")
    layer(inputs)  # build
    # random, non-default weights (biases included), so no gate hides behind a zero
    layer.set_weights([np.random.default_rng(9).normal(scale=0.5, size=w.shape).astype("float32")
                       for w in layer.get_weights()])
    expected = np.asarray(layer(inputs))
    ours = forward_like(layer, inputs)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, atol=1e-5)


def test_simple_rnn_is_the_lecture_recurrence():
    x = np.ones((1, 2, 1))
    h = simple_rnn_forward(x, np.array([[1.0]]), np.array([[0.5]]), np.array([0.0]), return_sequences=True)
    np.testing.assert_allclose(h[0, :, 0], [np.tanh(1.0), np.tanh(1.0 + 0.5 * np.tanh(1.0))])


@pytest.mark.parametrize("cell, gates, bias", [
    (simple_rnn_forward, 1, (2,)), (lstm_forward, 4, (8,)), (gru_forward, 3, (2, 6)),
])
def test_bad_input_and_weight_shapes_are_named(cell, gates, bias):
    kernel, recurrent = np.zeros((3, 2 * gates)), np.zeros((2, 2 * gates))
    with pytest.raises(ValueError, match=r"`inputs` must have shape \(batch, timesteps, features\). Received: shape=\(2, 3\)"):
        cell(np.zeros((2, 3)), kernel, recurrent, np.zeros(bias))
    with pytest.raises(ValueError, match=rf"`kernel` must have shape \(5, {2 * gates}\) for inputs with 5 features and 2 units.*Received: shape=\(3, {2 * gates}\)"):
        cell(np.zeros((1, 2, 5)), kernel, recurrent, np.zeros(bias))
    with pytest.raises(ValueError, match=r"`bias` must have shape .* Received: shape=\(3,\)"):
        cell(np.zeros((1, 2, 3)), kernel, recurrent, np.zeros(3))
    with pytest.raises(ValueError, match=r"`recurrent_kernel` must have shape \(2, .*Received: shape=\(2, 1\)"):
        cell(np.zeros((1, 2, 3)), kernel, np.zeros((2, 1)), np.zeros(bias))


def test_forward_like_refuses_other_layers():
    with pytest.raises(TypeError, match="Received: Dense"):
        forward_like(keras.layers.Dense(2), np.zeros((1, 2, 2)))
