"""course_lib/_files.py: digests, atomic writes and moving a user's file aside, each written
once and used by both wings."""

from __future__ import annotations

import hashlib
import os
import re

import pytest

from course_lib._files import (atomic_write, atomic_write_text, bytes_digest, file_digest, move_aside,
                               partial_target)
from tests.conftest import ROOT

PACKAGE = ROOT / "course_lib"


def test_a_digest_is_hashlibs_for_bytes_and_for_a_file_read_in_chunks(tmp_path, monkeypatch):
    from course_lib import _files

    data = bytes(range(256)) * 9
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    assert bytes_digest(data) == hashlib.sha256(data).hexdigest()
    assert bytes_digest(data, "md5") == hashlib.md5(data).hexdigest()
    monkeypatch.setattr(_files, "CHUNK", 100)  # several chunks, the last one short
    assert file_digest(path) == bytes_digest(data)
    assert file_digest(path, "md5") == hashlib.md5(data).hexdigest()


def test_an_atomic_write_replaces_the_file_whole_and_leaves_no_partial_file(tmp_path):
    path = tmp_path / "new" / "entry.json"  # the folder is created
    assert atomic_write_text(path, "first\n") == path
    assert path.read_text() == "first\n"
    assert atomic_write(path, lambda handle: [handle.write(b"sec"), handle.write(b"ond")]) == path
    assert path.read_bytes() == b"second"
    assert os.listdir(path.parent) == ["entry.json"]


def test_a_partial_file_names_the_file_it_becomes(tmp_path):
    path = tmp_path / "glove.6B.50d.txt"
    seen = []
    atomic_write(path, lambda handle: seen.extend(p.name for p in tmp_path.iterdir()))
    assert [partial_target(name) for name in seen] == ["glove.6B.50d.txt"]
    for other in ["glove.6B.50d.txt", "notes.part", "a.b.part", "imdb.npz.12-0A1B2C3D.part"]:
        assert partial_target(other) is None


@pytest.mark.parametrize("interruption", [OSError("disk full"), KeyboardInterrupt()])
def test_an_interrupted_atomic_write_keeps_the_old_file(tmp_path, interruption):
    path = tmp_path / "glove.6B.50d.txt"
    path.write_text("the old file")

    def write(handle):
        handle.write(b"half of the new")
        raise interruption

    with pytest.raises(type(interruption)):
        atomic_write(path, write)
    assert path.read_text() == "the old file"
    assert os.listdir(tmp_path) == ["glove.6B.50d.txt"]  # no partial file left behind


def test_an_atomic_write_gets_the_usual_permissions(tmp_path):
    """Not tempfile's private 0600: a data file or a Lab copy is the user's to share."""
    umask = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "04_x.ipynb", "{}")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_moving_aside_keeps_every_copy_under_a_dated_name(tmp_path):
    asides = []
    for content in ("first", "second", "third"):  # within the same second, most likely
        (tmp_path / "imdb.npz").write_text(content)
        asides.append(move_aside(tmp_path / "imdb.npz"))
    assert not (tmp_path / "imdb.npz").exists()
    assert [aside.read_text() for aside in asides] == ["first", "second", "third"]
    assert all(re.fullmatch(r"imdb\.npz\.corrupt-\d{8}-\d{6}(-\d+)?", aside.name)
               for aside in asides)
    (tmp_path / "04_x.ipynb").write_text("the reader's notes")
    aside = move_aside(tmp_path / "04_x.ipynb", "yours", keep_suffix=True)
    assert re.fullmatch(r"04_x\.yours-\d{8}-\d{6}\.ipynb", aside.name)
    assert aside.read_text() == "the reader's notes"


# What only course_lib/_files.py does; the rehearsal's stand-in writers (datasets/stand_ins.py
# and its _stand_in_* modules) keep their own atomic write, which links a file into place and
# never replaces one (it may be the real dataset).
DONE_ONCE = re.compile(r"\bimport hashlib\b|\bfrom hashlib\b|\bos\.(replace|rename)\(|"
                       r"\.rename\(|NamedTemporaryFile|\.with_suffix\(\"\.part")


def test_no_other_module_hashes_writes_atomically_or_moves_a_file_by_itself():
    modules = [path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts
               and path.name != "_files.py"
               and not (path.name == "stand_ins.py" or path.name.startswith("_stand_in_"))]
    assert len(modules) > 30
    found = {path.relative_to(PACKAGE).as_posix(): match.group(0) for path in modules
             if (match := DONE_ONCE.search(path.read_text()))}
    assert not found, f"use course_lib._files instead: {found}"
