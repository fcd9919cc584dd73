"""A run planned before anything executes: which chapters, with which parameters, in which order,
and which of them a run reuses instead of executing again.

A *profile* is data (``book/profiles.yml``): for each chapter, the papermill parameters it
overrides. ``quick`` overrides nothing (the notebooks' own defaults are the offline quick
profile); ``full`` sets the lecture's datasets and settings.

The planner only reads: the table of contents, the profiles, and each chapter's notebook (its
``parameters`` cell and its ``course_lib`` metadata). It starts no kernel and no process and
does not import papermill, so a typo in a profile or in ``-p`` is refused in milliseconds, and
every decision of a run (its order, its dependencies, what it reuses) is tested without
executing a chapter. :mod:`course_lib.build.runner` carries a plan out.
"""

from __future__ import annotations

import ast
import functools
import graphlib
import importlib.util
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from course_lib import run_folder
from course_lib.run_folder import RunFolder

PROFILES_FILE = "profiles.yml"  # in book/
LECTURE_SETTINGS_FILE = "lecture_settings.yml"  # in book/: the lecture's value of each parameter
CELL_TIMEOUT = {"quick": 900}  # seconds a cell may run per profile; other profiles: no limit
_PAPERMILL_TYPES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}


def find_root(start: str | os.PathLike | None = None) -> Path:
    """The book's root: the nearest folder at or above ``start`` holding ``_toc.yml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file():
            return folder
    raise OSError(
        f"No _toc.yml found at or above {here}. Run from the course repository or pass `root`."
    )


def chapter_source(root: Path, chapter: str) -> Path:
    """A chapter's notebook in the repository, ``book/<chapter>.ipynb``: where a run folder keeps
    the executed one (:mod:`course_lib.run_folder`)."""
    return RunFolder(root).notebook(chapter)


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
    """Every profile of ``book/profiles.yml`` as ``{chapter: parameters}``.

    A profile lists chapters and their parameters, or, as the full profile does, derives them:
    ``lecture_settings: true`` gives each chapter its entry of ``book/lecture_settings.yml``
    (the one record of the lecture's values), and ``every_chapter`` adds its settings to each
    chapter that declares them. So the lecture's values are written once.
    """
    profiles = yaml.safe_load((root / run_folder.BOOK / PROFILES_FILE).read_text()) or {}
    return {name: _derived(root, name, chapters or {}) for name, chapters in profiles.items()}


def load_lecture_settings(root: Path) -> dict[str, dict]:
    """The lecture's value of each chapter parameter it fixes, ``{chapter: {name: value}}``."""
    return yaml.safe_load((root / run_folder.BOOK / LECTURE_SETTINGS_FILE).read_text()) or {}


_DERIVING = {"lecture_settings", "every_chapter"}


def _derived(root: Path, profile: str, written: Mapping) -> dict[str, dict]:
    if not _DERIVING & set(written):
        return dict(written)
    extra = sorted(set(written) - _DERIVING)
    if extra:
        raise ValueError(
            f"Profile {profile!r} derives its chapters' parameters, so it cannot also list "
            f"chapters. Received: {extra}. Valid keys: {sorted(_DERIVING)}")
    lecture = load_lecture_settings(root) if written.get("lecture_settings") else {}
    every = dict(written.get("every_chapter") or {})
    derived = {chapter: dict(values or {}) for chapter, values in lecture.items()}
    for chapter in list_chapters(root):
        shared = {name: value for name, value in every.items()
                  if name in declared_parameters(root, chapter)}
        if shared:
            derived[chapter] = {**derived.get(chapter, {}), **shared}
    return derived


def declared_parameters(root: Path, chapter: str) -> dict[str, dict]:
    """The parameters a chapter's ``parameters`` cell declares, as papermill reads them:
    ``{name: {name, inferred_type_name, default, help}}`` (``tests/test_planner.py`` compares
    every chapter with ``papermill.inspect_notebook``)."""
    path = chapter_source(root, chapter)
    declared, _ = _read_chapter(str(path), path.stat().st_mtime_ns)
    return {name: dict(spec) for name, spec in declared.items()}


def chapter_metadata(root: Path, chapter: str) -> dict:
    """The chapter's ``course_lib`` notebook metadata (``after``: the chapters it waits for;
    ``needs``: the packages it cannot run without, beyond the Keras backend's, each with why)."""
    path = chapter_source(root, chapter)
    return json.loads(_read_chapter(str(path), path.stat().st_mtime_ns)[1])


def unmet_needs(root: Path, chapters: Iterable[str]) -> dict[str, str]:
    """For each of ``chapters`` that needs a package this Python lacks, what it needs and why.

    Chapter 02 teaches Keras' ``TextVectorization``, which runs on TensorFlow's string
    operations whatever the backend; where TensorFlow has no wheel (Python 3.14), it cannot
    run. The package is looked up, not imported."""
    unmet = {}
    for chapter in chapters:
        for package, why in chapter_metadata(root, chapter).get("needs", {}).items():
            if importlib.util.find_spec(package) is None:
                unmet[chapter] = f"it needs {package} ({why}), which this Python lacks"
    return unmet


@functools.lru_cache(maxsize=64)
def _read_chapter(path: str, modified: int) -> tuple[dict[str, dict], str]:
    """A chapter's declared parameters and its metadata (as JSON), once per version of the
    file: planning, ordering and the cache keys all ask for them."""
    notebook = nbformat.read(path, as_version=4)
    cell = next((cell for cell in notebook.cells
                 if "parameters" in cell.metadata.get("tags", [])), None)
    declared = _parameters(cell.source, Path(path).stem) if cell is not None else {}
    return declared, json.dumps(notebook.metadata.get("course_lib", {}))


def _parameters(source: str, chapter: str) -> dict[str, dict]:
    """Each ``name: type = value  # help`` of a parameters cell, as papermill reads it: the
    annotation, or a ``# type:`` comment, is the type name, ``'None'`` without either.
    (papermill skips a line with a second ``=``; ``tests/test_project.py`` makes sure it sees
    every knob of every chapter.)"""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ValueError(f"Chapter {chapter!r}: its parameters cell is not Python: {exc}") from None
    lines = source.splitlines()
    declared = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            name, annotation = node.target.id, node.annotation
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1
              and isinstance(node.targets[0], ast.Name)):
            name, annotation = node.targets[0].id, None
        else:
            continue
        rest = lines[node.end_lineno - 1].encode()[node.end_col_offset:].decode()  # offsets: bytes
        comment = rest.partition("#")[2].strip()
        typed = re.match(r"type:\s*(\S*)\s*(.*)", comment)
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            type_name = annotation.value
        elif annotation is not None:
            type_name = ast.get_source_segment(source, annotation)
        else:
            type_name = typed.group(1) if typed else "None"
        declared[name] = dict(name=name, inferred_type_name=type_name.strip(),
                              default=ast.get_source_segment(source, node.value).strip(),
                              help=(typed.group(2) if typed else comment).strip())
    return declared


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
    Unknown profile, chapter or parameter names and values of the wrong type raise a
    ``ValueError`` listing the valid choices, so a long run cannot fail on a typo. What only
    the runner decides (the run folder, the lessons mode) is no parameter of any chapter: it
    reaches the kernel through its environment (:mod:`course_lib.run_context`).
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


