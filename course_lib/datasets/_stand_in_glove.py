"""The contents of the GloVe stand-in (course_lib.datasets.stand_ins writes the zip in
Stanford's text format): a vocabulary that starts as GloVe 6B does and holds every word a
chapter looks up, and random vectors of GloVe's scale with structure where the chapters look
(the capitals' and royals' shared offsets, the sentiment words' shared direction). Kept apart
from the writing so that what the vectors encode can be read, and changed, in one place."""

from __future__ import annotations

import numpy as np

from course_lib.datasets._stand_in_imdb import IMDB_VOCABULARY, IMDB_WORDS, word_index
from course_lib.datasets._stand_in_seed import GLOVE_STREAM, check_seed, generator
from course_lib.datasets._stand_in_words import (CAPITALS, CHAPTER_WORDS, NEGATIVE_WORDS,
                                                 POSITIVE_WORDS, ROYALS, unique)

GLOVE_DIM = 100
GLOVE_MEMBER = f"glove.6B.{GLOVE_DIM}d.txt"
#: GloVe 6B's first words, in its order (punctuation included).
GLOVE_HEAD = (
    "the , . of to and in a \" 's for - that on is was said with he as it by at ( ) from his '' "
    "`` an be has are have but were not this who they had i which will their : or its one after "
    "new been also we would two more ' first about up when year there all -- out she other "
    "people n't her percent than over into last some government time $ you years if no world "
    "can three do ; president only state million could us most _ against u.s. so them what him"
).split()
#: GloVe's first lines; ``glove_words`` must leave room for them all.
GLOVE_REQUIRED = tuple(unique(GLOVE_HEAD + list(CHAPTER_WORDS)))
MIN_GLOVE_WORDS = len(GLOVE_REQUIRED)
MAX_GLOVE_WORDS = (len(unique(list(GLOVE_REQUIRED) + list(IMDB_WORDS)))
                   + IMDB_VOCABULARY - len(IMDB_WORDS))


def glove_vocabulary(words: int = 2000) -> list[str]:
    """GloVe's first words, every word a chapter looks up, then the reviews' words by rank."""
    check_glove_words(words)
    vocabulary = unique(list(GLOVE_REQUIRED) + list(word_index()))
    return vocabulary[:words]


def check_glove_words(words) -> None:
    if isinstance(words, bool) or not isinstance(words, (int, np.integer)):
        raise ValueError(f"`glove_words` must be an integer. Received: glove_words={words!r}")
    if words < MIN_GLOVE_WORDS:
        raise ValueError(f"`glove_words` must be at least {MIN_GLOVE_WORDS} (the words the "
                         f"chapters look up). Received: glove_words={words!r}")
    if words > MAX_GLOVE_WORDS:
        raise ValueError(f"`glove_words` must be at most {MAX_GLOVE_WORDS}. "
                         f"Received: glove_words={words!r}")


def glove_vectors(seed: int = 0, words: int = 2000) -> tuple[list[str], np.ndarray]:
    """``(words, float32 vectors of shape (words, 100))`` of the stand-in GloVe file.

    Random vectors of GloVe's scale, with structure where the chapters look: each capital is
    its country plus one shared offset (and a little noise), so are king and queen of man and
    woman; countries share a direction; the reviews' sentiment words share an "evaluative"
    direction and point along (positive) or against (negative) a sentiment direction.
    """
    check_seed(seed)
    vocabulary = glove_vocabulary(words)
    row = {word: i for i, word in enumerate(vocabulary)}
    rng = generator(seed, GLOVE_STREAM)
    vectors = rng.normal(0, 0.4, size=(len(vocabulary), GLOVE_DIM))
    axes = rng.normal(0, 1, size=(5, GLOVE_DIM))
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    sentiment, evaluative, country, capital, royal = axes
    for word in POSITIVE_WORDS:
        vectors[row[word]] += 2.0 * sentiment + 3.0 * evaluative
    for word in NEGATIVE_WORDS:
        vectors[row[word]] += -2.0 * sentiment + 3.0 * evaluative
    for first, second in CAPITALS:
        vectors[row[first]] += 2.0 * country
        vectors[row[second]] = vectors[row[first]] + 3.0 * capital + rng.normal(0, 0.12, GLOVE_DIM)
    for first, second in ROYALS:
        vectors[row[second]] = vectors[row[first]] + 3.0 * royal + rng.normal(0, 0.12, GLOVE_DIM)
    return vocabulary, vectors.astype(np.float32)
