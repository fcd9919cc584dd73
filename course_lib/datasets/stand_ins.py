"""Format-exact stand-ins of the three real datasets, for a full-profile *rehearsal*.

The full profile runs every chapter at the lecture's sizes on the real IMDB reviews, the Jena
climate record and Stanford's GloVe vectors. Some shapes, memory peaks and code paths appear
only at those sizes (25,000 reviews of up to 2,494 words, 88,584 words in the index, 420,551
weather rows, windows of 1,440 steps), so a rehearsal runs the full profile before a real run,
offline and in a temporary data home, on the files this module writes: the same names, layouts and
formats as the real files, and their sizes except GloVe's (2,000 words by default, not
400,000), with invented contents.

* ``imdb.npz``: Keras' layout (``x_train``, ``y_train``, ``x_test``, ``y_test``; 25,000 +
  25,000 reviews as object arrays of int lists of *raw* word ranks from 1, which the loader
  offsets by ``index_from`` and prefixes with the start token, as ``keras.datasets.imdb``
  does); lengths and word frequencies shaped like the real reviews; labels balanced and
  learnable (sentiment phrases, some negated).
* ``imdb_word_index.json``: one JSON object, word -> rank, 88,584 words: real common words
  first (every word a chapter looks up), then ``w<rank>``.
* ``jena_climate_2009_2016.csv.zip``: the real header and 420,551 ten-minute rows from
  ``01.01.2009 00:10:00``, physically consistent values with yearly and daily cycles, and the
  real file's ``-9999.00`` wind sentinels.
* ``glove.6B.zip``: member ``glove.6B.100d.txt`` in Stanford's text format, the most common
  words first; country/capital and man/king, woman/queen pairs share an offset (so that
  ``paris - france + italy`` is nearest ``rome``), and the reviews' sentiment words share a
  direction (so that frozen vectors carry signal).

Everything is deterministic given ``seed`` (zip entries carry a fixed date), written
atomically (a ``.partial`` file renamed once complete), and never over an existing file.

The IMDB files cannot pass the loaders' published checksums (only Keras' own bytes do), so a
rehearsal must accept them by their digests, which :func:`write_stand_ins` returns.

Example::

    digests = write_stand_ins(Path(tempfile.mkdtemp()))

This module writes the files (formats, atomic writes, never over a file) and is the one the
build wing and the tests import; what the files contain is made by one private module each:
the shared vocabulary (``_stand_in_words``), the IMDB word index and reviews
(``_stand_in_imdb``), the Jena record (``_stand_in_jena``) and the GloVe vectors
(``_stand_in_glove``), all from one seed (``_stand_in_seed``). Their names are re-exported here.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from course_lib.datasets._home import STAND_IN_COMMENT, file_digest
from course_lib.datasets._stand_in_glove import (GLOVE_DIM, GLOVE_HEAD, GLOVE_MEMBER,
                                                 GLOVE_REQUIRED, MAX_GLOVE_WORDS, MIN_GLOVE_WORDS,
                                                 check_glove_words, glove_vectors,
                                                 glove_vocabulary)
from course_lib.datasets._stand_in_imdb import (IMDB_HEAD, IMDB_MAX_LENGTH, IMDB_MEAN_LENGTH,
                                                IMDB_MEDIAN_LENGTH, IMDB_MIN_LENGTH, IMDB_REVIEWS,
                                                IMDB_VOCABULARY, IMDB_WORDS, imdb_split,
                                                word_index)
from course_lib.datasets._stand_in_jena import (JENA_START, JENA_STEP, SENTINEL, jena_stamps,
                                                jena_values)
from course_lib.datasets._stand_in_seed import IMDB_STREAM, check_seed, generator
from course_lib.datasets._stand_in_words import (CAPITALS, CHAPTER_WORDS, INTENSIFIERS, NEGATIVE,
                                                 NEGATIVE_WORDS, NEGATORS, NEUTRAL, POSITIVE,
                                                 POSITIVE_WORDS, ROYALS)
from course_lib.datasets.imdb import IMDB_NPZ, IMDB_WORD_INDEX, split_rows
from course_lib.datasets.weather import JENA_HEADER, JENA_MEMBER, JENA_ZIP
from course_lib.datasets.word_vectors import GLOVE_ZIP, NUMBER_FORMAT

__all__ = [  # the writers, and the names of the contents re-exported from their modules
    "CAPITALS", "CHAPTER_WORDS", "GLOVE_DIM", "GLOVE_HEAD", "GLOVE_MEMBER", "GLOVE_REQUIRED",
    "IMDB_HEAD", "IMDB_MAX_LENGTH", "IMDB_MEAN_LENGTH", "IMDB_MEDIAN_LENGTH", "IMDB_MIN_LENGTH",
    "IMDB_REVIEWS", "IMDB_VOCABULARY", "IMDB_WORDS", "INTENSIFIERS", "JENA_START", "JENA_STEP",
    "MAX_GLOVE_WORDS", "MIN_GLOVE_WORDS", "NEGATIVE", "NEGATIVE_WORDS", "NEGATORS", "NEUTRAL",
    "POSITIVE", "POSITIVE_WORDS", "ROYALS", "SENTINEL", "STAND_IN_FILES", "glove_vectors",
    "glove_vocabulary", "jena_values", "word_index", "write_glove_zip", "write_imdb",
    "write_imdb_word_index", "write_jena", "write_stand_ins",
]

#: The fixed date of every zip entry, so that the same seed gives the same bytes.
_ZIP_DATE = (2017, 1, 1, 0, 0, 0)
_ZIP_LEVEL = 1


# --- writing files -----------------------------------------------------------------------
def _target(data_home, filename: str) -> Path:
    """``data_home / filename``, refused if it exists: a stand-in never replaces a file."""
    home = Path(data_home).expanduser()
    if home.exists() and not home.is_dir():
        raise ValueError(f"`data_home` must be a folder. Received: data_home={str(home)!r}")
    path = home / filename
    if path.exists() or path.is_symlink():
        raise FileExistsError(
            f"{path} already exists: stand-ins are written only into a fresh data home and never "
            "replace a file (it may be the real dataset). Pass an empty folder as `data_home`."
        )
    return path


def _write_atomically(path: Path, write: Callable[[io.BufferedWriter], None]) -> Path:
    """Have ``write`` fill a ``.partial`` file beside ``path``, then give it ``path``'s name.

    The final name is taken with a hard link where the file system allows it, which fails
    instead of replacing a file that appeared meanwhile; elsewhere ``os.replace`` after a
    last check. An interrupted write (Ctrl-C included) removes the partial file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as handle:
            write(handle)
        try:
            os.link(partial, path)
        except FileExistsError:
            raise FileExistsError(
                f"{path} appeared while its stand-in was written; it was kept.") from None
        except OSError:  # no hard links here (some network and FAT file systems)
            _target(path.parent, path.name)
            os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _write_zip(handle, members: Iterable[tuple[str, Callable[[], bytes]]]) -> None:
    """A zip of deflated members, each made by its callable only when its turn comes (one in
    memory at a time), dated ``_ZIP_DATE`` so that equal contents give equal bytes. Level 1:
    the real archives' deflate at level 6 takes ten times longer for a file a fifth smaller."""
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.comment = STAND_IN_COMMENT  # refused unless a rehearsal accepted this file
        for name, make in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            bundle.writestr(info, make(), compress_type=zipfile.ZIP_DEFLATED,
                            compresslevel=_ZIP_LEVEL)


