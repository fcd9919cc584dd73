"""The layout of a run folder, named in this module and nowhere else.

A run folder is what one run of the book leaves: ``_build/runs/<profile>/`` by default
(:func:`default`), any folder with ``course-lib run --run-dir``, and the committed run beside the
chapters, ``book/recorded_run/`` (:data:`COMMITTED`), which the refresh keeps::

    _config.yml  _toc.yml  book/  course_lib/   a copy of the book's sources, rendered on its own
    book/<chapter>.ipynb      the executed chapter
    results/<chapter>.json    the figures the chapter recorded (course_lib.results)
    lessons/<chapter>.json    the lesson margins the chapter measured (course_lib.lessons)
    logs/<chapter>.log        the chapter kernel's own output (TensorFlow's, Jupyter's)
    cache/<chapter>.json      the chapter's execution key and output digests (execution cache)
    timings.json              each chapter's wall time, in seconds
    memory/<chapter>.json     the rehearsal's peak memory of each chapter's kernel
    fits/<chapter>.json       the estimate's record of each ``fit`` a chapter called
    run_settings.json         what the rehearsal and the estimate tell every chapter's kernel
                              (course_lib.run_context.RunSettings)
    rehearsal.md  estimate.md  estimate.json    the rehearsal's and the estimate's reports

It belongs to the teaching wing because chapter kernels write into a run folder (their results
and lesson margins), and the teaching library never imports the build wing; the build wing
(runner, execution cache, rehearsal, estimate, command line) uses the same names.
``tests/test_layout.py`` fails when another module of ``course_lib`` spells one of them out.

The repository keeps its chapters where a run folder keeps the executed ones,
``book/<chapter>.ipynb`` beside ``_toc.yml``, which is why a run folder renders like the
repository.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

BUILD = "_build"  # in the repository: what the build tools write
RUNS = "runs"  # in BUILD: one run folder per profile (or per tool: rehearsal, estimate, lessons)
COMMITTED = "recorded_run"  # in book/: the run behind the committed outputs
BOOK = "book"
RESULTS = "results"
LESSONS = "lessons"
LOGS = "logs"
CACHE = "cache"
MEMORY = "memory"
FITS = "fits"
TIMINGS = "timings.json"
RUN_SETTINGS = "run_settings.json"
REHEARSAL_REPORT = "rehearsal.md"
ESTIMATE_REPORT = "estimate.md"
ESTIMATE_SUMMARY = "estimate.json"  # the last whole-profile projection, for `estimate --reuse`

# What tests/test_layout.py looks for in every other module (BUILD aside: it holds more than runs).
NAMES = (RUNS, COMMITTED, BOOK, RESULTS, LESSONS, LOGS, CACHE, MEMORY, FITS, TIMINGS,
         RUN_SETTINGS, REHEARSAL_REPORT, ESTIMATE_REPORT, ESTIMATE_SUMMARY)


@dataclass(frozen=True)
class RunFolder:
    """Where each thing of a run is kept, below ``path``; nothing is created or read here."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    @property
    def book_dir(self) -> Path:
        return self.path / BOOK

    def notebook(self, chapter: str) -> Path:
        return self.book_dir / f"{chapter}.ipynb"

    @property
    def results_dir(self) -> Path:
        return self.path / RESULTS

    def results_file(self, chapter: str) -> Path:
        return self.results_dir / f"{chapter}.json"

    @property
    def lessons_dir(self) -> Path:
        return self.path / LESSONS

    def lessons_file(self, chapter: str) -> Path:
        return self.lessons_dir / f"{chapter}.json"

    @property
    def logs_dir(self) -> Path:
        return self.path / LOGS

    def log(self, chapter: str) -> Path:
        return self.logs_dir / f"{chapter}.log"

    def cache_entry(self, chapter: str) -> Path:
        return self.path / CACHE / f"{chapter}.json"

    @property
    def timings(self) -> Path:
        return self.path / TIMINGS

    @property
    def memory_dir(self) -> Path:
        return self.path / MEMORY

    def memory_file(self, chapter: str) -> Path:
        return self.memory_dir / f"{chapter}.json"

    @property
    def fits_dir(self) -> Path:
        return self.path / FITS

    def fits_file(self, chapter: str) -> Path:
        return self.fits_dir / f"{chapter}.json"

    @property
    def run_settings(self) -> Path:
        return self.path / RUN_SETTINGS

    @property
    def rehearsal_report(self) -> Path:
        return self.path / REHEARSAL_REPORT

    @property
    def estimate_report(self) -> Path:
        return self.path / ESTIMATE_REPORT

    @property
    def estimate_summary(self) -> Path:
        return self.path / ESTIMATE_SUMMARY


BACKENDS = ("tensorflow", "jax")  # the Keras backends the course runs on


def backend(environ: Mapping[str, str] | None = None) -> str:
    """The Keras backend a run's kernels use: ``KERAS_BACKEND`` as they inherit it (Keras'
    default, TensorFlow, when it is unset). ``environ`` defaults to ``os.environ``."""
    return (os.environ if environ is None else environ).get("KERAS_BACKEND") or "tensorflow"


def default(root: str | os.PathLike, name: str) -> RunFolder:
    """The run folder a run named ``name`` (a profile, or ``rehearsal``, ``estimate``,
    ``lessons``) uses when none is given: ``<root>/_build/runs/<name>`` on TensorFlow, the
    backend of the committed outputs, else ``<root>/_build/runs/<name>-<backend>``
    (``quick-jax``), so that two backends' runs never reuse or overwrite each other's."""
    suffix = "" if backend() == "tensorflow" else f"-{backend()}"
    return RunFolder(Path(root) / BUILD / RUNS / f"{name}{suffix}")


def committed(book: str | os.PathLike) -> RunFolder:
    """The committed run beside the chapters in ``book`` (the repository's ``book/``):
    ``book/recorded_run``."""
    return RunFolder(Path(book) / COMMITTED)
