"""Which chapters of a run can be reused instead of executed again.

A chapter's outputs are a function of its inputs: the notebook's cells, the parameters of the
run, the code of ``course_lib`` (and the data that ships with it), the files in the data home,
the kernel settings that change float round-off, and the results of the chapters it reuses.
The *key* of a chapter is a sha256 over all of them. After a chapter executes, the runner
stores its key and the digests of what it produced in the run folder's cache entry
(``cache/<chapter>.json``, :meth:`course_lib.run_folder.RunFolder.cache_entry`);
the next run reuses the chapter when the key is the same and the stored notebook and results
are still exactly what was produced. Anything else (a changed input, a missing, edited,
half-written or corrupted entry or output) means the chapter executes again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import nbformat

import course_lib
from course_lib._files import atomic_write_text, bytes_digest, file_digest, partial_target
from course_lib.datasets._home import DATA_HOME_ENV
from course_lib.datasets import DERIVED_FILES
from course_lib.run_folder import RunFolder

# Environment variables that change what a kernel computes (kernel path, threads, backend).
KERNEL_ENVIRONMENT = ("TF_ENABLE_ONEDNN_OPTS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
                      "OMP_NUM_THREADS", "CUDA_VISIBLE_DEVICES", "KERAS_BACKEND",
                      "COURSE_LIB_DETERMINISTIC")


def file_sha256(path: Path) -> str | None:
    """The sha256 of a file, or ``None`` when it does not exist."""
    return file_digest(path) if path.is_file() else None


def notebook_inputs(path: Path) -> str:
    """The digest of what a notebook asks to run: cell types, sources, tags and the chapter's
    metadata, not the outputs a refresh writes into it."""
    notebook = nbformat.read(path, as_version=4)
    cells = [(cell.cell_type, cell.source, sorted(cell.metadata.get("tags", [])))
             for cell in notebook.cells]
    return bytes_digest(json.dumps([cells, notebook.metadata.get("course_lib", {})],
                                   sort_keys=True).encode())


def library_digest() -> str:
    """The digest of every file of the installed ``course_lib`` package (code and shipped data).

    The build wing (:mod:`course_lib.build`) is hashed too, though no chapter imports it: the
    runner decides what each chapter's kernel is given (parameters, environment, the
    rehearsal's cells) and tidies the notebook it writes, so a change there can change a
    chapter's stored outputs. A change to any build tool therefore executes the chapters again.
    """
    package = Path(course_lib.__file__).parent
    files = [(path.relative_to(package).as_posix(), file_digest(path))
             for path in sorted(package.rglob("*"))
             if path.is_file() and "__pycache__" not in path.parts]
    return bytes_digest(json.dumps(files).encode())


def data_home_listing() -> list[tuple[str, int, int]]:
    """Name, size and modification time of each file in the data home: a downloaded or replaced
    dataset changes the listing without reading gigabytes. Files the library derives from what
    is installed (``DERIVED_FILES``) are left out, and so are their partial files while a kernel
    writes one: writing them must not expire the cache."""
    home = Path(os.environ.get(DATA_HOME_ENV) or Path.home() / ".keras" / "datasets").expanduser()
    if not home.is_dir():
        return []
    return sorted((path.name, path.stat().st_size, path.stat().st_mtime_ns)
                  for path in home.iterdir() if path.is_file() and not _derived(path.name))


def _derived(name: str) -> bool:
    return name in DERIVED_FILES or partial_target(name) in DERIVED_FILES


def chapter_key(source: Path, parameters: Mapping[str, object], dependency_results: Mapping[str, str | None],
                *, library: str, data_home: Iterable[tuple[str, int, int]]) -> str:
    """The key of one chapter's execution: equal keys, equal outputs (timings aside)."""
    environment = {name: os.environ.get(name) for name in KERNEL_ENVIRONMENT}
    parts = dict(notebook=notebook_inputs(source), parameters=dict(parameters), library=library,
                 data_home=list(data_home), environment=environment,
                 dependencies=dict(sorted(dependency_results.items())))
    return bytes_digest(json.dumps(parts, sort_keys=True, default=str).encode())


def is_fresh(run: RunFolder, chapter: str, key: str) -> bool:
    """Whether the outputs of ``chapter`` in the run folder (its executed notebook and its
    recorded results) were produced under ``key`` and are untouched since. A corrupted or
    half-written entry counts as no entry."""
    try:
        entry = json.loads(run.cache_entry(chapter).read_text())
        produced = file_sha256(run.notebook(chapter))
        return (produced is not None and entry["key"] == key and entry["notebook"] == produced
                and entry["results"] == file_sha256(run.results_file(chapter)))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def remember(run: RunFolder, chapter: str, key: str) -> None:
    """Record that ``chapter`` was executed under ``key``, with the digests of its outputs."""
    entry = dict(key=key, notebook=file_sha256(run.notebook(chapter)),
                 results=file_sha256(run.results_file(chapter)))
    atomic_write_text(run.cache_entry(chapter), json.dumps(entry, indent=2))


def forget(run: RunFolder, chapter: str) -> None:
    run.cache_entry(chapter).unlink(missing_ok=True)
