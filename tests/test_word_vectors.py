import zipfile

import numpy as np
import pytest

from course_lib.datasets import word_vectors
from course_lib.datasets.word_vectors import (
    WordVectors, embedding_matrix, extract_member, learn_word_vectors, load_glove, read_glove,
    write_glove,
)

GLOVE_LINES = "the 0.1 0.2 0.3\nmovie -0.5 0.25 1.0\ngood 1.5 -2 0.001\n"


def test_read_glove_parses_the_text_format(tmp_path):
    path = tmp_path / "glove.6B.3d.txt"
    path.write_text(GLOVE_LINES)
    vectors = read_glove(path)
    assert vectors.words == ("the", "movie", "good")
    assert vectors.vectors.dtype == np.float32 and vectors.vectors.shape == (3, 3)
    np.testing.assert_allclose(vectors.vectors[2], [1.5, -2.0, 0.001])
    assert read_glove(path, max_words=2).words == ("the", "movie")


def test_write_then_read_round_trips(tmp_path):
    original = WordVectors(("a", "b"), np.array([[0.5, -1.25], [2.0, 0.0]], dtype=np.float32))
    back = read_glove(write_glove(original, tmp_path / "v.txt"))
    assert back.words == original.words
    np.testing.assert_allclose(back.vectors, original.vectors)


@pytest.mark.parametrize("text, message", [
    ("", "is empty"),
    ("the 0.1 0.2\nmovie 0.3\n", r"mixes vector lengths \[1, 2\]"),
    ("the 0.1 abc\n", "holds a value that is not a number"),
    ("the\n", "line 1 has a word but no numbers"),
])
def test_malformed_files_are_named(tmp_path, text, message):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_glove(path)


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(OSError, match="`path` must be an existing GloVe text file"):
        read_glove(tmp_path / "nope.txt")


def test_real_glove_is_extracted_from_the_archive_once(data_home):
    with zipfile.ZipFile(data_home / "glove.6B.zip", "w") as bundle:
        bundle.writestr("glove.6B.50d.txt", GLOVE_LINES.replace(" 0.3", " 0.3"))
        bundle.writestr("glove.6B.100d.txt", GLOVE_LINES)
    vectors = load_glove(100, source="glove")
    assert vectors.words == ("the", "movie", "good")
    assert (data_home / "glove.6B.100d.txt").is_file()
    assert not (data_home / "glove.6B.50d.txt").exists()


def test_extraction_never_writes_outside_the_target(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("../../escaped.txt", "x 1\n")
    with pytest.raises(ValueError, match="does not contain glove.6B.100d.txt"):
        extract_member(archive, "glove.6B.100d.txt", tmp_path / "glove.6B.100d.txt")
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_truncated_glove_archive_is_an_os_error(data_home):
    (data_home / "glove.6B.zip").write_bytes(b"PK\x03\x04truncated")
    with pytest.raises(OSError, match="glove.6B.zip is not a readable zip archive"):
        load_glove(100, source="glove")


def test_offline_vectors_are_learned_then_read_through_the_glove_loader(data_home):
    vectors = load_glove(50, source="sample")
    assert (data_home / "course_lib" / "synthetic_reviews.w30.50d.txt").is_file()
    assert vectors.dim == 50 and "good" in vectors.index
    unit = vectors.vectors / np.linalg.norm(vectors.vectors, axis=1, keepdims=True)
    similarity = unit @ unit[vectors.index["very"]]
    nearest = [vectors.words[i] for i in np.argsort(-similarity)[1:6]]
    assert "really" in nearest or "extremely" in nearest  # intensifiers share contexts


def test_learned_vectors_reflect_co_occurrence():
    # in one document, words 0 and 1 always sit next to 2; in another, word 3 next to 4
    flat = np.array([0, 2, 1, 2] * 20 + [3, 4] * 20)
    vectors = learn_word_vectors(flat, np.array([80, 40]), ["a", "b", "c", "d", "e"], dim=3, window=1)
    sims = vectors.vectors @ vectors.vectors.T
    assert sims[0, 1] > sims[0, 3]


def test_embedding_matrix_uses_keras_imdb_offsets():
    vectors = WordVectors(("good", "bad"), np.array([[1, 2], [3, 4]], dtype=np.float32))
    matrix = embedding_matrix(vectors, {"good": 1, "bad": 2, "unknown": 3, "rare": 50}, 10)
    assert matrix.shape == (10, 2)
    np.testing.assert_array_equal(matrix[4], [1, 2])  # rank 1 + index_from 3
    np.testing.assert_array_equal(matrix[5], [3, 4])
    assert not matrix[[0, 1, 2, 3, 6]].any()


@pytest.mark.parametrize("call, message", [
    (lambda: load_glove(64, source="glove"), r"`dim` must be one of \(50, 100, 200, 300\)"),
    (lambda: load_glove(source="word2vec"), r"Received: source='word2vec'"),
    (lambda: learn_word_vectors(np.array([0, 1]), np.array([2]), ["a", "b"], dim=5),
     r"`dim` must be between 1 and the vocabulary size 2. Received: dim=5"),
    (lambda: embedding_matrix(WordVectors(("a",), np.ones((1, 2))), {}, 2),
     r"`num_words` must exceed index_from=3. Received: num_words=2"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
