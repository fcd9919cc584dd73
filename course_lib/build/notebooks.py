"""What a run does with notebooks besides executing them: stage the book's sources into the run
folder, tidy each executed chapter, and, in refresh mode, commit it back into ``book/``.

A run folder renders on its own (``jupyter-book build <run folder>``), so the book's
configuration and non-notebook sources are copied into it. An executed notebook carries
papermill's per-run metadata, TensorFlow's start-up noise and printed lines cut into pieces by
timing; tidying drops or joins them, so that a refresh changes only what the run changed and
nbval compares what a reader sees.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat

from course_lib import run_folder
from course_lib._files import atomic_write_text
from course_lib.build.planner import chapter_source
from course_lib.run_folder import RunFolder

PACKAGE_DIR = "course_lib"  # staged into run folders for the chapters' literalinclude


def stage_sources(root: Path, run_dir: Path) -> None:
    """Copy the book's configuration and non-notebook sources into the run folder, and the
    package's modules, which chapters quote with ``literalinclude`` (``../course_lib/...``):
    the run folder renders on its own, like the repository."""
    RunFolder(run_dir).book_dir.mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(root / name, run_dir / name)
    book_sources = [path for path in (root / run_folder.BOOK).rglob("*")
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


def commit_chapter(root: Path, run: RunFolder, name: str, seconds: float) -> None:
    """Refresh mode: the executed chapter replaces its source in ``book/``; in the committed
    run folder ``book/recorded_run/``, its recorded results and lesson margins replace the ones
    the comparison chapter reads outside a run, and its wall time joins the timings (the
    scheduling hint for later runs)."""
    notebook = nbformat.read(run.notebook(name), as_version=4)
    atomic_write_text(chapter_source(root, name),
                      nbformat.writes(without_injected_parameters(notebook)) + "\n")
    committed = run_folder.committed(root / run_folder.BOOK)
    for recorded, kept in ((run.results_file(name), committed.results_file(name)),
                           (run.lessons_file(name), committed.lessons_file(name))):
        if recorded.is_file():
            atomic_write_text(kept, recorded.read_text())
        else:
            kept.unlink(missing_ok=True)
    known = json.loads(committed.timings.read_text()) if committed.timings.is_file() else {}
    known[name] = round(seconds)
    atomic_write_text(committed.timings, json.dumps(known, indent=2, sort_keys=True) + "\n")
