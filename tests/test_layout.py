"""The two wings of course_lib: the teaching library, which the chapters import, never imports
the build wing (course_lib/build/), and neither does any chapter (docs/maintaining.md, "The
layout"). The layout of a run folder is named in one module, course_lib/run_folder.py, and the
planner of the build wing stays pure (no kernel, no process, no papermill)."""

from __future__ import annotations

import ast
import json

import pytest

from course_lib import run_folder
from tests.conftest import ROOT

BUILD = "course_lib.build"
PACKAGE = ROOT / "course_lib"
# Every module of course_lib outside build/; __main__ is the command line's entry point.
TEACHING = sorted(path for path in PACKAGE.rglob("*.py")
                  if "build" not in path.relative_to(PACKAGE).parts[:-1]
                  and path != PACKAGE / "__main__.py" and "__pycache__" not in path.parts)
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))
# The build wing, one concern a module (course_lib/build/__init__.py says which).
BUILD_MODULES = {"__init__", "planner", "kernel", "notebooks", "runner", "execution_cache", "cli",
                 "lab", "rehearsal", "estimate", "sphinx_fixes"}


def _imported(tree: ast.AST, package: str) -> set[str]:
    """Every dotted name an import in ``tree`` reaches, relative imports resolved against
    ``package``: ``from a import b`` gives ``a`` and ``a.b`` (``b`` may be a module), and
    ``importlib.import_module`` or ``__import__`` of a constant name gives that name."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".") if node.level else []
            base = parts[:len(parts) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                node.func, "id", None)
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return names


def _build_imports(tree: ast.AST, package: str) -> list[str]:
    return sorted(name for name in _imported(tree, package)
                  if name == BUILD or name.startswith(BUILD + "."))


def _package_of(path) -> str:
    """The package a module's relative imports start from (a package's own for __init__.py)."""
    return ".".join(path.relative_to(ROOT).parent.parts)


def _chapter_code(path) -> str:
    """A chapter's code cells, without IPython's `%` and `!` lines."""
    cells = json.loads(path.read_text())["cells"]
    return "\n".join(line for cell in cells if cell["cell_type"] == "code"
                     for line in "".join(cell["source"]).splitlines()
                     if not line.lstrip().startswith(("%", "!")))


def test_the_wings_are_where_the_check_looks():
    names = {path.relative_to(PACKAGE).as_posix() for path in TEACHING}
    assert {"training.py", "datasets/__init__.py", "datasets/stand_ins.py"} <= names
    assert not any(name.startswith("build/") for name in names)
    assert "run_folder.py" in names  # chapters' kernels write into run folders
    assert {path.stem for path in (PACKAGE / "build").glob("*.py")} == BUILD_MODULES
    assert CHAPTERS


@pytest.mark.parametrize("source, package", [
    ("import course_lib.build", "course_lib"),
    ("import course_lib.build.runner as runner", "course_lib"),
    ("from course_lib.build import runner", "course_lib"),
    ("from course_lib.build.execution_cache import library_digest", "course_lib"),
    ("from course_lib import results, build", "course_lib"),
    ("from course_lib import build as tools", "course_lib.datasets"),
    ("from .build import cli", "course_lib"),
    ("from . import build", "course_lib"),
    ("from ..build.runner import find_root", "course_lib.datasets"),
    ("from .. import build", "course_lib.datasets"),
    ("def late():\n    from course_lib.build.cli import main", "course_lib"),
    ("import importlib\nimportlib.import_module('course_lib.build.runner')", "course_lib"),
])
def test_the_check_sees_every_form_of_import(source, package):
    assert _build_imports(ast.parse(source), package)


@pytest.mark.parametrize("source, package", [
    ("from course_lib import results, run_context", "course_lib"),
    ("import course_lib.builders", "course_lib"),
    ("from . import _home", "course_lib.datasets"),
    ("from ..training import train", "course_lib.datasets"),
    ("from .build import x", "course_lib.datasets"),  # course_lib.datasets.build, not the wing
])
def test_the_check_lets_teaching_imports_pass(source, package):
    assert not _build_imports(ast.parse(source), package)


def test_the_teaching_library_never_imports_the_build_wing():
    crossing = {path.relative_to(ROOT).as_posix(): found for path in TEACHING
                if (found := _build_imports(ast.parse(path.read_text(), str(path)), _package_of(path)))}
    assert not crossing, (f"the teaching library imports the build wing: {crossing}; move what "
                          "both need into the teaching library, or the code into course_lib/build/")


def test_no_chapter_imports_the_build_wing():
    crossing = {path.name: found for path in CHAPTERS
                if (found := _build_imports(ast.parse(_chapter_code(path), str(path)), ""))}
    assert not crossing, f"chapters import the build wing, which no reader's kernel needs: {crossing}"


def test_no_module_of_course_lib_is_over_400_lines():
    """Both wings, every package: a module over 400 lines holds more than one concern."""
    modules = [path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts]
    assert {"diagrams.py", "findings.py", "stand_ins.py", "runner.py"} <= {p.name for p in modules}
    long = {path.relative_to(PACKAGE).as_posix(): count for path in modules
            if (count := len(path.read_text().splitlines())) > 400}
    assert not long, f"split these by concern: {long}"


def test_the_planner_starts_nothing():
    """Planning reads files and decides; executing is the kernel module's (course_lib.build.kernel)."""
    path = PACKAGE / "build" / "planner.py"
    imported = _imported(ast.parse(path.read_text()), "course_lib.build")
    executing = {"papermill", "multiprocessing", "concurrent.futures", "subprocess",
                 "course_lib.build.kernel", "course_lib.build.runner", "course_lib.build.notebooks"}
    assert not imported & executing, imported & executing


