"""The shipped review sample: its bytes, its counts, and the script that rebuilds it."""

import hashlib
import importlib.util
import json
import lzma
from pathlib import Path

import numpy as np
import pytest

from course_lib.datasets import imdb_sample
from course_lib.datasets.imdb_sample import SAMPLE_PATH, SAMPLE_SHA256, load_imdb_texts

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_imdb_sample", ROOT / "scripts" / "make_imdb_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_file_has_its_digest_and_fits_the_repository():
    data = SAMPLE_PATH.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SAMPLE_SHA256
    assert len(data) <= 10_000_000


def test_shipped_counts_are_balanced_and_from_the_official_splits():
    lines = lzma.decompress(SAMPLE_PATH.read_bytes()).split(b"\n")[:-1]
    records = [json.loads(line) for line in lines]
    assert len(records) == 22_500
    for split, per_label in _script().PER_LABEL.items():
        rows = [r for r in records if r["split"] == split]
        assert np.bincount([r["label"] for r in rows]).tolist() == [per_label, per_label]
        assert len({(r["label"], r["id"]) for r in rows}) == 2 * per_label
        # Stanford's labels: 4 stars or fewer negative, 7 or more positive
        assert all((r["rating"] >= 7) == bool(r["label"]) for r in rows)
        assert all(r["rating"] <= 4 or r["rating"] >= 7 for r in rows)


def test_texts_are_real_reviews():
    train = load_imdb_texts("train")
    assert len(train.texts) == 12_500 and len(load_imdb_texts("test").texts) == 10_000
    assert all(isinstance(text, str) and text for text in train.texts)
    assert "<br />" in " ".join(train.texts[:200])  # Stanford's raw text, line breaks as HTML


def test_bad_split_is_named():
    with pytest.raises(ValueError, match=r"`split` must be one of \('train', 'test'\). "
                                         r"Received: split='val'"):
        load_imdb_texts("val")


def test_damaged_sample_is_refused(tmp_path):
    damaged = tmp_path / "imdb_sample.jsonl.xz"
    damaged.write_bytes(b"not the sample")
    with pytest.raises(OSError, match=r"is damaged: sha256 \w+, expected " + SAMPLE_SHA256):
        imdb_sample._records.__wrapped__(damaged)
    with pytest.raises(OSError, match=r"The shipped review sample is missing"):
        imdb_sample._records.__wrapped__(tmp_path / "absent.xz")


def _fake_acl_imdb(root: Path, layout: str) -> None:
    """A tiny aclImdb: 6 training and 4 test reviews per label, in either layout."""
    for split, count in (("train", 6), ("test", 4)):
        for label in ("neg", "pos"):
            for review_id in range(count):
                rating = 2 if label == "neg" else 9
                folder = split
                if layout == "split" and split == "train" and review_id >= 4:
                    folder = "val"  # the copy's held-out part of the official training split
                path = root / folder / label / f"{review_id}_{rating}.txt"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(f"{split} {label} review {review_id} <br />é", encoding="utf-8")


def test_rebuild_is_the_same_bytes_from_either_layout(tmp_path):
    script = _script()
    sizes = {"train": 3, "test": 2}
    outputs = []
    for layout in ("stanford", "split"):
        _fake_acl_imdb(tmp_path / layout, layout)
        records = script.select(tmp_path / layout, sizes)
        outputs.append(script.encode(records))
    assert outputs[0] == outputs[1]
    assert [(r["split"], r["label"]) for r in records].count(("train", 1)) == 3
    chosen = [r["id"] for r in records if r["split"] == "train" and r["label"] == 0]
    ranked = sorted(range(6), key=lambda i: script.selection_key("train", "neg", f"{i}_2.txt"))
    assert chosen == sorted(ranked[:3])  # the smallest hashes, in id order


def test_rebuild_refuses_a_folder_that_is_too_small(tmp_path):
    _fake_acl_imdb(tmp_path, "stanford")
    with pytest.raises(ValueError, match=r"holds 6 train/neg reviews; the sample needs 6250"):
        _script().select(tmp_path)
    with pytest.raises(OSError, match=r"`root` must be an extracted aclImdb folder"):
        _script().select(tmp_path / "missing")


def test_rebuild_never_writes_over_a_different_file(tmp_path, capsys):
    script = _script()
    _fake_acl_imdb(tmp_path / "acl", "stanford")
    out = tmp_path / "sample.xz"
    out.write_bytes(b"a user's file")
    sizes = {"train": 3, "test": 2}
    data = script.encode(script.select(tmp_path / "acl", sizes))
    assert script.write(data, out) == tmp_path / "sample.xz.new"
    assert out.read_bytes() == b"a user's file" and (tmp_path / "sample.xz.new").read_bytes() == data
    out.write_bytes(data)
    assert script.write(data, out) == out  # the same bytes: nothing to do


def test_standardize_review_splits_at_punctuation_and_line_breaks():
    texts = ["Great movie.<br /><br />I don't know, REALLY!"]
    standardized = imdb_sample.standardize_review(np.array(texts)).numpy()[0].decode()
    assert standardized.split() == ["great", "movie", "i", "don", "t", "know", "really"]


def test_the_sample_vocabulary_is_one_glove_knows():
    """Chapter 3 loads GloVe rows for the 10,000 most frequent words: nearly all must exist."""
    from course_lib.datasets import load_imdb_word_index
    from course_lib.datasets.word_vectors import glove_path

    with open(glove_path(50), encoding="utf-8") as lines:
        glove = {line.split(" ", 1)[0] for line in lines}
    frequent = [word for word, rank in load_imdb_word_index().items() if rank + 3 < 10_000]
    assert sum(word in glove for word in frequent) >= 9_900
    assert not any(word.endswith("br") and word[:-2] in glove for word in frequent[:2000])


