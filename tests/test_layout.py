"""The two wings of course_lib: the teaching library, which the chapters import, never imports
the build wing (course_lib/build/), and neither does any chapter (docs/maintaining.md, "The
layout")."""

from __future__ import annotations

import ast
import json

import pytest

from tests.conftest import ROOT

BUILD = "course_lib.build"
PACKAGE = ROOT / "course_lib"
# Every module of course_lib outside build/; __main__ is the command line's entry point.
TEACHING = sorted(path for path in PACKAGE.rglob("*.py")
                  if "build" not in path.relative_to(PACKAGE).parts[:-1]
                  and path != PACKAGE / "__main__.py" and "__pycache__" not in path.parts)
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))


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
    assert (PACKAGE / "build" / "__init__.py").is_file() and (PACKAGE / "build" / "runner.py").is_file()
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
