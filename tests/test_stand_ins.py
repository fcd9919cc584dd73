"""The rehearsal's stand-ins pass the real loaders at the real sizes (course_lib.datasets.stand_ins)."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from course_lib.build.planner import load_profiles
from course_lib.datasets import _home, stand_ins
from course_lib.datasets.imdb import load_imdb, load_imdb_word_index
from course_lib.datasets.weather import JENA_HEADER, JENA_MEMBER, JENA_ROWS, clean_wind, load_jena
from course_lib.datasets.word_vectors import load_glove
from course_lib.embeddings import nearest_words
from course_lib.windows import ForecastSplits, normalize
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """All four stand-ins, written once for the module: (data home, returned digests)."""
    home = tmp_path_factory.mktemp("stand_ins")
    return home, stand_ins.write_stand_ins(home)


def _accepting(monkeypatch, written):
    """This process accepts the stand-ins, as a rehearsal's kernels do (and only them)."""
    home, digests = written
    monkeypatch.setattr(_home, "_STAND_INS", {})
    _home.accept_stand_ins({home / name: digest for name, digest in digests.items()})


@pytest.fixture(scope="module")
def jena(written):
    home, _ = written
    with pytest.MonkeyPatch.context() as monkeypatch:
        _accepting(monkeypatch, written)
        return load_jena(source="jena", data_home=home)


@pytest.fixture(autouse=True)
def accepted(written, monkeypatch):
    """Every test here runs as a rehearsal's kernel would, the stand-ins accepted."""
    _accepting(monkeypatch, written)
    return written[0]


@pytest.fixture
def keras_checksums(accepted):
    """The IMDB files pass the loaders' checks by the rehearsal's acceptance, Keras'
    published checksums unchanged."""
    return accepted


def test_an_archive_stand_in_that_was_not_accepted_is_refused_and_kept(written, tmp_path):
    home, _ = written
    for name in ("jena_climate_2009_2016.csv.zip", "glove.6B.zip"):
        copy = tmp_path / name
        copy.write_bytes((home / name).read_bytes())  # left in a data home by mistake
    with pytest.raises(OSError, match="is a stand-in written for a full-profile rehearsal"):
        load_jena(source="jena", data_home=tmp_path)
    with pytest.raises(OSError, match="is a stand-in written for a full-profile rehearsal"):
        load_glove(100, source="glove", data_home=tmp_path)
    assert len(list(tmp_path.glob("*.corrupt-*"))) == 2


def test_digests_name_the_four_files_written(written):
    home, digests = written
    assert set(digests) == set(stand_ins.STAND_IN_FILES) == {
        "imdb.npz", "imdb_word_index.json", "jena_climate_2009_2016.csv.zip", "glove.6B.zip"}
    for name, digest in digests.items():
        assert _home.file_digest(home / name) == digest
    assert not list(home.glob("*.partial"))


def test_jena_loads_at_full_size_with_the_real_header(written, jena):
    home, _ = written
    with zipfile.ZipFile(home / "jena_climate_2009_2016.csv.zip") as bundle:
        assert bundle.namelist() == [JENA_MEMBER]
        with bundle.open(JENA_MEMBER) as member:
            header, first = member.readline().decode(), member.readline().decode()
    assert header == '"Date Time","p (mbar)","T (degC)","Tpot (K)","Tdew (degC)","rh (%)",' \
        '"VPmax (mbar)","VPact (mbar)","VPdef (mbar)","sh (g/kg)","H2OC (mmol/mol)",' \
        '"rho (g/m**3)","wv (m/s)","max. wv (m/s)","wd (deg)"\n'
    assert first.startswith("01.01.2009 00:10:00,")
    assert all(len(cell.split(".")[1]) == 2 for cell in first.strip().split(",")[1:])
    assert len(jena) == JENA_ROWS == 420_551 and jena.columns == JENA_HEADER[1:]
    assert jena.interval == np.timedelta64(10, "m") and jena.steps_per_day == 144
    assert str(jena.timestamps[0]) == "2009-01-01T00:10:00"
    assert np.all(np.diff(jena.timestamps) == np.timedelta64(10, "m"))


def test_jena_gives_the_full_profiles_windows(jena):
    """Chapters 7 to 12 under the full profile: ten days of history, one row an hour, 24 h
    ahead, the lecture's splits: a batch is 128 samples of 240 steps of 14 variables."""
    full = load_profiles(ROOT)["full"]["07_forecasting"]
    settings = {name: full[name] for name in
                ("lookback", "step", "delay", "train_end", "val_end")}
    data, _, _ = normalize(jena.values, settings["train_end"])
    splits = ForecastSplits(data, batch_size=128, target_column=jena.target_index, **settings)
    samples, targets = next(splits.batches("train"))
    assert samples.shape == (128, 240, 14) and targets.shape == (128,)
    assert splits.steps("val") == 769  # the lecture's val_steps on Jena


