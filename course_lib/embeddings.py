"""Reading word vectors: nearest neighbours, 2-D maps, and relations drawn as arrows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

METRICS = ("l2", "cosine")


def nearest_words(
    vectors: np.ndarray, vocabulary: dict[str, int], query, *, k: int = 5,
    metric: str = "cosine", exclude: Iterable[str] = (),
) -> list[str]:
    """The ``k`` words whose rows are closest to ``query`` (a word, or a vector).

    ``vocabulary`` maps words to rows of ``vectors``; a query word itself is left out, and so
    is every word of ``exclude`` (an analogy leaves out its three words:
    ``nearest_words(v, vocab, v[paris] - v[france] + v[italy], exclude=["paris", ...])``).
    Ties keep the vocabulary's order.
    """
    if metric not in METRICS:
        raise ValueError(f"`metric` must be one of {METRICS}. Received: metric={metric!r}")
    if k <= 0:
        raise ValueError(f"`k` must be positive. Received: k={k}")
    exclude = set([exclude] if isinstance(exclude, str) else exclude)
    if isinstance(query, str):
        if query not in vocabulary:
            raise ValueError(f"`query` is not in the vocabulary. Received: query={query!r}")
        target = vectors[vocabulary[query]]
        exclude.add(query)
    else:
        target = np.asarray(query, dtype=np.float64)
    words = list(vocabulary)
    rows = vectors[np.fromiter(vocabulary.values(), dtype=np.int64, count=len(words))]
    if metric == "l2":
        scores = -np.linalg.norm(rows - target, axis=1)
    else:
        norms = np.linalg.norm(rows, axis=1) * np.linalg.norm(target)
        scores = rows @ target / np.where(norms == 0, 1.0, norms)
    scores = np.asarray(scores, dtype=np.float64)
    scores[[i for i, word in enumerate(words) if word in exclude]] = -np.inf
    order = np.argsort(-scores, kind="stable")[:k]
    return [words[i] for i in order if np.isfinite(scores[i])]


def principal_components(points: np.ndarray, count: int = 2) -> np.ndarray:
    """Coordinates of ``points`` on their first ``count`` principal components."""
    centered = points - points.mean(axis=0)
    _, _, directions = np.linalg.svd(centered, full_matrices=False)
    return centered @ directions[:count].T


def plot_word_pairs(
    points: np.ndarray, pairs: Sequence[tuple[str, str]], *, title: str,
    labels: tuple[str, str] = ("country", "capital"),
):
    """Pairs of words as arrows in a plane, from the first word of each pair to the second.

    ``points`` has shape ``(2 * len(pairs), 2)``: the first pair's two words, then the
    second's, and so on (e.g. :func:`principal_components` of their vectors). A relation that
    the vectors encode as a direction shows as arrows pointing the same way.
    Returns the closed figure, like :mod:`course_lib.plots`.
    """
    from course_lib.plots import figure, finish

    points = np.asarray(points, dtype=np.float64)
    if not pairs or points.shape != (2 * len(pairs), 2):
        raise ValueError(
            "`points` must have shape (2 * len(pairs), 2), one row per word of each pair. "
            f"Received: points of shape {points.shape} for {len(pairs)} pairs")
    fig, (ax,) = figure(height=4.2)
    starts, ends = points[0::2], points[1::2]
    ax.scatter(*starts.T, color="C0", s=18, label=labels[0], zorder=3)
    ax.scatter(*ends.T, color="C1", s=18, label=labels[1], zorder=3)
    for (first, second), start, end in zip(pairs, starts, ends):
        ax.annotate("", xy=end, xytext=start,
                    arrowprops=dict(arrowstyle="->", color="0.45", lw=1, shrinkA=3, shrinkB=3))
        ax.annotate(first, start, fontsize=8, xytext=(3, 2), textcoords="offset points")
        ax.annotate(second, end, fontsize=8, xytext=(3, 2), textcoords="offset points")
    ax.set_xlabel("first principal component")
    ax.set_ylabel("second principal component")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")
    return finish(fig)