def test_the_library_vocabulary_is_the_one_chapter_02_builds():
    """Chapter 02 adapts ``TextVectorization(max_tokens=num_words, standardize=
    standardize_review)`` on the page; the library's tokenizer, in plain Python, must rank the
    same words first, so the chapters that call it read what chapter 02 showed."""
    pytest.importorskip("tensorflow")  # Keras' text layers run on TensorFlow
    import keras

    texts = load_imdb_texts("train").texts[:1500]
    page = keras.layers.TextVectorization(max_tokens=400, standardize=imdb_sample.standardize_review)
    page.adapt(list(texts), batch_size=1024)
    assert page.get_vocabulary() == ["", "[UNK]"] + imdb_sample.review_vocabulary(
        [imdb_sample.review_words(text) for text in texts])[:398]
    tokens = keras.ops.convert_to_numpy(page(list(texts[:50])))
    for text, row in zip(texts[:50], tokens):
        vocabulary = page.get_vocabulary()
        assert [vocabulary[i] for i in row[row > 0]] == [
            word if word in vocabulary else "[UNK]" for word in imdb_sample.review_words(text)]


def test_review_words_split_as_tensorflow_does_where_python_would_not():
    """TensorFlow lower-cases only ASCII letters and splits only at ASCII whitespace."""
    assert imdb_sample.review_words("\u00c9T\u00c9 Caf\u00e9\u00a0noir<br />Yes!") == [
        "\u00c9t\u00c9", "caf\u00e9\u00a0noir", "yes"]
    assert imdb_sample.review_words("") == [] and imdb_sample.review_words(" .,!") == []


# sample_ranks keeps the tokenized sample in the data home: every process after the first reads
# it back instead of tokenizing 22,500 reviews again.

def _frozen(*values):
    return imdb_sample._read_only(np.array(values, dtype=np.int64))


TINY_RANKS = imdb_sample.RankedReviews(  # as the tokenizer returns them: read-only int64
    train=(_frozen(1, 2, 1), _frozen(2, 1), _frozen(0, 1)),
    test=(_frozen(3, 1), _frozen(2), _frozen(1)),
    word_index={"the": 1, "film": 2},
)


@pytest.fixture
def tokenizations(data_home, monkeypatch):
    """sample_ranks with a fresh process cache and a tokenizer that counts its calls and
    returns TINY_RANKS: the keeping and reading back are what is tested here."""
    calls = []
    monkeypatch.setattr(imdb_sample, "_tokenize_sample", lambda: calls.append(1) or TINY_RANKS)
    imdb_sample.sample_ranks.cache_clear()
    yield calls
    imdb_sample.sample_ranks.cache_clear()  # later tests get the real sample again


def _same_ranks(read, expected):
    for got, want in zip(read.train + read.test, expected.train + expected.test):
        assert got.dtype == np.int64 and np.array_equal(got, want) and not got.flags.writeable
    assert list(read.word_index.items()) == list(expected.word_index.items())


def test_the_real_ranks_read_back_from_the_data_home_are_the_tokenized_ones(data_home):
    ranked = imdb_sample.sample_ranks()  # tokenized in this process, or read back
    path = data_home / imdb_sample.RANKS_CACHE_NAME
    imdb_sample._write_ranks(path, "a key", ranked)
    assert path.stat().st_size < 12_000_000  # ranks below 65,536 are kept as 2 bytes
    _same_ranks(imdb_sample._read_ranks(path, "a key"), ranked)


def test_the_first_process_keeps_the_ranks_and_the_next_reads_them(tokenizations, data_home):
    _same_ranks(imdb_sample.sample_ranks(), TINY_RANKS)
    assert (data_home / imdb_sample.RANKS_CACHE_NAME).is_file() and len(tokenizations) == 1
    imdb_sample.sample_ranks.cache_clear()  # as in a new process
    _same_ranks(imdb_sample.sample_ranks(), TINY_RANKS)
    assert len(tokenizations) == 1


def test_ranks_kept_for_other_code_or_a_damaged_file_are_tokenized_again(
        tokenizations, data_home, monkeypatch):
    imdb_sample.sample_ranks()
    imdb_sample.sample_ranks.cache_clear()
    monkeypatch.setattr(imdb_sample, "_ranks_key", lambda: "the tokenizer was edited")
    imdb_sample.sample_ranks()
    assert len(tokenizations) == 2
    path = data_home / imdb_sample.RANKS_CACHE_NAME
    for damage in (b"", b"PK\x03\x04 cut short", path.read_bytes()[:1000]):
        path.write_bytes(damage)
        imdb_sample.sample_ranks.cache_clear()
        _same_ranks(imdb_sample.sample_ranks(), TINY_RANKS)
    assert len(tokenizations) == 5
    _same_ranks(imdb_sample._read_ranks(path, "the tokenizer was edited"), TINY_RANKS)


def test_a_data_home_that_cannot_be_written_only_costs_the_time(tokenizations, monkeypatch,
                                                                 tmp_path):
    monkeypatch.setenv("COURSE_LIB_DATA", str(tmp_path / "a file"))
    (tmp_path / "a file").write_text("not a folder")
    for _ in range(2):
        imdb_sample.sample_ranks.cache_clear()
        _same_ranks(imdb_sample.sample_ranks(), TINY_RANKS)
    assert len(tokenizations) == 2
    assert (tmp_path / "a file").read_text() == "not a folder"
