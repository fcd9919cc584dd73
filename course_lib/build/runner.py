"""Execute the book's chapters with papermill under a named profile, into a run folder.

A *profile* is data (``book/profiles.yml``): for each chapter, the papermill parameters it
overrides. ``quick`` overrides nothing (the notebooks' own defaults are the offline quick
profile); ``full`` sets the lecture's datasets and settings. A run writes into
``_build/runs/<profile>/`` a copy of the book's sources with every chapter executed, the
per-chapter wall times (``timings.json``) and the figures chapters recorded (``results/``), so
that ``jupyter-book build`` can render it. ``book/`` itself is only rewritten in refresh mode.
"""

from __future__ import annotations

import functools
import graphlib
import json
import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from course_lib import lessons, results, run_context
from course_lib._checks import check_positive_int
from course_lib._files import atomic_write_text
from course_lib.build import execution_cache
from course_lib.results import COMMITTED_RUN

# What only the runner decides, refused as a parameter with the reason and what to use instead.
# The runner tells the kernel through its environment (course_lib.run_context).
RESERVED = {
    "run_folder": "the runner chooses the run folder; use --run-dir to choose another",
    "report_lessons": ("only `course-lib lessons` and `course-lib rehearse` report lessons "
                       "instead of enforcing them, so that a normal run always enforces them"),
}

BOOK_DIR = "book"
PACKAGE_DIR = "course_lib"  # staged into run folders for the chapters' literalinclude
PROFILES_FILE = "profiles.yml"
TIMINGS_FILE = "timings.json"  # in a run folder (and the committed one): each chapter's seconds
_PAPERMILL_TYPES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}


LOGS_DIR = "logs"  # in a run folder: each chapter's kernel log (TensorFlow's, Jupyter's)
CELL_TIMEOUT = {"quick": 900}  # seconds a cell may run per profile; other profiles: no limit


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
            + (_log_tail(log) if cell is None and log else "")
        )


def _log_tail(log: Path, lines: int = 12) -> str:
    """The end of a kernel's log: a kernel that died before its first cell says why only there."""
    try:
        tail = log.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "".join(f"\n  | {line}" for line in tail) if tail else ""


@dataclass
class RunReport:
    profile: str
    run_dir: Path
    seconds: dict[str, float] = field(default_factory=dict)  # chapters executed in this run
    reused: list[str] = field(default_factory=list)  # chapters whose inputs had not changed


def find_root(start: str | os.PathLike | None = None) -> Path:
    """The book's root: the nearest folder at or above ``start`` holding ``_toc.yml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file():
            return folder
    raise OSError(
        f"No _toc.yml found at or above {here}. Run from the course repository or pass `root`."
    )


def list_chapters(root: Path) -> list[str]:
    """Executable chapters in table-of-contents order, as names like ``'01_recap'``."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries: Iterable[Mapping]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))
            for part in entry.get("parts", []):
                walk(part.get("chapters", []))

    walk(toc.get("chapters", []))
    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    return [
        Path(name).stem for name in files
        if (root / f"{Path(name).with_suffix('')}.ipynb").is_file()
    ]


def load_profiles(root: Path) -> dict[str, dict[str, dict]]:
    profiles = yaml.safe_load((root / BOOK_DIR / PROFILES_FILE).read_text()) or {}
    return {name: (chapters or {}) for name, chapters in profiles.items()}


