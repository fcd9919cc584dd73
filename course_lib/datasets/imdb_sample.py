"""The shipped sample of the Large Movie Review Dataset: real reviews, read with no network.

The file ``data/imdb_sample.jsonl.xz`` holds 12,500 training and 10,000 test reviews of
Stanford's ``aclImdb`` (balanced, drawn from the official splits; ``data/README.md`` gives the
provenance and the selection rule, ``scripts/make_imdb_sample.py`` rebuilds it byte for byte).
A chapter reads it two ways:

* as **text** (:func:`load_imdb_texts`), to tokenize it on the page as the lecture does;
* as **word ranks** (:func:`sample_ranks`), tokenized once as chapter 02's
  ``TextVectorization`` tokenizes them and ranked by frequency in the training part, which
  :mod:`course_lib.datasets.imdb` then encodes exactly as ``keras.datasets.imdb`` encodes its
  own reviews. So a chapter's code is the same on the sample and on Keras' full ``imdb.npz``.
"""

from __future__ import annotations

import collections
import functools
import itertools
import json
import lzma
import re
import string
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_lib._files import atomic_write, bytes_digest
from course_lib.datasets._home import get_data_home

SAMPLE_PATH = Path(__file__).resolve().parent / "data" / "imdb_sample.jsonl.xz"
SAMPLE_SHA256 = "1fbc042671d43702f8c508c88f8cc7317fd5198b00745dfcdd0cf949bfab56b3"
SAMPLE_SIZES = {"train": 12_500, "test": 10_000}
SPLITS = tuple(SAMPLE_SIZES)


@dataclass(frozen=True)
class ReviewTexts:
    """One split of the sample: raw review texts and their labels (1: positive)."""

    texts: tuple[str, ...]
    labels: np.ndarray
    ratings: np.ndarray  # the reviewer's stars out of 10 (<= 4 negative, >= 7 positive)


@dataclass(frozen=True)
class RankedReviews:
    """The sample as raw word ranks (1 = the most frequent word of the training part).

    ``train`` and ``test`` are ``(flat ranks, row lengths, labels)``, the layout
    :func:`course_lib.datasets.imdb.encode_like_keras` takes. A test-review word never seen
    in training gets ``unseen_rank``, one past the vocabulary; :func:`~course_lib.datasets.
    load_imdb` caps ``num_words`` below it, so such a word is always out-of-vocabulary, as
    it is for a model trained on the training part. The arrays are read-only: they are
    cached and shared by every load in the process.
    """

    train: tuple[np.ndarray, np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray, np.ndarray]
    word_index: dict[str, int]

    @property
    def unseen_rank(self) -> int:
        return len(self.word_index) + 1


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"`split` must be one of {SPLITS}. Received: split={split!r}")


@functools.lru_cache(maxsize=1)
def _records(path: Path = SAMPLE_PATH) -> dict[str, ReviewTexts]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OSError(
            f"The shipped review sample is missing: {path} ({exc}). Reinstall course_lib "
            "(`make install`)."
        ) from exc
    digest = bytes_digest(data)
    if digest != SAMPLE_SHA256:
        raise OSError(
            f"The shipped review sample {path} is damaged: sha256 {digest}, expected "
            f"{SAMPLE_SHA256}. Reinstall course_lib, or rebuild it with "
            "scripts/make_imdb_sample.py."
        )
    rows: dict[str, list[dict]] = {split: [] for split in SPLITS}
    for line in lzma.decompress(data).decode("utf-8").split("\n")[:-1]:
        record = json.loads(line)
        rows[record["split"]].append(record)
    return {
        split: ReviewTexts(
            texts=tuple(record["text"] for record in records),
            labels=_read_only(np.array([r["label"] for r in records], dtype=np.int64)),
            ratings=_read_only(np.array([r["rating"] for r in records], dtype=np.int64)),
        )
        for split, records in rows.items()
    }


def load_imdb_texts(split: str = "train") -> ReviewTexts:
    """The sample's raw reviews of one official split, ``"train"`` or ``"test"``.

    Their order is the file's (negative reviews, then positive, by official id): shuffle
    before splitting off validation data, as :func:`~course_lib.datasets.load_imdb` does.
    """
    _check_split(split)
    return _records()[split]


def standardize_review(texts):
    """Lower-case a batch of reviews, drop their ``<br />`` line breaks and turn every
    punctuation mark into a space, as the ``Tokenizer`` of the lecture's source splits
    at its filter characters.

    ``TextVectorization``'s default deletes punctuation instead, which glues a word to
    a line break ("movie.<br />" becomes "moviebr") and "don't" into "dont"; split at
    the marks, nearly every frequent word is one that GloVe's vocabulary knows.
    """
    import tensorflow as tf

    texts = tf.strings.lower(texts)
    texts = tf.strings.regex_replace(texts, "<br />", " ")
    return tf.strings.regex_replace(texts, r"[[:punct:]]", " ")


