"""All models of one run side by side, and what the lecture itself reported, kept apart.

The comparison chapter reads only what chapters recorded in the current run
(:func:`course_lib.results.load_results`); the lecture's figures are quotations, labelled as such,
for readers of a quick offline run who want to see where the real datasets land.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from course_lib.plots import figure, finish
from course_lib.results import TASKS, Result


@dataclass(frozen=True)
class LectureFigure:
    """A number the lecture reports on the real data, with its own words."""

    task: str
    chapter: str  # the chapter whose model corresponds
    model: str
    value: float
    quote: str


# The lecture's reported figures (IMDB, Jena). Weather values are in degrees Celsius; the
# lecture converts with the temperature's standard deviation, 2.57 / 0.29 = 8.86 degrees.
LECTURE_FIGURES = (
    LectureFigure("weather", "07_forecasting", "naive baseline", 2.57, "MAE = 0.29 ... i.e. 2.57°C"),
    LectureFigure("weather", "07_forecasting", "dense", 0.30 * 2.57 / 0.29,
                  "MAEs above 0.3 for the validation loss"),
    LectureFigure("reviews", "04_simple_rnn", "multi-hot, whole", 0.88,
                  "our very first naive approach ... got us to 88%"),
    LectureFigure("reviews", "04_simple_rnn", "SimpleRNN", 0.85, "only up to 85% validation accuracy"),
    LectureFigure("reviews", "05_lstm", "LSTM", 0.88, "high 80s in terms of accuracy %"),
)

CHAPTER_ORDER_FIRST = ("naive baseline",)


def rows(results: Sequence[Result], task: str) -> list[Result]:
    """The results of one task in the order a reader meets them: baseline first, then by
    chapter, each model once."""
    if task not in TASKS:
        raise ValueError(f"`task` must be one of {TASKS}. Received: task={task!r}")
    chosen = [r for r in results if r.task == task]
    return sorted(chosen, key=lambda r: (r.model not in CHAPTER_ORDER_FIRST, r.chapter, r.model))


def label(result: Result) -> str:
    """Model name and the chapter that trained it (two chapters may train an "LSTM")."""
    return f"{result.model} (ch. {result.chapter[:2]})"


def table(results: Sequence[Result], task: str) -> str:
    """A fixed-width text table: value, epochs trained and parameters of each model.

    No seconds per epoch: the chapters ran at different moments, two at a time, so their
    timings are not comparable with each other; each chapter times its models side by side.
    """
    unit = "val. MAE (°C)" if task == "weather" else "val. accuracy"
    lines = [f"{'model':<28} {unit:>13} {'epochs':>6} {'parameters':>10}"]
    for r in rows(results, task):
        value = f"{r.value:.2f}" if task == "weather" else f"{r.value:.3f}"
        epochs = "-" if r.model == "naive baseline" else r.settings.get("epochs", "?")
        lines.append(f"{label(r):<28} {value:>13} {epochs:>6} {r.parameters:>10,}")
    return "\n".join(lines)


def plot_comparison(results: Sequence[Result], task: str, lecture: Sequence[LectureFigure] = LECTURE_FIGURES):
    """A horizontal bar per model of one task; the lecture's figures as labelled markers.

    Lower is better for weather (MAE), higher for reviews (accuracy); on weather the naive
    baseline is also drawn as a vertical line, since every model must be judged by it.
    """
    chosen = rows(results, task)
    names = [label(r) for r in chosen]
    fig, (ax,) = figure(height=0.8 + 0.28 * max(len(chosen), 1))
    ax.barh(names, [r.value for r in chosen], color="C0" if task == "weather" else "C1", label="this run")
    ax.invert_yaxis()
    quoted = [(f.value, names.index(label(r))) for f in lecture if f.task == task
              for r in chosen if (r.chapter, r.model) == (f.chapter, f.model)]
    if quoted:
        ax.scatter(*zip(*quoted), marker="D", color="black", zorder=3, label="lecture, real data")
    if task == "weather":
        for r in chosen[:1]:
            if r.model == "naive baseline":
                ax.axvline(r.value, color="black", ls=":", lw=1)
        ax.set_xlabel("best validation MAE (°C), lower is better")
    else:
        ax.set_xlim(0.5, 1.0)
        ax.set_xlabel("best validation accuracy, higher is better")
    ax.legend(fontsize=8, loc="lower right")
    return finish(fig)
