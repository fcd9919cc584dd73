"""The lecture's schematic pictures: each is a closed Figure carrying its labels, and each has
alt text for readers who cannot see it."""

from __future__ import annotations

import inspect
import re

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from course_lib import diagrams

PUBLIC = sorted(name for name, value in inspect.getmembers(diagrams, inspect.isfunction)
                if value.__module__ == diagrams.__name__ and not name.startswith("_"))


def texts(fig: Figure) -> set[str]:
    return {artist.get_text() for artist in fig.findobj(Text)}


def counted(fig: Figure, gid: str) -> int:
    return sum(patch.get_gid() == gid for ax in fig.axes for patch in ax.patches)


@pytest.mark.parametrize("name", PUBLIC)
def test_each_picture_is_a_closed_figure_with_alt_text(name):
    plt.close("all")
    fig = getattr(diagrams, name)()
    assert isinstance(fig, Figure) and fig.axes
    assert fig.get_size_inches()[0] == pytest.approx(7.0)
    assert plt.get_fignums() == []
    assert len(diagrams.ALT_TEXT[name]) > 40


def test_alt_text_covers_exactly_the_public_pictures():
    assert PUBLIC == sorted(diagrams.ALT_TEXT)
    assert PUBLIC == ["bidirectional_rnn", "conv1d_window", "conv_gru_pipeline",
                      "forecast_timeline", "lstm_cell", "lstm_vs_gru", "unrolled_rnn"]


@pytest.mark.parametrize("steps", [2, 4, 6])
def test_unrolled_rnn_labels_every_input_output_and_the_weights(steps):
    labels = texts(diagrams.unrolled_rnn(steps))
    assert {f"$x_{{{t}}}$" for t in range(steps)} <= labels
    assert {f"$h_{{{t}}}$" for t in range(steps)} <= labels
    assert {"$W$", "$U$", "tanh"} <= labels


def test_lstm_cell_labels_carry_gates_and_operations():
    labels = texts(diagrams.lstm_cell())
    assert {"$c_{t-1}$", "$c_t$", "$h_{t-1}$", "$h_t$", "$x_t$"} <= labels
    assert {"$f_t$", "$i_t$", "$\\tilde{c}_t$", "$o_t$", "$\\sigma$", "tanh", "⊙", "+"} <= labels


def test_lstm_vs_gru_shows_both_cells_and_their_weight_counts():
    fig = diagrams.lstm_vs_gru()
    assert len(fig.axes) == 2
    lstm, gru = (ax.get_title() for ax in fig.axes)
    assert "LSTM: 4 weight sets" in lstm and "GRU: 3 weight sets" in gru
    assert "z \\odot h_{t-1} + (1 - z) \\odot \\tilde{h}" in gru  # Keras' convention
    assert {"$f$", "$i$", "$o$", "$\\tilde{c}$", "$z$", "$r$", "$\\tilde{h}$", "1−"} <= texts(fig)


@pytest.mark.parametrize("steps", [2, 4, 6])
def test_bidirectional_rnn_concatenates_both_final_states(steps):
    labels = texts(diagrams.bidirectional_rnn(steps))
    assert {f"$x_{{{t}}}$" for t in range(steps)} <= labels
    assert "concat" in labels
    last = steps - 1
    assert f"$[\\overrightarrow{{h}}_{{{last}}}, \\overleftarrow{{h}}_0]$" in labels


@pytest.mark.parametrize("length, kernel_size, pool_size", [
    (12, 5, 2), (12, 1, 3), (16, 9, 2), (5, 5, None), (7, 2, 1), (2, 1, None),
])
def test_conv1d_window_draws_one_output_per_valid_position(length, kernel_size, pool_size):
    fig = diagrams.conv1d_window(length, kernel_size, pool_size)
    outputs = length - kernel_size + 1
    assert counted(fig, "conv1d-output") == outputs
    assert counted(fig, "maxpool-output") == (outputs // pool_size if pool_size else 0)
    labels = texts(fig)
    assert {f"$x_{{{t}}}$" for t in range(length)} <= labels
    assert f"Conv1D\nkernel_size={kernel_size}" in labels
    assert plt.get_fignums() == []


@pytest.mark.parametrize("call, message", [
    (lambda: diagrams.conv1d_window(12, 20),
     "`kernel_size` must be between 1 and length=12. Received: kernel_size=20"),
    (lambda: diagrams.conv1d_window(12, 0), "Received: kernel_size=0"),
    (lambda: diagrams.conv1d_window(12, 2.5), "Received: kernel_size=2.5"),
    (lambda: diagrams.conv1d_window(40), "`length` must be between 2 and 16. Received: length=40"),
    (lambda: diagrams.conv1d_window(5, 5), "Received: pool_size=2"),
    (lambda: diagrams.conv1d_window(12, 5, 0), "Received: pool_size=0"),
    (lambda: diagrams.unrolled_rnn(1), "`steps` must be between 2 and 6. Received: steps=1"),
    (lambda: diagrams.unrolled_rnn(True), "Received: steps=True"),
    (lambda: diagrams.bidirectional_rnn(9), "`steps` must be between 2 and 6. Received: steps=9"),
    (lambda: diagrams.bidirectional_rnn("4"), "Received: steps='4'"),
])
def test_bad_arguments_name_the_argument_and_the_received_value(call, message):
    plt.close("all")
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
    assert plt.get_fignums() == []


def test_the_timeline_labels_the_lectures_tau_bounds_and_the_settings():
    labels = texts(diagrams.forecast_timeline(lookback=1440, delay=144, step=6,
                                              train_end=200_000))
    assert {"$\\tau_{min}$ = 1,440", "$\\tau_{max}$ = 199,999", "delay = 144",
            "lookback = 1,440 rows, one in 6"} <= labels
    with pytest.raises(ValueError, match="`train_end` must leave room"):
        diagrams.forecast_timeline(lookback=100, train_end=100)


@pytest.mark.parametrize("timesteps, features, shorter", [(120, 8, 34), (240, 14, 74)])
def test_the_pipeline_counts_the_steps_keras_leaves_the_gru(timesteps, features, shorter):
    import keras

    model = keras.Sequential([keras.Input((timesteps, features)),
                              keras.layers.Conv1D(32, 5), keras.layers.MaxPooling1D(3),
                              keras.layers.Conv1D(32, 5)])
    assert model.output_shape[1] == shorter
    fig = diagrams.conv_gru_pipeline(timesteps, features)
    assert f"GRU\nreads {shorter}\nsteps" in texts(fig) and counted(fig, "stage") == 6
    with pytest.raises(ValueError, match="no step for the GRU"):
        diagrams.conv_gru_pipeline(12, 8)
