"""Pre-trained word vectors in the GloVe text format: the real GloVe files, and offline ones.

The lecture's "pre-trained embeddings" step loads GloVe (``glove.6B.100d.txt``: one word and
its numbers per line). Offline, :func:`learn_word_vectors` computes vectors the way such
embeddings are made, from word co-occurrence statistics (positive pointwise mutual information,
then a truncated SVD), and writes them in the same format, so the chapter reads both through
:func:`read_glove`.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_lib._files import atomic_write_text
from course_lib.datasets._home import RemoteFile, fetch, get_data_home

GLOVE_ZIP = RemoteFile("glove.6B.zip", "https://nlp.stanford.edu/data/glove.6B.zip")
GLOVE_DIMS = (50, 100, 200, 300)
#: Co-occurrence window of the offline vectors. Narrow windows group words by grammatical role
#: ("good" next to "bad": both follow "very"); sentiment is a property of a whole review, so a
#: wide window is what groups "good" with "great" and "bad" with "awful".
SAMPLE_WINDOW = 30


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


def read_glove(path: str | os.PathLike, *, max_words: int | None = None) -> WordVectors:
    """Read a GloVe-format text file (``word v1 v2 ... vd`` per line), validating every row."""
    path = Path(path)
    if not path.is_file():
        raise OSError(f"`path` must be an existing GloVe text file. Received: path={str(path)!r}")
    words, rows = [], []
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if max_words is not None and len(words) >= max_words:
                break
            word, _, numbers = line.rstrip("\n").partition(" ")
            if not numbers:
                if not line.strip():
                    continue
                raise ValueError(f"{path} line {line_number} has a word but no numbers: {line[:40]!r}")
            words.append(word)
            rows.append(numbers)
    if not words:
        raise ValueError(f"{path} is empty: expected lines of 'word v1 v2 ... vd'.")
    dims = {row.count(" ") + 1 for row in rows}
    if len(dims) != 1:
        raise ValueError(f"{path} mixes vector lengths {sorted(dims)}: every line needs the same.")
    try:
        flat = np.array(" ".join(rows).split(" "), dtype=np.float32)
    except ValueError as exc:
        raise ValueError(f"{path} holds a value that is not a number: {exc}") from exc
    return WordVectors(tuple(words), flat.reshape(len(words), dims.pop()))


def write_glove(vectors: WordVectors, path: str | os.PathLike) -> Path:
    """Write vectors in GloVe text format, atomically (no half-written file is ever seen)."""
    lines = (word + " " + " ".join(f"{value:.5f}" for value in vector) + "\n"
             for word, vector in zip(vectors.words, vectors.vectors))
    return atomic_write_text(path, "".join(lines))


def learn_word_vectors(
    flat_ids: np.ndarray, lengths: np.ndarray, words: list[str] | tuple[str, ...], *,
    dim: int = 100, window: int = 4,
) -> WordVectors:
    """Vectors from co-occurrence statistics: counts within ``window`` -> PPMI -> truncated SVD.

    ``flat_ids`` are the corpus' word ids end to end (0 .. len(words)-1), ``lengths`` the
    document lengths; pairs never cross a document boundary.
    """
    vocab = len(words)
    if dim <= 0 or dim > vocab:
        raise ValueError(f"`dim` must be between 1 and the vocabulary size {vocab}. Received: dim={dim}")
    if window <= 0:
        raise ValueError(f"`window` must be positive. Received: window={window}")
    document = np.repeat(np.arange(len(lengths)), lengths)
    counts = np.zeros(vocab * vocab, dtype=np.float64)
    for offset in range(1, window + 1):
        same = document[:-offset] == document[offset:]
        left, right = flat_ids[:-offset][same], flat_ids[offset:][same]
        weight = 1.0 / offset  # nearer neighbours count more, as in GloVe
        counts += weight * np.bincount(left * vocab + right, minlength=vocab * vocab)
        counts += weight * np.bincount(right * vocab + left, minlength=vocab * vocab)
    counts = counts.reshape(vocab, vocab)
    total = counts.sum()
    row, col = counts.sum(axis=1, keepdims=True), counts.sum(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts * total / (row * col))
    ppmi = np.where(np.isfinite(pmi) & (pmi > 0), pmi, 0.0)
    u, s, _ = np.linalg.svd(ppmi)
    vectors = (u[:, :dim] * np.sqrt(s[:dim])).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-8)
    return WordVectors(tuple(words), vectors)


def load_glove(
    dim: int = 100, *, source: str = "sample", data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
) -> WordVectors:
    """Pre-trained word vectors, always read through :func:`read_glove`.

    ``source="glove"``: Stanford's GloVe 6B vectors (``glove.6B.{dim}d.txt``; the 822 MB
    archive is downloaded once into the data home and only that file is extracted).
    ``source="sample"`` (offline): vectors learned from the *synthetic* review corpus'
    co-occurrences, written once into ``<data home>/course_lib/``.
    """
    if source == "glove":
        if dim not in GLOVE_DIMS:
            raise ValueError(f"`dim` must be one of {GLOVE_DIMS} for GloVe. Received: dim={dim}")
        home = get_data_home(data_home)
        member = f"glove.6B.{dim}d.txt"
        target = home / member
        if not target.is_file():
            archive = fetch(GLOVE_ZIP, data_home=home, download_if_missing=download_if_missing)
            extract_member(archive, member, target)
        return read_glove(target)
    if source == "sample":
        name = f"synthetic_reviews.w{SAMPLE_WINDOW}.{dim}d.txt"
        target = get_data_home(data_home) / "course_lib" / name
        if not target.is_file():
            write_glove(_synthetic_vectors(dim), target)
        return read_glove(target)
    raise ValueError(f"`source` must be 'sample' or 'glove'. Received: source={source!r}")


def _synthetic_vectors(dim: int) -> WordVectors:
    from course_lib.datasets.imdb import _synthetic_corpus

    corpus = _synthetic_corpus()
    by_rank = sorted(corpus.word_index, key=corpus.word_index.get)  # rank 1 -> id 0
    return learn_word_vectors(
        corpus.train_tokens - 1, corpus.train_lengths, by_rank, dim=dim, window=SAMPLE_WINDOW
    )


def extract_member(archive: Path, member: str, target: Path) -> Path:
    """Extract one named member of a zip to ``target``; nothing else, and no path from inside
    the archive decides where bytes land (so an entry like ``../../x`` cannot escape)."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            if member not in bundle.namelist():
                raise ValueError(f"{archive} does not contain {member}.")
            with bundle.open(member) as source, tempfile.NamedTemporaryFile(
                "wb", dir=target.parent, delete=False, suffix=".part"
            ) as sink:
                while chunk := source.read(1 << 20):
                    sink.write(chunk)
    except zipfile.BadZipFile as exc:
        raise OSError(
            f"{archive} is not a readable zip archive ({exc}); it is probably truncated. "
            "Delete it so that it is downloaded again."
        ) from exc
    os.replace(sink.name, target)
    return target


def embedding_matrix(
    vectors: WordVectors, word_index: dict[str, int], num_words: int, *, index_from: int = 3
) -> np.ndarray:
    """Rows for a Keras ``Embedding(num_words, dim)`` fed IMDB-encoded reviews.

    Row ``rank + index_from`` holds the vector of the word of that rank; words without a vector,
    and the reserved rows (padding, start, out-of-vocabulary), stay zero.
    """
    if num_words <= index_from:
        raise ValueError(f"`num_words` must exceed index_from={index_from}. Received: num_words={num_words}")
    matrix = np.zeros((num_words, vectors.dim), dtype=np.float32)
    rows = vectors.index
    for word, rank in word_index.items():
        position = rank + index_from
        if position < num_words and word in rows:
            matrix[position] = vectors.vectors[rows[word]]
    return matrix
