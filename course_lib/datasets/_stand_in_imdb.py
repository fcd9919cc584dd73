"""The contents of the IMDB stand-ins (course_lib.datasets.stand_ins writes them in Keras'
formats): the word index, ranks of real common words first, and reviews whose lengths, word
frequencies and labels are shaped like the real ones. Kept apart from the writing so that what
the reviews are made of can be read, and changed, in one place."""

from __future__ import annotations

import numpy as np

from course_lib.datasets._stand_in_words import (CHAPTER_WORDS, INTENSIFIERS, NEGATIVE_WORDS,
                                                 NEGATORS, POSITIVE_WORDS, unique)

#: The real files' sizes.
IMDB_REVIEWS = 25_000  # per split
IMDB_VOCABULARY = 88_584  # words in Keras' imdb_word_index.json; ranks 1..88,584
IMDB_MEDIAN_LENGTH = 174  # words per raw review (before the start token)
IMDB_MEAN_LENGTH = 234
IMDB_MIN_LENGTH = 10
IMDB_MAX_LENGTH = 2_494

#: The most frequent words of the reviews, in about the real index's order ("br" is the
#: reviews' ``<br />``).
IMDB_HEAD = (
    "the and a of to is br in it i this that was as for with movie but film on not you are his "
    "have he be one all at by an they who so from like her or just about it's out if has some "
    "there what good more when very up no time she even my would which only story really see "
    "their had can were me well than we much been bad get will do also into people other first "
    "great because how him most don't made its then way make them too could any movies after "
    "think characters watch two films character seen many being life plot never acting little "
    "best love over where did show know off ever does better your end still man here these say "
    "scene while why scenes go such something through should back i'm real those watching now "
    "though doesn't years old thing actors work 10 before another didn't new funny nothing "
    "actually makes director look find going few same part again every lot cast us quite down "
    "want world things pretty young seems around got horror however can't fact take big enough "
    "long thought series both between may give original own action i've right without always "
    "times comedy point gets must come role isn't saw almost interesting least family done "
    "there's whole bit music script far making guy anything minutes feel last since might "
    "performance he's 2 probably kind am away yet rather tv worst girl day sure fun hard woman "
    "played anyone found each having although especially our believe course comes looking "
    "screen trying set goes looks place book different put ending money maybe once sense "
    "reason true actor everything wasn't shows dvd three worth year job main someone together "
    "watched play american plays 1 said effects takes instead everyone beautiful john later "
    "audience seem himself ten version wife house special night excellent left high american "
    "boring awful terrible wonderful brilliant superb enjoyable delightful dull poor weak "
    "tedious perfect amazing loved favorite stupid waste horrible worse"
).split()
#: The word index's real words, ranks 1, 2, ...; the rest are ``w<rank>``.
IMDB_WORDS = tuple(unique(IMDB_HEAD + list(CHAPTER_WORDS)))


def word_index() -> dict[str, int]:
    """The stand-in ``imdb_word_index.json``: word -> rank from 1, 88,584 words."""
    index = {word: rank for rank, word in enumerate(IMDB_WORDS, start=1)}
    index.update((f"w{rank}", rank) for rank in range(len(index) + 1, IMDB_VOCABULARY + 1))
    return index


def imdb_split(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw word ranks (flat), review lengths and labels of one split.

    Lengths: log-normal with the real median and mean, clipped to the real extremes. Words:
    ranks drawn from ``1/x`` on ``[1, 88,585)`` (Zipf's law, "the" about 6% of the words).
    Labels: balanced; each review holds about one sentiment phrase per 60 words, of its own
    polarity, some negated ("not" + the opposite polarity) or intensified; 3% of the labels
    are flipped, as many each way.
    """
    index = word_index()
    sigma = np.sqrt(2 * np.log(IMDB_MEAN_LENGTH / IMDB_MEDIAN_LENGTH))
    lengths = np.exp(rng.normal(np.log(IMDB_MEDIAN_LENGTH), sigma, size=count))
    lengths = np.clip(lengths, IMDB_MIN_LENGTH, IMDB_MAX_LENGTH).astype(np.int64)
    lengths[rng.choice(count, 2, replace=False)] = (IMDB_MIN_LENGTH, IMDB_MAX_LENGTH)
    offsets = np.cumsum(lengths) - lengths
    total = int(lengths.sum())
    flat = np.exp(rng.random(total) * np.log(IMDB_VOCABULARY + 1)).astype(np.int64)
    np.clip(flat, 1, IMDB_VOCABULARY, out=flat)

    sentiment = rng.permutation(np.arange(count) % 2)
    phrases = 1 + rng.poisson(lengths / 60)
    review_of = np.repeat(np.arange(count), phrases)
    length = lengths[review_of]
    start = offsets[review_of] + (rng.random(review_of.size) * (length - 2)).astype(np.int64)
    negated = rng.random(review_of.size) < 0.25
    intensified = ~negated & (rng.random(review_of.size) < 0.3)
    polarity = np.where(negated, 1 - sentiment[review_of], sentiment[review_of])
    ranks = {name: np.array([index[w] for w in words]) for name, words in (
        ("positive", POSITIVE_WORDS), ("negative", NEGATIVE_WORDS),
        ("negators", NEGATORS), ("intensifiers", INTENSIFIERS))}
    flat[start + 1] = np.where(polarity == 1, rng.choice(ranks["positive"], review_of.size),
                               rng.choice(ranks["negative"], review_of.size))
    flat[start[negated]] = rng.choice(ranks["negators"], int(negated.sum()))
    flat[start[intensified]] = rng.choice(ranks["intensifiers"], int(intensified.sum()))

    labels = sentiment.copy()
    flips = max(1, round(0.015 * count))
    for value in (0, 1):
        labels[rng.choice(np.flatnonzero(sentiment == value), flips, replace=False)] ^= 1
    return flat, lengths, labels.astype(np.int64)
