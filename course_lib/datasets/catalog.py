"""Which real files a profile reads, and fetching them all before class (``course-lib fetch``).

A chapter reads a real dataset when one of its parameters selects it (``source="keras"``,
``vectors_source="glove"``, ...). Fetching every file a profile needs at once, with the network
at hand, spares an instructor a download failing halfway through a class run; offline, the
same command says in seconds what is missing, from where, and where to put it.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from course_lib._files import move_aside
from course_lib.datasets._home import (RemoteFile, fetch, get_data_home,
                                       refuse_unaccepted_stand_in)
from course_lib.datasets.imdb import IMDB_NPZ, IMDB_WORD_INDEX
from course_lib.datasets.weather import JENA_MEMBER, JENA_ZIP
from course_lib.datasets.word_vectors import GLOVE_DIMS, GLOVE_ZIP

FILES_BY_PARAMETER: dict[tuple[str, str], tuple[RemoteFile, ...]] = {
    ("source", "keras"): (IMDB_NPZ, IMDB_WORD_INDEX),
    ("review_source", "keras"): (IMDB_NPZ, IMDB_WORD_INDEX),
    ("source", "jena"): (JENA_ZIP,),
    ("weather_source", "jena"): (JENA_ZIP,),
    ("vectors_source", "glove"): (GLOVE_ZIP,),
}
# Archives without a published digest are checked for what the loaders read in them.
ARCHIVE_MEMBERS = {
    JENA_ZIP.filename: (JENA_MEMBER,),
    GLOVE_ZIP.filename: tuple(f"glove.6B.{dim}d.txt" for dim in GLOVE_DIMS),
}


@dataclass
class FileStatus:
    """One needed file: ``present`` (verified), ``downloaded`` (now, verified) or ``missing``
    (``problem`` says why and what to do)."""

    remote: RemoteFile
    path: Path
    state: str
    problem: str = ""

    @property
    def size(self) -> int | None:
        return self.path.stat().st_size if self.state != "missing" else None


def files_for(plan: Iterable[tuple[str, Mapping[str, object]]]) -> list[RemoteFile]:
    """The real files a run plan (``[(chapter, parameters), ...]``) reads, each once."""
    needed: list[RemoteFile] = []
    for _, parameters in plan:
        for item in parameters.items():
            for remote in FILES_BY_PARAMETER.get(item, ()):
                if remote not in needed:
                    needed.append(remote)
    return needed


def check_archive(path: Path, remote: RemoteFile) -> None:
    """Raise an ``OSError`` (after moving the file aside) if a zip is unreadable or lacks a
    member the loaders read: these archives have no published digest to check instead."""
    members = ARCHIVE_MEMBERS.get(remote.filename)
    if members is None:
        return
    try:
        refuse_unaccepted_stand_in(path)
        with zipfile.ZipFile(path) as bundle:
            missing = sorted(set(members) - set(bundle.namelist()))
            damaged = bundle.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # cut short, or bytes damaged
        problem = f"not a readable zip archive ({type(exc).__name__}: {exc})"
    else:
        problem = (f"it lacks {missing}" if missing
                   else f"its member {damaged} is damaged" if damaged else "")
    if problem:
        raise OSError(f"{path} is not the expected {remote.filename}: {problem}. It was moved "
                      f"aside to {move_aside(path)}.")


def fetch_all(files: Iterable[RemoteFile], *,
              data_home: str | os.PathLike | None = None) -> list[FileStatus]:
    """Download what is missing (Keras' progress bar), verify everything, report each file."""
    home = get_data_home(data_home)
    statuses = []
    for remote in files:
        path = home / remote.filename
        was_there = path.exists()
        try:
            path = fetch(remote, data_home=home)
            check_archive(path, remote)
        except OSError as exc:
            statuses.append(FileStatus(remote, home / remote.filename, "missing", str(exc)))
            continue
        statuses.append(FileStatus(remote, path, "present" if was_there else "downloaded"))
    return statuses


def status_table(statuses: list[FileStatus]) -> str:
    """What is present, where, and its size; then, for each missing file, what to do."""
    lines = [f"{'file':<32} {'status':<11} {'size':>10}  where"]
    for item in statuses:
        size = f"{item.size / 1e6:,.1f} MB" if item.size is not None else "-"
        lines.append(f"{item.remote.filename:<32} {item.state:<11} {size:>10}  {item.path}")
    for item in statuses:
        if item.state == "missing":
            lines.append(f"\n{item.remote.filename}: {item.problem}")
    return "\n".join(lines)
