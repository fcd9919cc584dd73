"""Reading word vectors: nearest neighbours and 2-D maps."""

from __future__ import annotations

import numpy as np

METRICS = ("l2", "cosine")


def nearest_words(
    vectors: np.ndarray, vocabulary: dict[str, int], query, *, k: int = 5, metric: str = "cosine"
) -> list[str]:
    """The ``k`` words whose rows are closest to ``query`` (a word, or a vector).

    ``vocabulary`` maps words to rows of ``vectors``; a query word itself is left out.
    """
    if metric not in METRICS:
        raise ValueError(f"`metric` must be one of {METRICS}. Received: metric={metric!r}")
    if k <= 0:
        raise ValueError(f"`k` must be positive. Received: k={k}")
    if isinstance(query, str):
        if query not in vocabulary:
            raise ValueError(f"`query` is not in the vocabulary. Received: query={query!r}")
        target, exclude = vectors[vocabulary[query]], {query}
    else:
        target, exclude = np.asarray(query, dtype=np.float64), set()
    words = [w for w in vocabulary if w not in exclude]
    rows = vectors[[vocabulary[w] for w in words]]
    if metric == "l2":
        scores = -np.linalg.norm(rows - target, axis=1)
    else:
        norms = np.linalg.norm(rows, axis=1) * np.linalg.norm(target)
        scores = rows @ target / np.where(norms == 0, 1.0, norms)
    return [words[i] for i in np.argsort(-scores, kind="stable")[:k]]


def principal_components(points: np.ndarray, count: int = 2) -> np.ndarray:
    """Coordinates of ``points`` on their first ``count`` principal components."""
    centered = points - points.mean(axis=0)
    _, _, directions = np.linalg.svd(centered, full_matrices=False)
    return centered @ directions[:count].T
