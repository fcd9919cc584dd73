"""Writing files so that an interrupted run never leaves half of one behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``.

    A reader sees either the old file or the whole new one; Ctrl-C mid-write leaves only a
    ``.tmp`` file, never a truncated ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                     suffix=".tmp") as handle:
        handle.write(text)
    os.replace(handle.name, path)
    return path