@pytest.mark.parametrize("column, low, high", [
    ("p (mbar)", 940, 1040), ("T (degC)", -25, 38), ("Tpot (K)", 250, 312),
    ("Tdew (degC)", -35, 24), ("rh (%)", 12, 100), ("VPmax (mbar)", 1, 65),
    ("VPact (mbar)", 0.3, 30), ("VPdef (mbar)", 0, 47), ("sh (g/kg)", 0.2, 19),
    ("H2OC (mmol/mol)", 0.3, 30), ("rho (g/m**3)", 1050, 1400), ("wd (deg)", 0, 360),
])
def test_jena_values_are_in_the_real_ranges(jena, column, low, high):
    values = jena.values[:, jena.columns.index(column)]
    assert low <= values.min() and values.max() <= high


def test_jena_temperature_has_yearly_and_daily_cycles(jena):
    temperature = jena.values[:, jena.columns.index("T (degC)")]
    months = jena.timestamps.astype("datetime64[M]").astype(int) % 12
    assert temperature[months == 6].mean() - temperature[months == 0].mean() > 12
    hours = jena.timestamps.astype("datetime64[h]").astype(int) % 24
    assert temperature[hours == 15].mean() - temperature[hours == 4].mean() > 2
    dew = jena.values[:, jena.columns.index("Tdew (degC)")]
    assert np.all(dew <= temperature + 0.01)


def test_jena_wind_sentinels_are_there_until_cleaned(jena):
    columns = [jena.columns.index(name) for name in ("wv (m/s)", "max. wv (m/s)")]
    raw = jena.values[:, columns]
    assert np.all((raw == -9999.0).sum(axis=0) >= 3)
    assert raw[raw != -9999.0].min() >= 0
    cleaned = clean_wind(jena).values[:, columns]
    assert cleaned.min() >= 0 and cleaned.max() < 30


def test_glove_extracts_and_parses_with_stanfords_format(written):
    home, _ = written
    with zipfile.ZipFile(home / "glove.6B.zip") as bundle:
        assert bundle.namelist() == ["glove.6B.100d.txt"]
        with bundle.open("glove.6B.100d.txt") as member:
            first = member.readline().decode()
    word, *numbers = first.split(" ")
    assert word == "the" and len(numbers) == 100
    assert all(number.strip() == "%.5g" % float(number) for number in numbers)
    vectors = load_glove(100, source="glove", data_home=home)
    assert vectors.dim == 100 and len(vectors.words) == 2000
    assert vectors.words[:len(stand_ins.GLOVE_HEAD)] == tuple(stand_ins.GLOVE_HEAD)
    assert set(stand_ins.CHAPTER_WORDS) <= set(vectors.words)


def test_glove_holds_chapter_three_analogies(written):
    home, _ = written
    vectors = load_glove(100, source="glove", data_home=home)
    rows = vectors.index

    def analogy(a, b, c):  # chapter 3's: the words nearest to b - a + c
        query = vectors.vectors[rows[b]] - vectors.vectors[rows[a]] + vectors.vectors[rows[c]]
        return nearest_words(vectors.vectors, rows, query, k=3, exclude=[a, b, c])

    assert analogy("france", "paris", "italy")[0] == "rome"
    assert analogy("japan", "tokyo", "germany")[0] == "berlin"
    assert analogy("man", "king", "woman")[0] == "queen"
    assert set(nearest_words(vectors.vectors, rows, "good", k=5)) <= set(stand_ins.POSITIVE_WORDS)


def test_glove_covers_the_reviews_frequent_words(written):
    home, _ = written
    glove = set(load_glove(100, source="glove", data_home=home).words)
    index = json.loads((home / "imdb_word_index.json").read_text())
    frequent = [word for word, rank in index.items() if rank <= 1000]
    assert sum(word in glove for word in frequent) / len(frequent) > 0.95


def test_word_index_has_keras_layout_and_the_chapters_words(written):
    home, _ = written
    index = json.loads((home / "imdb_word_index.json").read_text(encoding="utf-8"))
    assert len(index) == stand_ins.IMDB_VOCABULARY == 88_584
    assert sorted(index.values()) == list(range(1, 88_585))
    assert index["the"] == 1 and index["and"] == 2 and index["w88584"] == 88_584
    assert set(stand_ins.CHAPTER_WORDS) <= set(index)
    assert all(index[word] < 1000 for word in stand_ins.CHAPTER_WORDS)


