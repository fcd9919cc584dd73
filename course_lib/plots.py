"""The course's figures: sized for the book's page width, labelled, light enough to embed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

if TYPE_CHECKING:  # plotting needs no TensorFlow: the comparison page starts faster without it
    from course_lib.training import TrainingRun


FIGSIZE = (7.0, 3.4)  # inches; at 100 dpi this fits the book's text column without scaling
DPI = 100


def finish(fig):
    """Lay out and close ``fig``, and return it: the notebook then shows it exactly once, as the
    cell's value, instead of once more when the inline backend flushes open figures."""
    fig.tight_layout()
    plt.close(fig)
    return fig


def figure(ncols: int = 1, *, height: float = FIGSIZE[1]):
    fig, axes = plt.subplots(1, ncols, figsize=(FIGSIZE[0], height), dpi=DPI, squeeze=False)
    return fig, list(axes[0])


def plot_history(
    runs: Sequence[TrainingRun], metric: str = "accuracy", *, baseline: float | None = None,
    baseline_label: str = "baseline", ylabel: str | None = None, title: str | None = None,
    scaled: bool = False,
):
    """Training (dashed) and validation (solid) curves of ``metric`` for each run.

    ``scaled=True`` multiplies by each run's ``mae_scale`` (weather: normalised MAE to °C).
    """
    fig, (ax,) = figure()
    for index, run in enumerate(runs):
        color = f"C{index}"
        factor = run.mae_scale if scaled else 1.0
        epochs = np.arange(1, len(run.history[metric]) + 1)
        ax.plot(epochs, np.array(run.history[metric]) * factor, "--", color=color, alpha=0.6,
                label=f"{run.name} (training)")
        if f"val_{metric}" in run.history:
            ax.plot(epochs, np.array(run.history[f"val_{metric}"]) * factor, "-o", color=color, ms=3,
                    label=f"{run.name} (validation)")
    if baseline is not None:
        ax.axhline(baseline, color="black", lw=1, ls=":", label=baseline_label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel or metric)
    ax.xaxis.get_major_locator().set_params(integer=True)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, loc="best")
    return finish(fig)


def plot_lines(
    x, series: dict[str, Sequence[float]], *, xlabel: str, ylabel: str, title: str | None = None,
    logy: bool = False, marker: str = "",
):
    """Several named curves over one x axis (gradient norms, accuracy by distance, ...)."""
    fig, (ax,) = figure()
    for label, values in series.items():
        ax.plot(x, values, marker=marker, ms=3, label=label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    return finish(fig)


def plot_word_map(points: np.ndarray, words: Sequence[str], groups: Sequence[str], *, title: str):
    """Words placed at 2-D coordinates (e.g. the first two principal components), by group."""
    fig, (ax,) = figure(height=4.2)
    for index, group in enumerate(dict.fromkeys(groups)):
        chosen = [i for i, g in enumerate(groups) if g == group]
        ax.scatter(points[chosen, 0], points[chosen, 1], color=f"C{index}", s=18, label=group)
        for i in chosen:
            ax.annotate(words[i], points[i], fontsize=7, xytext=(3, 2), textcoords="offset points")
    ax.set_xlabel("first principal component")
    ax.set_ylabel("second principal component")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return finish(fig)