LAYOUT = set(run_folder.NAMES)
PATH_CALLS = {"Path", "PurePath", "joinpath", "join", "with_name", "glob", "rglob", "open"}


def _spells_a_path(value: object) -> bool:
    """A string that looks like a path (a slash, no space) through a run folder's entry."""
    return (isinstance(value, str) and "/" in value and not any(c.isspace() for c in value)
            and bool(set(value.split("/")) & LAYOUT))


def _layout_spelled_out(tree: ast.AST) -> list[str]:
    """Every string constant that names a run folder's entry where a path is made: an operand
    of ``/``, an argument of ``Path``, ``joinpath``, ``glob``..., the value of an assignment
    (``CACHE_DIR = "cache"``), an item of a tuple or list of folders, and any constant that
    spells a path through one (``"_build/runs/quick"``, ``f"{run}/logs/..."``). Docstrings,
    messages and other uses of the same words (the ``lessons`` command) are not paths."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                       ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            places = [node.left, node.right]
        elif isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                node.func, "id", None)
            places = node.args if called in PATH_CALLS else []
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            places = [node.value]
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            places = node.elts
        elif isinstance(node, ast.Constant) and id(node) not in docstrings:
            places = [node] if _spells_a_path(node.value) else []
        else:
            places = []
        found += [place.value for place in places if isinstance(place, ast.Constant)
                  and isinstance(place.value, str)
                  and (place.value in LAYOUT or _spells_a_path(place.value))]
    return found


@pytest.mark.parametrize("source", [
    'run / "results" / f"{chapter}.json"',
    'Path(run, "cache")',
    'LESSONS_DIR = "lessons"',
    'TIMINGS_FILE: str = "timings.json"',
    'for folder in ("results", "lessons"):\n    pass',
    'root / "_build" / "runs" / profile',
    'open(f"{run}/logs/{chapter}.log")',
    'Path("_build/runs/quick")',
    'book / "recorded_run"',
])
def test_the_layout_check_sees_a_path_spelled_out(source):
    assert _layout_spelled_out(ast.parse(source))


@pytest.mark.parametrize("source", [
    'commands.add_parser("lessons", help="run the quick book for several seeds")',
    'if args.command == "lessons":\n    pass',
    'run_folder.default(root, "lessons")',
    'raise OSError("a run folder with a results/ folder (make nbval sets it to book/recorded_run)")',
    'def f():\n    """Reads results/<chapter>.json and cache/."""',
    'RunFolder(run).results_file(chapter)',
])
def test_the_layout_check_lets_other_uses_of_the_words_pass(source):
    assert not _layout_spelled_out(ast.parse(source))


def test_the_layout_of_a_run_folder_is_named_in_one_module():
    spelled = {path.relative_to(ROOT).as_posix(): found for path in PACKAGE.rglob("*.py")
               if path != PACKAGE / "run_folder.py" and "__pycache__" not in path.parts
               and (found := _layout_spelled_out(ast.parse(path.read_text(), str(path))))}
    assert not spelled, (f"a run folder's layout spelled out outside course_lib/run_folder.py: "
                         f"{spelled}; use RunFolder or the module's names")


def test_the_committed_run_is_laid_out_like_a_run_folder():
    committed = run_folder.committed(ROOT / "book")
    assert committed.results_dir.is_dir() and committed.lessons_dir.is_dir()
    assert committed.timings.is_file()
    suffix = "" if run_folder.backend() == "tensorflow" else f"-{run_folder.backend()}"
    assert run_folder.default(ROOT, "quick").path == ROOT / "_build" / "runs" / f"quick{suffix}"
