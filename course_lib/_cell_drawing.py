"""The insides of the LSTM and GRU cells, drawn in one frame (the same carry line, gate row
and input bus at the same heights) so that the two panels of ``lstm_vs_gru`` compare like for
like, and so that ``lstm_cell`` draws the very LSTM of that comparison at full width. The
pictures that show them, and their titles, are course_lib.diagrams'."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

from course_lib import _drawing
from course_lib._drawing import (CANDIDATE, CELL, FONT, HIGHLIGHT, OUTPUT, SMALL, box, dot,
                                 note)

_CARRY_Y, _UPPER_Y, _GATE_Y, _BUS_Y, _GATE_HALF = 5.6, 4.2, 2.7, 1.1, 0.45
CELL_XLIM, CELL_YLIM = (-1.7, 13.0), (-0.9, 6.5)


def _cell_tools(ax: Axes, compact: bool) -> tuple[float, Callable[..., None], Callable[..., None]]:
    """Node radius, arrow and node drawers at the cell's scale: a half-width panel needs larger
    nodes and smaller arrow heads to stay legible."""
    radius = 0.36 if compact else 0.3
    arrow = partial(_drawing.arrow, ax, head_size=8 if compact else 11)
    node = partial(_drawing.node, ax, radius=radius, fontsize=SMALL if compact else FONT + 2)
    return radius, arrow, node


def _rim(start: tuple[float, float], center: tuple[float, float],
         radius: float) -> tuple[float, float]:
    """Where a line from ``start`` towards a node's ``center`` meets the node's circle."""
    direction = np.subtract(center, start)
    x, y = np.asarray(center) - radius * direction / np.hypot(*direction)
    return float(x), float(y)


def _cell_frame(ax: Axes, x_in: float) -> None:
    """The cell's outline, and ``x_t`` entering from below to join the input bus."""
    ax.add_patch(FancyBboxPatch((0.6, 0.35), 10.2, 5.85, boxstyle="round,pad=0,rounding_size=0.3",
                                facecolor="0.97", edgecolor="0.75", lw=1, zorder=0))
    _drawing.arrow(ax, (x_in, -0.25), (x_in, _BUS_Y), head=False)
    dot(ax, (x_in, _BUS_Y))
    note(ax, x_in, -0.3, "$x_t$", ha="center", va="top")


def _gate(ax: Axes, x: float, name: str, color: str, compact: bool,
          arrow: Callable[..., None]) -> None:
    """A dense layer on ``[h_{t-1}, x_t]``: labelled by its name when compact, else by its
    activation (the name then labels its outgoing arrow)."""
    activation = "tanh" if color == CANDIDATE else "$\\sigma$"
    box(ax, (x, _GATE_Y), name if compact else activation, color, size=(1.0, 2 * _GATE_HALF))
    arrow((x, _BUS_Y), (x, _GATE_Y - _GATE_HALF))


