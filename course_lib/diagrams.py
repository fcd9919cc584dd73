"""The lecture's schematic pictures (unrolled RNN, LSTM and GRU cells, bidirectional layer, 1-D
convolution, the forecasting timeline, the Conv1D + GRU pipeline), drawn by code so that the
book needs no image files and every picture can be redrawn, checked and changed like the rest of
the package. Each function returns a closed Figure sized like the other plots; ``ALT_TEXT``
describes each picture for readers who cannot see it. Colours keep one meaning throughout: grey
inputs, blue cells and sigmoid gates, orange tanh candidates and the backward direction, green
outputs, red the path that carries information far.

This module holds what the chapters import (the pictures and their texts); the boxes, arrows and
sizing they are drawn with are course_lib._drawing's, and the insides of the LSTM and GRU cells,
which two pictures share, course_lib._cell_drawing's."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from course_lib._cell_drawing import CELL_XLIM, CELL_YLIM, draw_gru, draw_lstm
from course_lib._drawing import (CANDIDATE, CELL, FONT, HIGHLIGHT, INPUT, LINE, OUTPUT, SMALL,
                                 arrow, box, note, sized_figure)
from course_lib.plots import finish

ALT_TEXT: dict[str, str] = {
    "unrolled_rnn": (
        "A SimpleRNN unrolled over four time steps: inputs x0 to x3 at the bottom each enter a "
        "tanh cell (weights W), each cell passes its state h to the next cell (weights U) and "
        "emits outputs h0 to h3 on top. Red arrows mark every path into the last output h3, which "
        "runs from all four inputs through the chain of states."
    ),
    "lstm_cell": (
        "One LSTM cell: the carry c runs straight across the top, first multiplied element-wise by "
        "the forget gate f, then increased by the input gate i times the tanh candidate c-tilde. "
        "Below, h(t-1) and x(t) feed all four gates, and the output gate o multiplies tanh(c_t) "
        "to give the new state h_t."
    ),
    "lstm_vs_gru": (
        "Two cells side by side. The LSTM keeps a carry c and a state h and has four weight "
        "sets (gates f, i, o and candidate c-tilde); the GRU keeps one state h and has three "
        "weight sets (update gate z, reset gate r, candidate h-tilde) and mixes "
        "h_t = z*h(t-1) + (1-z)*h-tilde."
    ),
    "bidirectional_rnn": (
        "A bidirectional RNN over four inputs: a forward row of cells reads x0 to x3 left to "
        "right, a backward row reads x3 to x0 right to left. The forward row's last state and the "
        "backward row's last state (at x0) are concatenated into the layer's single output."
    ),
    "conv1d_window": (
        "A 1-D convolution over a sequence of twelve steps: a window of five steps with one kernel "
        "w slides along the sequence and gives one output per position, eight in all "
        "(12 - 5 + 1, 'valid' padding). Below, max pooling of size 2 keeps the largest of each "
        "pair: four values."
    ),
    "forecast_timeline": (
        "A timeline of the weather record split into training, validation and test rows. A "
        "red band over the training rows marks where the generator draws the reference row "
        "tau: from tau_min, one lookback after the first row, to tau_max, the last training "
        "row. Above, one sample: its history of lookback rows (one point every step) before "
        "tau, and an arrow delay rows ahead to its target; the target of tau_max falls in "
        "the validation rows."
    ),
    "conv_gru_pipeline": (
        "Boxes from left to right: a long input sequence, two Conv1D layers with a "
        "MaxPooling1D between them, a much shorter sequence of convolution features, a GRU "
        "that reads only those steps one after another, a Dense(1) layer, and the forecast "
        "temperature."
    ),
}


def _check_between(name: str, value: object, low: int, high: int, high_text: str = "") -> None:
    """``value`` must be an int (not a bool) in ``low..high``; worded like the package's checks."""
    if (not isinstance(value, (int, np.integer)) or isinstance(value, bool)
            or not low <= value <= high):
        raise ValueError(
            f"`{name}` must be between {low} and {high_text or high}. Received: {name}={value!r}")


