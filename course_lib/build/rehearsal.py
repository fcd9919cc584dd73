"""The full profile rehearsed offline: every chapter at the lecture's sizes, on stand-ins.

An instructor runs the full profile in class, on the real IMDB, Jena and GloVe files. A shape,
a memory peak or a code path that only those sizes reach would otherwise first fail hours
into that run. The rehearsal writes format-exact stand-ins of the three datasets (IMDB and
Jena at their real sizes, GloVe with 2,000 words) into a temporary data home
(:mod:`course_lib.datasets.stand_ins`), then executes every chapter with the full profile's
parameters, capping only how long models train: one epoch of a few steps. Capped training
cannot show the lessons, so the chapters run with their lesson checks reported
(``report_lessons``), every cell runs even after one failed, and a training outcome not
reached (:class:`~course_lib.lessons.NotLearned`) is reported; any other error fails the
rehearsal. Each chapter's time and peak memory are reported.

What a chapter's kernel is to do differently (the stand-ins' data home and digests, the cap on
training) is written as data into the run folder (:class:`course_lib.run_context.RunSettings`);
the runner wraps each chapter between two fixed cells (:class:`Rehearsal`), the first of which
reads and applies those settings, the last records the kernel's peak memory. The stand-ins pass
the loaders' verification only through :func:`course_lib.datasets._home.accept_stand_ins`,
which that first cell calls in each chapter's kernel: in any other kernel, no file in a data
home and no environment variable makes them pass.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_lib import run_folder
from course_lib._checks import check_positive_int
from course_lib.build.planner import declared_parameters, find_root, plan_run
from course_lib.build.runner import ChapterFailed, run_book
from course_lib.datasets import stand_ins
from course_lib.lessons import NotLearned
from course_lib.run_context import RunSettings
from course_lib.run_folder import RunFolder

PROFILE = "full"
STEPS = 3  # training steps per epoch, and validation steps, in a rehearsal

# The rehearsal's first and last cell in every chapter: fixed lines, the same in every run and
# chapter. What differs (the stand-ins, the cap, the estimate's timing) is data, in the run
# folder's settings (course_lib.run_context.RunSettings), and the chapter is in the kernel's
# environment.
PRELUDE = """\
# Rehearsal only: the run's settings (stand-in datasets, capped or timed training).
from course_lib.run_context import apply_run_settings
apply_run_settings()
"""
EPILOGUE = """\
# Rehearsal only: this kernel's peak resident memory, into the run folder.
from course_lib.run_context import record_peak_memory
record_peak_memory()
"""
CELL_TIMEOUT = 900  # seconds: a stand-in's cell takes well under a minute; a hung one fails


@dataclass(frozen=True)
class Rehearsal:
    """How a rehearsal executes a chapter, which a normal run never does: ``prelude`` runs in
    the kernel before the chapter's first cell, ``epilogue`` after its last (by default the
    fixed :data:`PRELUDE` and :data:`EPILOGUE`, which read and write the run folder), and
    every cell runs even after one raised, so that a chapter reaches all its code; its errors
    stay in the executed notebook for :func:`rehearse` to sort out.
    :func:`course_lib.build.runner.run_book` takes it and hands it to each chapter's worker
    (:mod:`course_lib.build.kernel`)."""

    prelude: str = PRELUDE
    epilogue: str = EPILOGUE

    def wrap(self, notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
        prelude, epilogue = (nbformat.v4.new_code_cell(code)
                             for code in (self.prelude, self.epilogue))
        for cell in (prelude, epilogue):
            cell.metadata["tags"] = ["rehearsal"]
        notebook.cells = [prelude, *notebook.cells, epilogue]
        return notebook


@dataclass
class ChapterRehearsal:
    """How one chapter fared: seconds, peak MiB, training outcomes capped training could not
    reach (``'cell N: NotLearned: message'``), and other errors (these fail the rehearsal)."""

    chapter: str
    seconds: float | None = None
    peak_mib: float | None = None
    not_shown: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class RehearsalReport:
    run_dir: Path
    chapters: list[ChapterRehearsal]

    @property
    def passed(self) -> bool:
        return not any(chapter.errors for chapter in self.chapters)

    def table(self) -> str:
        """A Markdown table, one row per chapter."""
        rows = ["| chapter | seconds | peak memory (MiB) | training outcomes not reached "
                "(one short epoch) | errors |",
                "|---|---:|---:|---|---|"]
        for item in self.chapters:
            seconds = f"{item.seconds:.0f}" if item.seconds is not None else "-"
            memory = f"{item.peak_mib:,.0f}" if item.peak_mib is not None else "-"
            rows.append(f"| {item.chapter} | {seconds} | {memory} | "
                        f"{'; '.join(item.not_shown) or '-'} | {'; '.join(item.errors) or '-'} |")
        return "\n".join(rows)


def capped_training(root: Path, chapters: list[str], steps: int | None) -> dict[str, int]:
    """The overrides that shorten training: every ``*epochs`` parameter to 1, and
    ``steps_per_epoch`` to ``steps`` (unless ``None``), for the chapters that declare them."""
    names = {name for chapter in chapters for name in declared_parameters(root, chapter)}
    caps = {name: 1 for name in names if name.endswith("epochs")}
    if "steps_per_epoch" in names and steps is not None:
        caps["steps_per_epoch"] = steps
    return caps


def rehearse(
    root: str | os.PathLike | None = None,
    chapters: list[str] | None = None,
    *,
    run_dir: str | os.PathLike | None = None,
    jobs: int = 1,
    steps: int | None = STEPS,
    progress: bool = True,
    overrides: dict | None = None,
    measure_fits: bool = False,
    cell_timeout: int | None = CELL_TIMEOUT,
) -> RehearsalReport:
    """Execute ``chapters`` (default: all) with the full profile on the stand-ins.

    Results go to ``run_dir`` (default ``_build/runs/rehearsal``), with the report as
    ``rehearsal.md`` beside the executed notebooks. The stand-ins live in a temporary folder
    removed afterwards; the user's data home is never read or written.

    By default every epoch parameter is set to 1 and each ``fit`` is capped at ``steps``
    steps. :mod:`course_lib.build.estimate` passes its own ``overrides`` (the profile's epochs
    kept) and ``measure_fits`` (each ``fit`` timed and recorded, at most ``steps`` steps of two
    epochs; ``steps=None``: in full). Each chapter's kernel learns all this from the run
    folder's settings (:class:`course_lib.run_context.RunSettings`), written here before the
    first chapter starts.
    """
    check_positive_int(jobs=jobs)
    if steps is not None:
        check_positive_int(steps=steps)
    root = find_root(root)
    chapters = [name for name, _ in plan_run(root, PROFILE, chapters)]  # names checked first
    # resolved: the kernels write their peak memory there from their own working folder
    run = RunFolder(Path(run_dir or run_folder.default(root, "rehearsal").path).resolve())
    shutil.rmtree(run.memory_dir, ignore_errors=True)  # figures of an earlier rehearsal
    run.memory_dir.mkdir(parents=True)
    for name in chapters:  # an earlier rehearsal's notebook must not stand for this one's
        run.notebook(name).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="course-rehearsal-") as home:
        digests = {str(Path(home, name)): digest
                   for name, digest in stand_ins.write_stand_ins(Path(home)).items()}
        RunSettings(data_home=home, stand_ins=digests, step_limit=steps,
                    measure_fits=measure_fits).save(run.run_settings)
        outcome = {name: ChapterRehearsal(name) for name in chapters}
        try:
            run_book(root, PROFILE, chapters, run_dir=run.path, jobs=jobs,
                     overrides=(capped_training(root, chapters, steps) if overrides is None
                                else overrides),
                     progress=progress, cell_timeout=cell_timeout, rehearsal=Rehearsal())
        except ChapterFailed as exc:  # died or hung: the other chapters' figures still count
            outcome[exc.chapter].errors.append(str(exc).splitlines()[0])
    seconds = json.loads(run.timings.read_text()) if run.timings.is_file() else {}
    for name, item in outcome.items():
        executed = run.notebook(name).is_file() and not item.errors
        item.seconds = seconds.get(name) if executed else None
        if run.memory_file(name).is_file():
            item.peak_mib = json.loads(run.memory_file(name).read_text())["peak_mib"]
        _sort_errors(run.notebook(name), item)
    result = RehearsalReport(run.path, list(outcome.values()))
    run.rehearsal_report.write_text(result.table() + "\n")
    return result


def _sort_errors(notebook_path: Path, item: ChapterRehearsal) -> None:
    """A training outcome not reached (:class:`~course_lib.lessons.NotLearned`) is what capped
    training cannot avoid; any other error, a failed ``assert`` on a shape included, is a
    fault."""
    if not notebook_path.is_file():
        if not item.errors:
            item.errors.append("not executed")
        return
    added = {"rehearsal", "injected-parameters"}  # numbered as in book/, without these
    code = [cell for cell in nbformat.read(notebook_path, as_version=4).cells
            if cell.cell_type == "code" and not added & set(cell.metadata.get("tags", []))]
    for number, cell in enumerate(code, start=1):
        for output in cell.get("outputs", []):
            if output.output_type != "error":
                continue
            line = f"cell {number}: {output.ename}: {output.evalue}"[:300]
            (item.not_shown if output.ename == NotLearned.__name__ else item.errors).append(line)
