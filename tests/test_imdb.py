
import keras
import numpy as np
import pytest

from course_lib.datasets import _home, imdb
from course_lib.datasets.imdb import decode_review, load_imdb, load_imdb_word_index
from course_lib.datasets.imdb_sample import load_imdb_texts
from tests.conftest import write_imdb_npz, write_word_index


@pytest.fixture
def real_format_files(data_home, monkeypatch):
    """imdb.npz + word index in Keras' formats, with the checksums of these very files."""
    arrays, npz = write_imdb_npz(data_home / "imdb.npz")
    index = write_word_index(data_home / "imdb_word_index.json")
    monkeypatch.setattr(imdb, "IMDB_NPZ", _home.RemoteFile(
        "imdb.npz", "http://127.0.0.1:9/imdb.npz", _home.file_digest(npz)))
    monkeypatch.setattr(imdb, "IMDB_WORD_INDEX", _home.RemoteFile(
        "imdb_word_index.json", "http://127.0.0.1:9/x.json",
        _home.file_digest(data_home / "imdb_word_index.json", "md5"), "md5"))
    return arrays, index, npz


def _keras_load(npz, monkeypatch, **kwargs):
    """keras.datasets.imdb.load_data itself, pointed at our file instead of the download."""
    from keras.src.datasets import imdb as keras_imdb
    monkeypatch.setattr(keras_imdb, "get_file", lambda **_: str(npz))
    return keras.datasets.imdb.load_data(**kwargs)


@pytest.mark.parametrize("kwargs", [
    {}, dict(num_words=12), dict(maxlen=15), dict(num_words=20, maxlen=12, seed=7),
    dict(skip_top=5, num_words=25), dict(oov_char=None, num_words=15), dict(start_char=None),
    dict(index_from=0, start_char=None), dict(index_from=5),
])
def test_real_source_equals_keras_loader(real_format_files, monkeypatch, kwargs):
    _, _, npz = real_format_files
    ours = load_imdb(source="keras", **kwargs)
    theirs = _keras_load(npz, monkeypatch, **kwargs)
    for (x, y), (kx, ky) in zip(ours, theirs):
        assert x.dtype == object and isinstance(x[0], list)
        assert [list(map(int, row)) for row in x] == [list(map(int, row)) for row in kx]
        np.testing.assert_array_equal(y, ky)


def test_real_word_index_is_read(real_format_files):
    _, index, _ = real_format_files
    assert load_imdb_word_index(source="keras") == index


def test_wrong_checksum_is_refused_before_unpickling(real_format_files, data_home):
    (data_home / "imdb.npz").write_bytes(b"not an npz at all")
    with pytest.raises(OSError, match=r"imdb.npz is not the expected imdb.npz: its sha256 is \w+, "
                                      r"expected \w+\. .* moved aside to .*imdb.npz.corrupt-.*"
                                      r"cannot be reached"):
        load_imdb(source="keras")  # the bad file is moved aside; the re-download fails offline
    assert not (data_home / "imdb.npz").exists()
    [aside] = data_home.glob("imdb.npz.corrupt-*")  # the user's file is kept
    assert aside.read_bytes() == b"not an npz at all"


def test_wrong_checksum_without_download_names_the_file(real_format_files, data_home):
    (data_home / "imdb.npz").write_bytes(b"corrupted")
    with pytest.raises(OSError, match=r"imdb.npz is not the expected imdb.npz: its sha256"):
        _home.fetch(imdb.IMDB_NPZ, download_if_missing=False)


def test_sample_has_the_keras_structure_and_conventions():
    (x_train, y_train), (x_test, y_test) = load_imdb(num_words=10_000)
    assert len(x_train) == 12_500 and len(x_test) == 10_000
    assert x_train.dtype == object and isinstance(x_train[0], list)
    assert all(row[0] == 1 for row in x_train[:100])  # start_char
    assert min(min(row[1:]) for row in x_train) >= 2  # index_from, or out of vocabulary (2)
    assert max(max(row) for row in x_train) == 9_999
    assert np.bincount(y_train).tolist() == [6_250, 6_250]
    assert np.bincount(y_test).tolist() == [5_000, 5_000]
    lengths = [len(row) for row in x_train]
    assert min(lengths) < 30 and max(lengths) > 1_000  # real reviews: a few words to essays


def test_sample_is_shuffled_like_keras_and_ranked_by_training_frequency():
    (x_train, y_train), _ = load_imdb()
    assert 0.4 < y_train[:1000].mean() < 0.6  # the file's order (negative first) is shuffled
    index = load_imdb_word_index()
    assert [word for word, _ in sorted(index.items(), key=lambda item: item[1])[:4]] == [
        "the", "and", "a", "of"]
    counts = np.bincount(np.concatenate(x_train))
    assert counts[index["the"] + 3] == counts[4:].max()  # rank 1 is the most frequent word


@pytest.mark.parametrize("extra", [0, 1, 50, None])
def test_unseen_test_words_are_out_of_vocabulary_for_any_num_words(extra):
    ranked = imdb.sample_ranks()
    assert (ranked.test[0] == ranked.unseen_rank).any()
    assert not (ranked.train[0] == ranked.unseen_rank).any()
    num_words = None if extra is None else ranked.unseen_rank + 3 + extra
    (x_train, _), (x_test, _) = load_imdb(num_words=num_words)
    largest = ranked.unseen_rank + 2  # index of the rarest training word
    assert max(max(row) for row in x_train) == largest
    assert max(max(row) for row in x_test) <= largest
    assert sum(row.count(2) for row in x_test) >= (ranked.test[0] == ranked.unseen_rank).sum()


def test_sample_arrays_are_shared_read_only():
    with pytest.raises(ValueError, match="read-only"):
        np.random.default_rng(0).shuffle(load_imdb_texts("train").labels)
    assert not imdb.sample_ranks().train[0].flags.writeable


def test_sample_maxlen_filters_like_keras():
    (x_train, _), _ = load_imdb(maxlen=100)
    assert max(len(row) for row in x_train) < 100


def test_decode_review_round_trips_words():
    (x_train, _), _ = load_imdb()
    index = load_imdb_word_index()
    decoded = decode_review(x_train[0], index).split()
    assert decoded[0] == "[START]" and len(decoded) == len(x_train[0])
    assert decode_review([0, 0, 1, index["good"] + 3], index) == "[START] good"
    assert all(word in index for word in decoded[1:])  # every word a real one of the index


@pytest.mark.parametrize("kwargs, message", [
    (dict(source="imdb"), r"`source` must be one of \('imdb_sample', 'keras'\). Received: source='imdb'"),
    (dict(num_words=0), r"`num_words` must be an integer above index_from=3 or None. Received: num_words=0"),
    (dict(num_words=2.5), r"Received: num_words=2.5"),
    (dict(maxlen=1), r"`maxlen` must be an integer above 1 or None. Received: maxlen=1"),
    (dict(maxlen=3), r"no sequence was kept. Increase `maxlen`"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_imdb(**kwargs)


def test_reversed_reviews_are_reversed_before_padding():
    (forward, _), _ = imdb.load_padded_imdb(maxlen=500, train_samples=5)
    (backward, _), (test_backward, _) = imdb.load_padded_imdb(maxlen=500, train_samples=5, reverse=True)
    for row_forward, row_backward in zip(forward, backward):
        words = row_forward[row_forward != 0]
        assert row_backward[0] == 0  # the padding stays in front, where a reader meets it first
        np.testing.assert_array_equal(row_backward[-len(words):], words[::-1])
    assert test_backward.shape[1] == 500