def unrolled_rnn(steps: int = 4) -> Figure:
    """Unrolling shows that a recurrent layer is one cell reused at every step, and that the last
    output depends on every input only through the chain of states: the long path along which
    gradients must travel back (and vanish or explode) during training."""
    _check_between("steps", steps, 2, 6)
    gap, cell, last = 2.4, (1.2, 0.8), steps - 1
    y_in, y_cell, y_out = 0.0, 1.7, 3.4
    fig, (ax,) = sized_figure((-2.9, last * gap + 1.0), (-0.55, 4.0), title_lines=2)
    for t in range(steps):
        x = t * gap
        box(ax, (x, y_in), f"$x_{{{t}}}$", INPUT, size=(0.8, 0.6))
        box(ax, (x, y_cell), "tanh", CELL, size=cell)
        box(ax, (x, y_out), f"$h_{{{t}}}$", HIGHLIGHT if t == last else OUTPUT, size=(0.8, 0.6))
        arrow(ax, (x, y_in + 0.3), (x, y_cell - 0.4), color=HIGHLIGHT)
        arrow(ax, (x, y_cell + 0.4), (x, y_out - 0.3), color=HIGHLIGHT if t == last else LINE)
        if t < last:
            arrow(ax, (x + 0.6, y_cell), (x + gap - 0.6, y_cell), color=HIGHLIGHT)
            note(ax, x + gap / 2, y_cell + 0.1, f"$h_{{{t}}}$", ha="center", va="bottom")
    arrow(ax, (-1.6, y_cell), (-0.6, y_cell))
    note(ax, -1.7, y_cell, "$h_{-1} = 0$", ha="right", va="center")
    note(ax, 0.12, y_in + 0.75, "$W$", va="center", color=HIGHLIGHT)
    note(ax, gap / 2, y_cell - 0.12, "$U$", ha="center", va="top", color=HIGHLIGHT)
    ax.set_title(f"SimpleRNN unrolled over {steps} steps: $h_t = \\tanh(x_t W + h_{{t-1}} U + b)$"
                 f"\nred: every path into $h_{{{last}}}$, from each of $x_0 \\ldots x_{{{last}}}$",
                 fontsize=FONT)
    return finish(fig)


def lstm_cell() -> Figure:
    """The LSTM's point is the carry line: it crosses the cell touched only by a multiplication
    (forget) and an addition (new information), so gradients along it neither pass through a
    squashing activation nor a repeated matrix product, and information survives many steps."""
    fig, (ax,) = sized_figure(CELL_XLIM, CELL_YLIM, title_lines=2)
    draw_lstm(ax, compact=False)
    ax.set_title("LSTM cell: $c_t = f_t \\odot c_{t-1} + i_t \\odot \\tilde{c}_t$,  "
                 "$h_t = o_t \\odot \\tanh(c_t)$\n⊙ element-wise product, + element-wise sum, "
                 "$\\sigma$ sigmoid gate (0 to 1), tanh candidate (−1 to 1)", fontsize=FONT)
    return finish(fig)


def lstm_vs_gru() -> Figure:
    """The GRU merges the LSTM's carry and state into one ``h`` and its forget and input gates
    into one update gate ``z``: three weight sets (kernel W, recurrent U, bias) instead of four,
    hence faster to train, usually about as accurate. Drawn with Keras' convention
    ``h_t = z ⊙ h_{t-1} + (1 - z) ⊙ h̃`` (``z`` near 1 keeps the old state), where some papers
    swap the roles of ``z`` and ``1 - z``, and with its default ``reset_after=True``, where ``r``
    scales the recurrent term ``h_{t-1} U`` inside the candidate."""
    fig, (left, right) = sized_figure(CELL_XLIM, CELL_YLIM, ncols=2, title_lines=3)
    draw_lstm(left, compact=True)
    draw_gru(right)
    left.set_title("(a) LSTM: 4 weight sets ($f, i, o, \\tilde{c}$)\n"
                   "$c_t = f \\odot c_{t-1} + i \\odot \\tilde{c}$\n"
                   "$h_t = o \\odot \\tanh(c_t)$", fontsize=SMALL)
    right.set_title("(b) GRU: 3 weight sets ($z, r, \\tilde{h}$)\n"
                    "$h_t = z \\odot h_{t-1} + (1 - z) \\odot \\tilde{h}$\n"
                    "$\\tilde{h} = \\tanh(x_t W + r \\odot (h_{t-1} U))$", fontsize=SMALL)
    return finish(fig)


