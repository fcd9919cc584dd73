"""Format-exact stand-ins of the three real datasets, for a full-profile *rehearsal*.

The full profile runs every chapter at the lecture's sizes on the real IMDB reviews, the Jena
climate record and Stanford's GloVe vectors. Some shapes, memory peaks and code paths appear
only at those sizes (25,000 reviews of up to 2,494 words, 88,584 words in the index, 420,551
weather rows, windows of 1,440 steps), so a rehearsal runs the full profile before a real run,
offline and in a temporary data home, on the files this module writes: the same names, layouts and
formats as the real files, and their sizes except GloVe's (2,000 words by default, not
400,000), with invented contents.

* ``imdb.npz``: Keras' layout (``x_train``, ``y_train``, ``x_test``, ``y_test``; 25,000 +
  25,000 reviews as object arrays of int lists of *raw* word ranks from 1, which the loader
  offsets by ``index_from`` and prefixes with the start token, as ``keras.datasets.imdb``
  does); lengths and word frequencies shaped like the real reviews; labels balanced and
  learnable (sentiment phrases, some negated).
* ``imdb_word_index.json``: one JSON object, word -> rank, 88,584 words: real common words
  first (every word a chapter looks up), then ``w<rank>``.
* ``jena_climate_2009_2016.csv.zip``: the real header and 420,551 ten-minute rows from
  ``01.01.2009 00:10:00``, physically consistent values with yearly and daily cycles, and the
  real file's ``-9999.00`` wind sentinels.
* ``glove.6B.zip``: member ``glove.6B.100d.txt`` in Stanford's text format, the most common
  words first; country/capital and man/king, woman/queen pairs share an offset (so that
  ``paris - france + italy`` is nearest ``rome``), and the reviews' sentiment words share a
  direction (so that frozen vectors carry signal).

Everything is deterministic given ``seed`` (zip entries carry a fixed date), written
atomically (a ``.partial`` file renamed once complete), and never over an existing file.

The IMDB files cannot pass the loaders' published checksums (only Keras' own bytes do), so a
rehearsal must accept them by their digests, which :func:`write_stand_ins` returns.

Example::

    digests = write_stand_ins(Path(tempfile.mkdtemp()))
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from course_lib.datasets._home import STAND_IN_COMMENT, file_digest
from course_lib.datasets.imdb import IMDB_NPZ, IMDB_WORD_INDEX, split_rows
from course_lib.datasets.weather import JENA_HEADER, JENA_MEMBER, JENA_ROWS, JENA_ZIP
from course_lib.datasets.word_vectors import GLOVE_ZIP, NUMBER_FORMAT

#: The stand-in reviews' vocabulary: sentiment words, their negators and intensifiers, filler.
POSITIVE = "good great excellent wonderful brilliant superb enjoyable delightful".split()
NEGATIVE = "bad awful terrible boring dull poor weak tedious".split()
NEGATORS = "not never hardly".split()
INTENSIFIERS = "very really truly extremely quite so".split()
NEUTRAL = (
    "the a and of to is in it this that was as with for his her on film movie story plot "
    "scene scenes actor actors actress cast director character characters script dialogue "
    "camera music score ending beginning end time life man woman one two first last new old "
    "people world family friend friends house city night day year years way part role roles "
    "series episode book version original sequel audience viewer viewers screen picture shot "
    "shots light lines line minutes hour hours moment moments theme setting world war love "
    "he she they we you i me my him them their there here what when where who which while "
    "after before during about from into over under between through again then also just "
    "even still only some many most more much other another such each every both few all "
    "be been being have has had do does did can could would should will may might must "
    "see saw seen watch watched watching make made making get got go went come came take "
    "took look looked seem seemed play played tell told know knew think thought feel felt "
    "show shows shown turn turned start started give gave find found leave left try tried "
    "by at an or but if so than too up out down off around back away home school town road "
    "car train ship island forest sea river mountain room door window table letter phone "
    "money job work police doctor soldier king queen child children son daughter father "
    "mother brother sister husband wife girl boy team game match plan secret truth past future"
).split()

# --- sizes of the real files --------------------------------------------------------------
IMDB_REVIEWS = 25_000  # per split
IMDB_VOCABULARY = 88_584  # words in Keras' imdb_word_index.json; ranks 1..88,584
IMDB_MEDIAN_LENGTH = 174  # words per raw review (before the start token)
IMDB_MEAN_LENGTH = 234
IMDB_MIN_LENGTH = 10
IMDB_MAX_LENGTH = 2_494
GLOVE_DIM = 100
GLOVE_MEMBER = f"glove.6B.{GLOVE_DIM}d.txt"
JENA_START = np.datetime64("2009-01-01T00:10:00", "s")
JENA_STEP = np.timedelta64(10, "m")
SENTINEL = -9999.0
#: The fixed date of every zip entry, so that the same seed gives the same bytes.
_ZIP_DATE = (2017, 1, 1, 0, 0, 0)
_ZIP_LEVEL = 1

# --- words ------------------------------------------------------------------------------
#: The most frequent words of the reviews, in about the real index's order ("br" is the
#: reviews' ``<br />``).
IMDB_HEAD = (
    "the and a of to is br in it i this that was as for with movie but film on not you are his "
    "have he be one all at by an they who so from like her or just about it's out if has some "
    "there what good more when very up no time she even my would which only story really see "
    "their had can were me well than we much been bad get will do also into people other first "
    "great because how him most don't made its then way make them too could any movies after "
    "think characters watch two films character seen many being life plot never acting little "
    "best love over where did show know off ever does better your end still man here these say "
    "scene while why scenes go such something through should back i'm real those watching now "
    "though doesn't years old thing actors work 10 before another didn't new funny nothing "
    "actually makes director look find going few same part again every lot cast us quite down "
    "want world things pretty young seems around got horror however can't fact take big enough "
    "long thought series both between may give original own action i've right without always "
    "times comedy point gets must come role isn't saw almost interesting least family done "
    "there's whole bit music script far making guy anything minutes feel last since might "
    "performance he's 2 probably kind am away yet rather tv worst girl day sure fun hard woman "
    "played anyone found each having although especially our believe course comes looking "
    "screen trying set goes looks place book different put ending money maybe once sense "
    "reason true actor everything wasn't shows dvd three worth year job main someone together "
    "watched play american plays 1 said effects takes instead everyone beautiful john later "
    "audience seem himself ten version wife house special night excellent left high american "
    "boring awful terrible wonderful brilliant superb enjoyable delightful dull poor weak "
    "tedious perfect amazing loved favorite stupid waste horrible worse"
).split()
#: GloVe 6B's first words, in its order (punctuation included).
GLOVE_HEAD = (
    "the , . of to and in a \" 's for - that on is was said with he as it by at ( ) from his '' "
    "`` an be has are have but were not this who they had i which will their : or its one after "
    "new been also we would two more ' first about up when year there all -- out she other "
    "people n't her percent than over into last some government time $ you years if no world "
    "can three do ; president only state million could us most _ against u.s. so them what him"
).split()
#: Country/capital pairs: chapter 3 plots the first eight and asks ``paris - france + italy``
#: and ``tokyo - japan + germany``.
CAPITALS = (
    ("france", "paris"), ("italy", "rome"), ("germany", "berlin"), ("spain", "madrid"),
    ("russia", "moscow"), ("turkey", "ankara"), ("japan", "tokyo"), ("china", "beijing"),
    ("britain", "london"), ("egypt", "cairo"), ("greece", "athens"), ("poland", "warsaw"),
    ("canada", "ottawa"), ("austria", "vienna"), ("portugal", "lisbon"), ("sweden", "stockholm"),
)
#: Chapter 3 asks ``king - man + woman``.
ROYALS = (("man", "king"), ("woman", "queen"))
#: Words that carry a review's label in ``imdb.npz`` (and a shared direction in GloVe).
POSITIVE_WORDS = tuple(POSITIVE) + ("best", "love", "beautiful", "perfect", "amazing", "loved",
                                    "favorite", "fun")
NEGATIVE_WORDS = tuple(NEGATIVE) + ("worst", "stupid", "waste", "horrible", "worse", "nothing")


def _unique(words: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(words))


#: Every word a chapter looks up, in the word index and in GloVe.
CHAPTER_WORDS = tuple(_unique(
    list(NEUTRAL) + list(NEGATORS) + list(INTENSIFIERS) + list(POSITIVE_WORDS)
    + list(NEGATIVE_WORDS) + [w for pair in CAPITALS + ROYALS for w in pair]
))
#: The word index's real words, ranks 1, 2, ...; the rest are ``w<rank>``.
IMDB_WORDS = tuple(_unique(IMDB_HEAD + list(CHAPTER_WORDS)))
#: GloVe's first lines; ``glove_words`` must leave room for them all.
GLOVE_REQUIRED = tuple(_unique(GLOVE_HEAD + list(CHAPTER_WORDS)))
MIN_GLOVE_WORDS = len(GLOVE_REQUIRED)
MAX_GLOVE_WORDS = (len(_unique(list(GLOVE_REQUIRED) + list(IMDB_WORDS)))
                   + IMDB_VOCABULARY - len(IMDB_WORDS))


# --- writing files -----------------------------------------------------------------------
def _check_seed(seed) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer. Received: seed={seed!r}")


def _target(data_home, filename: str) -> Path:
    """``data_home / filename``, refused if it exists: a stand-in never replaces a file."""
    home = Path(data_home).expanduser()
    if home.exists() and not home.is_dir():
        raise ValueError(f"`data_home` must be a folder. Received: data_home={str(home)!r}")
    path = home / filename
    if path.exists() or path.is_symlink():
        raise FileExistsError(
            f"{path} already exists: stand-ins are written only into a fresh data home and never "
            "replace a file (it may be the real dataset). Pass an empty folder as `data_home`."
        )
    return path


def _write_atomically(path: Path, write: Callable[[io.BufferedWriter], None]) -> Path:
    """Have ``write`` fill a ``.partial`` file beside ``path``, then give it ``path``'s name.

    The final name is taken with a hard link where the file system allows it, which fails
    instead of replacing a file that appeared meanwhile; elsewhere ``os.replace`` after a
    last check. An interrupted write (Ctrl-C included) removes the partial file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as handle:
            write(handle)
        try:
            os.link(partial, path)
        except FileExistsError:
            raise FileExistsError(
                f"{path} appeared while its stand-in was written; it was kept.") from None
        except OSError:  # no hard links here (some network and FAT file systems)
            _target(path.parent, path.name)
            os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _write_zip(handle, members: Iterable[tuple[str, Callable[[], bytes]]]) -> None:
    """A zip of deflated members, each made by its callable only when its turn comes (one in
    memory at a time), dated ``_ZIP_DATE`` so that equal contents give equal bytes. Level 1:
    the real archives' deflate at level 6 takes ten times longer for a file a fifth smaller."""
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.comment = STAND_IN_COMMENT  # refused unless a rehearsal accepted this file
        for name, make in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            bundle.writestr(info, make(), compress_type=zipfile.ZIP_DEFLATED,
                            compresslevel=_ZIP_LEVEL)