def declared_parameters(root: Path, chapter: str) -> dict[str, dict]:
    """The parameters a chapter's ``parameters`` cell declares, as papermill sees them."""
    path = root / BOOK_DIR / f"{chapter}.ipynb"
    return _inspect(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _inspect(path: str, modified: int) -> dict[str, dict]:
    """papermill's parse of a notebook, once per version of the file (planning, choices and
    the run-folder injection all ask for it)."""
    import papermill

    return papermill.inspect_notebook(path)


def plan_run(
    root: Path,
    profile: str,
    chapters: Iterable[str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> list[tuple[str, dict]]:
    """Validate a run before anything executes: (chapter, parameters) in book order.

    A profile must name only parameters its chapters declare. An override (``-p NAME=VALUE``)
    applies to every selected chapter that declares ``NAME`` and skips the others, so that
    ``-p seed=1`` reseeds a whole-book run; a name no selected chapter declares is refused.
    Unknown profile, chapter or parameter names, values of the wrong type, and the reserved
    names (:data:`RESERVED`), raise a ``ValueError`` listing the valid choices, so a long run cannot fail
    on a typo.
    """
    profiles = load_profiles(root)
    if profile not in profiles:
        raise ValueError(f"Unknown profile. Received: profile={profile!r}. Valid: {sorted(profiles)}")
    known = list_chapters(root)
    unknown_in_profile = sorted(set(profiles[profile]) - set(known))
    if unknown_in_profile:
        raise ValueError(
            f"Profile {profile!r} names chapters that do not exist: {unknown_in_profile}. "
            f"Valid: {known}"
        )
    selected = list(known if chapters is None else chapters)
    bad = [name for name in selected if name not in known]
    if bad or not selected:
        raise ValueError(f"Unknown chapters. Received: chapters={selected}. Valid: {known}")
    overrides = dict(overrides or {})
    for key, value in overrides.items():
        if key in RESERVED:
            raise ValueError(f"`{key}` is reserved: {RESERVED[key]}. Received: {key}={value!r}")
    plan, taken = [], set()
    for name in (chapter for chapter in known if chapter in selected):
        declared = declared_parameters(root, name)
        profile_parameters = profiles[profile].get(name, {})
        for key, value in profile_parameters.items():
            if key not in declared:
                raise ValueError(
                    f"Chapter {name!r} has no parameter {key!r}. Received: {key}={value!r}. "
                    f"Valid: {sorted(declared)}"
                )
        applied = {key: value for key, value in overrides.items() if key in declared}
        taken.update(applied)
        parameters = {**profile_parameters, **applied}
        for key, value in parameters.items():
            _check_parameter(name, key, value, declared)
        plan.append((name, parameters))
    unused = sorted(set(overrides) - taken)
    if unused:
        choices = sorted({key for name, _ in plan for key in declared_parameters(root, name)})
        raise ValueError(
            f"No selected chapter has a parameter {unused[0]!r}. "
            f"Received: {unused[0]}={overrides[unused[0]]!r}. Valid: {choices}"
        )
    return plan


def _check_parameter(chapter: str, key: str, value: object, declared: Mapping[str, dict]) -> None:
    expected = _PAPERMILL_TYPES.get(declared[key]["inferred_type_name"])
    wrong_bool = isinstance(value, bool) and bool not in (expected or (bool,))
    if expected and (not isinstance(value, expected) or wrong_bool):
        raise ValueError(
            f"Chapter {chapter!r} parameter `{key}` must be of type "
            f"{declared[key]['inferred_type_name']}. Received: {key}={value!r}"
        )


def chapters_without(plan: Iterable[tuple[str, dict]], overrides: Mapping[str, object]) -> dict[str, list[str]]:
    """For each override, the planned chapters that do not take it (a whole-book ``-p seed=1``
    leaves the comparison chapter, which trains nothing, as it is)."""
    plan = list(plan)
    return {key: [name for name, parameters in plan if key not in parameters] for key in overrides}


def _chapter_metadata(root: Path, name: str) -> dict:
    return nbformat.read(root / BOOK_DIR / f"{name}.ipynb", as_version=4).metadata.get("course_lib", {})


def expected_seconds(root: Path, chapters: Iterable[str]) -> dict[str, float]:
    """Each chapter's duration in the run that produced its committed outputs (the refresh
    keeps them in ``book/recorded_run/timings.json``), to schedule a first run well."""
    path = root / BOOK_DIR / COMMITTED_RUN / TIMINGS_FILE
    committed = json.loads(path.read_text()) if path.is_file() else {}
    return {name: float(committed.get(name, 0.0)) for name in chapters}


def chapter_dependencies(root: Path, chapters: Iterable[str]) -> dict[str, set[str]]:
    """Which chapters must finish before each one starts, among ``chapters``.

    A chapter declares it in its notebook metadata, ``{"course_lib": {"after": [...]}}``: the
    GRU chapter reuses the LSTM of the same run, the comparison chapter (``"*"``) reads what
    every other chapter recorded. A dependency outside the run is ignored: the chapter then
    computes what it needs itself.
    """
    chapters = list(chapters)
    needs = {}
    for name in chapters:
        after = _chapter_metadata(root, name).get("after", [])
        wanted = set(chapters) - {name} if "*" in after else set(after)
        needs[name] = wanted & set(chapters)
    return needs


def longest_remaining_seconds(needs: Mapping[str, set[str]], seconds: Mapping[str, float]) -> dict[str, float]:
    """For each chapter, the longest chain of work that cannot start before it ends: its own
    seconds (from an earlier run's timings, 0 if unknown) plus its slowest dependent chain.
    Starting the chapters with the longest chains first shortens a parallel run; without
    timings every chain is 0 and chapters run in book order."""
    dependents = {name: [other for other, wanted in needs.items() if name in wanted] for name in needs}
    memo: dict[str, float] = {}

    def chain(name: str, path: tuple[str, ...] = ()) -> float:
        if name not in memo:
            later = [chain(other, path + (name,)) for other in dependents[name] if other not in path]
            memo[name] = float(seconds.get(name, 0.0)) + max(later, default=0.0)
        return memo[name]

    return {name: chain(name) for name in needs}


def chapter_order(needs: Mapping[str, set[str]]) -> graphlib.TopologicalSorter:
    """The dependency graph, checked for cycles: a cycle is refused, never waited on."""
    order = graphlib.TopologicalSorter(needs)
    try:
        order.prepare()
    except graphlib.CycleError as exc:
        raise ValueError(f"Chapters wait on each other in a cycle: {sorted(set(exc.args[1]))}. "
                         "Check their `course_lib.after` metadata.") from None
    return order


@dataclass(frozen=True)
class Rehearsal:
    """How a rehearsal executes a chapter, which a normal run never does: ``prelude`` runs in
    the kernel before the chapter's first cell, ``epilogue`` after its last (``{chapter}`` in
    either is replaced by the chapter's name), and every cell runs even after one raised, so
    that a chapter reaches all its code; its errors stay in the executed notebook for
    :mod:`course_lib.build.rehearsal` to sort out."""

    prelude: str
    epilogue: str

    def wrap(self, notebook: nbformat.NotebookNode, chapter: str) -> nbformat.NotebookNode:
        prelude, epilogue = (nbformat.v4.new_code_cell(code.replace("{chapter}", chapter))
                             for code in (self.prelude, self.epilogue))
        for cell in (prelude, epilogue):
            cell.metadata["tags"] = ["rehearsal"]
        notebook.cells = [prelude, *notebook.cells, epilogue]
        return notebook


def _execute_chapter(source: str, output: str, parameters: dict, log: str,
                     cell_timeout: int | None,
                     rehearsal: Rehearsal | None = None, run_folder: str = "",
                     report: bool = False) -> tuple[int | None, str] | None:
    """Run one chapter in a worker process; return ``(cell, error)`` on failure, else None.

    The worker's standard streams, which the kernel inherits, go to the chapter's log file:
    TensorFlow's C++ log and Jupyter's warnings stay out of the reader's console. So does its
    environment, which tells the kernel the run folder and whether lessons are reported
    (:mod:`course_lib.run_context`); a worker runs one chapter at a time.
    """
    import papermill

    run_context.enter(run_folder, report)

    with open(log, "w") as handle:
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
    notebook, engine = source, {}
    if rehearsal is not None:
        notebook = rehearsal.wrap(nbformat.read(source, as_version=4), Path(source).stem)
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


START_ATTEMPTS = 3  # a kernel that dies before running a cell is started again, this often


def execute_with_retried_start(execute: Callable[[], object], output: Path,
                               attempts: int = START_ATTEMPTS) -> tuple[int | None, str] | None:
    """Call ``execute`` (papermill on one chapter); return ``(cell, error)`` on failure.

    Kernels started at the same moment by separate processes can race for the same free port,
    and the loser dies before it answers (``Kernel died before replying to kernel_info``). It
    had run no cell, so starting it again is safe: a start-up failure is retried, each retry
    noted in the chapter's log; a failure in a cell never is.
    """
    import papermill

    attempt = 1
    while True:
        try:
            execute()
            return None
        except papermill.PapermillExecutionError as exc:
            return exc.exec_count, f"{exc.ename}: {exc.evalue}"
        except Exception as exc:  # kernel death, a cell past its timeout, a missing kernel, ...
            cell = _running_cell(output)
            if cell is not None or attempt == attempts or not isinstance(exc, RuntimeError):
                return cell, f"{type(exc).__name__}: {exc}"  # a missing kernel, a full disk: final
            attempt += 1
            print(f"course-lib: the kernel died before running a cell ({type(exc).__name__}: "
                  f"{exc}); starting it again (attempt {attempt} of {attempts})",
                  file=sys.stderr, flush=True)


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


def _progress(output: Path) -> str:
    """``cell k/n`` for a chapter being executed, from the notebook papermill saves as it goes."""
    try:
        cells = json.loads(output.read_text())["cells"]
    except Exception:  # not written yet, or being written
        return ""
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    done = sum(cell.get("metadata", {}).get("papermill", {}).get("status") == "completed"
               for cell in code)
    return f" (cell {min(done + 1, len(code))}/{len(code)})" if code else ""


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

    Three steps: *plan* (:func:`plan_run` validates every name and type), *order*
    (:func:`chapter_order`: a chapter starts once the chapters whose results it reuses are
    done, longest remaining chain first, see :func:`longest_remaining_seconds`), *execute*
    (``jobs`` chapters at once, each in its own kernel). Small models leave part of a second
    core idle, so two jobs finish the book sooner on a laptop; figures do not change, but
    measured seconds per epoch rise.

    A chapter whose inputs have not changed since it was last executed in ``run_dir`` is
    reused, not executed (see :mod:`course_lib.build.execution_cache`); ``force=True`` executes
    everything. With ``refresh=True`` every chapter executes and also replaces its source in
    ``book/``, which is how committed outputs are produced. ``cell_timeout`` (seconds, default
    per profile in ``CELL_TIMEOUT``) fails a hung cell. A failing chapter stops the run with
    :class:`ChapterFailed` once the chapters already running have finished; what ran is kept.
    ``report_lessons`` (for ``course-lib lessons`` only) has the chapters record a lesson their
    run does not show instead of failing on it (see :mod:`course_lib.lessons`).
    ``rehearsal`` (for ``course-lib rehearse`` only, see :class:`Rehearsal`) wraps each
    chapter's cells and lets every cell run; it implies ``report_lessons``.
    """
    check_positive_int(jobs=jobs)
    if rehearsal is not None and refresh:
        raise ValueError("A rehearsal never writes into book/: `refresh` must be False. "
                         "Received: refresh=True")
    force = force or rehearsal is not None  # its outputs are never reused, nor reuse others
    root = find_root(root)
    plan = dict(plan_run(root, profile, chapters, overrides))
    reporting = report_lessons or rehearsal is not None
    needs = chapter_dependencies(root, plan)
    order = chapter_order(needs)
    run_dir = (Path(run_dir) if run_dir else root / "_build" / "runs" / profile).resolve()
    stage_sources(root, run_dir)
    (run_dir / LOGS_DIR).mkdir(exist_ok=True)
    timings_path = run_dir / TIMINGS_FILE
    timings = json.loads(timings_path.read_text()) if timings_path.is_file() else {}
    remaining = longest_remaining_seconds(needs, {**expected_seconds(root, needs), **timings})
    if cell_timeout is None:
        cell_timeout = CELL_TIMEOUT.get(profile)
    library, data_home = execution_cache.library_digest(), execution_cache.data_home_listing()
    report = RunReport(profile, run_dir)
    ready: list[str] = []
    running: dict[Future, tuple[str, str, float]] = {}
    failure = None

    reads = chapter_dependencies(root, list_chapters(root))  # whether in this run or not
    keys: dict[str, str] = {}

    def key_of(name: str) -> str:
        """Computed once a chapter is ready: the results it reads no longer change then."""
        if name not in keys:
            dependencies = {other: execution_cache.file_sha256(run_dir / "results" / f"{other}.json")
                            for other in reads[name]}
            keys[name] = execution_cache.chapter_key(  # a reported run is another run
                root / BOOK_DIR / f"{name}.ipynb",
                {**plan[name], "report_lessons": True} if reporting else plan[name], dependencies,
                library=library, data_home=data_home)
        return keys[name]

    bar = _progress_bar(len(plan), profile, progress)
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            while order.is_active() and (failure is None or running):
                ready.extend(order.get_ready() if failure is None else ())
                for name in sorted(ready, key=lambda n: -remaining[n]):  # stable: book order on ties
                    if failure is not None:
                        break
                    key, output = key_of(name), run_dir / BOOK_DIR / f"{name}.ipynb"
                    if not (force or refresh) and execution_cache.is_fresh(
                            run_dir, name, key, output, run_dir / "results" / f"{name}.json"):
                        ready.remove(name)
                        report.reused.append(name)
                        order.done(name)
                        bar.update()
                        continue
                    if len(running) == jobs:
                        continue
                    ready.remove(name)
                    running[_submit(pool, root, run_dir, name, plan[name], cell_timeout,
                                    reporting, rehearsal)] = (
                        name, key, time.perf_counter())
                if not running:
                    continue  # all that was ready was reused (or the run stopped): go on
                done = _wait(running, bar, run_dir)
                for future in done:
                    name, key, started = running.pop(future)
                    output = run_dir / BOOK_DIR / f"{name}.ipynb"
                    error = future.result()
                    if error is not None:
                        failure = failure or ChapterFailed(
                            name, error[0], error[1], output, run_dir / LOGS_DIR / f"{name}.log")
                        continue
                    report.seconds[name] = round(time.perf_counter() - started, 2)
                    tidy_notebook(output)
                    timings[name] = report.seconds[name]
                    atomic_write_text(timings_path, json.dumps(timings, indent=2, sort_keys=True))
                    execution_cache.remember(run_dir, name, key, output,
                                             run_dir / "results" / f"{name}.json")
                    if refresh:
                        commit_chapter(root, run_dir, name, report.seconds[name])
                    order.done(name)
                    bar.update()
    finally:
        bar.close()
    if failure is not None:
        raise failure
    report.seconds = {name: report.seconds[name] for name in plan if name in report.seconds}
    report.reused = [name for name in plan if name in report.reused]
    return report


def _progress_bar(total: int, profile: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"profile {profile}", unit="chapter", disable=not enabled,
                bar_format="{desc}: {n_fmt}/{total_fmt} chapters [{elapsed}] {postfix}")


def _submit(pool: ProcessPoolExecutor, root: Path, run_dir: Path, name: str, parameters: dict,
            cell_timeout: int | None, report: bool,
            rehearsal: Rehearsal | None = None) -> Future:
    """Start one chapter: forget what it recorded and produced before, hand it the run folder."""
    results.forget(name, run_dir)
    lessons.forget(name, run_dir)
    execution_cache.forget(run_dir, name)
    return pool.submit(_execute_chapter, str(root / BOOK_DIR / f"{name}.ipynb"),
                       str(run_dir / BOOK_DIR / f"{name}.ipynb"), parameters,
                       str(run_dir / LOGS_DIR / f"{name}.log"), cell_timeout, rehearsal,
                       str(run_dir), report)


def _wait(running: Mapping[Future, tuple[str, str, float]], bar, run_dir: Path) -> set[Future]:
    """Wait for a chapter to finish, refreshing the progress line (chapters running, and the
    cell each is at) every second."""
    shown = None
    while True:
        line = "running: " + ", ".join(name + _progress(run_dir / BOOK_DIR / f"{name}.ipynb")
                                       for name, _, _ in running.values())
        if line != shown:  # redraw only on change: a log file gets a line per cell, not per second
            bar.set_postfix_str(line)
            shown = line
        done, _ = wait(running, timeout=1.0, return_when=FIRST_COMPLETED)
        if done:
            return done


def stage_sources(root: Path, run_dir: Path) -> None:
    """Copy the book's configuration and non-notebook sources into the run folder, and the
    package's modules, which chapters quote with ``literalinclude`` (``../course_lib/...``):
    the run folder renders on its own, like the repository."""
    (run_dir / BOOK_DIR).mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(root / name, run_dir / name)
    book_sources = [path for path in (root / BOOK_DIR).rglob("*")
                    if path.suffix != ".ipynb" and ".ipynb_checkpoints" not in path.parts]
    for path in book_sources + sorted((root / PACKAGE_DIR).rglob("*.py")):
        if path.is_file():
            target = run_dir / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def tidy_notebook(path: Path) -> None:
    """Drop papermill's per-run metadata and TensorFlow's start-up noise on stderr, join a
    cell's printed lines into one output (the kernel cuts them into pieces by timing), and fold
    injected parameters into a hidden cell, so a refresh changes only what the run changed."""
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.pop("papermill", None)
    notebook.metadata.get("course_lib", {}).pop("seconds", None)
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "hide-cell" not in tags:
            tags.append("hide-cell")
        if cell.cell_type == "code":
            cell.outputs = joined_streams(o for o in cell.outputs if o.get("name") != "stderr")
    atomic_write_text(path, nbformat.writes(notebook) + "\n")


def joined_streams(outputs) -> list:
    """Outputs with each run of consecutive pieces of one stream joined into one piece."""
    joined: list = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")):
            previous["text"] += output["text"]
        else:
            joined.append(output)
    return joined


def without_injected_parameters(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as a reader downloads it: no cell of injected parameters (it would carry
    the run folder, a path on the machine that ran it, into every later execution), execution
    counts numbered from 1 again."""
    notebook.cells = [cell for cell in notebook.cells
                      if "injected-parameters" not in cell.metadata.get("tags", [])]
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code, start=1):
        cell.execution_count = number
        for output in cell.outputs:
            if output.output_type == "execute_result":
                output.execution_count = number
    return notebook


def commit_chapter(root: Path, run_dir: Path, name: str, seconds: float) -> None:
    """Refresh mode: the executed chapter replaces its source in ``book/``; in the committed
    run folder ``book/recorded_run/``, its recorded results and lesson margins replace the ones
    the comparison chapter reads outside a run, and its wall time joins the timings (the scheduling hint for
    later runs)."""
    notebook = nbformat.read(run_dir / BOOK_DIR / f"{name}.ipynb", as_version=4)
    atomic_write_text(root / BOOK_DIR / f"{name}.ipynb",
                      nbformat.writes(without_injected_parameters(notebook)) + "\n")
    committed_run = root / BOOK_DIR / COMMITTED_RUN
    for folder in ("results", lessons.LESSONS_DIR):
        recorded = run_dir / folder / f"{name}.json"
        committed = committed_run / folder / f"{name}.json"
        if recorded.is_file():
            atomic_write_text(committed, recorded.read_text())
        else:
            committed.unlink(missing_ok=True)
    timings = committed_run / TIMINGS_FILE
    known = json.loads(timings.read_text()) if timings.is_file() else {}
    known[name] = round(seconds)
    atomic_write_text(timings, json.dumps(known, indent=2, sort_keys=True) + "\n")