def bidirectional_rnn(steps: int = 4) -> Figure:
    """A bidirectional layer runs two independent RNNs, one over the sequence and one over its
    reverse, so the single output (``return_sequences=False``, ``merge_mode="concat"``) holds a
    summary that ended at the last step and one that ended at the first: patterns that one
    reading order forgets, the other still sees."""
    _check_between("steps", steps, 2, 6)
    gap, last = 2.2, steps - 1
    y_fwd, y_in, y_bwd, y_route = 1.6, 0.0, -1.6, -2.55
    x_cat = last * gap + 2.3
    fig, (ax,) = sized_figure((-1.0, x_cat + 3.1), (-3.4, 2.8), title_lines=1)
    for t in range(steps):
        x = t * gap
        box(ax, (x, y_in), f"$x_{{{t}}}$", INPUT, size=(0.8, 0.6))
        box(ax, (x, y_fwd), "RNN", CELL, size=(1.2, 0.8), lw=2.6 if t == last else 1.3)
        box(ax, (x, y_bwd), "RNN", CANDIDATE, size=(1.2, 0.8), lw=2.6 if t == 0 else 1.3)
        arrow(ax, (x, y_in + 0.3), (x, y_fwd - 0.4))
        arrow(ax, (x, y_in - 0.3), (x, y_bwd + 0.4))
        if t < last:
            arrow(ax, (x + 0.6, y_fwd), (x + gap - 0.6, y_fwd), color=CELL)
            arrow(ax, (x + gap - 0.6, y_bwd), (x + 0.6, y_bwd), color=CANDIDATE)
    note(ax, -0.6, y_fwd + 0.55, f"forward: reads $x_0 \\rightarrow x_{{{last}}}$", va="bottom",
         color=CELL)
    note(ax, -0.6, y_route - 0.15, f"backward: reads $x_{{{last}}} \\rightarrow x_0$", va="top",
         color=CANDIDATE)
    arrow(ax, (last * gap + 0.6, y_fwd), (x_cat, y_fwd), (x_cat, y_in + 0.4), color=CELL, lw=1.8)
    note(ax, x_cat - 0.1, y_fwd + 0.1, f"$\\overrightarrow{{h}}_{{{last}}}$", ha="right",
         va="bottom", color=CELL)
    arrow(ax, (0.0, y_bwd - 0.4), (0.0, y_route), (x_cat, y_route), (x_cat, y_in - 0.4),
          color=CANDIDATE, lw=1.8)
    note(ax, x_cat - 0.1, y_route - 0.1, "$\\overleftarrow{h}_0$", ha="right", va="top",
         color=CANDIDATE)
    box(ax, (x_cat, y_in), "concat", OUTPUT, size=(1.4, 0.8))
    arrow(ax, (x_cat + 0.7, y_in), (x_cat + 1.4, y_in), color=OUTPUT)
    note(ax, x_cat + 1.5, y_in, f"$[\\overrightarrow{{h}}_{{{last}}}, \\overleftarrow{{h}}_0]$",
         va="center")
    ax.set_title('Bidirectional(RNN, merge_mode="concat"): one output from both reading orders',
                 fontsize=FONT)
    return finish(fig)


