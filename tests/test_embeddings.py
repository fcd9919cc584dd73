"""Reading word vectors: neighbours that leave out an analogy's words, and the pairs picture."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib.embeddings import nearest_words, plot_word_pairs

VOCAB = {"france": 0, "paris": 1, "italy": 2, "rome": 3, "milan": 4}
VECTORS = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 1.0],
                    [0.1, 0.9, 1.1]])


def test_analogy_excludes_its_three_words():
    query = VECTORS[1] - VECTORS[0] + VECTORS[2]  # paris - france + italy = rome exactly
    assert nearest_words(VECTORS, VOCAB, query, k=2) == ["rome", "milan"]
    assert nearest_words(VECTORS, VOCAB, query, k=5, exclude=["paris", "france", "italy"]) == [
        "rome", "milan"]  # fewer than k when the rest are excluded
    assert nearest_words(VECTORS, VOCAB, query, k=1, exclude="rome") == ["milan"]
    assert nearest_words(VECTORS, VOCAB, "rome", k=1, exclude=["milan"]) == ["italy"]


def test_word_pairs_are_drawn_as_arrows_from_first_to_second():
    pairs = [("france", "paris"), ("italy", "rome")]
    points = np.array([[0.0, 0.0], [0.0, 1.0], [2.0, 0.0], [2.0, 1.0]])
    fig = plot_word_pairs(points, pairs, title="pairs")
    assert not plt.fignum_exists(fig.number)  # closed: shown once, as the cell's value
    (ax,) = fig.axes
    arrows = [text for text in ax.texts if text.arrow_patch is not None]
    assert [(a.xyann, a.xy) for a in arrows] == [((0.0, 0.0), (0.0, 1.0)), ((2.0, 0.0), (2.0, 1.0))]
    labels = [text.get_text() for text in ax.texts if text.arrow_patch is None]
    assert labels == ["france", "paris", "italy", "rome"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["country", "capital"]
    assert ax.get_title() == "pairs"


@pytest.mark.parametrize("points", [np.zeros((3, 2)), np.zeros((4, 3))])
def test_word_pairs_need_two_points_per_pair(points):
    with pytest.raises(ValueError, match=r"`points` must have shape \(2 \* len\(pairs\), 2\)"):
        plot_word_pairs(points, [("a", "b"), ("c", "d")], title="t")
