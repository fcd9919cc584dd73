"""Executing chapters, each in a kernel of its own, started from a worker process.

Each chapter runs in a worker process of a pool (``spawn``: a fresh interpreter, so that no
state of the runner leaks into it). The worker sends its standard streams, which the kernel
inherits, to the chapter's log, tells the kernel its run folder and chapter through the
environment (:mod:`course_lib.run_context`), and executes the notebook with papermill. What
comes back is ``None`` or ``(cell, error)``: the runner turns that into its own report.

One policy for a kernel that dies before its first cell, :func:`retried_start`: kernels started
at the same moment by separate processes can race for the same free port, and the loser dies
before it answers (``Kernel died before replying to kernel_info``). It had run no cell, so
starting it again is safe. The runner's workers use it here, and the test harness
(``conftest.py``) wraps nbval's kernel start with the same function, so both retry alike.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

import nbformat

from course_lib import run_context
from course_lib.run_folder import RunFolder

if TYPE_CHECKING:
    from course_lib.build.rehearsal import Rehearsal

START_ATTEMPTS = 3  # a kernel that dies before running a cell is started again, this often
T = TypeVar("T")


def retried_start(start: Callable[[], T], *, attempts: int = START_ATTEMPTS,
                  ran_a_cell: Callable[[], bool] = lambda: False) -> T:
    """Call ``start`` (a kernel start, or an execution that begins with one) and return what
    it returns. A ``RuntimeError`` raised before the kernel ran a cell (``ran_a_cell``) is a
    start-up failure: ``start`` is called again, up to ``attempts`` times in all, each retry
    noted on stderr (the chapter's log, under the runner). Anything else, a failure in a cell
    included, is raised at once: it would repeat, or it has run code that must not run twice.
    """
    attempt = 1
    while True:
        try:
            return start()
        except RuntimeError as exc:
            if attempt == attempts or ran_a_cell():
                raise
            attempt += 1
            print(f"course-lib: the kernel died before running a cell ({type(exc).__name__}: "
                  f"{exc}); starting it again (attempt {attempt} of {attempts})",
                  file=sys.stderr, flush=True)


def execute_with_retried_start(execute: Callable[[], object], output: Path,
                               attempts: int = START_ATTEMPTS) -> tuple[int | None, str] | None:
    """Call ``execute`` (papermill on one chapter, writing ``output`` as it goes) under
    :func:`retried_start`; return ``(cell, error)`` on failure, else ``None``. ``cell`` is
    ``None`` when no cell had started."""
    from papermill import PapermillExecutionError

    try:
        retried_start(execute, attempts=attempts,
                      ran_a_cell=lambda: _running_cell(output) is not None)
        return None
    except PapermillExecutionError as exc:
        return exc.exec_count, f"{exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel death, a cell past its timeout, a missing kernel, ...
        return _running_cell(output), f"{type(exc).__name__}: {exc}"


def _execute_chapter(source: str, output: str, parameters: dict, log: str,
                     cell_timeout: int | None,
                     rehearsal: Rehearsal | None = None, run_folder: str = "",
                     report: bool = False) -> tuple[int | None, str] | None:
    """Run one chapter in a worker process; return ``(cell, error)`` on failure, else None.

    The worker's standard streams, which the kernel inherits, go to the chapter's log file:
    TensorFlow's C++ log and Jupyter's warnings stay out of the reader's console. So does its
    environment, which tells the kernel the run folder, its chapter and whether lessons are
    reported (:mod:`course_lib.run_context`); a worker runs one chapter at a time. A
    ``rehearsal`` wraps the chapter's cells and lets every cell run, its errors kept in the
    notebook.
    """
    import papermill

    run_context.tell_kernels(run_folder, report, chapter=Path(source).stem)

    with open(log, "w") as handle:
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
    notebook, engine = source, {}
    if rehearsal is not None:
        notebook = rehearsal.wrap(nbformat.read(source, as_version=4))
        engine = {"allow_errors": True}

    def execute() -> None:
        try:
            papermill.execute_notebook(
                notebook, output, parameters=parameters, kernel_name="python3",
                cwd=str(Path(output).parent), progress_bar=False,
                execution_timeout=cell_timeout, **engine)
        except papermill.PapermillExecutionError:
            if rehearsal is None:
                raise  # a rehearsal ran every cell; the errors are in the notebook

    return execute_with_retried_start(execute, Path(output))


def _running_cell(output: Path) -> int | None:
    """The number (among code cells) of the cell papermill was running when a chapter stopped
    without a Python error (a timeout, a dead kernel): the last one that was started."""
    try:
        notebook = nbformat.read(output, as_version=4)
    except Exception:  # not written yet, or half-written
        return None
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    started = [number for number, cell in enumerate(code, start=1)
               if cell.metadata.get("papermill", {}).get("start_time")]
    return started[-1] if started else None


def progress(output: Path) -> str:
    """`` (cell k/n)`` for a chapter being executed, from the notebook papermill saves as it
    goes (``""`` before it is written)."""
    try:
        cells = json.loads(output.read_text())["cells"]
    except Exception:  # not written yet, or being written
        return ""
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    done = sum(cell.get("metadata", {}).get("papermill", {}).get("status") == "completed"
               for cell in code)
    return f" (cell {min(done + 1, len(code))}/{len(code)})" if code else ""


def log_tail(log: Path, lines: int = 12) -> str:
    """The end of a kernel's log: a kernel that died before its first cell says why only there."""
    try:
        tail = log.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "".join(f"\n  | {line}" for line in tail) if tail else ""


class Finished(NamedTuple):
    chapter: str
    seconds: float  # wall time from start to end, kernel start included
    error: tuple[int | None, str] | None  # (cell, error), or None when the chapter ran through


class Kernels:
    """Up to ``jobs`` chapters executing at once into ``run``, each in its own worker and kernel.

    ``start`` hands a chapter to a free worker; ``wait`` returns the chapters that finished,
    refreshing a progress line (the chapters running, the cell each is at) every second.
    """

    def __init__(self, jobs: int, run: RunFolder, *, cell_timeout: int | None, report: bool,
                 rehearsal: Rehearsal | None = None):
        self.jobs, self.run = jobs, run
        self._settings = dict(cell_timeout=cell_timeout, rehearsal=rehearsal,
                              run_folder=str(run.path), report=report)
        self._pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"))
        self._running: dict[Future, tuple[str, float]] = {}

    def __enter__(self) -> Kernels:
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True)

    @property
    def running(self) -> list[str]:
        return [name for name, _ in self._running.values()]

    @property
    def free(self) -> int:
        return self.jobs - len(self._running)

    def start(self, chapter: str, source: Path, parameters: Mapping[str, object]) -> None:
        future = self._pool.submit(_execute_chapter, str(source), str(self.run.notebook(chapter)),
                                   dict(parameters), str(self.run.log(chapter)), **self._settings)
        self._running[future] = (chapter, time.perf_counter())

    def wait(self, show: Callable[[str], None] = lambda line: None) -> list[Finished]:
        """The chapters that finished, as soon as one has (none when none is running)."""
        shown = None
        while self._running:
            line = "running: " + ", ".join(name + progress(self.run.notebook(name))
                                           for name in self.running)
            if line != shown:  # redraw only on change: a log gets a line per cell, not per second
                show(line)
                shown = line
            done, _ = wait(self._running, timeout=1.0, return_when=FIRST_COMPLETED)
            if done:
                finished = []
                for future in done:
                    chapter, started = self._running.pop(future)
                    finished.append(Finished(chapter, round(time.perf_counter() - started, 2),
                                             future.result()))
                return finished
        return []