def expected_seconds(root: Path, chapters: Iterable[str]) -> dict[str, float]:
    """Each chapter's duration in the run that produced its committed outputs (the refresh
    keeps them in ``book/recorded_run/timings.json``), to schedule a first run well."""
    path = run_folder.committed(root / run_folder.BOOK).timings
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
        after = chapter_metadata(root, name).get("after", [])
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


@dataclass
class Step:
    """What a run does next: chapters reused as they are, and chapters to start executing."""

    reused: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)


class Schedule:
    """The order of a run, decided without executing anything.

    ``needs`` says which chapters each one waits for (:func:`chapter_dependencies`), in book
    order; ``seconds`` how long each took before (:func:`expected_seconds`, a run folder's
    timings). A chapter is *ready* once the chapters it waits for are done. Each ready chapter is
    asked once whether it can be reused (``reusable``, which the runner answers from the
    execution cache: the results it reads are final by then, so its key is); a reused chapter
    is done at once, so the chapters waiting for it become ready in the same step. The others
    start as slots free up, the longest remaining chain first
    (:func:`longest_remaining_seconds`), book order on ties. ``reuse=False`` (a forced run, a
    refresh, a rehearsal) executes every chapter and never asks.
    """

    def __init__(self, needs: Mapping[str, set[str]], seconds: Mapping[str, float] | None = None,
                 *, reuse: bool = True):
        self._order = chapter_order(needs)
        self._remaining = longest_remaining_seconds(needs, seconds or {})
        self._book = {name: index for index, name in enumerate(needs)}
        self._reuse = reuse
        self._waiting: list[str] = []  # ready, to be executed, not started yet

    @property
    def active(self) -> bool:
        """Whether a chapter is still to be reused, started or finished."""
        return self._order.is_active()

    def next(self, reusable: Callable[[str], bool], free: int) -> Step:
        """The chapters reused now, and at most ``free`` chapters to start now."""
        step = Step()
        ready = list(self._order.get_ready())
        while ready:
            for name in ready:
                if self._reuse and reusable(name):
                    step.reused.append(name)
                    self._order.done(name)
                else:
                    self._waiting.append(name)
            ready = list(self._order.get_ready())  # those that waited for a reused chapter
        self._waiting.sort(key=lambda name: (-self._remaining[name], self._book[name]))
        step.started, self._waiting = self._waiting[:max(free, 0)], self._waiting[max(free, 0):]
        return step

    def done(self, name: str) -> None:
        """A started chapter finished: the chapters waiting for it may become ready."""
        self._order.done(name)
