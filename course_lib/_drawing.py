"""The drawing primitives of the lecture's schematic pictures (course_lib.diagrams): a canvas
sized to its drawing, boxes, point-wise nodes, arrows, junction dots and labels, with the
colours and font sizes every picture shares. They live apart from the pictures so that
diagrams.py reads as the pictures themselves, and so that one change of style (a colour, a line
width, an arrow head) reaches every picture at once. Colours keep one meaning throughout: grey
inputs, blue cells and sigmoid gates, orange tanh candidates and the backward direction, green
outputs, red the path that carries information far."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from course_lib.plots import FIGSIZE, figure

FONT = 10
SMALL = 9
INPUT, CELL, CANDIDATE, OUTPUT, HIGHLIGHT = "0.45", "C0", "C1", "C2", "C3"
LINE = "0.3"


def canvas(ax: Axes, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")


def sized_figure(xlim: tuple[float, float], ylim: tuple[float, float], *, ncols: int = 1,
                 title_lines: int = 1) -> tuple[Figure, list[Axes]]:
    """A figure as tall as the drawing's proportions ask, so that the width, not the height,
    limits the equal-aspect drawing and it spans the page."""
    width = FIGSIZE[0] / ncols
    height = width * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0]) + 0.3 * title_lines + 0.4
    # whole pixels at the book's dpi: the figure's size, printed as the cell's text value,
    # then reads the same everywhere instead of as a float with round-off digits
    fig, axes = figure(ncols, height=round(float(np.clip(height, 1.8, 6.0)), 2))
    for ax in axes:
        canvas(ax, xlim, ylim)
    return fig, axes


def box(ax: Axes, center: tuple[float, float], text: str, color: str, *,
        size: tuple[float, float] = (1.0, 0.8), fontsize: float = FONT, lw: float = 1.3,
        gid: str | None = None) -> FancyBboxPatch:
    (x, y), (w, h) = center, size
    patch = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.12",
                           facecolor=to_rgba(color, 0.18), edgecolor=color, lw=lw, zorder=3,
                           gid=gid)
    ax.add_patch(patch)
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=4)
    return patch


def node(ax: Axes, center: tuple[float, float], text: str, *, radius: float = 0.3,
         fontsize: float = FONT + 2) -> None:
    """A point-wise operation (element-wise product, sum, ``1 - z``) sitting on a line."""
    ax.add_patch(Circle(center, radius, facecolor="white", edgecolor=LINE, lw=1.2, zorder=3))
    ax.text(*center, text, ha="center", va="center_baseline", fontsize=fontsize, zorder=4)


def arrow(ax: Axes, *points: tuple[float, float], color: str = LINE, lw: float = 1.4,
          head: bool = True, head_size: float = 11) -> None:
    """A polyline through ``points`` with an arrow head on its last segment."""
    xs, ys = zip(*points)
    if len(points) > 2:
        ax.plot(xs[:-1], ys[:-1], color=color, lw=lw, solid_capstyle="butt", zorder=2)
    ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>" if head else "-",
                                 mutation_scale=head_size, color=color, lw=lw, shrinkA=0, shrinkB=0,
                                 zorder=2))


def dot(ax: Axes, center: tuple[float, float], color: str = LINE) -> None:
    """A junction: the line is copied into a second branch."""
    ax.add_patch(Circle(center, 0.08, color=color, zorder=3))


def note(ax: Axes, x: float, y: float, text: str, *, fontsize: float = FONT, **kwargs) -> None:
    ax.text(x, y, text, fontsize=fontsize, zorder=5, **kwargs)