def test_word_index_loads_through_the_loader_given_its_digest(keras_checksums):
    index = load_imdb_word_index(source="keras", data_home=keras_checksums,
                                 download_if_missing=False)
    assert len(index) == 88_584 and index["good"] < 100


def test_imdb_npz_has_keras_layout(written):
    home, _ = written
    with np.load(home / "imdb.npz", allow_pickle=True) as archive:
        assert archive.files == ["x_train", "y_train", "x_test", "y_test"]
        arrays = {key: archive[key] for key in archive.files}
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        assert x.shape == y.shape == (25_000,)
        assert x.dtype == object and isinstance(x[0], list) and type(x[0][0]) is int
        assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1} and y.sum() == 12_500
        lengths = np.array([len(row) for row in x])
        assert lengths.min() == 10 and lengths.max() == 2_494
        assert 165 <= np.median(lengths) <= 185 and 220 <= lengths.mean() <= 250
        ranks = np.concatenate([np.asarray(row) for row in x[:2000]])
        assert ranks.min() >= 1 and ranks.max() <= 88_584  # raw ranks: no start token, no offset
        assert 0.04 < np.mean(ranks == 1) < 0.08  # "the", as often as in real reviews


def test_imdb_loads_like_keras_given_its_digest(keras_checksums):
    (x_train, _), (x_test, y_test) = load_imdb(
        source="keras", data_home=keras_checksums, download_if_missing=False)
    assert len(x_train) == len(x_test) == 25_000
    assert all(row[0] == 1 for row in x_train[:1000])
    assert max(max(row) for row in x_train) <= 88_584 + 3
    assert min(min(row[1:]) for row in x_train[:1000]) >= 4
    # Learnable: the sentiment words alone get most labels right.
    index = load_imdb_word_index(source="keras", data_home=keras_checksums,
                                 download_if_missing=False)
    positive = {index[w] + 3 for w in stand_ins.POSITIVE_WORDS}
    negative = {index[w] + 3 for w in stand_ins.NEGATIVE_WORDS}
    score = np.array([sum((w in positive) - (w in negative) for w in row) for row in x_test[:3000]])
    assert np.mean((score > 0) == y_test[:3000]) > 0.7


def test_same_seed_gives_the_same_bytes(written, tmp_path):
    _, digests = written
    assert stand_ins.write_stand_ins(tmp_path) == digests


def test_other_seed_gives_other_values(tmp_path):
    _, first = stand_ins.jena_values(0, rows=2000)
    _, other = stand_ins.jena_values(1, rows=2000)
    assert not np.array_equal(first, other)
    assert stand_ins.write_glove_zip(tmp_path / "a", 1).read_bytes() != \
        stand_ins.write_glove_zip(tmp_path / "b", 0).read_bytes()


def test_an_existing_file_is_never_replaced(tmp_path):
    mine = tmp_path / "imdb_word_index.json"
    mine.write_text("my own copy")
    with pytest.raises(FileExistsError, match=r"imdb_word_index.json already exists"):
        stand_ins.write_stand_ins(tmp_path)
    assert mine.read_text() == "my own copy"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["imdb_word_index.json"]
    (tmp_path / "glove.6B.zip").write_bytes(b"real")
    with pytest.raises(FileExistsError, match=r"glove.6B.zip already exists"):
        stand_ins.write_glove_zip(tmp_path)
    assert (tmp_path / "glove.6B.zip").read_bytes() == b"real"


def test_an_interrupted_write_leaves_nothing(tmp_path, monkeypatch):
    def interrupted(handle, members):
        handle.write(b"PK half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(stand_ins, "_write_zip", interrupted)
    with pytest.raises(KeyboardInterrupt):
        stand_ins.write_glove_zip(tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kwargs, message", [
    (dict(glove_words=3), rf"`glove_words` must be at least {stand_ins.MIN_GLOVE_WORDS} .*"
                          r"Received: glove_words=3"),
    (dict(glove_words=2000.0), r"`glove_words` must be an integer. Received: glove_words=2000.0"),
    (dict(glove_words=10**6), r"`glove_words` must be at most \d+. Received: glove_words=1000000"),
    (dict(seed=-1), r"`seed` must be a non-negative integer. Received: seed=-1"),
    (dict(seed="0"), r"`seed` must be a non-negative integer. Received: seed='0'"),
])
def test_bad_arguments_are_named_before_anything_is_written(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        stand_ins.write_stand_ins(tmp_path, **kwargs)
    assert list(tmp_path.iterdir()) == []