# --- IMDB --------------------------------------------------------------------------------
def word_index() -> dict[str, int]:
    """The stand-in ``imdb_word_index.json``: word -> rank from 1, 88,584 words."""
    index = {word: rank for rank, word in enumerate(IMDB_WORDS, start=1)}
    index.update((f"w{rank}", rank) for rank in range(len(index) + 1, IMDB_VOCABULARY + 1))
    return index


def write_imdb_word_index(data_home) -> Path:
    """Write ``imdb_word_index.json`` as Keras' file is: one JSON object, word -> rank."""
    path = _target(data_home, IMDB_WORD_INDEX.filename)
    text = json.dumps(word_index())
    return _write_atomically(path, lambda handle: handle.write(text.encode("utf-8")))


def _imdb_split(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw word ranks (flat), review lengths and labels of one split.

    Lengths: log-normal with the real median and mean, clipped to the real extremes. Words:
    ranks drawn from ``1/x`` on ``[1, 88,585)`` (Zipf's law, "the" about 6% of the words).
    Labels: balanced; each review holds about one sentiment phrase per 60 words, of its own
    polarity, some negated ("not" + the opposite polarity) or intensified; 3% of the labels
    are flipped, as many each way.
    """
    index = word_index()
    sigma = np.sqrt(2 * np.log(IMDB_MEAN_LENGTH / IMDB_MEDIAN_LENGTH))
    lengths = np.exp(rng.normal(np.log(IMDB_MEDIAN_LENGTH), sigma, size=count))
    lengths = np.clip(lengths, IMDB_MIN_LENGTH, IMDB_MAX_LENGTH).astype(np.int64)
    lengths[rng.choice(count, 2, replace=False)] = (IMDB_MIN_LENGTH, IMDB_MAX_LENGTH)
    offsets = np.cumsum(lengths) - lengths
    total = int(lengths.sum())
    flat = np.exp(rng.random(total) * np.log(IMDB_VOCABULARY + 1)).astype(np.int64)
    np.clip(flat, 1, IMDB_VOCABULARY, out=flat)

    sentiment = rng.permutation(np.arange(count) % 2)
    phrases = 1 + rng.poisson(lengths / 60)
    review_of = np.repeat(np.arange(count), phrases)
    length = lengths[review_of]
    start = offsets[review_of] + (rng.random(review_of.size) * (length - 2)).astype(np.int64)
    negated = rng.random(review_of.size) < 0.25
    intensified = ~negated & (rng.random(review_of.size) < 0.3)
    polarity = np.where(negated, 1 - sentiment[review_of], sentiment[review_of])
    ranks = {name: np.array([index[w] for w in words]) for name, words in (
        ("positive", POSITIVE_WORDS), ("negative", NEGATIVE_WORDS),
        ("negators", NEGATORS), ("intensifiers", INTENSIFIERS))}
    flat[start + 1] = np.where(polarity == 1, rng.choice(ranks["positive"], review_of.size),
                               rng.choice(ranks["negative"], review_of.size))
    flat[start[negated]] = rng.choice(ranks["negators"], int(negated.sum()))
    flat[start[intensified]] = rng.choice(ranks["intensifiers"], int(intensified.sum()))

    labels = sentiment.copy()
    flips = max(1, round(0.015 * count))
    for value in (0, 1):
        labels[rng.choice(np.flatnonzero(sentiment == value), flips, replace=False)] ^= 1
    return flat, lengths, labels.astype(np.int64)


def _npy_bytes(array: np.ndarray) -> bytes:
    """``array`` as a ``.npy`` file, object arrays pickled, as ``np.savez`` stores them."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def write_imdb(data_home, seed: int = 0) -> Path:
    """Write ``imdb.npz`` in Keras' layout: 25,000 + 25,000 reviews of raw word ranks.

    ``x_train``/``x_test`` are object arrays of int lists (ranks from 1, no start token: the
    loader adds it and the ``index_from`` offset), ``y_train``/``y_test`` int64 labels, stored
    compressed like Keras' 17 MB file. One split is held in memory at a time.
    """
    _check_seed(seed)
    path = _target(data_home, IMDB_NPZ.filename)

    def members():
        rng = np.random.default_rng([seed, 1])
        for split in ("train", "test"):
            flat, lengths, labels = _imdb_split(rng, IMDB_REVIEWS)
            yield f"x_{split}.npy", lambda: _npy_bytes(split_rows(flat, lengths))
            yield f"y_{split}.npy", lambda: _npy_bytes(labels)

    def write(handle):
        _write_zip(handle, members())

    return _write_atomically(path, write)


# --- Jena --------------------------------------------------------------------------------
def _smooth_noise(rng: np.random.Generator, size: int, steps: float) -> np.ndarray:
    """Unit-variance noise whose correlation time is about ``steps`` rows (a red spectrum,
    shaped in the Fourier domain: an AR(1)-like process without a Python loop)."""
    spectrum = np.fft.rfft(rng.standard_normal(size))
    frequency = np.fft.rfftfreq(size)
    spectrum /= np.sqrt(1 + (2 * np.pi * steps * frequency) ** 2)
    series = np.fft.irfft(spectrum, n=size)
    return (series - series.mean()) / series.std()


def _saturation_pressure(celsius: np.ndarray) -> np.ndarray:
    """Magnus' formula, mbar."""
    return 6.1078 * np.exp(17.27 * celsius / (celsius + 237.3))


def jena_values(seed: int = 0, rows: int = JENA_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """``(timestamps, values)`` of the stand-in Jena record: ``datetime64[s]`` of shape
    ``(rows,)`` and float64 of shape ``(rows, 14)`` in ``JENA_HEADER[1:]``'s order, with the
    wind sentinels in place.

    Temperature: a yearly cycle (about -1 °C in January to 19 °C in July), a daily cycle
    larger in summer, and weather that lasts days, partly following the pressure of a day
    before. Dew point lies below it by a spread of a few degrees; the other columns follow from
    temperature, pressure and dew point by the usual formulas (Magnus, potential temperature,
    ideal gas), as the station's derived ones do.
    """
    _check_seed(seed)
    rng = np.random.default_rng([seed, 2])
    steps = np.arange(1, rows + 1)
    timestamps = JENA_START + (steps - 1) * JENA_STEP
    day = steps / 144.0
    season = -np.cos(2 * np.pi * (day - 20) / 365.2425)  # -1 in mid-January, +1 in mid-July
    hour = (steps % 144) / 6.0
    daily = np.cos(2 * np.pi * (hour - 15) / 24)  # +1 at 15:00

    pressure_weather = _smooth_noise(rng, rows, 2 * 144)
    pressure = 989.2 + 7.5 * pressure_weather + 0.4 * np.cos(2 * np.pi * hour / 12)
    lagged = np.concatenate([np.zeros(144), pressure_weather[:-144]])
    anomaly = (3.6 - 1.8 * season) * _smooth_noise(rng, rows, 3 * 144) + 1.4 * lagged
    temperature = 9.4 + 10.0 * season + (3.2 + 1.8 * season) * daily + anomaly
    temperature += 0.15 * rng.standard_normal(rows)
    np.clip(temperature, -23.0, 37.2, out=temperature)

    # Dew point: below the temperature by a spread that grows in the afternoon, in summer and
    # in warm spells; at most about 23 °C, and relative humidity at least 13%, as in Jena.
    spread = (3.2 * np.exp(0.55 * _smooth_noise(rng, rows, 144)) * (1 + 0.45 * daily)
              * (1 + 0.25 * season) + 0.25 * np.maximum(anomaly, 0))
    dew = temperature - np.maximum(spread + 0.1 * rng.standard_normal(rows), 0)
    dew = np.where(dew > 20, 20 + 3 * np.tanh((dew - 20) / 3), dew)
    vp_max = _saturation_pressure(temperature)
    driest = np.log(0.13 * vp_max / 6.1078)  # the dew point of 13% relative humidity
    dew = np.maximum(dew, 237.3 * driest / (17.27 - driest))
    vp_act = _saturation_pressure(dew)
    humidity = 100 * vp_act / vp_max
    vp_def = vp_max - vp_act
    kelvin = temperature + 273.15
    potential = kelvin * (1000 / pressure) ** 0.286
    specific = 622 * vp_act / (pressure - 0.378 * vp_act)
    concentration = 1000 * vp_act / pressure
    density = pressure * 100 / (287.05 * kelvin) * 1000

    windy = 0.55 * _smooth_noise(rng, rows, 36) - 0.25 * pressure_weather
    wind = np.clip(np.exp(windy + 0.7) - 0.25 + 0.15 * rng.standard_normal(rows), 0, 14.5)
    gust = np.clip(wind * 1.55 + 0.2 + 0.3 * np.abs(rng.standard_normal(rows)), 0, 23.5)
    direction = np.mod(220 + np.cumsum(rng.normal(0, 3.0, rows)) + 25 * rng.standard_normal(rows),
                       360)
    values = np.column_stack([
        pressure, temperature, potential, dew, humidity, vp_max, vp_act, vp_def, specific,
        concentration, density, wind, gust, direction,
    ])
    values = np.round(values, 2)
    # The real record's broken anemometer readings: -9999 in wind speed and maximum wind speed.
    broken = np.sort(rng.choice(np.arange(144, rows - 144), 5, replace=False))
    values[broken[:4], JENA_HEADER.index("wv (m/s)") - 1] = SENTINEL
    values[broken[1:], JENA_HEADER.index("max. wv (m/s)") - 1] = SENTINEL
    return timestamps, values


def _jena_stamps(timestamps: np.ndarray) -> list[str]:
    """``dd.mm.yyyy HH:MM:SS`` strings, by a byte shuffle of the ISO form (no per-row
    ``strftime``)."""
    iso = np.datetime_as_string(timestamps, unit="s").astype("S19")
    raw = iso.view(np.uint8).reshape(len(iso), 19)
    jena = raw[:, [8, 9, 7, 5, 6, 4, 0, 1, 2, 3, 10, 11, 12, 13, 14, 15, 16, 17, 18]].copy()
    jena[:, 2] = jena[:, 5] = ord(".")
    jena[:, 10] = ord(" ")
    return jena.reshape(-1).view("S19").astype(str).tolist()


def write_jena(data_home, seed: int = 0) -> Path:
    """Write ``jena_climate_2009_2016.csv.zip``: the real header, quoted, then 420,551 rows
    ``01.01.2009 00:10:00,996.52,-8.02,...`` (two decimals), as one deflated member."""
    path = _target(data_home, JENA_ZIP.filename)
    timestamps, values = jena_values(seed)
    stamps = _jena_stamps(timestamps)
    row = "%s" + ",%.2f" * values.shape[1] + "\n"
    header = ",".join(f'"{name}"' for name in JENA_HEADER) + "\n"

    def text() -> bytes:
        blocks = [header.encode("ascii")]
        for start in range(0, len(values), 50_000):
            rows = zip(stamps[start:start + 50_000], values[start:start + 50_000].tolist())
            lines = "".join([row % (stamp, *numbers) for stamp, numbers in rows])
            blocks.append(lines.encode("ascii"))
        return b"".join(blocks)

    def write(handle):
        _write_zip(handle, [(JENA_MEMBER, text)])

    return _write_atomically(path, write)


# --- GloVe -------------------------------------------------------------------------------
def glove_vocabulary(words: int = 2000) -> list[str]:
    """GloVe's first words, every word a chapter looks up, then the reviews' words by rank."""
    _check_glove_words(words)
    vocabulary = _unique(list(GLOVE_REQUIRED) + list(word_index()))
    return vocabulary[:words]


def _check_glove_words(words) -> None:
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
    _check_seed(seed)
    vocabulary = glove_vocabulary(words)
    row = {word: i for i, word in enumerate(vocabulary)}
    rng = np.random.default_rng([seed, 3])
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


def write_glove_zip(data_home, seed: int = 0, words: int = 2000) -> Path:
    """Write ``glove.6B.zip`` holding ``glove.6B.100d.txt`` in Stanford's format: ``word`` then
    100 numbers printed ``%.5g``, space-separated, one word per line."""
    _check_glove_words(words)
    path = _target(data_home, GLOVE_ZIP.filename)
    vocabulary, vectors = glove_vectors(seed, words)
    row = "%s" + (" " + NUMBER_FORMAT) * GLOVE_DIM + "\n"
    text = "".join(row % (word, *numbers) for word, numbers in zip(vocabulary, vectors.tolist()))

    def write(handle):
        _write_zip(handle, [(GLOVE_MEMBER, lambda: text.encode("utf-8"))])

    return _write_atomically(path, write)


# --- all four ----------------------------------------------------------------------------
STAND_IN_FILES = (IMDB_NPZ.filename, IMDB_WORD_INDEX.filename, JENA_ZIP.filename,
                  GLOVE_ZIP.filename)


def write_stand_ins(data_home: Path, *, seed: int = 0, glove_words: int = 2000) -> dict[str, str]:
    """Write the four stand-ins into data_home; return {filename: sha256 hex} of each file written.

    Every argument and every target name is checked before anything is written, so a refusal
    (``ValueError``, ``FileExistsError``) leaves ``data_home`` as it was.
    """
    _check_seed(seed)
    _check_glove_words(glove_words)
    for filename in STAND_IN_FILES:
        _target(data_home, filename)
    paths = [
        write_imdb(data_home, seed),
        write_imdb_word_index(data_home),
        write_jena(data_home, seed),
        write_glove_zip(data_home, seed, glove_words),
    ]
    return {path.name: file_digest(path) for path in paths}