# standardize_review and TextVectorization's whitespace split, in plain Python: TensorFlow's
# string operations lower-case ASCII letters only, and split at ASCII whitespace.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}]")
_WHITESPACE = re.compile("[ \t\n\v\f\r]+")


def review_words(text: str) -> list[str]:
    """The words ``TextVectorization(standardize=standardize_review)`` splits ``text`` into,
    without TensorFlow: the sample's word ranks must not depend on the Keras backend, and
    Keras' text layers need TensorFlow (which has no wheel for the newest Python)."""
    text = _PUNCTUATION.sub(" ", text.translate(_ASCII_LOWER).replace("<br />", " "))
    return [word for word in _WHITESPACE.split(text) if word]


def review_vocabulary(reviews: list[list[str]]) -> list[str]:
    """Every word of ``reviews`` (each one's :func:`review_words`), most frequent first, as
    ``TextVectorization.adapt`` orders its vocabulary (without its two reserved entries): ties
    go to the word whose UTF-8 bytes sort last, so the order is the same every time."""
    counts = collections.Counter(itertools.chain.from_iterable(reviews))
    ranked = sorted(counts.items(), key=lambda item: (item[1], item[0].encode()), reverse=True)
    return [word for word, _ in ranked]


@functools.lru_cache(maxsize=1)
def sample_ranks() -> RankedReviews:
    """The sample tokenized once: each word's rank by frequency in the training part.

    Tokenizing 22,500 reviews takes seconds, in every process that loads them (each chapter's
    kernel, each test worker), and gives the same ranks every time. So the first process keeps
    them in the data home (:data:`RANKS_CACHE_NAME`), marked with the sample's digest and this
    module's code: any change to either tokenizes again. A data home that cannot be written
    only costs the time.
    """
    path, key = _ranks_cache_path(), _ranks_key()
    ranked = _read_ranks(path, key) if path is not None else None
    if ranked is None:
        ranked = _tokenize_sample()
        if path is not None:
            _write_ranks(path, key, ranked)
    return ranked


RANKS_CACHE_NAME = "course_lib_imdb_sample_ranks.npz"


def _ranks_cache_path() -> Path | None:
    try:
        return get_data_home() / RANKS_CACHE_NAME
    except OSError:  # no data home to write to: tokenize in every process
        return None


def _ranks_key() -> str:
    """What the ranks are computed from: the sample's bytes (by their digest) and the code."""
    return bytes_digest(SAMPLE_SHA256.encode() + Path(__file__).read_bytes())


def _read_ranks(path: Path, key: str) -> RankedReviews | None:
    """The ranks kept at ``path`` for ``key``; None when there are none, they were computed
    from another sample or other code, or the file is damaged (the caller writes it again)."""
    try:
        with np.load(path, allow_pickle=False) as kept:
            if str(kept["key"]) != key:
                return None
            vocabulary = kept["vocabulary"].tobytes().decode("utf-8").split("\n")
            splits = [
                tuple(_read_only(kept[f"{split}_{name}"].astype(np.int64))
                      for name in ("ranks", "lengths", "labels"))
                for split in SPLITS
            ]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    word_index = {word: rank for rank, word in enumerate(vocabulary, start=1)}
    return RankedReviews(splits[0], splits[1], word_index)


def _write_ranks(path: Path, key: str, ranked: RankedReviews) -> None:
    vocabulary = sorted(ranked.word_index, key=ranked.word_index.get)  # words hold no "\n"
    arrays = {"key": np.array(key),
              "vocabulary": np.frombuffer("\n".join(vocabulary).encode("utf-8"), np.uint8)}
    for split, (ranks, lengths, labels) in zip(SPLITS, (ranked.train, ranked.test)):
        arrays[f"{split}_ranks"] = ranks.astype(np.min_scalar_type(ranks.max()))
        arrays[f"{split}_lengths"], arrays[f"{split}_labels"] = lengths, labels
    try:  # atomic: a process reading at the same moment sees the old file or the whole new one
        atomic_write(path, lambda handle: np.savez(handle, **arrays))
    except OSError:  # a read-only data home: the next process tokenizes again
        pass


def _tokenize_sample() -> RankedReviews:
    train, test = load_imdb_texts("train"), load_imdb_texts("test")
    words = [[review_words(text) for text in part.texts] for part in (train, test)]
    vocabulary = review_vocabulary(words[0])  # each review is split into words once
    word_index = {word: rank for rank, word in enumerate(vocabulary, start=1)}
    unseen_rank = len(vocabulary) + 1  # a test-review word never seen in training
    splits = []
    for part, reviews in zip((train, test), words):
        lengths = np.fromiter(map(len, reviews), dtype=np.int64, count=len(reviews))
        all_words = itertools.chain.from_iterable(reviews)
        ranks = np.fromiter(  # map and fromiter loop in C: a third of a list's time
            map(word_index.get, all_words, itertools.repeat(unseen_rank)),
            dtype=np.int64, count=int(lengths.sum()),
        )
        splits.append((_read_only(ranks), _read_only(lengths), part.labels))
    return RankedReviews(splits[0], splits[1], word_index)
