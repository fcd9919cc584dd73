"""A synthetic movie-review corpus in the IMDB format, generated from a seed in about a second.

It is *synthetic*: the words are real English, the reviews are not. It exists so that the
lecture's two lessons about text show offline, on a laptop, in seconds:

* **Order matters.** A review's sentiment is carried by short phrases such as "really good"
  or "not good". Negators also occur as harmless filler, so a model that only counts words
  cannot tell "not good" from "good ... not"; a model that reads in order can.
* **Memory matters.** In a share of the reviews (``long_range_fraction``) all sentiment phrases
  sit 60 to 100 words before the end of a long review, followed only by neutral words. Read
  left to right, the evidence is far from the end: a SimpleRNN forgets it, LSTM and GRU keep
  it. The evidence stays inside the last 100 words, so cutting reviews to their last 100
  words (``pad_sequences(maxlen=100)``) keeps it.

A few percent of the labels are flipped (``label_noise``), as real reviews are noisy too.
Word ranks follow the IMDB convention: index 1 is the most frequent word of the training set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib._checks import check_positive_int

#: A small sentiment vocabulary, so that each word is seen often enough to be learned in the
#: few epochs a laptop affords.
POSITIVE = "good great excellent wonderful brilliant superb enjoyable delightful".split()
NEGATIVE = "bad awful terrible boring dull poor weak tedious".split()
NEGATORS = "not never hardly".split()
INTENSIFIERS = "very really truly extremely quite so".split()
NEUTRAL = (
    "the a and of to is in it this that was as with for his her on film movie story plot "
    "scene scenes actor actors actress cast director character characters script dialogue "
    "camera music score ending beginning end time life man woman one two first last new old "
    "people world family friend friends house city night day year years way part role roles "
    "series episode book version original sequel audience viewer viewers screen picture shot "
    "shots light lines line minutes hour hours moment moments theme setting world war love "
    "he she they we you i me my him them their there here what when where who which while "
    "after before during about from into over under between through again then also just "
    "even still only some many most more much other another such each every both few all "
    "be been being have has had do does did can could would should will may might must "
    "see saw seen watch watched watching make made making get got go went come came take "
    "took look looked seem seemed play played tell told know knew think thought feel felt "
    "show shows shown turn turned start started give gave find found leave left try tried "
    "by at an or but if so than too up out down off around back away home school town road "
    "car train ship island forest sea river mountain room door window table letter phone "
    "money job work police doctor soldier king queen child children son daughter father "
    "mother brother sister husband wife girl boy team game match plan secret truth past future"
).split()
#: Share of filler positions that hold a harmless negator ("I had not seen the original").
NEGATOR_FILLER_RATE = 0.02
#: Share of sentiment phrases that are negated ("not good").
NEGATION_RATE = 0.3
#: Sentiment phrases per review, drawn uniformly between these bounds.
MIN_PHRASES = 3
MAX_PHRASES = 6
#: Typical review length in words (log-normal around it, clipped to the length bounds).
MEDIAN_LENGTH = 60
#: Long-range reviews hold their evidence between this many words before the end...
LONG_RANGE_FAR = 100
#: ...and this many.
LONG_RANGE_NEAR = 60


@dataclass(frozen=True)
class SyntheticReviews:
    """Raw corpus in flat form: all word ranks (IMDB-style, from 1) end to end, plus lengths.

    Flat arrays keep generation and encoding vectorised; :func:`split_rows` gives the
    list-of-reviews view that ``imdb.npz`` stores.
    """

    train_tokens: np.ndarray
    train_lengths: np.ndarray
    y_train: np.ndarray
    test_tokens: np.ndarray
    test_lengths: np.ndarray
    y_test: np.ndarray
    word_index: dict[str, int]
    long_range_train: np.ndarray  # bool: evidence only in the first sixth of the review
    long_range_test: np.ndarray


def split_rows(flat: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """An object array of int lists, one per row: the structure Keras' IMDB loader returns."""
    bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    words = flat.tolist()
    rows = np.empty(len(lengths), dtype=object)
    rows[:] = [words[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    return rows


def _vocabulary() -> tuple[list[str], dict[str, int]]:
    words = list(dict.fromkeys(NEUTRAL + NEGATORS + INTENSIFIERS + POSITIVE + NEGATIVE))
    return words, {word: i for i, word in enumerate(words)}


_TABLE_SIZE = 1 << 16


def _zipf_table(ids: np.ndarray) -> np.ndarray:
    """A lookup table whose uniform sampling follows a Zipf law over ``ids``.

    Indexing it with uniform integers is several times faster than ``rng.choice(p=...)`` on
    millions of tokens, and its 1/65,536 resolution is far finer than the corpus needs.
    """
    weights = 1.0 / np.arange(1, len(ids) + 1) ** 0.9
    quantiles = (np.arange(_TABLE_SIZE) + 0.5) / _TABLE_SIZE
    return ids[np.searchsorted(np.cumsum(weights) / weights.sum(), quantiles)]


def _generate_split(
    rng: np.random.Generator,
    count: int,
    *,
    min_length: int,
    max_length: int,
    long_range_fraction: float,
    label_noise: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flat token ids (internal vocabulary), review lengths, labels and long-range flags."""
    words, ids = _vocabulary()
    neutral_ids = np.array([ids[w] for w in NEUTRAL])
    negator_ids = np.array([ids[w] for w in NEGATORS])
    intensifier_ids = np.array([ids[w] for w in INTENSIFIERS])
    polar_ids = {1: np.array([ids[w] for w in POSITIVE]), 0: np.array([ids[w] for w in NEGATIVE])}

    labels = rng.integers(0, 2, size=count)
    long_range = rng.random(count) < long_range_fraction
    log_lengths = rng.normal(np.log(MEDIAN_LENGTH), 0.6, size=count)
    lengths = np.clip(np.exp(log_lengths), min_length, max_length).astype(np.int64)
    lengths[long_range] = rng.integers(LONG_RANGE_FAR, max_length + 1, size=int(long_range.sum()))
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])

    # Filler: a Zipf law over neutral words, with negators sprinkled in as harmless words.
    tokens = _zipf_table(neutral_ids)[rng.integers(0, _TABLE_SIZE, size=int(lengths.sum()))]
    is_negator_filler = rng.random(tokens.size) < NEGATOR_FILLER_RATE
    tokens[is_negator_filler] = rng.choice(negator_ids, size=int(is_negator_filler.sum()))

    # Sentiment phrases: 3-6 per review, each "[negator] [intensifier] word", three slots wide,
    # one per equal segment of the region that holds the evidence.
    phrases = rng.integers(MIN_PHRASES, MAX_PHRASES + 1, size=count)
    review_of = np.repeat(np.arange(count), phrases)
    slot = np.arange(review_of.size) - np.repeat(np.cumsum(phrases) - phrases, phrases)
    length = lengths[review_of]
    far = long_range[review_of]
    region_start = np.where(far, length - LONG_RANGE_FAR, 0)
    region = np.where(far, LONG_RANGE_FAR - LONG_RANGE_NEAR, length)
    segment = region // phrases[review_of]
    jitter = (rng.random(review_of.size) * np.maximum(segment - 3, 1)).astype(int)
    base = offsets[review_of] + region_start + slot * segment + jitter

    negated = rng.random(review_of.size) < NEGATION_RATE
    intensified = rng.random(review_of.size) < 0.35
    word_polarity = np.where(negated, 1 - labels[review_of], labels[review_of])
    sentiment = np.where(
        word_polarity == 1,
        rng.choice(polar_ids[1], size=review_of.size),
        rng.choice(polar_ids[0], size=review_of.size),
    )
    tokens[base + 2] = sentiment
    tokens[(base + 1)[intensified]] = rng.choice(intensifier_ids, size=int(intensified.sum()))
    negator_slot = np.where(intensified, base, base + 1)
    tokens[negator_slot[negated]] = rng.choice(negator_ids, size=int(negated.sum()))
    # A filler negator right before a phrase would flip its meaning: make it neutral.
    before = np.where(negated, negator_slot - 1, base + 1 - intensified.astype(int))
    before = before[before >= offsets[review_of]]
    tokens[before[np.isin(tokens[before], negator_ids)]] = ids["the"]

    flipped = rng.random(count) < label_noise
    labels = np.where(flipped, 1 - labels, labels)
    return tokens, lengths, labels.astype(np.int64), long_range


def generate_reviews(
    *,
    num_train: int = 25_000,
    num_test: int = 25_000,
    seed: int = 2013,
    min_length: int = 20,
    max_length: int = 400,
    long_range_fraction: float = 0.3,
    label_noise: float = 0.03,
) -> SyntheticReviews:
    """Generate the corpus deterministically from ``seed``; see the module docstring."""
    check_positive_int(num_train=num_train, num_test=num_test)
    if not 3 <= min_length <= max_length:
        raise ValueError(
            "`min_length` must be at least 3 and at most `max_length`. Received: "
            f"min_length={min_length}, max_length={max_length}"
        )
    if max_length < LONG_RANGE_FAR:
        raise ValueError(
            f"`max_length` must be at least {LONG_RANGE_FAR} (long-range reviews need the room). "
            f"Received: max_length={max_length}"
        )
    for name, value in (("long_range_fraction", long_range_fraction), ("label_noise", label_noise)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"`{name}` must be between 0 and 1. Received: {name}={value!r}")

    rng = np.random.default_rng(seed)
    kwargs = dict(min_length=min_length, max_length=max_length,
                  long_range_fraction=long_range_fraction, label_noise=label_noise)
    train_tokens, train_lengths, y_train, long_train = _generate_split(rng, num_train, **kwargs)
    test_tokens, test_lengths, y_test, long_test = _generate_split(rng, num_test, **kwargs)

    # Rank words by training-set frequency, like the IMDB word index (1 = most frequent).
    words, _ = _vocabulary()
    counts = np.bincount(train_tokens, minlength=len(words))
    order = np.argsort(-counts, kind="stable")
    rank_of = np.empty(len(words), dtype=np.int64)
    rank_of[order] = np.arange(1, len(words) + 1)
    word_index = {words[i]: int(rank_of[i]) for i in order}

    return SyntheticReviews(
        train_tokens=rank_of[train_tokens], train_lengths=train_lengths, y_train=y_train,
        test_tokens=rank_of[test_tokens], test_lengths=test_lengths, y_test=y_test,
        word_index=word_index, long_range_train=long_train, long_range_test=long_test,
    )


def evidence_distance(sequences, word_index: dict[str, int], *, index_from: int = 3) -> np.ndarray:
    """For each encoded review: how many words follow its last sentiment word.

    The distance an RNN reading left to right must carry the evidence. Works on padded
    arrays (pre-padding adds nothing after the words) and on lists.
    """
    polar = np.array([word_index[w] + index_from for w in POSITIVE + NEGATIVE if w in word_index])
    distances = np.empty(len(sequences), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        sequence = np.asarray(sequence)
        hits = np.flatnonzero(np.isin(sequence, polar))
        distances[row] = len(sequence) - 1 - hits[-1] if len(hits) else len(sequence)
    return distances
