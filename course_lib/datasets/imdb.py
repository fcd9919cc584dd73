"""IMDB reviews in exactly the structure and index conventions of ``keras.datasets.imdb``.

Two sources of the same real reviews share one encoder, so a chapter's code is the same for
both: ``"imdb_sample"`` is the sample of the Large Movie Review Dataset that ships with the
course (:mod:`course_lib.datasets.imdb_sample`, offline), ``"keras"`` is the whole dataset as
Keras' ``imdb.npz``, downloaded once and checksum-verified *before* it is unpickled.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Sequence

import numpy as np

from course_lib._checks import check_positive_int

from course_lib.datasets._home import RemoteFile, fetch
from course_lib.datasets.imdb_sample import sample_ranks

_KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
IMDB_NPZ = RemoteFile(
    "imdb.npz", _KERAS_ORIGIN + "imdb.npz",
    checksum="69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
)
IMDB_WORD_INDEX = RemoteFile(
    "imdb_word_index.json", _KERAS_ORIGIN + "imdb_word_index.json",
    checksum="bfafd718b763782e994055a2d397834f", algorithm="md5",
)
#: "imdb_sample": the shipped sample (offline); "keras": Keras' imdb.npz (downloaded once).
SOURCES = ("imdb_sample", "keras")
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise ValueError(f"`source` must be one of {SOURCES}. Received: source={source!r}")


def _load_raw_npz(data_home, download_if_missing) -> tuple[np.ndarray, ...]:
    path = fetch(IMDB_NPZ, data_home=data_home, download_if_missing=download_if_missing)
    # fetch() has verified the sha256, so unpickling the ragged arrays is safe now.
    with np.load(path, allow_pickle=True) as archive:
        missing = [key for key in _NPZ_KEYS if key not in archive.files]
        if missing:
            raise ValueError(f"{path} lacks the arrays {missing}. Received: {archive.files}")
        return tuple(archive[key] for key in _NPZ_KEYS)


def split_rows(flat: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """An object array of int lists, one per row: the structure Keras' IMDB loader returns."""
    bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    words = flat.tolist()
    rows = np.empty(len(lengths), dtype=object)
    rows[:] = [words[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    return rows


def flatten_rows(rows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Ragged rows to (all values end to end, row lengths)."""
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=int(lengths.sum()))
    return flat, lengths


def _take_rows(flat: np.ndarray, lengths: np.ndarray, order: np.ndarray) -> np.ndarray:
    """The flat values of rows ``order``, in that order, without a Python loop."""
    starts = np.cumsum(lengths) - lengths
    new_lengths = lengths[order]
    new_starts = np.cumsum(new_lengths) - new_lengths
    shift = np.repeat(starts[order] - new_starts, new_lengths)
    return flat[np.arange(int(new_lengths.sum())) + shift]


def encode_like_keras(
    train: tuple[np.ndarray, np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray, np.ndarray], *,
    num_words: int | None = None, skip_top: int = 0, maxlen: int | None = None,
    seed: int = 113, start_char: int | None = 1, oov_char: int | None = 2, index_from: int = 3,
):
    """Shuffle, offset, filter and cut raw word ranks the way ``keras.datasets.imdb`` does.

    ``train`` and ``test`` are ``(flat ranks, row lengths, labels)``: raw ranks from 1 (most
    frequent). The result is ``(x_train, y_train), (x_test, y_test)`` with object arrays of
    int lists, equal to what ``keras.datasets.imdb.load_data`` returns for the same raw data.
    """
    rng = np.random.RandomState(seed)
    splits = []
    for flat, lengths, labels in (train, test):
        order = np.arange(len(lengths))
        rng.shuffle(order)
        flat = _take_rows(flat, lengths, order) + index_from
        lengths, labels = lengths[order], np.asarray(labels)[order]
        if start_char is not None:
            flat = np.insert(flat, np.cumsum(lengths) - lengths, start_char)
            lengths = lengths + 1
        if maxlen:
            keep = lengths < maxlen
            flat, lengths, labels = flat[np.repeat(keep, lengths)], lengths[keep], labels[keep]
        splits.append([flat, lengths, labels])
    if maxlen and (len(splits[0][1]) == 0 or len(splits[1][1]) == 0):
        raise ValueError(
            f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was "
            "kept. Increase `maxlen`."
        )
    if not num_words:
        num_words = int(max(split[0].max(initial=0) for split in splits))
    result = []
    for flat, lengths, labels in splits:
        inside = (flat >= skip_top) & (flat < num_words)
        if oov_char is not None:
            flat = np.where(inside, flat, oov_char)
        else:
            row_of = np.repeat(np.arange(len(lengths)), lengths)
            lengths = np.bincount(row_of[inside], minlength=len(lengths))
            flat = flat[inside]
        result.append((split_rows(flat, lengths), labels))
    return tuple(result)


def load_imdb(
    num_words: int | None = None,
    maxlen: int | None = None,
    *,
    source: str = "imdb_sample",
    seed: int = 113,
    skip_top: int = 0,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
):
    """Reviews as ``(x_train, y_train), (x_test, y_test)``, like ``keras.datasets.imdb.load_data``.

    ``source="imdb_sample"`` (default, offline): the shipped sample of the Large Movie Review
    Dataset, 12,500 training and 10,000 test reviews, ranked by word frequency in its
    training part. ``source="keras"``: all 25,000 + 25,000 reviews as Keras ships them
    (downloaded once into the data home).
    ``num_words`` keeps the most frequent words (others become ``oov_char``); ``maxlen`` drops
    reviews of ``maxlen`` words or more, as Keras does (use ``keras.utils.pad_sequences`` to cut).
    """
    _check_source(source)
    if num_words is not None and (not isinstance(num_words, (int, np.integer)) or num_words <= index_from):
        raise ValueError(
            f"`num_words` must be an integer above index_from={index_from} or None. "
            f"Received: num_words={num_words!r}"
        )
    if maxlen is not None and (not isinstance(maxlen, (int, np.integer)) or maxlen <= 1):
        raise ValueError(f"`maxlen` must be an integer above 1 or None. Received: maxlen={maxlen!r}")
    if source == "imdb_sample":
        ranked = sample_ranks()
        train, test = ranked.train, ranked.test
        # Words the training part never saw share the rank past the vocabulary: keep them out
        # of vocabulary whatever ``num_words`` asks for.
        cap = ranked.unseen_rank + index_from
        num_words = min(num_words, cap) if num_words else cap
    else:
        x_train, y_train, x_test, y_test = _load_raw_npz(data_home, download_if_missing)
        train = (*flatten_rows(x_train), y_train)
        test = (*flatten_rows(x_test), y_test)
    return encode_like_keras(
        train, test, num_words=num_words, skip_top=skip_top, maxlen=maxlen, seed=seed,
        start_char=start_char, oov_char=oov_char, index_from=index_from,
    )


def load_imdb_word_index(
    *, source: str = "imdb_sample", data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
) -> dict[str, int]:
    """Word -> rank (1 = most frequent), like ``keras.datasets.imdb.get_word_index``."""
    _check_source(source)
    if source == "imdb_sample":
        return dict(sample_ranks().word_index)
    path = fetch(IMDB_WORD_INDEX, data_home=data_home, download_if_missing=download_if_missing)
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def decode_review(
    sequence: Sequence[int], word_index: dict[str, int], *, index_from: int = 3,
    start_char: int = 1, oov_char: int = 2,
) -> str:
    """Turn an encoded review back into words; padding (0) is skipped."""
    words = {rank + index_from: word for word, rank in word_index.items()}
    words[start_char], words[oov_char] = "[START]", "[OOV]"
    return " ".join(words.get(int(i), "[?]") for i in sequence if int(i) != 0)


def load_padded_imdb(
    *, num_words: int = 10_000, maxlen: int = 500, train_samples: int | None = None,
    source: str = "imdb_sample", reverse: bool = False, **kwargs,
):
    """The text chapters' data in one call: reviews padded or cut to ``maxlen`` words.

    ``train_samples`` keeps the first training reviews only (the quick profile's smaller
    sample); the test set is always whole. Padding and cutting are Keras' defaults (at the
    start), so the end of every review survives. ``reverse`` reverses each review's words
    *before* padding, as the lecture does: reversing padded rows (or ``go_backwards``) would
    make a recurrent layer read the real words first and then tens of padding zeros, which
    wash out its state.
    """
    import keras

    check_positive_int(maxlen=maxlen)
    if train_samples is not None and (not isinstance(train_samples, (int, np.integer)) or train_samples <= 0):
        raise ValueError(
            f"`train_samples` must be a positive integer or None. Received: train_samples={train_samples!r}"
        )
    (x_train, y_train), (x_test, y_test) = load_imdb(num_words=num_words, source=source, **kwargs)
    x_train, y_train = x_train[:train_samples], y_train[:train_samples]
    if reverse:
        x_train, x_test = ([list(review)[::-1] for review in x] for x in (x_train, x_test))
    return (
        (keras.utils.pad_sequences(x_train, maxlen=maxlen), y_train),
        (keras.utils.pad_sequences(x_test, maxlen=maxlen), y_test),
    )
