"""The figures every chapter records, in one place per run, for the comparison chapter.

A run of the book (``course-lib run``) sets ``COURSE_LIB_RUN_DIR``; chapters executed any other
way (nbval, a notebook opened by hand) record into ``_build/runs/interactive``. Each chapter
owns one JSON file, ``results/<chapter>.json``, rewritten atomically, so an interrupted run
never leaves half a file, and a chapter run twice replaces its own figures only.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from course_lib._files import atomic_write_text

RUN_DIR_ENV = "COURSE_LIB_RUN_DIR"
TASKS = ("reviews", "weather")


@dataclass(frozen=True)
class Result:
    """One trained model's figures on one task.

    ``metric`` names ``value`` (``"val_accuracy"`` for reviews, ``"val_mae_degC"`` for weather);
    ``settings`` holds what must match for two results to be comparable (data source, sizes).
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

    @property
    def name(self) -> str:  # lets plot_history draw a recalled result like a fresh run
        return self.model


def from_run(chapter: str, run, *, task: str, source: str, settings: dict) -> Result:
    """The :class:`Result` of a :class:`~course_lib.training.TrainingRun`: its best validation
    accuracy (reviews) or its best validation MAE (weather, in the run's ``mae_scale`` units)."""
    if task == "reviews":
        metric, value = "val_accuracy", run.best("val_accuracy")
    elif task == "weather":
        metric, value = "val_mae_degC", run.best("val_loss") * run.mae_scale
    else:
        raise ValueError(f"`task` must be one of {TASKS}. Received: task={task!r}")
    return Result(chapter=chapter, model=run.name, task=task, metric=metric, value=float(value),
                  parameters=run.parameters, seconds_per_epoch=run.seconds_per_epoch,
                  source=source, settings=dict(settings), history=run.history,
                  mae_scale=float(run.mae_scale))


def run_dir() -> Path:
    """The current run's folder: ``COURSE_LIB_RUN_DIR``, else ``_build/runs/interactive``."""
    if os.environ.get(RUN_DIR_ENV):
        return Path(os.environ[RUN_DIR_ENV])
    from course_lib.runner import find_root

    try:
        return find_root() / "_build" / "runs" / "interactive"
    except OSError:
        return Path.cwd() / "course_lib_runs" / "interactive"


def _chapter_file(chapter: str, folder: Path | None) -> Path:
    return (folder or run_dir()) / "results" / f"{chapter}.json"


def load_results(folder: str | os.PathLike | None = None) -> list[Result]:
    """Every result recorded in a run folder, in chapter order."""
    results_dir = Path(folder or run_dir()) / "results"
    found = []
    for path in sorted(results_dir.glob("*.json")):
        found.extend(Result(**item) for item in json.loads(path.read_text()))
    return found


def record(result: Result, folder: str | os.PathLike | None = None) -> Path:
    """Store ``result``, replacing an earlier result of the same chapter and model."""
    if result.task not in TASKS:
        raise ValueError(f"`task` must be one of {TASKS}. Received: task={result.task!r}")
    if not isinstance(result.value, (int, float)) or not math.isfinite(result.value):
        raise ValueError(f"`value` must be a finite number. Received: value={result.value!r}")
    path = _chapter_file(result.chapter, Path(folder) if folder else None)
    existing = json.loads(path.read_text()) if path.is_file() else []
    kept = [item for item in existing if item["model"] != result.model]
    _atomic_write_json(path, kept + [asdict(result)])
    return path


def forget(chapter: str, folder: str | os.PathLike | None = None) -> None:
    """Drop what ``chapter`` recorded, so that a rerun leaves no figure of a model it no longer
    trains (the runner calls this before executing the chapter)."""
    _chapter_file(chapter, Path(folder) if folder else None).unlink(missing_ok=True)


def recall(chapter: str, model: str, settings: dict, folder: str | os.PathLike | None = None) -> Result | None:
    """A result recorded earlier in this run with exactly these settings, else ``None``."""
    path = _chapter_file(chapter, Path(folder) if folder else None)
    if not path.is_file():
        return None
    for item in json.loads(path.read_text()):
        if item["model"] == model and item["settings"] == settings:
            return Result(**item)
    return None


def recall_or_record(
    chapter: str, model: str, settings: dict, compute: Callable[[], Result],
    folder: str | os.PathLike | None = None,
) -> Result:
    """Reuse another chapter's result from this run, or compute and record it here.

    Lets a chapter compare against a model an earlier chapter trained (the GRU against the
    LSTM) without training it twice, yet still run on its own. If ``chapter`` recorded that
    model with other settings, the new result is returned but not recorded: the figures a
    chapter produced itself are never replaced by another chapter's variant.
    """
    found = recall(chapter, model, settings, folder)
    if found is not None:
        return found
    result = compute()
    path = _chapter_file(chapter, Path(folder) if folder else None)
    recorded = json.loads(path.read_text()) if path.is_file() else []
    if not any(item["model"] == model for item in recorded):  # never overwrite that chapter's own run
        record(result, folder)
    return result


def _atomic_write_json(path: Path, data) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True))