def conv1d_window(length: int = 12, kernel_size: int = 5, pool_size: int | None = 2) -> Figure:
    """A 1-D convolution applies one small kernel to every window of consecutive steps, so a
    pattern learned at one position is recognised at any other, and with "valid" padding the
    output is ``kernel_size - 1`` steps shorter. Pooling then shortens it ``pool_size`` times,
    keeping the strongest response of each group. Output boxes carry the gid ``conv1d-output``
    (pooled ones ``maxpool-output``) so tests can count them; ``pool_size=None`` leaves pooling
    out."""
    _check_between("length", length, 2, 16)
    _check_between("kernel_size", kernel_size, 1, length, f"length={length}")
    outputs = length - kernel_size + 1
    if pool_size is not None:
        _check_between("pool_size", pool_size, 1, outputs, f"the {outputs} convolution outputs")
    y_in, y_conv, y_pool = 3.2, 1.6, 0.0
    shown_length = max(length, 10)  # short sequences keep the boxes' size, centred
    left = 1.15 * (shown_length + 1) / 5.7  # room for the row names, about 1.15 inches
    pad = (shown_length - length) / 2
    bottom = y_pool - 0.5 if pool_size else y_conv - 0.5
    fig, (ax,) = sized_figure((-0.5 - left - pad, length - 0.4 + pad), (bottom, y_in + 1.75),
                              title_lines=2)
    size = (0.82, 0.62)
    for t in range(length):
        box(ax, (t, y_in), f"$x_{{{t}}}$", INPUT, size=size, fontsize=SMALL)
    shown = sorted({0, outputs - 1})
    for j in range(outputs):
        center = j + (kernel_size - 1) / 2
        box(ax, (center, y_conv), f"$y_{{{j}}}$", HIGHLIGHT if j in shown else CELL, size=size,
            fontsize=SMALL, gid="conv1d-output")
    for level, j in enumerate(shown):
        center, bar, end = j + (kernel_size - 1) / 2, y_in + 0.7 + 0.5 * level, j + kernel_size
        for t in range(j, end):
            ax.plot([t, center], [y_in - 0.31, y_conv + 0.31], color=HIGHLIGHT, lw=0.9, zorder=1)
        ax.plot([j - 0.4, j - 0.4, end - 0.6, end - 0.6], [bar - 0.15, bar, bar, bar - 0.15],
                color=HIGHLIGHT, lw=1.4)
        if level == 0:
            note(ax, -0.6, bar, "kernel $w$", ha="right", va="center", fontsize=SMALL,
                 color=HIGHLIGHT)
        else:
            note(ax, end - 0.6, bar + 0.1, f"the same $w$, {j} step{'s' * (j > 1)} further",
                 ha="right", va="bottom", fontsize=SMALL, color=HIGHLIGHT)
    rows = [(y_in, f"input\nlength={length}"), (y_conv, f"Conv1D\nkernel_size={kernel_size}")]
    if pool_size:
        rows.append((y_pool, f"MaxPooling1D\npool_size={pool_size}"))
        for m in range(outputs // pool_size):
            members = [j + (kernel_size - 1) / 2 for j in range(m * pool_size, (m + 1) * pool_size)]
            center = float(np.mean(members))
            for x in members:
                ax.plot([x, center], [y_conv - 0.31, y_pool + 0.31], color=LINE, lw=0.9, zorder=1)
            box(ax, (center, y_pool), f"$p_{{{m}}}$", OUTPUT, size=size, fontsize=SMALL,
                gid="maxpool-output")
    for y, name in rows:
        note(ax, -0.6, y, name, ha="right", va="center", fontsize=SMALL)
    pooled = f", MaxPooling1D keeps {outputs // pool_size}" if pool_size else ""
    ax.set_title(f'Conv1D, padding="valid": {length} − {kernel_size} + 1 = {outputs} outputs'
                 f"{pooled}\none kernel $w$ of {kernel_size} weights slides over every position",
                 fontsize=FONT)
    return finish(fig)


def forecast_timeline(lookback: int = 1440, delay: int = 144, step: int = 6,
                      train_end: int = 200_000) -> Figure:
    """Where a training sample may be anchored: a reference row tau needs ``lookback`` rows of
    history before it and a target ``delay`` rows after it. The lecture's generator draws tau
    between tau_min = ``lookback`` and tau_max = ``train_end - 1``, so the last targets lie
    past the training rows (the errata's point). Drawn to a schematic scale, labelled with the
    real numbers; the anchor boxes carry the gid ``tau``."""
    for name, value in dict(lookback=lookback, delay=delay, step=step, train_end=train_end).items():
        _check_between(name, value, 1, 10**7)
    if lookback + 1 >= train_end:
        raise ValueError("`train_end` must leave room for one window after `lookback`. "
                         f"Received: lookback={lookback}, train_end={train_end}")
    fig, (ax,) = sized_figure((-0.4, 14.6), (-1.2, 2.7), title_lines=2)
    y, train_x, val_x, end_x = 0.0, 9.0, 11.5, 13.0
    for x0, x1, color, name in [(0, train_x, CELL, "training rows"),
                                (train_x, val_x, OUTPUT, "validation"),
                                (val_x, end_x, INPUT, "test")]:
        ax.add_patch(FancyBboxPatch((x0, y - 0.18), x1 - x0, 0.36, boxstyle="square,pad=0",
                                    facecolor=to_rgba(color, 0.25), edgecolor=color, lw=1))
        note(ax, (x0 + x1) / 2, y - 0.35, name, ha="center", va="top", fontsize=SMALL)
    tau_min, tau_max, width = 2.2, train_x, 2.2  # schematic: lookback drawn 2.2 units wide
    ax.plot([tau_min, tau_max], [y + 0.55] * 2, color=HIGHLIGHT, lw=3, solid_capstyle="butt")
    note(ax, (tau_min + tau_max) / 2, y + 0.7, "where the generator draws $\\tau$",
         ha="center", va="bottom", fontsize=SMALL, color=HIGHLIGHT)
    for x, label in [(tau_min, f"$\\tau_{{min}}$ = {lookback:,}"),
                     (tau_max, f"$\\tau_{{max}}$ = {train_end - 1:,}")]:
        ax.plot([x, x], [y - 0.25, y + 0.6], color=HIGHLIGHT, lw=1)
        note(ax, x, y - 0.8, label, ha="center", va="top", fontsize=SMALL, color=HIGHLIGHT)
    tau, ahead = 5.6, 0.9  # one sample: its history and its target
    history = np.arange(tau - width, tau, width / 8)
    ax.scatter(history, [y + 1.7] * len(history), s=14, color=INPUT, zorder=3)
    ax.plot([tau - width, tau], [y + 2.05] * 2, color=INPUT, lw=1)
    note(ax, tau - width / 2, y + 2.15, f"lookback = {lookback:,} rows, one in {step}",
         ha="center", va="bottom", fontsize=SMALL)
    box(ax, (tau, y + 1.7), "$\\tau$", HIGHLIGHT, size=(0.45, 0.4), fontsize=SMALL, gid="tau")
    arrow(ax, (tau + 0.25, y + 1.7), (tau + ahead + 0.6, y + 1.7), color=OUTPUT)
    box(ax, (tau + ahead + 0.85, y + 1.7), "target", OUTPUT, size=(1.05, 0.4), fontsize=SMALL)
    note(ax, tau + 0.25 + (ahead + 0.35) / 2, y + 1.5, f"delay = {delay:,}", ha="center",
         va="top", fontsize=SMALL)
    ax.plot([tau, tau], [y + 0.2, y + 1.5], color=HIGHLIGHT, lw=0.8, ls=":")
    box(ax, (tau_max, y + 1.7), "$\\tau_{max}$", HIGHLIGHT, size=(0.7, 0.4), fontsize=SMALL,
        gid="tau")
    arrow(ax, (tau_max + 0.35, y + 1.7), (tau_max + ahead + 0.6, y + 1.7), color=OUTPUT)
    note(ax, tau_max + ahead + 0.7, y + 1.7, "its target:\nvalidation rows", va="center",
         fontsize=SMALL, color=OUTPUT)
    ax.set_title("A training sample: history before the reference row $\\tau$, target "
                 f"{delay:,} rows after it\n$\\tau$ runs from $\\tau_{{min}}$ to "
                 "$\\tau_{max}$, the last training row (not to scale)", fontsize=FONT)
    return finish(fig)


def conv_gru_pipeline(timesteps: int = 240, features: int = 14, filters: int = 32,
                      kernel_size: int = 5, pool_size: int = 3) -> Figure:
    """The hybrid's idea in one line of boxes: the convolutions turn a long sequence into a
    shorter one of higher-level features, and only that shorter sequence goes through the
    recurrence, which must take its steps one after the other. The step counts are computed
    from the layer sizes, as Keras computes them ("valid" padding); the boxes carry the gid
    ``stage``."""
    _check_between("timesteps", timesteps, 2, 10**6)
    _check_between("features", features, 1, 10**4)
    _check_between("filters", filters, 1, 10**4)
    _check_between("kernel_size", kernel_size, 1, timesteps, f"timesteps={timesteps}")
    _check_between("pool_size", pool_size, 1, timesteps, f"timesteps={timesteps}")
    pooled = (timesteps - kernel_size + 1) // pool_size
    shorter = pooled - kernel_size + 1
    if shorter < 1:
        raise ValueError("The convolutions leave no step for the GRU to read. Received: "
                         f"timesteps={timesteps}, kernel_size={kernel_size}, "
                         f"pool_size={pool_size}")
    fig, (ax,) = sized_figure((-0.9, 14.3), (-0.6, 2.0), title_lines=2)
    stages = [
        (0.6, f"input\n{timesteps:,} steps\n× {features}", INPUT, (1.9, 1.3)),
        (3.6, f"Conv1D({filters}, {kernel_size})\nMaxPooling1D({pool_size})\n"
              f"Conv1D({filters}, {kernel_size})", CELL, (2.5, 1.3)),
        (6.8, f"{shorter:,} steps\n× {filters}", INPUT, (1.7, 1.3)),
        (9.4, f"GRU\nreads {shorter:,}\nsteps", CANDIDATE, (1.7, 1.3)),
        (11.6, "Dense(1)", OUTPUT, (1.4, 0.8)),
        (13.4, "forecast", OUTPUT, (1.4, 0.8)),
    ]
    for (x, text, color, size), following in zip(stages, stages[1:] + [None]):
        box(ax, (x, 0.8), text, color, size=size, fontsize=SMALL, gid="stage")
        if following is not None:
            arrow(ax, (x + size[0] / 2, 0.8), (following[0] - following[3][0] / 2, 0.8))
    note(ax, 3.6, -0.1, "all positions at once", ha="center", va="top", fontsize=SMALL)
    note(ax, 9.4, -0.1, "one step after another", ha="center", va="top", fontsize=SMALL)
    ax.set_title(f"Conv1D + GRU: the convolutions shorten {timesteps:,} steps to "
                 f"{shorter:,},\nso the GRU, which cannot parallelise over time, takes "
                 f"{timesteps / shorter:.1f} times fewer steps", fontsize=FONT)
    return finish(fig)
