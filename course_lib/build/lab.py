"""The chapters as JupyterLab shows them: every glued number written into the prose.

The book's prose takes its numbers from the run with myst-nb's ``{glue:text}`` role, which only
Jupyter Book renders: JupyterLab (with or without jupyterlab-myst, which has no glue) shows the
raw role. ``make lab`` therefore opens copies of the chapters, in ``_build/lab/``, in which each
role is replaced by the value the chapter's committed run glued, so that a reader sees
"72.9%" where the book shows it. Re-executing a copy in Lab recomputes the outputs but not the
prose, which keeps the committed run's numbers; the copies say so in their first cell.

The copies are the reader's to run and edit, and the sources in ``book/`` are never opened for
writing. A copy is replaced only while it is still exactly what this module wrote (its digest
is kept in ``.written.json``); a copy the reader changed is moved aside, never deleted, and the
move is reported.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import nbformat

from course_lib import run_folder
from course_lib._files import atomic_write_text, bytes_digest, move_aside

ROLE = re.compile(r"\{glue:text\}`([^`]+)`")
WRITTEN = ".written.json"  # in the lab folder: name -> sha256 of the copy this module wrote
NOTE = ("*Opened with `make lab`: the numbers in the text are those of the book's committed "
        "run. Running a cell here recomputes its output, not the text.*")


def glued_values(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """Each name a chapter glued, with the text Jupyter Book puts in the prose."""
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:
                if "text/plain" not in output.get("data", {}):
                    raise ValueError(f"The glued value {name!r} has no text to write into "
                                     f"the prose. Received: {sorted(output.get('data', {}))}")
                text = "".join(output["data"]["text/plain"])
                try:
                    value = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    value = text
                values[name] = str(value)
    return values


def with_glued_text(notebook: nbformat.NotebookNode, name: str = "chapter") -> nbformat.NotebookNode:
    """``notebook`` with every ``{glue:text}`` role in its markdown replaced by the glued value.
    A role whose name the chapter never glued is an error that names it."""
    values = glued_values(notebook)
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        missing = sorted(set(ROLE.findall(cell.source)) - set(values))
        if missing:
            raise ValueError(f"{name} uses glued names it never glues: {missing}")
        cell.source = ROLE.sub(lambda match: values[match.group(1)], cell.source)
    return notebook


def _digest(text: str) -> str:
    return bytes_digest(text.encode("utf-8"))


def prepare_lab(book: str | Path, lab: str | Path) -> list[str]:
    """Write the chapters of ``book`` into ``lab`` with their glued text filled in (and the
    committed run the comparison chapter reads); return one line per copy the reader had
    changed and that was moved aside."""
    book, lab = Path(book), Path(lab)
    lab.mkdir(parents=True, exist_ok=True)
    ledger = lab / WRITTEN
    written = json.loads(ledger.read_text()) if ledger.is_file() else {}
    moved = []
    for source in sorted(book.glob("*.ipynb")):
        notebook = with_glued_text(nbformat.read(source, as_version=4), source.name)
        notebook.cells.insert(0, nbformat.v4.new_markdown_cell(NOTE))
        text = nbformat.writes(notebook) + "\n"
        target = lab / source.name
        if target.is_file():
            current = target.read_text(encoding="utf-8")
            if current == text:
                written[source.name] = _digest(text)
                continue
            if _digest(current) != written.get(source.name):
                # never over an earlier copy of the reader's; still an .ipynb Lab opens
                aside = move_aside(target, "yours", keep_suffix=True)
                moved.append(f"{target} had changes of yours: moved to {aside}")
        atomic_write_text(target, text)
        written[source.name] = _digest(text)
        atomic_write_text(ledger, json.dumps(written, indent=2, sort_keys=True))
    committed = run_folder.committed(book).path
    if committed.is_dir():  # the comparison chapter draws the committed run
        shutil.rmtree(run_folder.committed(lab).path, ignore_errors=True)
        shutil.copytree(committed, run_folder.committed(lab).path)
    atomic_write_text(ledger, json.dumps(written, indent=2, sort_keys=True))
    return moved
