"""Files, each concept in one place: digests, atomic writes, and moving a user's file aside.

Both wings use these (the loaders of the teaching library, the build tools), so they live in
the teaching library, which the build wing may import and never the other way round.
``tests/test_files.py`` fails when another module of ``course_lib`` hashes or renames a file by
itself (the rehearsal's stand-in writers aside: they link their files into place, never over
one).
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20  # bytes read or copied at a time: bounded memory for files of gigabytes
_PARTIAL_NAME = re.compile(r"(?P<name>.+)\.\d+-[0-9a-f]{8}\.part")  # atomic_write's, below


def bytes_digest(data: bytes, algorithm: str = "sha256") -> str:
    """The hex digest of ``data`` (sha256 unless ``algorithm`` names another of hashlib's)."""
    return hashlib.new(algorithm, data).hexdigest()


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """The hex digest of the file at ``path``, read a megabyte at a time (a GloVe archive is
    822 MB); equal to :func:`bytes_digest` of its bytes."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Have ``write`` fill a partial file beside ``path`` (opened for binary writing), then
    rename it over ``path``; return ``path``.

    A reader sees either the old file or the whole new one: an interrupted write (an
    exception, Ctrl-C included) removes the partial file and leaves ``path`` as it was. The
    partial file is named ``<name>.<pid>-<random>.part`` and created as a new file, so it gets
    the usual permissions (the umask's), unlike ``tempfile``'s private ones. The folder is
    created if missing.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part")
    try:
        with open(partial, "xb") as handle:
            write(handle)
        os.replace(partial, path)
    finally:  # after os.replace there is nothing left to remove
        partial.unlink(missing_ok=True)
    return path


def partial_target(name: str) -> str | None:
    """The file name that :func:`atomic_write`'s partial file ``name`` becomes, or None when
    ``name`` is not such a file: a listing can treat a file being written like the file."""
    match = _PARTIAL_NAME.fullmatch(name)
    return match["name"] if match else None


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8, line endings as given) to ``path`` with :func:`atomic_write`."""
    return atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def move_aside(path: str | os.PathLike, label: str = "corrupt", *,
               keep_suffix: bool = False) -> Path:
    """Rename ``path`` to ``<name>.<label>-<date-time>`` beside it and return the new path;
    ``keep_suffix`` keeps the extension last (``04_x.yours-<date-time>.ipynb``, which
    JupyterLab still opens). A name already taken gets ``-2``, ``-3``, ... after the time.

    For a user's file that must not be used as it is and must not be lost either: a download
    that fails verification may still be the only copy a user has (an archive carried by hand,
    a download that took an hour), and a chapter copy the reader edited is their work. It is
    kept for them to inspect or delete, never deleted and never moved over an earlier one.
    """
    path = Path(path)
    stem, suffix = (path.stem, path.suffix) if keep_suffix else (path.name, "")
    stamp = f"{label}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    aside = path.with_name(f"{stem}.{stamp}{suffix}")
    number = 1
    while aside.exists():
        number += 1
        aside = path.with_name(f"{stem}.{stamp}-{number}{suffix}")
    os.replace(path, aside)
    return aside
