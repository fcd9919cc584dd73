"""Execute the book's chapters under a named profile, into a run folder: plan, execute, record.

:func:`run_book` is the one entry point (``course-lib run``, ``make book``, ``make refresh``,
the lessons table, the rehearsal and the estimate all call it). It ties three modules
together, each about one thing: :mod:`course_lib.build.planner` decides what runs, with which
parameters and in which order, and what is reused; :mod:`course_lib.build.kernel` executes
chapters in kernels; :mod:`course_lib.build.notebooks` tidies what they wrote and, in refresh
mode, commits it into ``book/``. What stays here is what happens around each chapter: forget
what it recorded before it starts, and after it ends keep its time and its cache entry.

A run writes into ``_build/runs/<profile>/`` (:mod:`course_lib.run_folder`) a copy of the
book's sources with every chapter executed, so that ``jupyter-book build`` can render it;
``book/`` itself is only rewritten in refresh mode.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from course_lib import lessons, results, run_folder
from course_lib._checks import check_positive_int
from course_lib._files import atomic_write_text
from course_lib.build import execution_cache
from course_lib.build.kernel import Kernels, log_tail
from course_lib.build.notebooks import commit_chapter, stage_sources, tidy_notebook
from course_lib.build.planner import (CELL_TIMEOUT, Schedule, chapter_dependencies,
                                      chapter_source, expected_seconds, find_root, list_chapters,
                                      plan_run, unmet_needs)
from course_lib.run_folder import RunFolder

if TYPE_CHECKING:
    from course_lib.build.rehearsal import Rehearsal


class ChapterFailed(RuntimeError):
    """A chapter raised while executing; its partly executed notebook and its log are kept."""

    def __init__(self, chapter: str, cell: int | None, error: str, notebook: Path,
                 log: Path | None = None):
        self.chapter, self.cell, self.error, self.notebook, self.log = chapter, cell, error, notebook, log
        where = f"cell {cell}" if cell is not None else "start-up"
        super().__init__(
            f"Chapter {chapter!r} failed at {where}: {error}\n"
            f"The notebook executed so far is kept at {notebook}"
            + (f"\nThe kernel's log is at {log}" if log else "")
            + (log_tail(log) if cell is None and log else "")
        )


@dataclass
class RunReport:
    profile: str
    run_dir: Path
    seconds: dict[str, float] = field(default_factory=dict)  # chapters executed in this run
    reused: list[str] = field(default_factory=list)  # chapters whose inputs had not changed


def run_book(
    root: str | os.PathLike | None = None,
    profile: str = "quick",
    chapters: Iterable[str] | None = None,
    *,
    overrides: Mapping[str, object] | None = None,
    run_dir: str | os.PathLike | None = None,
    refresh: bool = False,
    force: bool = False,
    progress: bool = True,
    jobs: int = 1,
    cell_timeout: int | None = None,
    report_lessons: bool = False,
    rehearsal: Rehearsal | None = None,
) -> RunReport:
    """Execute chapters into ``run_dir`` (default ``_build/runs/<profile>``).

    *Plan* (:func:`~course_lib.build.planner.plan_run` validates every name and type, and a
    :class:`~course_lib.build.planner.Schedule` orders the chapters: a chapter starts once the
    chapters whose results it reuses are done, longest remaining chain first), *execute*
    (``jobs`` chapters at once, each in its own kernel, :class:`~course_lib.build.kernel.Kernels`),
    *record* (each finished chapter's notebook tidied, its time and cache entry kept). Small
    models leave part of a second core idle, so two jobs finish the book sooner on a laptop;
    figures do not change, but measured seconds per epoch rise.

    A chapter whose inputs have not changed since it was last executed in ``run_dir`` is
    reused, not executed (see :mod:`course_lib.build.execution_cache`); ``force=True`` executes
    everything. With ``refresh=True`` every chapter executes and also replaces its source in
    ``book/``, which is how committed outputs are produced. ``cell_timeout`` (seconds, default
    per profile in ``CELL_TIMEOUT``) fails a hung cell. A failing chapter stops the run with
    :class:`ChapterFailed` once the chapters already running have finished; what ran is kept.
    ``report_lessons`` (for ``course-lib lessons`` only) has the chapters record a lesson their
    run does not show instead of failing on it (see :mod:`course_lib.lessons`).
    ``rehearsal`` (for ``course-lib rehearse`` only, see
    :class:`~course_lib.build.rehearsal.Rehearsal`) wraps each chapter's cells and lets every
    cell run; it implies ``report_lessons``, and its outputs are never reused.
    """
    check_positive_int(jobs=jobs)
    if rehearsal is not None and refresh:
        raise ValueError("A rehearsal never writes into book/: `refresh` must be False. "
                         "Received: refresh=True")
    if refresh and run_folder.backend() != "tensorflow":
        raise ValueError("The committed outputs are TensorFlow's: a refresh runs on it. "
                         f"Received: KERAS_BACKEND={run_folder.backend()!r}")
    root = find_root(root)
    plan = dict(plan_run(root, profile, chapters, overrides))
    unmet = unmet_needs(root, plan)
    if unmet and (chapters is not None or refresh):
        raise ValueError("; ".join(f"Chapter {name!r} cannot run here: {why}"
                                   for name, why in unmet.items()))
    for name, why in unmet.items():  # the whole book: its page keeps the committed outputs
        print(f"course-lib: {name} not executed, {why}; its page shows the committed run",
              file=sys.stderr)
        del plan[name]
    run = RunFolder((Path(run_dir) if run_dir else run_folder.default(root, profile).path).resolve())
    reporting = report_lessons or rehearsal is not None
    needs = chapter_dependencies(root, plan)
    schedule = Schedule(needs, {**expected_seconds(root, needs), **_timings(run)},
                        reuse=not (force or refresh or rehearsal is not None))
    key = cache_keys(root, run, plan, reporting)
    stage_sources(root, run.path)
    for name in unmet:
        execution_cache.forget(run, name)
        shutil.copy2(chapter_source(root, name), run.notebook(name))
    run.logs_dir.mkdir(exist_ok=True)

    report, failure = RunReport(profile, run.path), None
    timeout = CELL_TIMEOUT.get(profile) if cell_timeout is None else cell_timeout
    with _progress_bar(len(plan), profile, progress) as bar, Kernels(
            jobs, run, cell_timeout=timeout, report=reporting, rehearsal=rehearsal) as kernels:
        while kernels.running or (failure is None and schedule.active):
            if failure is None:
                step = schedule.next(lambda name: execution_cache.is_fresh(run, name, key(name)),
                                     kernels.free)
                report.reused += step.reused
                bar.update(len(step.reused))
                for name in step.started:
                    _forget(run, name)
                    kernels.start(name, chapter_source(root, name), plan[name])
            for done in kernels.wait(bar.set_postfix_str):
                if done.error is not None:
                    failure = failure or ChapterFailed(done.chapter, *done.error,
                                                       run.notebook(done.chapter),
                                                       run.log(done.chapter))
                    continue
                report.seconds[done.chapter] = done.seconds
                _record(root, run, done.chapter, done.seconds, key(done.chapter), refresh)
                schedule.done(done.chapter)
                bar.update()
    if failure is not None:
        raise failure
    report.seconds = {name: report.seconds[name] for name in plan if name in report.seconds}
    report.reused = [name for name in plan if name in report.reused]
    return report


def _timings(run: RunFolder) -> dict[str, float]:
    """Each chapter's seconds in this run folder's earlier runs."""
    return json.loads(run.timings.read_text()) if run.timings.is_file() else {}


def cache_keys(root: Path, run: RunFolder, plan: Mapping[str, dict],
                reporting: bool) -> Callable[[str], str]:
    """Each chapter's execution key (:func:`course_lib.build.execution_cache.chapter_key`),
    computed once, when it is first asked for: the schedule asks once the chapter is ready,
    when the results it reads (of any chapter it waits for, in this run or not) no longer
    change. A reported run (lessons, rehearsal) is another run than an enforcing one."""
    reads = chapter_dependencies(root, list_chapters(root))
    library, data_home = execution_cache.library_digest(), execution_cache.data_home_listing()
    keys: dict[str, str] = {}

    def key(name: str) -> str:
        if name not in keys:
            dependencies = {other: execution_cache.file_sha256(run.results_file(other))
                            for other in reads[name]}
            parameters = {**plan[name], "report_lessons": True} if reporting else plan[name]
            keys[name] = execution_cache.chapter_key(chapter_source(root, name), parameters,
                                                     dependencies, library=library,
                                                     data_home=data_home)
        return keys[name]

    return key


def _forget(run: RunFolder, name: str) -> None:
    """Before a chapter executes: drop what it recorded and produced before, so that the
    comparison page never shows a model it no longer trains."""
    results.forget(name, run.path)
    lessons.forget(name, run.path)
    execution_cache.forget(run, name)


def _record(root: Path, run: RunFolder, name: str, seconds: float, key: str,
            refresh: bool) -> None:
    """After a chapter executed: tidy its notebook, add its time to the run's timings (written
    as each chapter ends), remember its key, and in refresh mode commit it into ``book/``."""
    tidy_notebook(run.notebook(name))
    atomic_write_text(run.timings, json.dumps({**_timings(run), name: seconds}, indent=2,
                                              sort_keys=True))
    execution_cache.remember(run, name, key)
    if refresh:
        commit_chapter(root, run, name, seconds)


def _progress_bar(total: int, profile: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"profile {profile}", unit="chapter", disable=not enabled,
                bar_format="{desc}: {n_fmt}/{total_fmt} chapters [{elapsed}] {postfix}")