# --- IMDB --------------------------------------------------------------------------------
def write_imdb_word_index(data_home) -> Path:
    """Write ``imdb_word_index.json`` as Keras' file is: one JSON object, word -> rank."""
    path = _target(data_home, IMDB_WORD_INDEX.filename)
    text = json.dumps(word_index())
    return _write_atomically(path, lambda handle: handle.write(text.encode("utf-8")))


def _npy_bytes(array: np.ndarray) -> bytes:
    """``array`` as a ``.npy`` file, object arrays pickled, as ``np.savez`` stores them."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def write_imdb(data_home, seed: int = 0) -> Path:
    """Write ``imdb.npz`` in Keras' layout: 25,000 + 25,000 reviews of raw word ranks.

    ``x_train``/``x_test`` are object arrays of int lists (ranks from 1, no start token: the
    loader adds it and the ``index_from`` offset), ``y_train``/``y_test`` int64 labels, stored
    compressed like Keras' 17 MB file. One split is held in memory at a time.
    """
    check_seed(seed)
    path = _target(data_home, IMDB_NPZ.filename)

    def members():
        rng = generator(seed, IMDB_STREAM)
        for split in ("train", "test"):
            flat, lengths, labels = imdb_split(rng, IMDB_REVIEWS)
            yield f"x_{split}.npy", lambda: _npy_bytes(split_rows(flat, lengths))
            yield f"y_{split}.npy", lambda: _npy_bytes(labels)

    def write(handle):
        _write_zip(handle, members())

    return _write_atomically(path, write)


# --- Jena --------------------------------------------------------------------------------
def write_jena(data_home, seed: int = 0) -> Path:
    """Write ``jena_climate_2009_2016.csv.zip``: the real header, quoted, then 420,551 rows
    ``01.01.2009 00:10:00,996.52,-8.02,...`` (two decimals), as one deflated member."""
    path = _target(data_home, JENA_ZIP.filename)
    timestamps, values = jena_values(seed)
    stamps = jena_stamps(timestamps)
    row = "%s" + ",%.2f" * values.shape[1] + "\n"
    header = ",".join(f'"{name}"' for name in JENA_HEADER) + "\n"

    def text() -> bytes:
        blocks = [header.encode("ascii")]
        for start in range(0, len(values), 50_000):
            rows = zip(stamps[start:start + 50_000], values[start:start + 50_000].tolist())
            lines = "".join([row % (stamp, *numbers) for stamp, numbers in rows])
            blocks.append(lines.encode("ascii"))
        return b"".join(blocks)

    def write(handle):
        _write_zip(handle, [(JENA_MEMBER, text)])

    return _write_atomically(path, write)


# --- GloVe -------------------------------------------------------------------------------
def write_glove_zip(data_home, seed: int = 0, words: int = 2000) -> Path:
    """Write ``glove.6B.zip`` holding ``glove.6B.100d.txt`` in Stanford's format: ``word`` then
    100 numbers printed ``%.5g``, space-separated, one word per line."""
    check_glove_words(words)
    path = _target(data_home, GLOVE_ZIP.filename)
    vocabulary, vectors = glove_vectors(seed, words)
    row = "%s" + (" " + NUMBER_FORMAT) * GLOVE_DIM + "\n"
    text = "".join(row % (word, *numbers) for word, numbers in zip(vocabulary, vectors.tolist()))

    def write(handle):
        _write_zip(handle, [(GLOVE_MEMBER, lambda: text.encode("utf-8"))])

    return _write_atomically(path, write)


# --- all four ----------------------------------------------------------------------------
STAND_IN_FILES = (IMDB_NPZ.filename, IMDB_WORD_INDEX.filename, JENA_ZIP.filename,
                  GLOVE_ZIP.filename)


def write_stand_ins(data_home: Path, *, seed: int = 0, glove_words: int = 2000) -> dict[str, str]:
    """Write the four stand-ins into data_home; return {filename: sha256 hex} of each file written.

    Every argument and every target name is checked before anything is written, so a refusal
    (``ValueError``, ``FileExistsError``) leaves ``data_home`` as it was.
    """
    check_seed(seed)
    check_glove_words(glove_words)
    for filename in STAND_IN_FILES:
        _target(data_home, filename)
    paths = [
        write_imdb(data_home, seed),
        write_imdb_word_index(data_home),
        write_jena(data_home, seed),
        write_glove_zip(data_home, seed, glove_words),
    ]
    return {path.name: file_digest(path) for path in paths}
