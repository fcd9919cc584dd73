"""The figures every chapter records, in one place per run, for the comparison chapter.

A run folder reaches a chapter one way only: the runner tells the chapter's kernel
(:mod:`course_lib.run_context`). Without one (under nbval, or in a notebook opened by hand),
nothing is recorded and nothing is recalled: the chapter trains everything it shows,
so what it prints never depends on which chapters ran before it.

One exception, for ``make test`` alone: nbval re-executes every chapter without a run folder,
so chapter 8 would train chapter 7's GRU again, chapter 12 chapter 8's, chapters 6, 10 and 11
chapter 5's LSTM, and the test suite would execute some chapters' training three times.
``make nbval`` therefore sets ``COURSE_LIB_RECALL_FROM`` to the committed run
(``book/recorded_run``): a model that another chapter trained is recalled from there when its
settings match, exactly as a run folder would supply it, and that chapter's own nbval run
checks its training. A reader's kernel never has the variable; the recalled figures (timings
included) come from the refresh's machine, which is why it is for the test suite only.

Each chapter owns one JSON file, ``results/<chapter>.json``, rewritten atomically. A result is
identified by chapter, task, model and the settings that make two results comparable, so
recording one never removes another; only a result with the same identity is replaced.

The refresh (``make refresh``) keeps a copy of the run's results and timings beside the
chapters, laid out like a run folder, in ``book/recorded_run/``: the comparison chapter reads it
when no run folder is given, so that its committed page and its re-execution under nbval show
the same run.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from course_lib import run_context
from course_lib._checks import check_positive_int
from course_lib._files import atomic_write_text
from course_lib.run_folder import RunFolder, committed

if TYPE_CHECKING:
    import keras

    from course_lib.training import TrainingRun

RECALL_VARIABLE = "COURSE_LIB_RECALL_FROM"  # set by `make nbval` only (see above)
TASKS = ("reviews", "weather")


@dataclass(frozen=True)
class Result:
    """One trained model's figures on one task.

    ``metric`` names ``value`` (``"val_accuracy"`` for reviews, ``"val_mae_degC"`` for weather);
    ``settings`` holds what must match for two results to be comparable (data source, sizes,
    the model's own knobs such as ``units``); ``backend``, the Keras backend that trained the
    model, must match too: the backends draw different initial weights from the same seed.
    """

    chapter: str
    model: str
    task: str
    metric: str
    value: float
    parameters: int
    seconds_per_epoch: float
    source: str
    settings: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)  # per-epoch curves, so later chapters can plot them
    mae_scale: float = 1.0  # weather: the history is normalised; times this gives degrees
    backend: str = "tensorflow"

    @property
    def name(self) -> str:  # lets plot_history draw a recalled result like a fresh run
        return self.model

    @property
    def identity(self) -> tuple:
        """What a result is: chapter, task, model and settings. Two results with the same
        identity are the same experiment; any other pair is kept side by side."""
        return _identity(asdict(self))


def _identity(item: dict) -> tuple:
    return (item["chapter"], item["task"], item["model"],
            json.dumps(item.get("settings", {}), sort_keys=True), item.get("backend", "tensorflow"))


def from_run(chapter: str, run, *, task: str, source: str, settings: dict) -> Result:
    """The :class:`Result` of a :class:`~course_lib.training.TrainingRun`: its best validation
    accuracy (reviews) or its best validation MAE (weather, in the run's ``mae_scale`` units)."""
    import keras  # in a chapter's kernel, where Keras is loaded; the build tools need no backend

    if task == "reviews":
        metric, value = "val_accuracy", run.best("val_accuracy")
    elif task == "weather":
        metric, value = "val_mae_degC", run.best("val_loss") * run.mae_scale
    else:
        raise ValueError(f"`task` must be one of {TASKS}. Received: task={task!r}")
    return Result(chapter=chapter, model=run.name, task=task, metric=metric, value=float(value),
                  parameters=run.parameters, seconds_per_epoch=run.seconds_per_epoch,
                  source=source, settings=dict(settings), history=run.history,
                  mae_scale=float(run.mae_scale), backend=keras.backend.backend())


def _chapter_file(chapter: str, run_folder: str | os.PathLike) -> Path:
    return RunFolder(run_folder).results_file(chapter)


def _read(path: Path) -> list[dict]:
    return json.loads(path.read_text()) if path.is_file() else []


def load_results(run_folder: str | os.PathLike) -> list[Result]:
    """Every result recorded in ``run_folder`` (a run's, or the committed ``book/recorded_run``),
    in chapter order. A folder with no results gives an empty list."""
    found = []
    for path in sorted(RunFolder(run_folder).results_dir.glob("*.json")):
        found.extend(Result(**item) for item in json.loads(path.read_text()))
    return found


def current_run(root: str | os.PathLike | None = None) -> Path:
    """The run the comparison page draws: the one the runner is executing
    (:mod:`course_lib.run_context`), else the committed run beside the chapters
    (:func:`course_lib.run_folder.committed` of ``root``, by default the working directory,
    ``book/``)."""
    folder = run_context.run_folder()
    return Path(folder) if folder else committed(root or ".").path


def record(result: Result, run_folder: str | os.PathLike | None) -> Path | None:
    """Store ``result`` in the run folder, replacing only a result of the same identity.

    Without a run folder (``""`` or ``None``) nothing is stored and ``None`` is returned.
    """
    if result.task not in TASKS:
        raise ValueError(f"`task` must be one of {TASKS}. Received: task={result.task!r}")
    if not isinstance(result.value, (int, float)) or not math.isfinite(result.value):
        raise ValueError(f"`value` must be a finite number. Received: value={result.value!r}")
    if not run_folder:
        return None
    path = _chapter_file(result.chapter, run_folder)
    kept = [item for item in _read(path) if _identity(item) != result.identity]
    atomic_write_text(path, json.dumps(kept + [asdict(result)], indent=2, sort_keys=True))
    return path


def forget(chapter: str, run_folder: str | os.PathLike) -> None:
    """Drop what ``chapter`` recorded, so that a rerun leaves no figure of a model it no longer
    trains (the runner calls this before executing the chapter)."""
    _chapter_file(chapter, run_folder).unlink(missing_ok=True)


def recall(chapter: str, task: str, model: str, settings: dict,
           run_folder: str | os.PathLike | None) -> Result | None:
    """The result ``chapter`` recorded in this run for ``model`` on ``task`` with exactly these
    settings, on this Keras backend, or the first epochs of the same fit recorded with more
    epochs; else ``None`` (always ``None`` without a run folder)."""
    if not run_folder:
        return None
    import keras

    wanted = (chapter, task, model, json.dumps(settings, sort_keys=True), keras.backend.backend())
    recorded = _read(_chapter_file(chapter, run_folder))
    for item in recorded:
        if _identity(item) == wanted:
            return Result(**item)
    for item in recorded:
        found = _first_epochs(item, wanted, settings)
        if found is not None:
            return found
    return None


def _first_epochs(item: dict, wanted: tuple, settings: dict) -> Result | None:
    """``item``'s first ``settings["epochs"]`` epochs, where ``item`` is the same fit trained
    for longer, else ``None``.

    A course fit is seeded once before the model is built, draws its batches and dropout masks
    epoch after epoch, and has no schedule and no early stopping, so its first epochs do not
    depend on how many follow: chapter 9's 10 epochs of chapter 8's GRU are the first 10 of
    chapter 8's 20, to the bit (tests in `test_forecasting.py` and `test_sentiment.py` train
    both). The history is cut there and the best value read from what is left; the time per
    epoch is the longer run's. A result without its curves (a baseline) has no first epochs.
    """
    epochs, longer = settings.get("epochs"), item.get("settings", {}).get("epochs")
    if not isinstance(epochs, int) or not isinstance(longer, int) or longer <= epochs:
        return None
    same_fit = {**item, "settings": {**item["settings"], "epochs": epochs}}
    if _identity(same_fit) != wanted:
        return None
    curve = "val_accuracy" if item["task"] == "reviews" else "val_loss"
    if len(item["history"].get(curve, ())) < longer:
        return None
    history = {metric: values[:epochs] for metric, values in item["history"].items()}
    if item["task"] == "reviews":
        value = float(max(history[curve]))
    else:
        value = float(float(min(history[curve])) * item["mae_scale"])
    return Result(**{**same_fit, "history": history, "value": value})


def recall_folder(environ: dict[str, str] | None = None) -> str:
    """The committed run a chapter without a run folder may recall other chapters' models
    from: ``COURSE_LIB_RECALL_FROM``, which only ``make nbval`` sets (``""``: none, always, in a
    reader's kernel). A value that is not a run folder is refused, so a mistyped path cannot
    silently make the test suite train everything again."""
    folder = (os.environ if environ is None else environ).get(RECALL_VARIABLE, "")
    if folder and not RunFolder(folder).results_dir.is_dir():
        raise OSError(
            f"`{RECALL_VARIABLE}` must name a run folder with a results/ folder (make nbval "
            f"sets it to book/recorded_run). Received: {RECALL_VARIABLE}={folder!r}"
        )
    return folder


def recall_or_record(
    chapter: str, task: str, model: str, settings: dict, compute: Callable[[], Result],
    run_folder: str | os.PathLike | None,
) -> Result:
    """Reuse another chapter's result from this run, or compute it and record it for that
    chapter.

    Lets a chapter compare against a model an earlier chapter trained (the GRU against the
    LSTM) without training it twice, yet still run on its own. Without a run folder it looks in
    the committed run only under ``make nbval`` (:func:`recall_folder`). If ``chapter`` recorded
    that model with other settings, the new result is returned but not recorded, so the
    comparison page lists each chapter's own experiments, not another chapter's variants of
    them.
    """
    found = recall(chapter, task, model, settings, run_folder or recall_folder())
    if found is not None:
        return found
    result = compute()
    if run_folder:
        recorded = _read(_chapter_file(chapter, run_folder))
        if not any((item["task"], item["model"]) == (task, model) for item in recorded):
            record(result, run_folder)
    return result


class RecordingTask:
    """What the weather and the review tasks share: turning a training run into a recorded
    result, and reusing a result another chapter recorded in the same run.

    A subclass sets ``TASK`` and provides ``settings`` (with a ``source``), ``run_folder`` and
    ``train(build, name)``.
    """

    TASK: str = ""
    settings: dict
    run_folder: str

    @property
    def source(self) -> str:
        return self.settings["source"]

    def result(self, chapter: str, run: TrainingRun, **model_settings) -> Result:
        """The recordable figures of ``run``. ``model_settings`` (``units=32``) join the task's
        settings, so that results of differently sized models never mix."""
        return from_run(chapter, run, task=self.TASK, source=self.source,
                        settings={**self.settings, **model_settings})

    def record(self, chapter: str, run: TrainingRun, **model_settings) -> Result:
        """Record ``run`` for the comparison chapter; return what was recorded."""
        result = self.result(chapter, run, **model_settings)
        record(result, self.run_folder)
        return result

    def reuse_or_train(self, chapter: str, name: str, build: Callable[[], keras.Model], *,
                       epochs: int | None = None, **model_settings) -> Result:
        """The result ``chapter`` recorded for ``name`` in this run with these settings, or, if
        there is none (that chapter did not run, ran with other settings, or there is no run
        folder), train it now: later chapters compare against earlier ones without retraining.

        ``epochs``: how long that chapter trains the model, where it differs from this task's
        (chapter 8 trains its regularised GRU for 40 epochs in the lecture but compares it with
        chapter 7's GRU, trained for 20).
        """
        if epochs is not None:
            check_positive_int(epochs=epochs)
            model_settings = {**model_settings, "epochs": epochs}  # overrides the task's
        return recall_or_record(
            chapter, self.TASK, name, {**self.settings, **model_settings},
            lambda: self.result(chapter, self.train(build, name, epochs=epochs), **model_settings),
            self.run_folder)
