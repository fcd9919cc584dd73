"""The stand-ins' seed (course_lib.datasets.stand_ins). One non-negative integer makes every
stand-in, and each dataset draws from a stream of its own (``np.random.default_rng([seed,
stream])``), so that a file's bytes depend on the seed alone, not on which other stand-ins were
written or in what order. The check is shared because the writers and the generators of the
contents, which tests call directly, refuse a bad seed in the same words."""

from __future__ import annotations

import numpy as np

#: One stream a dataset: IMDB's reviews, the Jena record, the GloVe vectors.
IMDB_STREAM, JENA_STREAM, GLOVE_STREAM = 1, 2, 3


def check_seed(seed) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer. Received: seed={seed!r}")


def generator(seed: int, stream: int) -> np.random.Generator:
    """The random numbers of one dataset's ``stream`` of ``seed``."""
    return np.random.default_rng([seed, stream])
