"""Execute the book's chapters with papermill under a named profile, into a run folder.

A *profile* is data (``book/profiles.yml``): for each chapter, the papermill parameters it
overrides. ``quick`` overrides nothing (the notebooks' own defaults are the offline quick
profile); ``full`` sets the lecture's datasets and settings. A run writes into
``_build/runs/<profile>/`` a copy of the book's sources with every chapter executed, the
per-chapter wall times (``timings.json``) and the figures chapters recorded (``results/``), so
that ``jupyter-book build`` can render it. ``book/`` itself is only rewritten in refresh mode.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from course_lib._files import atomic_write_text
from course_lib import results
from course_lib._checks import check_positive_int
from course_lib.results import RUN_DIR_ENV

BOOK_DIR = "book"
PROFILES_FILE = "profiles.yml"
_PAPERMILL_TYPES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}


class ChapterFailed(RuntimeError):
    """A chapter raised while executing; its partly executed notebook is kept."""

    def __init__(self, chapter: str, cell: int | None, error: str, notebook: Path):
        self.chapter, self.cell, self.error, self.notebook = chapter, cell, error, notebook
        where = f"cell {cell}" if cell is not None else "start-up"
        super().__init__(
            f"Chapter {chapter!r} failed at {where}: {error}\n"
            f"The notebook executed so far is kept at {notebook}"
        )


@dataclass
class RunReport:
    profile: str
    run_dir: Path
    seconds: dict[str, float] = field(default_factory=dict)


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


def plan_run(
    root: Path,
    profile: str,
    chapters: Iterable[str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> list[tuple[str, dict]]:
    """Validate a run before anything executes: (chapter, parameters) in book order.

    Unknown profile, chapter or parameter names, and values of the wrong type, raise a
    ``ValueError`` listing the valid choices, so a long run cannot fail on a typo.
    """
    import papermill

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
    plan = []
    for name in (chapter for chapter in known if chapter in selected):
        parameters = {**profiles[profile].get(name, {}), **(overrides or {})}
        declared = papermill.inspect_notebook(str(root / BOOK_DIR / f"{name}.ipynb"))
        for key, value in parameters.items():
            if key not in declared:
                raise ValueError(
                    f"Chapter {name!r} has no parameter {key!r}. Received: {key}={value!r}. "
                    f"Valid: {sorted(declared)}"
                )
            expected = _PAPERMILL_TYPES.get(declared[key]["inferred_type_name"])
            wrong_bool = isinstance(value, bool) and bool not in (expected or (bool,))
            if expected and (not isinstance(value, expected) or wrong_bool):
                raise ValueError(
                    f"Chapter {name!r} parameter `{key}` must be of type "
                    f"{declared[key]['inferred_type_name']}. Received: {key}={value!r}"
                )
        plan.append((name, parameters))
    return plan


def _chapter_metadata(root: Path, name: str) -> dict:
    return nbformat.read(root / BOOK_DIR / f"{name}.ipynb", as_version=4).metadata.get("course_lib", {})


def expected_seconds(root: Path, chapters: Iterable[str]) -> dict[str, float]:
    """Each chapter's duration in the run that produced its committed outputs (stored by the
    refresh in its metadata, ``course_lib.seconds``), to schedule a first run well."""
    return {name: float(_chapter_metadata(root, name).get("seconds", 0.0)) for name in chapters}


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


def _execute_chapter(source: str, output: str, parameters: dict) -> tuple[int | None, str] | None:
    """Run one chapter in a worker process; return ``(cell, error)`` on failure, else None."""
    import papermill

    try:
        papermill.execute_notebook(source, output, parameters=parameters, kernel_name="python3",
                                   cwd=str(Path(output).parent), progress_bar=False)
    except papermill.PapermillExecutionError as exc:
        return exc.exec_count, f"{exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel death, missing kernel, ...
        return None, f"{type(exc).__name__}: {exc}"
    return None


def run_book(
    root: str | os.PathLike | None = None,
    profile: str = "quick",
    chapters: Iterable[str] | None = None,
    *,
    overrides: Mapping[str, object] | None = None,
    run_dir: str | os.PathLike | None = None,
    refresh: bool = False,
    progress: bool = True,
    jobs: int = 1,
) -> RunReport:
    """Execute chapters into ``run_dir`` (default ``_build/runs/<profile>``).

    ``jobs`` chapters run at once, each in its own kernel, as soon as the chapters they declare
    they reuse have finished (see :func:`chapter_dependencies`), longest remaining chain first
    (see :func:`longest_remaining_seconds`). Small models leave part of a second core idle, so
    two jobs finish the book sooner on a laptop; figures do not change, but measured seconds
    per epoch rise.

    With ``refresh=True`` each chapter that succeeds also replaces its source in ``book/``
    (papermill's run metadata stripped), which is how committed outputs are produced.
    A failing chapter stops the run with :class:`ChapterFailed` once the chapters already
    running have finished; what ran is kept.
    """
    from tqdm.auto import tqdm

    check_positive_int(jobs=jobs)
    root = find_root(root)
    plan = plan_run(root, profile, chapters, overrides)
    needs = chapter_dependencies(root, [name for name, _ in plan])
    run_dir = Path(run_dir) if run_dir else root / "_build" / "runs" / profile
    stage_sources(root, run_dir)
    report = RunReport(profile, run_dir)
    timings_path = run_dir / "timings.json"
    previous = json.loads(timings_path.read_text()) if timings_path.is_file() else {}
    bar = tqdm(total=len(plan), desc=f"profile {profile}", unit="chapter", disable=not progress)
    previous_run_dir = os.environ.get(RUN_DIR_ENV)
    os.environ[RUN_DIR_ENV] = str(run_dir.resolve())  # the kernels inherit it: results land here
    remaining = longest_remaining_seconds(needs, {**expected_seconds(root, needs), **previous})
    pending, running, finished = dict(plan), {}, set()
    failure = None
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            while running or (pending and failure is None):
                ready = [n for n in pending if needs[n] <= finished] if failure is None else []
                for name in sorted(ready, key=lambda n: -remaining[n]):  # stable: book order on ties
                    if len(running) == jobs:
                        break
                    output = run_dir / BOOK_DIR / f"{name}.ipynb"
                    results.forget(name, run_dir)
                    future = pool.submit(_execute_chapter, str(root / BOOK_DIR / f"{name}.ipynb"),
                                         str(output), pending.pop(name))
                    running[future] = (name, output, time.perf_counter())
                if not running:
                    raise ValueError(f"Chapters wait on each other in a cycle: {sorted(pending)}. "
                                     "Check their `course_lib.after` metadata.")
                bar.set_postfix_str(" ".join(name for name, _, _ in running.values()))
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    name, output, started = running.pop(future)
                    error = future.result()
                    if error is not None:
                        failure = failure or ChapterFailed(name, error[0], error[1], output)
                        continue
                    report.seconds[name] = round(time.perf_counter() - started, 2)
                    tidy_notebook(output, seconds=report.seconds[name])
                    if refresh:
                        _atomic_copy(output, root / BOOK_DIR / f"{name}.ipynb")
                    previous.update(report.seconds)
                    atomic_write_text(timings_path, json.dumps(previous, indent=2, sort_keys=True))
                    finished.add(name)
                    bar.update()
    finally:
        bar.close()
        if previous_run_dir is None:
            os.environ.pop(RUN_DIR_ENV, None)
        else:
            os.environ[RUN_DIR_ENV] = previous_run_dir
    if failure is not None:
        raise failure
    report.seconds = {name: report.seconds[name] for name, _ in plan if name in report.seconds}
    return report


def stage_sources(root: Path, run_dir: Path) -> None:
    """Copy the book's configuration and non-notebook sources into the run folder."""
    (run_dir / BOOK_DIR).mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(root / name, run_dir / name)
    for path in (root / BOOK_DIR).rglob("*"):
        if path.is_file() and path.suffix != ".ipynb" and ".ipynb_checkpoints" not in path.parts:
            target = run_dir / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def tidy_notebook(path: Path, seconds: float | None = None) -> None:
    """Drop papermill's per-run metadata, fold injected parameters into a hidden cell, and keep
    the chapter's wall time (whole seconds) as a scheduling hint for later runs."""
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.pop("papermill", None)
    if seconds is not None:
        notebook.metadata.setdefault("course_lib", {})["seconds"] = round(seconds)
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "hide-cell" not in tags:
            tags.append("hide-cell")
    atomic_write_text(path, nbformat.writes(notebook) + "\n")


def _atomic_copy(source: Path, target: Path) -> None:
    atomic_write_text(target, source.read_text(encoding="utf-8"))
