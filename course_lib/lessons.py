"""The lecture's lessons, each measured by the run of the chapter that teaches it.

A lesson is a claim of the lecture ("a GRU beats the naive baseline") turned into a *margin*
that a chapter computes from its own run: positive and larger than ``required`` when the run
shows the lesson. The chapter's checked cell calls :func:`check`, which asserts it and prints
only the verdict, so the compared output is the same on every machine while the margin itself
(a training figure) is kept in the run folder, ``lessons/<chapter>.json``.

``required`` is not a guess: it sits below the smallest margin measured over seeds 0-2 with
oneDNN on and off (``course-lib lessons`` measures it again and prints the table). A lesson the
shipped data cannot show honestly is not in this table; its chapter says so in words.

Under ``course-lib lessons`` (and ``rehearse``) the runner tells the kernel to report a lesson
that does not show instead of stopping the chapter (:mod:`course_lib.run_context`), so every
lesson of every run can be tabulated. A normal run, nbval and a notebook opened by hand always
enforce.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from course_lib import run_context
from course_lib._files import atomic_write_text
from course_lib.run_folder import RunFolder


@dataclass(frozen=True)
class Lesson:
    key: str
    chapter: str
    claim: str  # the lecture's claim, as the chapter's checked cell prints it
    margin: str  # how the chapter measures it (positive: the run shows the lesson)
    required: float  # the margin must exceed this
    shown: bool = True  # False: the shipped data cannot show it; measured and reported only


LESSONS: tuple[Lesson, ...] = (
    Lesson("pretrained_beats_learned", "03_word_embeddings",
           "with 200 training reviews, frozen pre-trained vectors beat an embedding learned "
           "from scratch", "mean validation accuracy, GloVe frozen minus learned", 0.005),
    Lesson("glove_analogy", "03_word_embeddings",
           "GloVe's space is structured: Paris - France + Italy lands next to Rome",
           "3 minus the rank of 'rome' among the three nearest words (0: not among them)", 0.0),
    Lesson("simple_rnn_learns", "04_simple_rnn", "the SimpleRNN learns the reviews' sentiment",
           "best validation accuracy minus 0.5 (chance)", 0.05),
    Lesson("baseline_beats_simple_rnn", "04_simple_rnn",
           "the multi-hot network of lecture 3, reading every word, beats the SimpleRNN",
           "best validation accuracy, multi-hot baseline minus SimpleRNN", 0.02),
    Lesson("whole_reviews_help", "04_simple_rnn",
           "the baseline scores higher on whole reviews than on the cut ones",
           "best validation accuracy, baseline on whole minus on cut reviews", 0.01),
    Lesson("simple_rnn_trails_cut_baseline", "04_simple_rnn",
           "on the same cut reviews, the SimpleRNN still trails the baseline",
           "best validation accuracy, baseline on cut reviews minus SimpleRNN", 0.01, shown=False),
    Lesson("lstm_beats_simple_rnn", "05_lstm", "the LSTM beats the SimpleRNN on the reviews",
           "mean validation accuracy over the epochs, LSTM minus SimpleRNN", 0.005, shown=False),
    Lesson("simple_rnn_reach_kept", "05_lstm",
           "after training, the SimpleRNN's gradient reaches 50 words back at least a tenth as "
           "well as the LSTM's",
           "gradient 50 words back (last word 1), trained SimpleRNN over trained LSTM, minus "
           "0.1", 0.0),
    Lesson("memory_simple_rnn_outlasts_lstm", "05_lstm",
           "across the longest distance of the memory task the SimpleRNN carries the signal "
           "and Keras' default LSTM does not",
           "memory task, best validation accuracy at the longest distance, SimpleRNN minus "
           "LSTM", 0.3),
    Lesson("memory_forget_bias_matters", "05_lstm",
           "an LSTM whose forget gate starts near one carries the signal the default loses",
           "memory task, best validation accuracy at the longest distance, LSTM with forget "
           "bias 4 minus default LSTM", 0.3),
    Lesson("memory_simple_rnn_drowns", "05_lstm",
           "one value marked among noise: the SimpleRNN fails where an LSTM whose forget gate "
           "starts near one holds",
           "marked-value task, best validation accuracy, LSTM with forget bias 4 minus "
           "SimpleRNN", 0.3),
    Lesson("memory_lstm_beats_gru", "05_lstm",
           "at the middle distance of the memory task the LSTM beats the GRU",
           "memory task, best validation accuracy at the second distance, LSTM minus GRU", 0.1,
           shown=False),
    Lesson("gru_beats_simple_rnn", "06_gru", "the GRU beats the SimpleRNN on the reviews",
           "mean validation accuracy over the epochs, GRU minus SimpleRNN", 0.0, shown=False),
    Lesson("gru_close_to_lstm", "06_gru",
           "the GRU comes within 0.1 of the LSTM's accuracy with a quarter fewer recurrent "
           "weights",
           "0.1 minus the accuracy gap between LSTM and GRU", 0.0),
    Lesson("gru_fewer_weights", "06_gru",
           "the GRU's recurrent layer has about a quarter fewer weights than the LSTM's",
           "share of the LSTM's recurrent weights the GRU does without", 0.2),
    Lesson("gru_not_faster", "06_gru",
           "on this CPU the GRU's training step is not clearly faster than the LSTM's",
           "fastest training step, GRU over LSTM, minus 0.8", 0.0),
    Lesson("naive_beats_dense", "07_forecasting",
           "the naive baseline beats the densely connected model",
           "best validation MAE, dense minus naive (°C)", 0.1),
    Lesson("gru_beats_naive", "07_forecasting", "the GRU beats the naive baseline",
           "best validation MAE, naive minus GRU (°C)", 0.1),
    Lesson("plain_gru_overfits", "07_forecasting",
           "the plain GRU overfits: at the last epoch its validation error is above its best "
           "and above its training error",
           "the smaller of last minus best validation MAE and last validation minus last "
           "training MAE (°C)", 0.02),
    Lesson("dropout_closes_gap", "08_recurrent_dropout",
           "with recurrent dropout the validation error no longer pulls away from the "
           "training error",
           "last-epoch gap (validation minus training MAE), plain GRU minus GRU with dropout "
           "(°C)", 0.1),
    Lesson("dropout_before_impedes", "08_recurrent_dropout",
           "ordinary dropout in front of the GRU makes it learn worse than no dropout",
           "best validation MAE, GRU after Dropout minus plain GRU (°C)", 0.05),
    Lesson("dropout_before_keeps_gap", "08_recurrent_dropout",
           "ordinary dropout in front of the GRU does not regularise as recurrent dropout does",
           "last-epoch gap (validation minus training MAE), GRU after Dropout minus GRU with "
           "recurrent dropout (°C)", 0.2),
    Lesson("dropout_steadier", "08_recurrent_dropout",
           "with recurrent dropout the validation scores are steadier from epoch to epoch",
           "mean epoch-to-epoch change of validation MAE, plain GRU minus GRU with dropout "
           "(°C)", 0.0, shown=False),
    Lesson("dropout_best_not_much_lower", "08_recurrent_dropout",
           "with recurrent dropout the best validation error is not much lower",
           "0.2 °C minus (best validation MAE, plain GRU minus GRU with dropout)", 0.1),
    Lesson("stack_fits_better", "09_stacking",
           "the stack fits the training windows better than the single regularised GRU",
           "last-epoch training MAE, single GRU minus stack (°C)", 0.0),
    Lesson("stack_no_significant_gain", "09_stacking",
           "the stack does not improve the validation error by a significant amount",
           "0.15 °C minus (best validation MAE, single GRU minus stack)", 0.05),
    Lesson("stack_not_overfitting_badly", "09_stacking",
           "the stack is still not overfitting badly",
           "last-epoch training minus validation MAE of the stack, dropout active in "
           "training (°C)", 0.0),
    Lesson("stack_costs_more", "09_stacking",
           "a step of the stack costs more than one of the single GRU",
           "fastest training step, stack over single GRU, minus 1.5", 0.0),
    Lesson("reversed_gru_trails_naive", "10_bidirectional",
           "read backwards, the GRU falls behind the naive baseline",
           "best validation MAE, reversed GRU minus naive (°C)", 0.1),
    Lesson("reversed_gru_trails_forward", "10_bidirectional",
           "read backwards, the GRU falls behind the forward GRU",
           "best validation MAE, reversed minus forward GRU (°C)", 0.1),
    Lesson("reversed_lstm_learns", "10_bidirectional",
           "read backwards, the LSTM still learns the reviews' sentiment",
           "best validation accuracy of the reversed LSTM minus 0.6", 0.0),
    Lesson("bidirectional_gru_as_well", "10_bidirectional",
           "the bidirectional GRU does about as well as the forward GRU, or better",
           "best validation MAE, forward minus bidirectional GRU, plus 0.1 °C", 0.0),
    Lesson("bidirectional_lstm_gains", "10_bidirectional",
           "the bidirectional LSTM scores higher than the forward one on reviews",
           "best validation accuracy, bidirectional minus forward LSTM", 0.0, shown=False),
    Lesson("bidirectional_lstm_keeps_up", "10_bidirectional",
           "the bidirectional LSTM does about as well as the forward one, or better",
           "best validation accuracy, bidirectional minus forward LSTM, plus 0.03", 0.0, shown=False),
    Lesson("conv_learns_reviews", "11_conv1d", "the 1D convnet learns the reviews' sentiment",
           "best validation accuracy minus 0.7", 0.0),
    Lesson("conv_close_to_lstm", "11_conv1d",
           "the 1D convnet does not beat the LSTM by a wide margin on the reviews",
           "best validation accuracy, LSTM minus convnet, plus 0.03", 0.0),
    Lesson("conv_a_little_below_lstm", "11_conv1d",
           "the 1D convnet is at most a little below the LSTM on the reviews",
           "0.05 minus (best validation accuracy, LSTM minus convnet)", 0.0),
    Lesson("conv_not_much_faster", "11_conv1d",
           "on this CPU the 1D convnet's training step is not much faster than the LSTM's",
           "2 minus (fastest training step, LSTM over convnet)", 0.0),
    Lesson("conv_trails_naive", "11_conv1d",
           "the weather convnet, blind to order, does not beat the naive baseline",
           "best validation MAE, convnet minus naive (°C)", 0.1),
    Lesson("conv_gru_beats_conv", "12_conv_gru",
           "a GRU on top of the convolutions beats the convnet alone",
           "best validation MAE, convnet minus Conv1D + GRU (°C)", 0.1),
    Lesson("conv_gru_trails_gru", "12_conv_gru",
           "the Conv1D + GRU does not do as well as the regularised GRU",
           "best validation MAE, Conv1D + GRU minus regularised GRU (°C)", 0.1),
    Lesson("conv_gru_more_data_no_help", "12_conv_gru",
           "the hybrid's own, denser windows do not improve its accuracy much over the GRU's",
           "0.3 °C minus (best validation MAE, hybrid on the GRU's windows minus on its own)",
           0.0),
    Lesson("conv_gru_cheaper", "12_conv_gru",
           "over the same long history, the Conv1D + GRU trains faster than a GRU alone",
           "fastest training step, GRU over Conv1D + GRU, minus 1", 0.0, shown=False),
    Lesson("lstm_beats_baseline", "13_comparison",
           "the LSTM beats the multi-hot baseline of lecture 3",
           "best validation accuracy, LSTM minus multi-hot baseline", 0.0, shown=False),
)


class NotLearned(AssertionError):
    """A training outcome a chapter asserts that is not a measured lesson (the classifier
    learned something at all, the trained LSTM reaches further than the untrained one)."""


def check_learned(condition: bool, message: str) -> None:
    """Check a training outcome that is not a lesson of the lecture: raise :class:`NotLearned` (an ``AssertionError``, so a run,
    nbval and ``course-lib lessons`` fail on it as on ``assert``) unless ``condition`` holds.

    Its own type tells the full-profile rehearsal, whose training is cut to one short epoch,
    that this failure is one capped training cannot avoid: it reports it, while any other
    error, a plain ``assert`` on a shape or a data fact included, fails the rehearsal.
    """
    if not condition:
        raise NotLearned(message)


def lesson(key: str) -> Lesson:
    """The lesson called ``key``; an unknown key is a typo in a chapter, named with the choices."""
    for item in LESSONS:
        if item.key == key:
            return item
    raise ValueError(f"Unknown lesson. Received: key={key!r}. Valid: {[item.key for item in LESSONS]}")


def check(key: str, margin: float, *, run_folder: str | None = None,
          report_lessons: bool | None = None) -> None:
    """Check lesson ``key`` on this run: keep its margin, and for a lesson the course asserts
    (``shown=True``) assert ``margin > required`` and print the verdict.

    A lesson the shipped data cannot show reliably (``shown=False``) is only measured: its
    margin is kept, nothing is printed or asserted, since its outcome changes with the seed
    or the machine and its chapter gives the lecture's finding and the run's figures side by
    side. The margin is kept in the run folder (when the runner gave one) for ``course-lib
    lessons``. With ``report_lessons`` an asserted lesson that does not show is recorded and
    printed as ``False`` instead of raising. Both default to what the runner told the kernel
    (:mod:`course_lib.run_context`).
    """
    if run_folder is None:
        run_folder = run_context.run_folder()
    item, margin, held = _measure(key, margin, run_folder)
    if not item.shown:
        return
    if report_lessons is None:
        report_lessons = run_context.report_lessons()
    if not held and not report_lessons:
        raise AssertionError(
            f"This run does not show the lesson {key!r} ({item.claim}): {item.margin} is "
            f"{margin:.4g}, and must exceed {item.required:g}.")
    print(f"{item.claim}: {held}")


def _measure(key: str, margin: float, run_folder: str) -> tuple[Lesson, float, bool]:
    """Whether this run shows lesson ``key``, kept in ``run_folder`` when there is one."""
    item = lesson(key)
    margin = float(margin)
    if not math.isfinite(margin):
        raise ValueError(f"`margin` must be a finite number. Received: margin={margin!r} for {key!r}")
    held = margin > item.required
    if run_folder:
        _record(Path(run_folder), item, margin, held)
    return item, margin, held


def _record(run_folder: Path, item: Lesson, margin: float, held: bool) -> None:
    path = RunFolder(run_folder).lessons_file(item.chapter)
    try:
        measured = json.loads(path.read_text())
    except (OSError, ValueError):  # first lesson of the chapter in this run, or a broken file
        measured = {}
    measured[item.key] = {"margin": margin, "held": held}
    atomic_write_text(path, json.dumps(measured, indent=2, sort_keys=True))


def forget(chapter: str, run_folder: str | Path) -> None:
    """Drop what a chapter measured in an earlier execution, before it executes again."""
    RunFolder(run_folder).lessons_file(chapter).unlink(missing_ok=True)


def measured(run_folder: str | Path) -> dict[str, dict]:
    """Every lesson margin recorded in a run folder, by lesson key."""
    found = {}
    for path in sorted(RunFolder(run_folder).lessons_dir.glob("*.json")):
        found.update(json.loads(path.read_text()))
    return found


def table(runs: dict[str, str | Path]) -> tuple[str, bool]:
    """The lesson table over several runs (``{label: run folder}``) as Markdown, and whether
    every lesson held in every run (a lesson a run never measured counts as not held; one the
    shipped data cannot show is reported, not counted)."""
    margins = {label: measured(folder) for label, folder in runs.items()}
    header = ["lesson", "chapter", *runs, "held"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    everywhere = True
    for item in LESSONS:
        cells, held = [], 0
        for label in runs:
            found = margins[label].get(item.key)
            cells.append("–" if found is None
                         else f"{found['margin']:.3f}" + ("" if found["held"] else " ✗"))
            held += bool(found and found["held"])
        if item.shown:
            everywhere &= held == len(runs)
        verdict = f"{held}/{len(runs)}" + ("" if item.shown else " (not asserted: see chapter)")
        lines.append(f"| {item.claim} ({item.margin} > {item.required:g}) | {item.chapter} | "
                     + " | ".join(cells) + f" | {verdict} |")
    return "\n".join(lines), everywhere



# The two kernel paths a lesson must hold on: TensorFlow's oneDNN kernels (the default on x86
# CPUs, multi-threaded) and its reference kernels on one thread (what `make nbval` uses).
KERNEL_PATHS = {
    "onednn-on": {"TF_ENABLE_ONEDNN_OPTS": "1"},
    "onednn-off": {"TF_ENABLE_ONEDNN_OPTS": "0", "TF_NUM_INTRAOP_THREADS": "1",
                   "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"},
}
_KERNEL_VARIABLES = sorted({name for env in KERNEL_PATHS.values() for name in env})


@contextlib.contextmanager
def kernel_path(name: str):
    """Start kernels on kernel path ``name`` (see ``KERNEL_PATHS``) inside the block."""
    if name not in KERNEL_PATHS:
        raise ValueError(f"Unknown kernel path. Received: {name!r}. Valid: {sorted(KERNEL_PATHS)}")
    saved = {variable: os.environ.get(variable) for variable in _KERNEL_VARIABLES}
    for variable in _KERNEL_VARIABLES:
        os.environ.pop(variable, None)
    os.environ.update(KERNEL_PATHS[name])
    try:
        yield
    finally:
        for variable, value in saved.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value