def draw_lstm(ax: Axes, compact: bool) -> None:
    r, arrow, node = _cell_tools(ax, compact)
    f, i, c, o, out, plus = 3.0, 4.6, 6.2, 7.8, 9.4, 5.4
    _cell_frame(ax, 1.6)
    arrow((0.0, _BUS_Y), (o, _BUS_Y), head=False)
    note(ax, -0.1, _BUS_Y, "$h_{t-1}$", ha="right", va="center")
    arrow((0.0, _CARRY_Y), (12.0, _CARRY_Y), color=HIGHLIGHT, lw=2.2)
    note(ax, -0.1, _CARRY_Y, "$c_{t-1}$", ha="right", va="center")
    note(ax, 12.1, _CARRY_Y, "$c_t$", ha="left", va="center")
    for x, name, color in ((f, "$f$", CELL), (i, "$i$", CELL), (c, "$\\tilde{c}$", CANDIDATE),
                           (o, "$o$", CELL)):
        _gate(ax, x, name, color, compact, arrow)
    arrow((f, _GATE_Y + _GATE_HALF), (f, _CARRY_Y - r))
    node((f, _CARRY_Y), "⊙")
    for x in (i, c):
        arrow((x, _GATE_Y + _GATE_HALF), _rim((x, _GATE_Y + _GATE_HALF), (plus, _UPPER_Y), r))
    node((plus, _UPPER_Y), "⊙")
    arrow((plus, _UPPER_Y + r), (plus, _CARRY_Y - r))
    node((plus, _CARRY_Y), "+")
    dot(ax, (out, _CARRY_Y), HIGHLIGHT)
    if compact:  # tanh(c_t) as a label: a box would not fit the half-width panel
        arrow((out, _CARRY_Y), (out, _GATE_Y + r))
        note(ax, out + 0.15, _UPPER_Y, "tanh", va="center", fontsize=SMALL)
    else:
        arrow((out, _CARRY_Y), (out, _UPPER_Y + 0.3))
        box(ax, (out, _UPPER_Y), "tanh", CANDIDATE, size=(1.0, 0.6), fontsize=SMALL)
        arrow((out, _UPPER_Y - 0.3), (out, _GATE_Y + r))
    arrow((o + 0.5, _GATE_Y), (out - r, _GATE_Y))
    node((out, _GATE_Y), "⊙")
    arrow((out, _GATE_Y - r), (out, _BUS_Y), (12.0, _BUS_Y), color=OUTPUT, lw=1.8)
    note(ax, 12.1, _BUS_Y, "$h_t$", ha="left", va="center")
    if compact:
        return
    note(ax, f + 0.12, (_GATE_Y + _CARRY_Y) / 2, "$f_t$", va="center")
    note(ax, i + 0.1, 3.75, "$i_t$", ha="right", va="center")
    note(ax, c - 0.1, 3.75, "$\\tilde{c}_t$", ha="left", va="center")
    note(ax, (o + 0.5 + out - r) / 2, _GATE_Y + 0.1, "$o_t$", ha="center", va="bottom")
    note(ax, (f + i) / 2, _BUS_Y - 0.12, "$[h_{t-1}, x_t]$", ha="center", va="top",
         fontsize=SMALL)


def draw_gru(ax: Axes) -> None:
    r, arrow, node = _cell_tools(ax, compact=True)
    z, reset, cand, one_minus, h_in = 3.0, 4.8, 7.0, 5.0, 1.0
    _cell_frame(ax, 1.6)
    arrow((0.0, _CARRY_Y), (12.0, _CARRY_Y), color=HIGHLIGHT, lw=2.2)
    note(ax, -0.1, _CARRY_Y, "$h_{t-1}$", ha="right", va="center")
    note(ax, 12.1, _CARRY_Y, "$h_t$", ha="left", va="center")
    dot(ax, (h_in, _CARRY_Y), HIGHLIGHT)
    arrow((h_in, _CARRY_Y), (h_in, _BUS_Y), (cand, _BUS_Y), head=False)
    for x, name, color in ((z, "$z$", CELL), (reset, "$r$", CELL),
                           (cand, "$\\tilde{h}$", CANDIDATE)):
        _gate(ax, x, name, color, True, arrow)
    arrow((z, _GATE_Y + _GATE_HALF), (z, _CARRY_Y - r))
    node((z, _CARRY_Y), "⊙")
    dot(ax, (z, _UPPER_Y))
    arrow((z, _UPPER_Y), (one_minus - 0.45, _UPPER_Y))
    node((one_minus, _UPPER_Y), "1−", radius=0.45)
    arrow((one_minus + 0.45, _UPPER_Y), (cand - r, _UPPER_Y))
    arrow((reset + 0.5, _GATE_Y), (cand - 0.5, _GATE_Y))
    arrow((cand, _GATE_Y + _GATE_HALF), (cand, _UPPER_Y - r))
    node((cand, _UPPER_Y), "⊙")
    arrow((cand, _UPPER_Y + r), (cand, _CARRY_Y - r))
    node((cand, _CARRY_Y), "+")
